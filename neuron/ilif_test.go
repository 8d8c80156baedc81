package neuron

import (
	"math"
	"testing"
)

func TestILIFSequence(t *testing.T) {
	// mem = (mem − s)·0.25 + x; s = round_half_even(clamp(mem, 0, 4)), by hand.
	m, err := NewILIF(DefaultILIF)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(1)
	out := []int32{0}
	for i, w := range []struct {
		x, mem float64
		s      int32
	}{
		{2.5, 2.5, 2},         // t=0: mem = x; tie → even
		{1.0, 1.125, 1},       // (2.5−2)/4 + 1
		{6.0, 6.03125, 4},     // (1.125−1)/4 + 6, clamped
		{0.0, 0.5078125, 1},   // (6.03125−4)/4 = 0.5078…
		{-1, -1.123046875, 0}, // (0.5078125−1)/4 − 1
	} {
		m.Step(s, []float64{w.x}, out)
		if out[0] != w.s || math.Abs(s.Mem[0]-w.mem) > 1e-12 {
			t.Fatalf("step %d: mem %g s %d, want %g %d", i, s.Mem[0], out[0], w.mem, w.s)
		}
	}
}

func TestFixedILIFDifferential(t *testing.T) {
	rng := newRand(8)
	for _, tc := range []struct {
		p    ILIFParams
		prec Precision
	}{
		{DefaultILIF, DefaultPrecision},
		{ILIFParams{Decay: 0.5, D: 8, Round: HalfUp}, Precision{FracBits: 12, CoefBits: 12}},
		{ILIFParams{Decay: 0.3, D: 2, Round: HalfEven}, Precision{FracBits: 14, CoefBits: 18}},
	} {
		m, err := NewILIF(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Fixed(tc.prec)
		if err != nil {
			t.Fatal(err)
		}
		const xmax = 6.0
		memMax := xmax / (1 - tc.p.Decay) * 2
		bound := f.ErrorBound(memMax)
		prec := tc.prec
		const n = 128
		s, q := m.NewState(n), f.NewState(n)
		x, xq := make([]float64, n), make([]int32, n)
		o1, o2 := make([]int32, n), make([]int32, n)
		flips, total := 0, 0
		for k := 0; k < 300; k++ {
			for i := range x {
				xq[i] = prec.Quantize((rng.Float64() - 0.2) * xmax)
				x[i] = prec.Dequantize(xq[i])
			}
			m.Step(s, x, o1)
			f.Step(q, xq, o2)
			for i := range x {
				if math.Abs(s.Mem[i]) > memMax {
					t.Fatalf("|mem| %g > %g", s.Mem[i], memMax)
				}
				total += int(o1[i])
				if d := math.Abs(prec.Dequantize(q.Mem[i]) - s.Mem[i]); d > bound+1e-12 {
					t.Fatalf("%+v step %d: |Δmem| = %.3g > bound %.3g", tc.p, k, d, bound)
				}
				if o1[i] != o2[i] {
					// only possible within the bound of a rounding boundary k + ½
					frac := s.Mem[i] - math.Floor(s.Mem[i])
					if math.Abs(frac-0.5) > bound+1e-12 {
						t.Fatalf("%+v step %d: counts %d vs %d with mem %g far from a tie", tc.p, k, o1[i], o2[i], s.Mem[i])
					}
					flips++
					q.Mem[i], q.S[i] = prec.Quantize(s.Mem[i]), s.S[i]
					s.Mem[i] = prec.Dequantize(q.Mem[i])
				}
			}
		}
		if total == 0 {
			t.Fatal("no spikes")
		}
		t.Logf("%+v %+v: bound %.3g, %d spikes, %d differing counts", tc.p, prec, bound, total, flips)
	}
	for _, p := range []ILIFParams{{Decay: 1, D: 4}, {Decay: -0.1, D: 4}, {Decay: 0.25, D: 0}, {Decay: math.NaN(), D: 4}} {
		if _, err := NewILIF(p); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
}

func TestPrimeLIFSequence(t *testing.T) {
	// u = 0.25·u·(1 − o_prev) + x, o = u > 0.2, by hand.
	m, err := NewPrimeLIF(DefaultPrimeLIF)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(1)
	out := []bool{false}
	for i, w := range []struct {
		x, u float64
		o    bool
	}{
		{0.1, 0.1, false},
		{0.18, 0.205, true}, // 0.025 + 0.18
		{0.1, 0.1, false},   // reset: previous u is dropped
		{0.2, 0.225, true},  // 0.025 + 0.2
		{-0.1, -0.1, false}, // reset
		{0.2, 0.175, false}, // −0.025 + 0.2
	} {
		m.Step(s, []float64{w.x}, out)
		if out[0] != w.o || math.Abs(s.U[0]-w.u) > 1e-15 {
			t.Fatalf("step %d: u %g o %v, want %g %v", i, s.U[0], out[0], w.u, w.o)
		}
	}
	if _, err := NewPrimeLIF(PrimeLIFParams{Tau: 1.5, VThreshold: 0.2}); err == nil {
		t.Error("tau 1.5: no error")
	}
}

func TestFixedPrimeLIFDifferential(t *testing.T) {
	rng := newRand(9)
	m, _ := NewPrimeLIF(DefaultPrimeLIF)
	prec := DefaultPrecision
	f, err := m.Fixed(prec)
	if err != nil {
		t.Fatal(err)
	}
	const xmax = 0.3
	umax := 1.3 * xmax / (1 - 0.25) // |x| ≤ 1.3·xmax
	bound := f.ErrorBound(umax)
	const n = 256
	s, q := m.NewState(n), f.NewState(n)
	x, xq := make([]float64, n), make([]int32, n)
	o1, o2 := make([]bool, n), make([]bool, n)
	spikes, flips := 0, 0
	for k := 0; k < 500; k++ {
		for i := range x {
			xq[i] = prec.Quantize((2*rng.Float64() - 0.7) * xmax)
			x[i] = prec.Dequantize(xq[i])
		}
		m.Step(s, x, o1)
		f.Step(q, xq, o2)
		for i := range x {
			if math.Abs(s.U[i]) > umax {
				t.Fatalf("|u| %g > %g", s.U[i], umax)
			}
			if d := math.Abs(prec.Dequantize(q.U[i]) - s.U[i]); d > bound+1e-12 {
				t.Fatalf("step %d: |Δu| = %.3g > %.3g", k, d, bound)
			}
			if o1[i] {
				spikes++
			}
			if o1[i] != o2[i] {
				if d := math.Abs(s.U[i] - 0.2); d > bound+f.ThresholdError()+1e-12 {
					t.Fatalf("step %d: spikes differ with u %g, %.3g from threshold", k, s.U[i], d)
				}
				flips++
				q.O[i] = o1[i]
			}
		}
	}
	if spikes == 0 {
		t.Fatal("no spikes")
	}
	t.Logf("bound %.3g, %d spikes, %d differ", bound, spikes, flips)
}
