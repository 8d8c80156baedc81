package neuron

import (
	"math"
	"testing"
)

func TestCUBAExactMatchesODE(t *testing.T) {
	p := DefaultCUBA
	m, err := NewCUBA(p)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(1)
	s.V[0], s.Ge[0], s.Gi[0] = -55, 3, -2
	v, ge, gi := -55.0, 3.0, -2.0
	out := []bool{false}
	for step := 0; step < 5; step++ {
		// independent: many tiny Euler steps of the ODE
		const sub = 100000
		h := p.DT / sub
		for k := 0; k < sub; k++ {
			dv := (ge + gi - (v - p.El)) / p.TauM
			ge, gi, v = ge-h*ge/p.TauE, gi-h*gi/p.TauI, v+h*dv
		}
		m.Step(s, []float32{0}, []float32{0}, out)
		if math.Abs(float64(s.V[0])-v) > 1e-4 || math.Abs(float64(s.Ge[0])-ge) > 1e-5 || math.Abs(float64(s.Gi[0])-gi) > 1e-5 {
			t.Fatalf("step %d: (v, ge, gi) = (%g, %g, %g), ODE (%g, %g, %g)", step, s.V[0], s.Ge[0], s.Gi[0], v, ge, gi)
		}
	}
}

func TestCUBARefractory(t *testing.T) {
	m, _ := NewCUBA(DefaultCUBA)
	f, err := m.Fixed(DefaultCUBAPrecision)
	if err != nil {
		t.Fatal(err)
	}
	if m.RefractorySteps() != 50 {
		t.Fatalf("refractory steps %d, want 50", m.RefractorySteps())
	}
	// A huge constant excitatory drive makes the neuron fire as soon as it
	// may: at steps 0, 50, 100, … with v frozen at Vr in between.
	s, q := m.NewState(1), f.NewState(1)
	inE, inI, out := []float32{1e4}, []float32{0}, []bool{false}
	qE, qI, qo := []int32{DefaultCUBAPrecision.Quantize(1e4)}, []int32{0}, []bool{false}
	var got, gotQ []int
	for k := 0; k < 160; k++ {
		m.Step(s, inE, inI, out)
		f.Step(q, qE, qI, qo)
		if out[0] {
			got = append(got, k)
		} else if k%50 != 0 && s.V[0] != -60 {
			t.Fatalf("step %d: refractory v = %g, want −60", k, s.V[0])
		}
		if qo[0] {
			gotQ = append(gotQ, k)
		}
	}
	want := []int{0, 50, 100, 150}
	for _, g := range [][]int{got, gotQ} {
		if len(g) != len(want) {
			t.Fatalf("spikes at %v, want %v", g, want)
		}
		for i := range want {
			if g[i] != want[i] {
				t.Fatalf("spikes at %v, want %v", g, want)
			}
		}
	}
}

// cuba64 is a naive float64 evaluation of the CUBA equations, neuron by
// neuron, computing the exponentials every step.
type cuba64 struct {
	p         CUBAParams
	v, ge, gi []float64
	ref       []int
}

func (c *cuba64) step(inE, inI []float64, out []bool, pre []float64) {
	p := c.p
	em, ee, ei := math.Exp(-p.DT/p.TauM), math.Exp(-p.DT/p.TauE), math.Exp(-p.DT/p.TauI)
	r := int(math.Round(p.Refractory / p.DT))
	for i := range c.v {
		e, g := c.ge[i]+inE[i], c.gi[i]+inI[i]
		c.ge[i], c.gi[i] = e*ee, g*ei
		out[i] = false
		pre[i] = math.NaN()
		if c.ref[i] > 0 {
			c.ref[i]--
			continue
		}
		v := p.El + (c.v[i]-p.El)*em + e*p.TauE/(p.TauE-p.TauM)*(ee-em) + g*p.TauI/(p.TauI-p.TauM)*(ei-em)
		pre[i] = v
		if v > p.Vt {
			v, c.ref[i], out[i] = p.Vr, r-1, true
		}
		c.v[i] = v
	}
}

