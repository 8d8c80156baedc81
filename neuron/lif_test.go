package neuron

import (
	"math"
	"math/rand/v2"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6e6575726f6e)) }

func TestLIFExactIsClosedForm(t *testing.T) {
	// With a constant input and no spikes, n exact steps equal the continuous
	// solution v(n·dt) = v∞ + (v0 − v∞)·e^(−n·dt/τ), v∞ = v_leak + r·x.
	p := LIFParams{Tau: 0.02, R: 3, VLeak: -0.5, VThreshold: 1e9, VReset: 0, DT: 1e-3}
	m, err := NewLIF(p)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(1)
	in, out := []float64{0.7}, []bool{false}
	vinf := p.VLeak + p.R*in[0]
	for n := 1; n <= 200; n++ {
		m.Step(s, in, out)
		want := vinf + (p.VLeak-vinf)*math.Exp(-float64(n)*p.DT/p.Tau)
		if d := math.Abs(s.V[0] - want); d > 1e-12 {
			t.Fatalf("step %d: v = %.15g, closed form %.15g", n, s.V[0], want)
		}
	}
}

func TestLIFEulerConvergesToExact(t *testing.T) {
	// Forward Euler is first order: its one-step error against the exact map
	// shrinks with dt (halving dt roughly halves the error over a fixed time).
	errAt := func(dt float64) float64 {
		base := LIFParams{Tau: 0.01, R: 1, VThreshold: 1e9, DT: dt}
		eu := base
		eu.Integration = Euler
		me, _ := NewLIF(base)
		mu, _ := NewLIF(eu)
		se, su := me.NewState(1), mu.NewState(1)
		in, out := []float64{1}, []bool{false}
		for i := 0; i < int(math.Round(0.02/dt)); i++ {
			me.Step(se, in, out)
			mu.Step(su, in, out)
		}
		return math.Abs(se.V[0] - su.V[0])
	}
	e1, e2 := errAt(1e-3), errAt(5e-4)
	if !(e2 < 0.6*e1) || e1 == 0 {
		t.Fatalf("Euler error %g at dt=1e-3, %g at dt=5e-4: not first-order convergence", e1, e2)
	}
}

func TestLIFResetModes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset Reset
		cmp   Compare
		x     float64
		spike bool
		v     float64
	}{
		{"to-value", ResetToValue, Above, 1.5, true, -0.25},
		{"subtract", ResetSubtract, Above, 1.5, true, 0.5},
		{"at-threshold-strict", ResetToValue, Above, 1, false, 1},
		{"at-threshold-inclusive", ResetSubtract, AtOrAbove, 1, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewIF(IFParams{R: 1, VThreshold: 1, VReset: -0.25, DT: 1, Reset: tc.reset, Compare: tc.cmp})
			if err != nil {
				t.Fatal(err)
			}
			s := m.NewState(1)
			out := []bool{false}
			m.Step(s, []float64{tc.x}, out)
			if out[0] != tc.spike || s.V[0] != tc.v {
				t.Fatalf("spike %v v %g, want %v %g", out[0], s.V[0], tc.spike, tc.v)
			}
		})
	}
}

