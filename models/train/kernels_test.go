package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// accumRows (assembly where available) equals the Go loop bit for bit.
func TestAccumRowsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 70, 196, 784} {
		for _, j := range []int{1, 2, 9, 144} {
			stride := n + rng.IntN(5)
			a := randInput(rng, j)
			x := randInput(rng, (j-1)*stride+n)
			for i := range a {
				a[i] = a[i]*2 - 1
			}
			y0 := randInput(rng, n)
			y1 := append([]float32(nil), y0...)
			y2 := append([]float32(nil), y0...)
			accumRows(y1, a, x, stride)
			accumRowsGo(y2, a, x, stride)
			for i := range y1 {
				if y1[i] != y2[i] {
					t.Fatalf("n=%d j=%d: y[%d] = %v, Go loop %v", n, j, i, y1[i], y2[i])
				}
			}
		}
	}
}

func BenchmarkAccumRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, j = 196, 144
	a, x, y := randInput(rng, j), randInput(rng, j*n), make([]float32, n)
	b.ReportAllocs()
	b.SetBytes(int64(4 * n * j))
	for i := 0; i < b.N; i++ {
		accumRows(y, a, x, n)
	}
}

func BenchmarkAxpyRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, j = 196, 144
	a, x, y := randInput(rng, j), randInput(rng, j*n), make([]float32, n)
	b.ReportAllocs()
	b.SetBytes(int64(4 * n * j))
	for i := 0; i < b.N; i++ {
		for k := 0; k < j; k++ {
			axpy(a[k], x[k*n:(k+1)*n], y)
		}
	}
}

// dotRows (assembly where available) equals dotRowsGo bit for bit.
func TestDotRowsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 196, 784} {
		for _, k := range []int{1, 3, 4, 5, 9, 144} {
			stride := n + rng.IntN(5)
			v := randInput(rng, n)
			x := randInput(rng, (k-1)*stride+n)
			for i := range v {
				v[i] = v[i]*2 - 1
			}
			g0 := randInput(rng, k)
			g1 := append([]float32(nil), g0...)
			g2 := append([]float32(nil), g0...)
			dotRows(g1, v, x, stride)
			dotRowsGo(g2, v, x, stride)
			for i := range g1 {
				if g1[i] != g2[i] {
					t.Fatalf("n=%d k=%d: g[%d] = %v, Go %v", n, k, i, g1[i], g2[i])
				}
			}
			// and it is a dot product
			want := float64(g0[k-1])
			for i := 0; i < n; i++ {
				want += float64(v[i]) * float64(x[(k-1)*stride+i])
			}
			if d := float64(g1[k-1]) - want; d > 1e-4 || d < -1e-4 {
				t.Fatalf("n=%d k=%d: got %v, want %v", n, k, g1[k-1], want)
			}
		}
	}
}

// accumRowsN (register-tiled where available) equals accumRowsGo row by row,
// bit for bit, for every tail length and row count.
func TestAccumRowsNMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{1, 5, 15, 16, 17, 47, 48, 49, 63, 64, 65, 196, 784} {
		for _, rows := range []int{1, 3, 4, 5, 8, 16} {
			for _, j := range []int{1, 2, 9, 32, 144} {
				ys, as, xs := n+rng.IntN(3), j+rng.IntN(3), n+rng.IntN(3)
				a := randInput(rng, (rows-1)*as+j)
				for i := range a {
					a[i] = a[i]*2 - 1
				}
				x := randInput(rng, (j-1)*xs+n)
				y0 := randInput(rng, (rows-1)*ys+n)
				y1 := append([]float32(nil), y0...)
				y2 := append([]float32(nil), y0...)
				accumRowsN(y1, ys, a, as, j, x, xs, n, rows)
				y3 := append([]float32(nil), y0...) // setRowsN: rows overwritten, gaps kept
				y4 := append([]float32(nil), y0...)
				setRowsN(y3, ys, a, as, j, x, xs, n, rows)
				for r := 0; r < rows; r++ {
					accumRowsGo(y2[r*ys:r*ys+n], a[r*as:r*as+j], x, xs)
					clear32(y4[r*ys : r*ys+n])
					accumRowsGo(y4[r*ys:r*ys+n], a[r*as:r*as+j], x, xs)
				}
				for i := range y1 {
					if !sameBits(y1[i], y2[i]) || !sameBits(y3[i], y4[i]) {
						t.Fatalf("n=%d rows=%d j=%d: y[%d] = %v (set %v), Go %v (%v)", n, rows, j, i, y1[i], y3[i], y2[i], y4[i])
					}
				}
			}
		}
	}
}

