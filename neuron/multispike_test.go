package neuron

import (
	"math"
	"testing"
)

func TestMultiSpikeRounding(t *testing.T) {
	for _, tc := range []struct {
		x        float64
		even, up int32
	}{
		{-3, 0, 0}, {0, 0, 0}, {0.49, 0, 0}, {0.5, 0, 1}, {1.5, 2, 2}, {2.5, 2, 3},
		{2.51, 3, 3}, {3.5, 4, 4}, {4, 4, 4}, {9.7, 4, 4}, {math.NaN(), 0, 0},
	} {
		e, _ := NewMultiSpike(4, HalfEven)
		u, _ := NewMultiSpike(4, HalfUp)
		if g := e.Fire(tc.x); g != tc.even {
			t.Errorf("half-even Fire(%g) = %d, want %d", tc.x, g, tc.even)
		}
		if g := u.Fire(tc.x); g != tc.up {
			t.Errorf("half-up Fire(%g) = %d, want %d", tc.x, g, tc.up)
		}
	}
	if _, err := NewMultiSpike(0, HalfEven); err == nil {
		t.Error("D = 0: no error")
	}
	if _, err := NewMultiSpike(4, 3); err == nil {
		t.Error("rounding mode 3: no error")
	}
}

func TestMultiSpikeFixedBitExact(t *testing.T) {
	// Integer rounding of a fixed-point word equals float rounding of its
	// value, ties included, for every D, mode and precision.
	rng := newRand(5)
	for _, d := range []int{1, 2, 4, 8} {
		for _, mode := range []RoundMode{HalfEven, HalfUp} {
			for _, fb := range []uint8{0, 1, 3, 8, 16} {
				prec := Precision{FracBits: fb, CoefBits: 16}
				m, _ := NewMultiSpike(d, mode)
				const n = 2048
				q := make([]int32, n)
				x := make([]float64, n)
				for i := range q {
					if i%4 == 0 { // exact ties k + 0.5
						q[i] = prec.Quantize(float64(rng.IntN(2*d+4)-2) + 0.5)
					} else {
						q[i] = int32(rng.IntN(int(12*d)<<fb)) - int32(2*d)<<fb
					}
					x[i] = prec.Dequantize(q[i])
				}
				o1, o2 := make([]int32, n), make([]int32, n)
				m.Step(x, o1)
				m.StepFixed(prec, q, o2)
				for i := range o1 {
					if o1[i] != o2[i] {
						t.Fatalf("D=%d %v F=%d: x = %g float %d fixed %d", d, mode, fb, x[i], o1[i], o2[i])
					}
				}
			}
		}
	}
}

func TestThermometer(t *testing.T) {
	for _, d := range []int{1, 2, 4, 8} {
		counts := make([]int32, d+1)
		for v := range counts {
			counts[v] = int32(v)
		}
		sum := make([]int32, d+1)
		sub := make([]bool, d+1)
		for k := 0; k < d; k++ {
			ExpandThermometer(sub, counts, k)
			for i, b := range sub {
				if b != Thermometer(counts[i], k) {
					t.Fatalf("ExpandThermometer and Thermometer disagree at v=%d k=%d", counts[i], k)
				}
				if b {
					// spikes first: a spike at k means spikes at all earlier k
					if int32(k) != sum[i] {
						t.Fatalf("D=%d v=%d: spike at sub-step %d after a gap", d, i, k)
					}
					sum[i]++
				}
			}
		}
		for v, s := range sum {
			if s != int32(v) {
				t.Fatalf("D=%d: thermometer of %d sums to %d", d, v, s)
			}
		}
	}
}

