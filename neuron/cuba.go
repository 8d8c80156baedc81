package neuron

import (
	"fmt"
	"math"
)

// CUBAParams configure the LIF population of the Vogels–Abbott CUBA benchmark
// (Brette et al. 2007), in millivolts and milliseconds:
//
//	dv/dt  = (ge + gi − (v − El))/τm   (v frozen while refractory)
//	dge/dt = −ge/τe,  dgi/dt = −gi/τi
//	spike when v > Vt (and not refractory); then v ← Vr for Refractory ms.
type CUBAParams struct {
	TauM, TauE, TauI float64 // membrane, excitatory, inhibitory time constants (ms)
	Vt, Vr, El       float64 // threshold, reset, leak reversal (mV)
	Refractory       float64 // refractory period (ms)
	DT               float64 // step (ms)
}

// DefaultCUBA is the benchmark's configuration: τm 20 ms, τe 5 ms, τi 10 ms,
// Vt −50 mV, Vr −60 mV, El −49 mV, refractory 5 ms, dt 0.1 ms.
var DefaultCUBA = CUBAParams{TauM: 20, TauE: 5, TauI: 10, Vt: -50, Vr: -60, El: -49, Refractory: 5, DT: 0.1}

// CUBA is the float32 reference of the CUBA population with exact
// integration for the fixed step dt (the linear system has a closed-form
// step, as Brian2's method="exact"):
//
//	v  ← El + (v − El)·em + ke·ge + ki·gi      (unless refractory)
//	ge ← ge·ee,  gi ← gi·ei
//
// with em = e^(−dt/τm), ee = e^(−dt/τe), ei = e^(−dt/τi),
// ke = τe/(τe − τm)·(ee − em), ki = τi/(τi − τm)·(ei − em) (for τ equal to τm,
// k = (dt/τm)·em). The step order within Step is: add the synaptic
// increments in[] to ge/gi, integrate, threshold, reset. This equals Brian2's
// order (integrate, threshold, deliver on_pre, reset) when in[] holds the
// increments caused by the spikes of the previous step. A neuron that fires
// at step n is refractory (v frozen, no spike) during steps n+1 … n+R−1 with
// R = round(Refractory/dt), as Brian2's timestep comparison does.
type CUBA struct {
	p                  CUBAParams
	em, ee, ei, ke, ki float64
	refSteps           int32
}

// CUBAState is the struct-of-arrays state of a CUBA population (float32, mV).
type CUBAState struct {
	V, Ge, Gi []float32
	Ref       []int32 // remaining frozen steps
}

// NewCUBA validates p and computes the step coefficients.
func NewCUBA(p CUBAParams) (*CUBA, error) {
	for _, t := range []struct {
		n string
		v float64
	}{{"TauM", p.TauM}, {"TauE", p.TauE}, {"TauI", p.TauI}, {"DT", p.DT}} {
		if err := positive(t.n, t.v); err != nil {
			return nil, err
		}
	}
	if err := finite("Vt, Vr, El, Refractory", p.Vt, p.Vr, p.El, p.Refractory); err != nil {
		return nil, err
	}
	if p.Refractory < 0 {
		return nil, fmt.Errorf("neuron: CUBA refractory period %g ms is negative", p.Refractory)
	}
	r := math.Round(p.Refractory / p.DT)
	if r > 1<<30 {
		return nil, fmt.Errorf("neuron: CUBA refractory period %g ms is %g steps, too long", p.Refractory, r)
	}
	m := &CUBA{p: p, em: math.Exp(-p.DT / p.TauM), ee: math.Exp(-p.DT / p.TauE), ei: math.Exp(-p.DT / p.TauI),
		refSteps: int32(r)}
	k := func(ts float64) float64 {
		if ts == p.TauM {
			return p.DT / p.TauM * m.em
		}
		return ts / (ts - p.TauM) * (math.Exp(-p.DT/ts) - m.em)
	}
	m.ke, m.ki = k(p.TauE), k(p.TauI)
	return m, nil
}

