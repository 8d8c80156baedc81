package neuron

import (
	"fmt"
	"math"
)

// CubaLIFParams are NIR's CubaLIF parameters plus the step size:
//
//	tau_syn·dI/dt = −I + w_in·x
//	tau_mem·dv/dt = (v_leak − v) + r·I,  spike when v crosses v_threshold.
//
// The synaptic current I is not reset by a spike.
type CubaLIFParams struct {
	TauSyn, TauMem, R, VLeak, VThreshold, VReset, WIn float64
	DT                                                float64
	Reset                                             Reset
	Integration                                       Integration
	Compare                                           Compare
}

// CubaLIF is the float reference of NIR CubaLIF. One step is the linear map
//
//	I ← aII·I + bI·x
//	v ← aVV·v + aVI·I_old + bV·x + cV      (from the state before the step)
//
// Exact (x held over the step; es = e^(−dt/τs), em = e^(−dt/τm), τs ≠ τm):
//
//	aII = es, bI = w_in(1 − es), aVV = em, cV = v_leak(1 − em),
//	aVI = r·τs/(τs − τm)·(es − em), bV = r·w_in·(1 − em) − w_in·aVI;
//
// for τs = τm = τ, aVI = r·(dt/τ)·e^(−dt/τ). Euler: aII = 1 − dt/τs,
// bI = w_in·dt/τs, aVV = 1 − dt/τm, aVI = r·dt/τm, bV = 0, cV = v_leak·dt/τm.
type CubaLIF struct {
	aII, bI, aVV, aVI, bV, cV float64
	th, vr                    float64
	v0                        float64
	reset                     Reset
	cmp                       Compare
}

// NewCubaLIF validates p and computes the step coefficients.
func NewCubaLIF(p CubaLIFParams) (*CubaLIF, error) {
	for _, t := range []struct {
		n string
		v float64
	}{{"TauSyn", p.TauSyn}, {"TauMem", p.TauMem}, {"DT", p.DT}} {
		if err := positive(t.n, t.v); err != nil {
			return nil, err
		}
	}
	if err := finite("R, VLeak, VThreshold, VReset, WIn", p.R, p.VLeak, p.VThreshold, p.VReset, p.WIn); err != nil {
		return nil, err
	}
	if err := modes(p.Reset, p.Integration, p.Compare); err != nil {
		return nil, err
	}
	m := &CubaLIF{th: p.VThreshold, vr: p.VReset, v0: p.VLeak, reset: p.Reset, cmp: p.Compare}
	ts, tm, dt := p.TauSyn, p.TauMem, p.DT
	switch p.Integration {
	case Exact:
		es, em := math.Exp(-dt/ts), math.Exp(-dt/tm)
		m.aII, m.bI = es, p.WIn*-math.Expm1(-dt/ts)
		m.aVV, m.cV = em, p.VLeak*-math.Expm1(-dt/tm)
		if ts == tm {
			m.aVI = p.R * dt / tm * em
		} else {
			m.aVI = p.R * ts / (ts - tm) * (es - em)
		}
		m.bV = p.R*p.WIn*-math.Expm1(-dt/tm) - p.WIn*m.aVI
	case Euler:
		ks, km := dt/ts, dt/tm
		if ks > 2 || km > 2 {
			return nil, fmt.Errorf("neuron: Euler step unstable: dt/tau_syn = %g, dt/tau_mem = %g (need ≤ 2)", ks, km)
		}
		m.aII, m.bI = 1-ks, p.WIn*ks
		m.aVV, m.aVI, m.bV, m.cV = 1-km, p.R*km, 0, p.VLeak*km
	}
	return m, nil
}

// CubaState holds the synaptic current and membrane potential of a population.
type CubaState struct{ I, V []float64 }

// FixedCubaState is CubaState in a fixed-point format.
type FixedCubaState struct{ I, V []int32 }

// NewState returns n neurons at rest (I = 0, v = v_leak).
func (m *CubaLIF) NewState(n int) *CubaState {
	s := &CubaState{I: make([]float64, n), V: make([]float64, n)}
	for i := range s.V {
		s.V[i] = m.v0
	}
	return s
}

// Step advances every neuron by one step; it panics on length mismatch.
func (m *CubaLIF) Step(s *CubaState, in []float64, out []bool) {
	checkLen("CubaLIF.Step", len(s.V), len(in))
	checkLen("CubaLIF.Step", len(s.I), len(in))
	checkLen("CubaLIF.Step", len(in), len(out))
	for i, x := range in {
		cur := s.I[i]
		v := m.aVV*s.V[i] + m.aVI*cur + m.bV*x + m.cV
		s.I[i] = m.aII*cur + m.bI*x
		f := v > m.th || (m.cmp == AtOrAbove && v == m.th)
		if f {
			if m.reset == ResetSubtract {
				v -= m.th
			} else {
				v = m.vr
			}
		}
		s.V[i] = v
		out[i] = f
	}
}

