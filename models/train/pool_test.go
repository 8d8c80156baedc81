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