// Params returns the configuration.
func (m *CUBA) Params() CUBAParams { return m.p }

// RefractorySteps returns R = round(Refractory/dt).
func (m *CUBA) RefractorySteps() int { return int(m.refSteps) }

// NewState returns n neurons at v = Vr with no synaptic current. Callers that
// want Brian2's random initial voltages set V themselves.
func (m *CUBA) NewState(n int) *CUBAState {
	s := &CUBAState{V: make([]float32, n), Ge: make([]float32, n), Gi: make([]float32, n), Ref: make([]int32, n)}
	for i := range s.V {
		s.V[i] = float32(m.p.Vr)
	}
	return s
}

// Step advances the population by dt. inE and inI are the excitatory and
// inhibitory increments (mV) arriving at each neuron this step; out[i]
// reports a spike. It returns the number of spikes and allocates nothing. It
// panics if the lengths differ.
func (m *CUBA) Step(s *CUBAState, inE, inI []float32, out []bool) int {
	n := len(s.V)
	checkLen("CUBA.Step", len(s.Ge), n)
	checkLen("CUBA.Step", len(s.Gi), n)
	checkLen("CUBA.Step", len(s.Ref), n)
	checkLen("CUBA.Step", len(inE), n)
	checkLen("CUBA.Step", len(inI), n)
	checkLen("CUBA.Step", len(out), n)
	v, ge, gi, ref := s.V[:n], s.Ge[:n], s.Gi[:n], s.Ref[:n]
	inE, inI, out = inE[:n], inI[:n], out[:n]
	em, ee, ei := float32(m.em), float32(m.ee), float32(m.ei)
	ke, ki := float32(m.ke), float32(m.ki)
	el, vt, vr := float32(m.p.El), float32(m.p.Vt), float32(m.p.Vr)
	rs := m.refSteps - 1
	spikes := 0
	for i := range v {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		ge[i], gi[i] = e*ee, g*ei
		if ref[i] > 0 {
			ref[i]--
			out[i] = false
			continue
		}
		x := el + (v[i]-el)*em + ke*e + ki*g
		f := x > vt
		if f {
			x = vr
			ref[i] = rs
			spikes++
		}
		v[i], out[i] = x, f
	}
	return spikes
}

// FixedCUBA is the bit-accurate CUBA population: v, ge, gi and the inputs are
// int32 with F = FracBits fractional bits of a millivolt; em, ee, ei, ke, ki
// are quantised to K = CoefBits fractional bits, El' = El·(1 − em) is
// quantised to F bits, and one step is
//
//	ge ← (EE·(ge + inE) + 2^(K−1)) >> K     (same for gi with EI)
//	v  ← (EM·v + KE·(ge + inE) + KI·(gi + inI) + 2^(K−1)) >> K + El'
//
// saturating to int32, with the same ordering, threshold (v > Vt),
// reset and refractory rule as CUBA.
type FixedCUBA struct {
	prec Precision
	// The quantised em, ee, ei, ke, ki (CoefBits fractional bits).
	EM, EE, EI, KE, KI int64
	elC, vt, vr        int32
	refSteps           int32
	ref                *CUBA
}

// FixedCUBAState is the fixed-point state of a CUBA population.
type FixedCUBAState struct {
	V, Ge, Gi []int32
	Ref       []int32
}

// DefaultCUBAPrecision is the declared format of FixedCUBA: Q15.16 mV for
// v, ge, gi and inputs (LSB 1.5e-5 mV, range ±32768 mV) and 24 fractional
// bits for the decay factors. em ≈ 0.995 needs the longer constants: a 16-bit
// em would change τm enough to move v by ~0.1 mV.
var DefaultCUBAPrecision = Precision{FracBits: 16, CoefBits: 24}