func BenchmarkAccumRowsN(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, j, rows = 196, 144, 32
	a, x, y := randInput(rng, rows*j), randInput(rng, j*n), make([]float32, rows*n)
	b.ReportAllocs()
	b.SetBytes(int64(4 * n * j * rows))
	for i := 0; i < b.N; i++ {
		accumRowsN(y, n, a, j, j, x, n, n, rows)
	}
}

func BenchmarkAccumRowsLoop(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, j, rows = 196, 144, 32
	a, x, y := randInput(rng, rows*j), randInput(rng, j*n), make([]float32, rows*n)
	b.ReportAllocs()
	b.SetBytes(int64(4 * n * j * rows))
	for i := 0; i < b.N; i++ {
		for r := 0; r < rows; r++ {
			accumRows(y[r*n:(r+1)*n], a[r*j:(r+1)*j], x, n)
		}
	}
}

// gradRowsN (register-tiled where available) equals dot16Go per entry, bit
// for bit, and is a dot product.
func TestGradRowsNMatchesGo(t *testing.T) { checkGradRowsN(t) }

func checkGradRowsN(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 5, 15, 16, 17, 31, 33, 196, 784} {
		for _, rows := range []int{1, 3, 4, 5, 8} {
			for _, cols := range []int{1, 4, 6, 9, 144} {
				for _, ns := range []int{1, 3} {
					gs, vs, xs := cols+rng.IntN(3), n+rng.IntN(3), n+rng.IntN(3)
					vss, xss := (rows-1)*vs+n+rng.IntN(3), (cols-1)*xs+n+rng.IntN(3)
					v := randInput(rng, (ns-1)*vss+(rows-1)*vs+n)
					for i := range v {
						v[i] = v[i]*2 - 1
					}
					x := randInput(rng, (ns-1)*xss+(cols-1)*xs+n)
					g0 := randInput(rng, (rows-1)*gs+cols)
					g1 := append([]float32(nil), g0...)
					gradRowsN(g1, gs, v, vs, rows, x, xs, cols, n, ns, vss, xss)
					for r := 0; r < rows; r++ {
						for k := 0; k < cols; k++ {
							want := g0[r*gs+k] + dot16Go(v[r*vs:], x[k*xs:], n, ns, vss, xss)
							if got := g1[r*gs+k]; got != want {
								t.Fatalf("n=%d rows=%d cols=%d s=%d: g[%d][%d] = %v, dot16Go %v", n, rows, cols, ns, r, k, got, want)
							}
							exact := float64(g0[r*gs+k])
							for s := 0; s < ns; s++ {
								for i := 0; i < n; i++ {
									exact += float64(v[s*vss+r*vs+i]) * float64(x[s*xss+k*xs+i])
								}
							}
							if d := float64(want) - exact; d > 1e-4 || d < -1e-4 {
								t.Fatalf("n=%d s=%d: dot16Go %v, exact %v", n, ns, want, exact)
							}
						}
					}
				}
			}
		}
	}
}

func BenchmarkGradRowsN(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, k, rows = 196, 144, 32
	v, x, g := randInput(rng, rows*n), randInput(rng, k*n), make([]float32, rows*k)
	b.ReportAllocs()
	b.SetBytes(int64(4 * n * k * rows))
	for i := 0; i < b.N; i++ {
		gradRowsN(g, k, v, n, rows, x, n, k, n, 1, 0, 0)
	}
}

func BenchmarkDotRowsLoop(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, k, rows = 196, 144, 32
	v, x, g := randInput(rng, rows*n), randInput(rng, k*n), make([]float32, rows*k)
	b.ReportAllocs()
	b.SetBytes(int64(4 * n * k * rows))
	for i := 0; i < b.N; i++ {
		for r := 0; r < rows; r++ {
			dotRows(g[r*k:(r+1)*k], v[r*n:(r+1)*n], x, n)
		}
	}
}

