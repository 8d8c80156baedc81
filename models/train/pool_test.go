package train

import (
	"math/rand/v2"
	"testing"
)

// Pooling is linear (avg, sum) or piecewise linear (max), so its input
// gradient can be checked exactly on inputs without ties: dL/dx for
// L = Σ cᵢ·yᵢ is a permutation/average of c.
func TestPoolBackwardExact(t *testing.T) {
	for _, kind := range []PoolKind{AvgPool, SumPool, MaxPool} {
		t.Run(kind.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			l := &Pool2d{Kind: kind, K: 3, Stride: 2}
			in := Shape{7, 9, 3}
			out, err := l.Init(in, rng)
			if err != nil {
				t.Fatal(err)
			}
			const n = 10
			x := randInput(rng, n*in.Size()) // continuous: no ties
			c := newTestCtx(2)
			y := append([]float32(nil), l.Forward(c, x, n)...)
			coef := randInput(rng, n*out.Size())
			dx := l.Backward(c, coef, n, true)
			L := func() float64 {
				s := 0.0
				for i, v := range l.Forward(c, x, n) {
					s += float64(v) * float64(coef[i])
				}
				return s
			}
			base := 0.0
			for i, v := range y {
				base += float64(v) * float64(coef[i])
			}
			for i := 0; i < len(x); i += 7 {
				const h = 1e-4 // smaller than the gap between distinct inputs, typically
				x0 := x[i]
				x[i] = x0 + h
				fd := (L() - base) / float64(float32(x0+h)-x0)
				x[i] = x0
				if d := fd - float64(dx[i]); d > 2e-2 || d < -2e-2 {
					t.Errorf("dx[%d] = %g, finite difference %g", i, dx[i], fd)
				}
			}
		})
	}
}

// The unrolled 2×2 path equals the window sum of the general definition,
// ((x00+x01)+x10)+x11 times the scale, and spreads dy·scale over each
// window; on odd sizes the uncovered last row and column get 0.
func TestPool2x2MatchesNaive(t *testing.T) {
	for _, kind := range []PoolKind{AvgPool, SumPool} {
		for _, in := range []Shape{{8, 8, 3}, {7, 9, 2}, {28, 28, 1}, {2, 32, 2}, {4, 34, 1}} {
			rng := rand.New(rand.NewPCG(13, 14))
			l := NewPool2d(kind, 2)
			out, err := l.Init(in, rng)
			if err != nil {
				t.Fatal(err)
			}
			const n = 9
			x := randInput(rng, n*in.Size())
			c := newTestCtx(2)
			y := l.Forward(c, x, n)
			dy := randInput(rng, n*out.Size())
			dx := l.Backward(c, dy, n, true)
			scale := float32(1)
			if kind == AvgPool {
				scale = 0.25
			}
			want := make([]float32, len(x))
			for pl := 0; pl < n*in.C; pl++ {
				for oy := 0; oy < out.H; oy++ {
					for ox := 0; ox < out.W; ox++ {
						i := pl*in.H*in.W + 2*oy*in.W + 2*ox
						o := pl*out.H*out.W + oy*out.W + ox
						s := x[i] + x[i+1]
						s += x[i+in.W]
						s += x[i+in.W+1]
						if y[o] != s*scale {
							t.Fatalf("%v %v: y[%d] = %v, want %v", kind, in, o, y[o], s*scale)
						}
						g := dy[o] * scale
						want[i], want[i+1], want[i+in.W], want[i+in.W+1] = g, g, g, g
					}
				}
			}
			for i := range want {
				if dx[i] != want[i] {
					t.Fatalf("%v %v: dx[%d] = %v, want %v", kind, in, i, dx[i], want[i])
				}
			}
		}
	}
}