// Fixed returns the bit-accurate model at precision p.
func (m *CUBA) Fixed(p Precision) (*FixedCUBA, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	f := &FixedCUBA{prec: p, elC: p.Quantize(m.p.El * -math.Expm1(-m.p.DT/m.p.TauM)),
		vt: p.Quantize(m.p.Vt), vr: p.Quantize(m.p.Vr), refSteps: m.refSteps, ref: m}
	var err error
	for _, c := range []struct {
		n   string
		dst *int64
		v   float64
	}{{"em", &f.EM, m.em}, {"ee", &f.EE, m.ee}, {"ei", &f.EI, m.ei}, {"ke", &f.KE, m.ke}, {"ki", &f.KI, m.ki}} {
		if *c.dst, err = p.coef(c.n, c.v); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Precision returns the declared fixed-point format.
func (m *FixedCUBA) Precision() Precision { return m.prec }

// NewState returns n neurons at v = Vr with no synaptic current.
func (m *FixedCUBA) NewState(n int) *FixedCUBAState {
	s := &FixedCUBAState{V: make([]int32, n), Ge: make([]int32, n), Gi: make([]int32, n), Ref: make([]int32, n)}
	for i := range s.V {
		s.V[i] = m.vr
	}
	return s
}

// Step advances the population by dt; see CUBA.Step. It allocates nothing.
func (m *FixedCUBA) Step(s *FixedCUBAState, inE, inI []int32, out []bool) int {
	n := len(s.V)
	checkLen("FixedCUBA.Step", len(s.Ge), n)
	checkLen("FixedCUBA.Step", len(s.Gi), n)
	checkLen("FixedCUBA.Step", len(s.Ref), n)
	checkLen("FixedCUBA.Step", len(inE), n)
	checkLen("FixedCUBA.Step", len(inI), n)
	checkLen("FixedCUBA.Step", len(out), n)
	v, ge, gi, ref := s.V[:n], s.Ge[:n], s.Gi[:n], s.Ref[:n]
	inE, inI, out = inE[:n], inI[:n], out[:n]
	k := m.prec.CoefBits
	half := int64(1) << (k - 1)
	rs := m.refSteps - 1
	spikes := 0
	for i := range v {
		e := int64(ge[i]) + int64(inE[i])
		g := int64(gi[i]) + int64(inI[i])
		ge[i] = sat32((m.EE*e + half) >> k)
		gi[i] = sat32((m.EI*g + half) >> k)
		if ref[i] > 0 {
			ref[i]--
			out[i] = false
			continue
		}
		x := sat32((m.EM*int64(v[i])+m.KE*e+m.KI*g+half)>>k + int64(m.elC))
		f := x > m.vt
		if f {
			x = m.vr
			ref[i] = rs
			spikes++
		}
		v[i], out[i] = x, f
	}
	return spikes
}

// ErrorBound returns bounds on |Δge|, |Δgi|, |Δv| between this model and an
// exact-arithmetic evaluation of CUBA while |g| ≤ gmax, |v| ≤ vmax (mV) and
// the spike decisions agree, derived as for FixedCubaLIF:
// Eg = (|ΔEE|·gmax + ½ LSB)/(1 − ee) (and ei), and
// Ev = (|ΔEM|·vmax + (|ΔKE| + |ΔKI|)·gmax + ½ LSB + |ΔEl'| + |ΔVr| + ke·Ee + ki·Ei)/(1 − em).
func (m *FixedCUBA) ErrorBound(gmax, vmax float64) (dge, dgi, dv float64) {
	p, r := m.prec, m.ref
	half := p.LSB() / 2
	el := r.p.El * -math.Expm1(-r.p.DT/r.p.TauM)
	dge = (p.coefErr(m.EE, r.ee)*gmax + half) / (1 - r.ee)
	dgi = (p.coefErr(m.EI, r.ei)*gmax + half) / (1 - r.ei)
	ev := p.coefErr(m.EM, r.em)*vmax + (p.coefErr(m.KE, r.ke)+p.coefErr(m.KI, r.ki))*gmax + half +
		p.stateErr(m.elC, el) + p.stateErr(m.vr, r.p.Vr) + math.Abs(r.ke)*dge + math.Abs(r.ki)*dgi
	dv = ev / (1 - r.em)
	return dge, dgi, dv
}