func TestCUBADifferential(t *testing.T) {
	// float32 and fixed populations against the naive float64 evaluation,
	// under a random drive like the benchmark network's (Poisson counts of
	// we = 1.62 mV and wi = −9 mV arriving per step).
	p := DefaultCUBA
	prec := DefaultCUBAPrecision
	m, _ := NewCUBA(p)
	f, err := m.Fixed(prec)
	if err != nil {
		t.Fatal(err)
	}
	const n, steps = 400, 3000
	const gmax, vmax = 300.0, 150.0
	dge, dgi, dv := f.ErrorBound(gmax, vmax)
	const tol32 = 2e-3 // mV: float32 rounding (ulp(64 mV) = 7.6e-6) gained ≤ 1/(1 − em) ≈ 200×
	rng := newRand(10)
	ref := &cuba64{p: p, v: make([]float64, n), ge: make([]float64, n), gi: make([]float64, n), ref: make([]int, n)}
	s, q := m.NewState(n), f.NewState(n)
	for i := 0; i < n; i++ {
		v0 := prec.Dequantize(prec.Quantize(p.Vr + rng.Float64()*(p.Vt-p.Vr)))
		ref.v[i], s.V[i], q.V[i] = v0, float32(v0), prec.Quantize(v0)
	}
	e64, i64 := make([]float64, n), make([]float64, n)
	e32, i32 := make([]float32, n), make([]float32, n)
	eq, iq := make([]int32, n), make([]int32, n)
	o64, o32, oq := make([]bool, n), make([]bool, n), make([]bool, n)
	pre := make([]float64, n)
	spikes, flips := 0, 0
	for k := 0; k < steps; k++ {
		for i := 0; i < n; i++ {
			ne, ni := 0, 0
			for rng.Float64() < 0.35 {
				ne++
			}
			for rng.Float64() < 0.05 {
				ni++
			}
			eq[i], iq[i] = prec.Quantize(1.62*float64(ne)), prec.Quantize(-9*float64(ni))
			e64[i], i64[i] = prec.Dequantize(eq[i]), prec.Dequantize(iq[i])
			e32[i], i32[i] = float32(e64[i]), float32(i64[i])
		}
		ref.step(e64, i64, o64, pre)
		m.Step(s, e32, i32, o32)
		f.Step(q, eq, iq, oq)
		for i := 0; i < n; i++ {
			if o64[i] {
				spikes++
			}
			if math.Abs(ref.ge[i]) > gmax || math.Abs(ref.gi[i]) > gmax || math.Abs(pre[i]) > vmax {
				t.Fatalf("step %d: state (%g, %g, %g) outside the bound's range", k, ref.ge[i], ref.gi[i], pre[i])
			}
			if o64[i] != o32[i] || o64[i] != oq[i] {
				if d := math.Abs(pre[i] - p.Vt); d > dv+tol32 {
					t.Fatalf("step %d neuron %d: spikes %v/%v/%v with v %.6g, %.3g mV from Vt", k, i, o64[i], o32[i], oq[i], pre[i], d)
				}
				flips++
				s.V[i], s.Ref[i] = float32(ref.v[i]), int32(ref.ref[i])
				q.V[i], q.Ref[i] = prec.Quantize(ref.v[i]), int32(ref.ref[i])
				ref.v[i] = prec.Dequantize(q.V[i])
				continue
			}
			if d := math.Abs(float64(s.V[i]) - ref.v[i]); d > tol32 {
				t.Fatalf("step %d neuron %d: float32 v off by %.3g mV", k, i, d)
			}
			if d := math.Abs(prec.Dequantize(q.V[i]) - ref.v[i]); d > dv+1e-9 {
				t.Fatalf("step %d neuron %d: fixed v off by %.3g mV > bound %.3g", k, i, d, dv)
			}
			if math.Abs(prec.Dequantize(q.Ge[i])-ref.ge[i]) > dge+1e-9 || math.Abs(prec.Dequantize(q.Gi[i])-ref.gi[i]) > dgi+1e-9 {
				t.Fatalf("step %d neuron %d: fixed currents outside bound", k, i)
			}
		}
	}
	rate := float64(spikes) / n / (steps * p.DT / 1000)
	if spikes == 0 {
		t.Fatal("no spikes")
	}
	t.Logf("bounds: ge %.3g gi %.3g v %.3g mV; %d spikes (%.1f Hz), %d differing decisions", dge, dgi, dv, spikes, rate, flips)
}

func TestCUBAStepAllocatesNothing(t *testing.T) {
	m, _ := NewCUBA(DefaultCUBA)
	f, _ := m.Fixed(DefaultCUBAPrecision)
	const n = 1000
	s, q := m.NewState(n), f.NewState(n)
	e, i := make([]float32, n), make([]float32, n)
	eq, iq := make([]int32, n), make([]int32, n)
	out := make([]bool, n)
	if a := testing.AllocsPerRun(20, func() { m.Step(s, e, i, out) }); a != 0 {
		t.Errorf("CUBA.Step allocates %g times", a)
	}
	if a := testing.AllocsPerRun(20, func() { f.Step(q, eq, iq, out) }); a != 0 {
		t.Errorf("FixedCUBA.Step allocates %g times", a)
	}
}

func TestCUBAParamErrors(t *testing.T) {
	for name, mod := range map[string]func(*CUBAParams){
		"tau_m 0":          func(p *CUBAParams) { p.TauM = 0 },
		"dt negative":      func(p *CUBAParams) { p.DT = -0.1 },
		"vt nan":           func(p *CUBAParams) { p.Vt = math.NaN() },
		"refractory < 0":   func(p *CUBAParams) { p.Refractory = -1 },
		"refractory 1e300": func(p *CUBAParams) { p.Refractory = 1e300 },
	} {
		p := DefaultCUBA
		mod(&p)
		if _, err := NewCUBA(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