func TestLIFParamErrors(t *testing.T) {
	ok := LIFParams{Tau: 1, R: 1, VThreshold: 1, DT: 0.1}
	for _, tc := range []struct {
		name string
		mod  func(*LIFParams)
	}{
		{"zero tau", func(p *LIFParams) { p.Tau = 0 }},
		{"negative dt", func(p *LIFParams) { p.DT = -1 }},
		{"nan r", func(p *LIFParams) { p.R = math.NaN() }},
		{"inf threshold", func(p *LIFParams) { p.VThreshold = math.Inf(1) }},
		{"bad reset", func(p *LIFParams) { p.Reset = 7 }},
		{"bad integration", func(p *LIFParams) { p.Integration = 9 }},
		{"unstable euler", func(p *LIFParams) { p.Integration, p.DT = Euler, 3 }},
	} {
		p := ok
		tc.mod(&p)
		if _, err := NewLIF(p); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := NewLIF(ok); err != nil {
		t.Fatal(err)
	}
	if _, err := NewIF(IFParams{R: 1, VThreshold: 1, DT: 0}); err == nil {
		t.Error("IF with dt 0: no error")
	}
	m, _ := NewLIF(LIFParams{Tau: 1, R: 1e6, VThreshold: 1, DT: 0.5})
	if _, err := m.Fixed(Precision{FracBits: 16, CoefBits: 16}); err == nil {
		t.Error("coefficient b = 4e5 fits 16 fractional bits in 31 bits: no error")
	}
	if _, err := m.Fixed(Precision{FracBits: 31, CoefBits: 16}); err == nil {
		t.Error("FracBits 31: no error")
	}
}

// diffLIF drives a float and a fixed LIF with the same quantised inputs and
// checks the declared error bound. When the spike decisions differ the float
// membrane must be within the bound (plus the threshold's quantisation error)
// of the threshold; the fixed state is then resynchronised.
func diffLIF(t *testing.T, m *LIF, f *FixedLIF, prec Precision, xmax, vmax float64, steps, n int, rng *rand.Rand) (spikes, flips int) {
	t.Helper()
	bound := f.ErrorBound(vmax, xmax)
	thErr := math.Abs(prec.Dequantize(f.th) - m.th)
	a, b, c := m.Coefficients()
	s, q := m.NewState(n), f.NewState(n)
	for i := range q.V {
		q.V[i] = prec.Quantize(s.V[i])
		s.V[i] = prec.Dequantize(q.V[i])
	}
	xq := make([]int32, n)
	x := make([]float64, n)
	o1, o2 := make([]bool, n), make([]bool, n)
	pre := make([]float64, n)
	for k := 0; k < steps; k++ {
		for i := range x {
			xq[i] = prec.Quantize((2*rng.Float64() - 0.5) * xmax / 1.5)
			x[i] = prec.Dequantize(xq[i])
			pre[i] = a*s.V[i] + b*x[i] + c
		}
		m.Step(s, x, o1)
		f.Step(q, xq, o2)
		for i := range x {
			if math.Abs(pre[i]) > vmax {
				t.Fatalf("|v| = %g exceeds vmax %g used for the bound", pre[i], vmax)
			}
			if o1[i] {
				spikes++
			}
			if o1[i] != o2[i] {
				if d := math.Abs(pre[i] - m.th); d > bound+thErr+1e-12 {
					t.Fatalf("step %d neuron %d: spikes differ (float %v) with v %.9g, %.3g from threshold > bound %.3g",
						k, i, o1[i], pre[i], d, bound+thErr)
				}
				flips++
				q.V[i] = prec.Quantize(s.V[i])
				s.V[i] = prec.Dequantize(q.V[i])
				continue
			}
			if d := math.Abs(prec.Dequantize(q.V[i]) - s.V[i]); d > bound+1e-12 {
				t.Fatalf("step %d neuron %d: |v_fixed − v_float| = %.3g > bound %.3g", k, i, d, bound)
			}
		}
	}
	return spikes, flips
}

func TestFixedLIFDifferential(t *testing.T) {
	rng := newRand(1)
	totS, totF := 0, 0
	for trial := 0; trial < 40; trial++ {
		p := LIFParams{
			Tau:         0.002 + 0.018*rng.Float64(),
			R:           1 + 2*rng.Float64(),
			VLeak:       0.4*rng.Float64() - 0.2,
			VThreshold:  0.1 + 0.4*rng.Float64(),
			VReset:      -0.3 * rng.Float64(),
			DT:          1e-4 + 1e-3*rng.Float64(),
			Reset:       Reset(rng.IntN(2)),
			Integration: Integration(rng.IntN(2)),
		}
		prec := Precision{FracBits: uint8(14 + rng.IntN(8)), CoefBits: uint8(14 + rng.IntN(8))}
		m, err := NewLIF(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Fixed(prec)
		if err != nil {
			t.Fatal(err)
		}
		xmax := 1.5
		vmax := math.Max(math.Abs(p.VLeak)+p.R*xmax, math.Max(math.Abs(p.VReset), p.VThreshold)) + p.VThreshold
		spikes, flips := diffLIF(t, m, f, prec, xmax, vmax, 400, 32, rng)
		if spikes == 0 {
			t.Fatalf("trial %d %+v: no spikes, the test checks nothing about firing", trial, p)
		}
		totS, totF = totS+spikes, totF+flips
	}
	t.Logf("%d float spikes, %d decided differently (all within the bound of the threshold)", totS, totF)
}

func TestFixedIFIntegerBitExact(t *testing.T) {
	// IF with r·dt = 1, integer threshold/reset and integer inputs: every
	// operation of the fixed model is exact, so it equals the float model bit
	// for bit, for both reset modes.
	for _, reset := range []Reset{ResetToValue, ResetSubtract} {
		m, err := NewIF(IFParams{R: 1, DT: 1, VThreshold: 7, VReset: -2, Reset: reset})
		if err != nil {
			t.Fatal(err)
		}
		prec := DefaultPrecision
		f, err := m.Fixed(prec)
		if err != nil {
			t.Fatal(err)
		}
		if b := f.ErrorBound(1e3, 10); b != 0 {
			t.Fatalf("ErrorBound = %g, want 0 (bit-exact)", b)
		}
		rng := newRand(2)
		const n = 64
		s, q := m.NewState(n), f.NewState(n)
		x, xq := make([]float64, n), make([]int32, n)
		o1, o2 := make([]bool, n), make([]bool, n)
		spikes := 0
		for k := 0; k < 500; k++ {
			for i := range x {
				v := int32(rng.IntN(9)) - 3
				x[i], xq[i] = float64(v), v<<prec.FracBits
			}
			m.Step(s, x, o1)
			f.Step(q, xq, o2)
			for i := range x {
				if o1[i] != o2[i] || prec.Quantize(s.V[i]) != q.V[i] {
					t.Fatalf("reset %d step %d neuron %d: float (%v, %g) fixed (%v, %g)", reset, k, i, o1[i], s.V[i], o2[i], prec.Dequantize(q.V[i]))
				}
				if o1[i] {
					spikes++
				}
			}
		}
		if spikes == 0 {
			t.Fatal("no spikes")
		}
	}
}