// im2col and col2im (block paths for "same" stride-1 geometry) match their
// per-element definitions.
func TestIm2colCol2imMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, g := range []struct {
		in        Shape
		k, s, pad int
	}{{Shape{28, 28, 1}, 3, 1, 1}, {Shape{14, 14, 3}, 3, 1, 1}, {Shape{5, 7, 2}, 5, 1, 2}, {Shape{4, 6, 2}, 1, 1, 0}, {Shape{9, 8, 2}, 3, 2, 1}, {Shape{6, 6, 1}, 3, 1, 0}} {
		oh := (g.in.H+2*g.pad-g.k)/g.s + 1
		ow := (g.in.W+2*g.pad-g.k)/g.s + 1
		out := Shape{oh, ow, 1}
		p, kk := oh*ow, g.in.C*g.k*g.k
		x := randInput(rng, g.in.Size())
		col := make([]float32, kk*p)
		for i := range col {
			col[i] = 7 // must all be overwritten
		}
		im2col(col, x, g.in, out, g.k, g.k, g.s, g.pad)
		src := randInput(rng, kk*p)
		dx := make([]float32, g.in.Size())
		col2im(dx, append([]float32(nil), src...), g.in, out, g.k, g.k, g.s, g.pad)
		want := make([]float64, g.in.Size())
		for ci := 0; ci < g.in.C; ci++ {
			for ky := 0; ky < g.k; ky++ {
				for kx := 0; kx < g.k; kx++ {
					r := (ci*g.k+ky)*g.k + kx
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							iy, ix := oy*g.s-g.pad+ky, ox*g.s-g.pad+kx
							v := float32(0)
							if iy >= 0 && iy < g.in.H && ix >= 0 && ix < g.in.W {
								v = x[(ci*g.in.H+iy)*g.in.W+ix]
								want[(ci*g.in.H+iy)*g.in.W+ix] += float64(src[r*p+oy*ow+ox])
							}
							if got := col[r*p+oy*ow+ox]; got != v {
								t.Fatalf("%+v: col[%d][%d,%d] = %v, want %v", g, r, oy, ox, got, v)
							}
						}
					}
				}
			}
		}
		for i, w := range want {
			if d := float64(dx[i]) - w; d > 1e-5 || d < -1e-5 {
				t.Fatalf("%+v: dx[%d] = %v, want %v", g, i, dx[i], w)
			}
		}
	}
}

// BatchNorm's batch statistics (chunk sums and squared deviations combined
// in chunk order) equal the naive two-pass mean and biased variance.
func TestBatchNormStatsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	in := Shape{5, 7, 3}
	l := NewBatchNorm()
	if _, err := l.Init(in, rng); err != nil {
		t.Fatal(err)
	}
	const n = 20 // chunks of 8, 8, 4
	x := randInput(rng, n*in.Size())
	for i := range x {
		x[i] = x[i]*3 + 10 // an offset mean, as conv outputs have
	}
	l.Forward(newTestCtx(2), x, n)
	hw := in.H * in.W
	for c := 0; c < in.C; c++ {
		s := 0.0
		for i := 0; i < n; i++ {
			for _, v := range x[(i*in.C+c)*hw : (i*in.C+c+1)*hw] {
				s += float64(v)
			}
		}
		m := s / float64(n*hw)
		q := 0.0
		for i := 0; i < n; i++ {
			for _, v := range x[(i*in.C+c)*hw : (i*in.C+c+1)*hw] {
				q += (float64(v) - m) * (float64(v) - m)
			}
		}
		v := q / float64(n*hw)
		if d := l.mean[c] - m; d > 1e-12 || d < -1e-12 {
			t.Errorf("channel %d: mean %v, want %v", c, l.mean[c], m)
		}
		if w := 1 / math.Sqrt(v+l.Eps); math.Abs(l.invstd[c]-w) > 1e-12*w {
			t.Errorf("channel %d: 1/σ %v, want %v", c, l.invstd[c], w)
		}
	}
}
