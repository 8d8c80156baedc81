package train

import (
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