// TestIFEquivalence checks seed-models §1.2: an IF neuron primed with H,
// threshold 0.5 (firing at v ≥ 0.5), soft reset by 1, run for D steps with no
// input, fires round_half_up(clamp(H, 0, D)) times. Float and fixed IF both.
func TestIFEquivalence(t *testing.T) {
	rng := newRand(6)
	prec := DefaultPrecision
	for _, d := range []int{1, 2, 4, 8} {
		ms, _ := NewMultiSpike(d, HalfUp)
		m, err := NewIF(IFParams{R: 1, DT: 1, VThreshold: 0.5, Subtract: 1, Reset: ResetSubtract, Compare: AtOrAbove})
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Fixed(prec)
		if err != nil {
			t.Fatal(err)
		}
		const n = 512
		h := make([]float64, n)
		for i := range h {
			h[i] = float64(rng.IntN(16*(d+3))-32) / 8 // multiples of 1/8 include every tie
		}
		s, q := m.NewState(n), f.NewState(n)
		copy(s.V, h)
		prec.QuantizeSlice(q.V, h)
		zero, zq := make([]float64, n), make([]int32, n)
		o1, o2 := make([]bool, n), make([]bool, n)
		c1, c2 := make([]int32, n), make([]int32, n)
		for k := 0; k < d; k++ {
			m.Step(s, zero, o1)
			f.Step(q, zq, o2)
			for i := range o1 {
				if o1[i] {
					c1[i]++
				}
				if o2[i] {
					c2[i]++
				}
			}
		}
		for i, x := range h {
			if w := ms.Fire(x); c1[i] != w || c2[i] != w {
				t.Fatalf("D=%d H=%g: IF fired %d (fixed %d), round_half_up(clamp) = %d", d, x, c1[i], c2[i], w)
			}
		}
	}
}

func TestIFEquivalenceNeedsAtOrAbove(t *testing.T) {
	// With the strict firing condition a tie H = k + ½ loses one spike, so
	// the equivalence above depends on Compare = AtOrAbove.
	m, _ := NewIF(IFParams{R: 1, DT: 1, VThreshold: 0.5, Subtract: 1, Reset: ResetSubtract, Compare: Above})
	s := m.NewState(1)
	s.V[0] = 2.5
	out, n := []bool{false}, 0
	for k := 0; k < 4; k++ {
		m.Step(s, []float64{0}, out)
		if out[0] {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("strict IF fired %d times for H = 2.5, want 2 (round_half_up gives 3)", n)
	}
}

func TestQIFFixedBitExact(t *testing.T) {
	// Q_IFNode with Vth = 1: inputs in Q.16 are dyadic, so float sums and the
	// fixed model agree exactly.
	rng := newRand(7)
	prec := DefaultPrecision
	for _, mode := range []RoundMode{HalfEven, HalfUp} {
		m, err := NewQIF(QIFParams{D: 4, VThreshold: 1, Round: mode})
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Fixed(prec)
		if err != nil {
			t.Fatal(err)
		}
		const n = 256
		s, q := m.NewState(n), f.NewState(n)
		x, xq := make([]float64, n), make([]int32, n)
		o1, o2 := make([]int32, n), make([]int32, n)
		total := 0
		for k := 0; k < 300; k++ {
			for i := range x {
				xq[i] = int32(rng.IntN(6<<16)) - 1<<16
				if i%7 == 0 {
					xq[i] &^= 1<<15 - 1 // land on halves often
				}
				x[i] = prec.Dequantize(xq[i])
			}
			m.Step(s, x, o1)
			f.Step(q, xq, o2)
			for i := range o1 {
				if o1[i] != o2[i] || prec.Quantize(s.V[i]) != q.V[i] {
					t.Fatalf("%v step %d neuron %d: float (%d, %g) fixed (%d, %g)", mode, k, i, o1[i], s.V[i], o2[i], prec.Dequantize(q.V[i]))
				}
				if o1[i] < 0 || o1[i] > 4 {
					t.Fatalf("spike count %d outside [0, 4]", o1[i])
				}
				total += int(o1[i])
			}
		}
		if total == 0 {
			t.Fatal("no spikes")
		}
	}
	if _, err := NewQIF(QIFParams{D: 4, VThreshold: 0}); err == nil {
		t.Error("VThreshold 0: no error")
	}
}

func TestQIFSequence(t *testing.T) {
	// V += X; S = round(clamp(V, 0, 4)); V −= S: hand-computed.
	m, _ := NewQIF(QIFParams{D: 4, VThreshold: 1, Round: HalfEven})
	s := m.NewState(1)
	out := []int32{0}
	want := []struct {
		x float64
		s int32
		v float64
	}{{0.3, 0, 0.3}, {0.2, 0, 0.5}, {1.0, 2, -0.5}, {6, 4, 1.5}, {-2, 0, -0.5}}
	for i, w := range want {
		m.Step(s, []float64{w.x}, out)
		if out[0] != w.s || math.Abs(s.V[0]-w.v) > 1e-15 {
			t.Fatalf("step %d: S=%d V=%g, want %d %g", i, out[0], s.V[0], w.s, w.v)
		}
	}
}
