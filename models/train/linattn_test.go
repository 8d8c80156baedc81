package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLinearAttentionStepEqualsParallel: the recurrent (step-by-step) and
// parallel forms of the MetaLA-style linear attention agree, with a
// data-dependent gate and with a constant decay, one and several heads.
func TestLinearAttentionStepEqualsParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, c := range []struct {
		n, dk, dv, heads int
		constDecay       bool
	}{{1, 2, 3, 1, false}, {17, 8, 6, 2, false}, {33, 12, 12, 4, false}, {25, 6, 4, 1, true}} {
		s := LinearAttentionSpec{N: c.n, DK: c.dk, DV: c.dv, Heads: c.heads, Scale: 1 / math.Sqrt(float64(c.dk/c.heads))}
		rnd := func(n int) []float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			return x
		}
		q, v := rnd(c.n*c.dk), rnd(c.n*c.dv)
		alpha := make([]float64, c.n*c.dk)
		k := make([]float64, c.n*c.dk)
		for i := range alpha {
			if c.constDecay {
				alpha[i] = 0.9
			} else {
				// MetaLA: α = exp(logsigmoid(g)/16), key k = 1 − α
				g := rng.NormFloat64() * 3
				alpha[i] = math.Exp(-math.Log1p(math.Exp(-g)) / 16)
			}
			k[i] = 1 - alpha[i]
		}
		a, b := make([]float64, c.n*c.dv), make([]float64, c.n*c.dv)
		if err := LinearAttentionStep(a, s, q, k, v, alpha); err != nil {
			t.Fatal(err)
		}
		if err := LinearAttentionParallel(b, s, q, k, v, alpha); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-12*(1+math.Abs(a[i])) {
				t.Fatalf("%+v: output %d: step %.17g, parallel %.17g", c, i, a[i], b[i])
			}
		}
	}
	// a hand-worked case: one head, dk = dv = 1, α = ½, q = k = 1, v = 1, 2, 4:
	// o = 1, ½·1 + 2 = 2.5, ½·2.5 + 4 = 5.25.
	s := LinearAttentionSpec{N: 3, DK: 1, DV: 1, Heads: 1, Scale: 1}
	o := make([]float64, 3)
	if err := LinearAttentionParallel(o, s, []float64{1, 1, 1}, []float64{1, 1, 1}, []float64{1, 2, 4}, []float64{.5, .5, .5}); err != nil {
		t.Fatal(err)
	}
	if o[0] != 1 || o[1] != 2.5 || o[2] != 5.25 {
		t.Fatalf("o = %v, want [1 2.5 5.25]", o)
	}
	if err := LinearAttentionStep(o, LinearAttentionSpec{N: 3, DK: 3, DV: 1, Heads: 2}, nil, nil, nil, nil); err == nil {
		t.Error("heads not dividing dk accepted")
	}
}