// FixedCubaLIF is the bit-accurate CubaLIF: every coefficient is quantised to
// K = CoefBits fractional bits, states and inputs use F = FracBits, and
//
//	I ← sat32((AII·I + BI·x + 2^(K−1)) >> K)
//	v ← sat32((AVV·v + AVI·I_old + BV·x + 2^(K−1)) >> K + CV)
type FixedCubaLIF struct {
	prec Precision
	// The quantised coefficients (CoefBits fractional bits; CV with FracBits).
	AII, BI, AVV, AVI, BV int64
	CV                    int32
	th, vr, v0            int32
	reset                 Reset
	cmp                   Compare
	ref                   *CubaLIF
}

// Fixed returns the bit-accurate model at precision p.
func (m *CubaLIF) Fixed(p Precision) (*FixedCubaLIF, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	f := &FixedCubaLIF{prec: p, CV: p.Quantize(m.cV), th: p.Quantize(m.th), vr: p.Quantize(m.vr),
		v0: p.Quantize(m.v0), reset: m.reset, cmp: m.cmp, ref: m}
	var err error
	for _, c := range []struct {
		n   string
		dst *int64
		v   float64
	}{{"aII", &f.AII, m.aII}, {"bI", &f.BI, m.bI}, {"aVV", &f.AVV, m.aVV}, {"aVI", &f.AVI, m.aVI}, {"bV", &f.BV, m.bV}} {
		if *c.dst, err = p.coef(c.n, c.v); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// NewState returns n neurons at rest.
func (m *FixedCubaLIF) NewState(n int) *FixedCubaState {
	s := &FixedCubaState{I: make([]int32, n), V: make([]int32, n)}
	for i := range s.V {
		s.V[i] = m.v0
	}
	return s
}

// Step advances every neuron by one step; it panics on length mismatch.
func (m *FixedCubaLIF) Step(s *FixedCubaState, in []int32, out []bool) {
	checkLen("FixedCubaLIF.Step", len(s.V), len(in))
	checkLen("FixedCubaLIF.Step", len(s.I), len(in))
	checkLen("FixedCubaLIF.Step", len(in), len(out))
	k := m.prec.CoefBits
	for i, x := range in {
		cur, x64 := int64(s.I[i]), int64(x)
		v := sat32(rshr(m.AVV*int64(s.V[i])+m.AVI*cur+m.BV*x64, k) + int64(m.CV))
		s.I[i] = sat32(rshr(m.AII*cur+m.BI*x64, k))
		f := v > m.th || (m.cmp == AtOrAbove && v == m.th)
		if f {
			if m.reset == ResetSubtract {
				v = sat32(int64(v) - int64(m.th))
			} else {
				v = m.vr
			}
		}
		s.V[i] = v
		out[i] = f
	}
}

// ErrorBound returns bounds on |ΔI| and |Δv| between the fixed and float
// models while |x| ≤ xmax, |I| ≤ imax, |v| ≤ vmax and the spike decisions
// agree. Per step the current gains eI = |ΔAII|·imax + |ΔBI|·xmax + ½ LSB and
// the voltage eV = |ΔAVV|·vmax + |ΔAVI|·imax + |ΔBV|·xmax + ½ LSB + |ΔCV| +
// max(|ΔΘ|, |ΔV_reset|); then EI = eI/(1 − aII) and
// EV = (eV + |aVI|·EI)/(1 − aVV). Both are +Inf if a decay factor is ≥ 1.
func (m *FixedCubaLIF) ErrorBound(xmax, imax, vmax float64) (di, dv float64) {
	p, r := m.prec, m.ref
	half := p.LSB() / 2
	eI := p.coefErr(m.AII, r.aII)*imax + p.coefErr(m.BI, r.bI)*xmax + half
	eV := p.coefErr(m.AVV, r.aVV)*vmax + p.coefErr(m.AVI, r.aVI)*imax + p.coefErr(m.BV, r.bV)*xmax +
		half + p.stateErr(m.CV, r.cV) + max(p.stateErr(m.th, r.th), p.stateErr(m.vr, r.vr))
	if math.Abs(r.aII) >= 1 || math.Abs(r.aVV) >= 1 {
		return math.Inf(1), math.Inf(1)
	}
	di = eI / (1 - math.Abs(r.aII))
	dv = (eV + math.Abs(r.aVI)*di) / (1 - math.Abs(r.aVV))
	return di, dv
}
