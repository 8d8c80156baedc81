package neuron

import (
	"fmt"
	"math"
)

// Reset selects what happens to the membrane after a spike.
type Reset uint8

const (
	// ResetToValue sets v to VReset (NIR's reset semantics).
	ResetToValue Reset = iota
	// ResetSubtract subtracts the threshold from v (reset by subtraction).
	ResetSubtract
)

// Integration selects how a continuous-time model is discretised for a step dt.
type Integration uint8

const (
	// Exact integrates the linear ODE exactly over dt with the input held
	// constant during the step (zero-order hold). It is the default (zero value).
	Exact Integration = iota
	// Euler is one forward-Euler step of size dt, as snnTorch and Norse do.
	Euler
)

// Compare selects the firing condition.
type Compare uint8

const (
	// Above fires when v > VThreshold (Norse, snnTorch, Brian2's "v > Vt").
	Above Compare = iota
	// AtOrAbove fires when v ≥ VThreshold.
	AtOrAbove
)

func (r Reset) validate() error {
	if r > ResetSubtract {
		return fmt.Errorf("neuron: unknown reset mode %d", uint8(r))
	}
	return nil
}

func (g Integration) validate() error {
	if g > Euler {
		return fmt.Errorf("neuron: unknown integration %d", uint8(g))
	}
	return nil
}

func (c Compare) validate() error {
	if c > AtOrAbove {
		return fmt.Errorf("neuron: unknown compare mode %d", uint8(c))
	}
	return nil
}

// LIFParams are NIR's LIF parameters for one population plus the step size.
// Units are the caller's; Tau and DT share one time unit (NIR uses seconds).
//
//	tau·dv/dt = (v_leak − v) + r·I,  spike when v crosses v_threshold.
type LIFParams struct {
	Tau, R, VLeak, VThreshold, VReset float64
	DT                                float64 // step length
	Reset                             Reset
	Integration                       Integration
	Compare                           Compare
}

// IFParams are NIR's IF parameters plus the step size:  dv/dt = r·I.
// Frameworks that add the input once per step (Sinabs, SpikingJelly) use DT = 1.
type IFParams struct {
	R, VThreshold, VReset float64
	DT                    float64
	Reset                 Reset
	Compare               Compare
	// Subtract is the charge removed by ResetSubtract; 0 means VThreshold
	// (NIR). The SFA equivalence "IF with threshold 0.5, soft reset 1" needs 1.
	Subtract float64
}

// LIF is the float reference of an affine one-state neuron, which covers NIR
// LIF and IF. Per step, with input x[n] held over the step:
//
//	v ← a·v + b·x + c;  s = v > θ (or ≥);  if s { v ← v_reset or v − θ_sub }
//
// LIF, Exact:  a = e^(−dt/τ), b = r·(1 − a), c = v_leak·(1 − a).
// LIF, Euler:  a = 1 − dt/τ,  b = r·dt/τ,    c = v_leak·dt/τ.
// IF (either): a = 1,         b = r·dt,      c = 0.
type LIF struct {
	a, b, c    float64
	th, vr, sb float64
	v0         float64
	reset      Reset
	cmp        Compare
}

// NewLIF validates p and computes the step coefficients.
func NewLIF(p LIFParams) (*LIF, error) {
	if err := positive("Tau", p.Tau); err != nil {
		return nil, err
	}
	if err := positive("DT", p.DT); err != nil {
		return nil, err
	}
	if err := finite("R, VLeak, VThreshold, VReset", p.R, p.VLeak, p.VThreshold, p.VReset); err != nil {
		return nil, err
	}
	if err := modes(p.Reset, p.Integration, p.Compare); err != nil {
		return nil, err
	}
	m := &LIF{th: p.VThreshold, vr: p.VReset, sb: p.VThreshold, v0: p.VLeak, reset: p.Reset, cmp: p.Compare}
	switch p.Integration {
	case Exact:
		m.a = math.Exp(-p.DT / p.Tau)
		m.b = p.R * -math.Expm1(-p.DT/p.Tau)
		m.c = p.VLeak * -math.Expm1(-p.DT/p.Tau)
	case Euler:
		k := p.DT / p.Tau
		if k > 2 {
			return nil, fmt.Errorf("neuron: Euler step unstable: dt/tau = %g > 2", k)
		}
		m.a, m.b, m.c = 1-k, p.R*k, p.VLeak*k
	}
	return m, nil
}

// NewIF validates p and returns the IF neuron as an LIF without leak.
func NewIF(p IFParams) (*LIF, error) {
	if err := positive("DT", p.DT); err != nil {
		return nil, err
	}
	if err := finite("R, VThreshold, VReset, Subtract", p.R, p.VThreshold, p.VReset, p.Subtract); err != nil {
		return nil, err
	}
	if err := modes(p.Reset, Exact, p.Compare); err != nil {
		return nil, err
	}
	sb := p.Subtract
	if sb == 0 {
		sb = p.VThreshold
	}
	return &LIF{a: 1, b: p.R * p.DT, th: p.VThreshold, vr: p.VReset, sb: sb, reset: p.Reset, cmp: p.Compare}, nil
}

func modes(r Reset, g Integration, c Compare) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := g.validate(); err != nil {
		return err
	}
	return c.validate()
}

// Coefficients returns the per-step map v ← a·v + b·x + c.
func (m *LIF) Coefficients() (a, b, c float64) { return m.a, m.b, m.c }

// State holds the membrane potential of a population (float reference).
type State struct{ V []float64 }

// FixedState holds the membrane potential of a population in a fixed-point format.
type FixedState struct{ V []int32 }

// NewState returns n neurons at rest (v = v_leak for LIF, 0 for IF).
func (m *LIF) NewState(n int) *State {
	s := &State{V: make([]float64, n)}
	for i := range s.V {
		s.V[i] = m.v0
	}
	return s
}

// Step advances every neuron by one step with input in[i] and writes its
// spike to out[i]. It panics if the lengths differ.
func (m *LIF) Step(s *State, in []float64, out []bool) {
	checkLen("LIF.Step", len(s.V), len(in))
	checkLen("LIF.Step", len(in), len(out))
	for i, x := range in {
		v := m.a*s.V[i] + m.b*x + m.c
		f := v > m.th || (m.cmp == AtOrAbove && v == m.th)
		if f {
			if m.reset == ResetSubtract {
				v -= m.sb
			} else {
				v = m.vr
			}
		}
		s.V[i] = v
		out[i] = f
	}
}

// FixedLIF is the bit-accurate LIF/IF. With A = round(a·2^K), B = round(b·2^K),
// C = round(c·2^F) and v, x in the state format:
//
//	v ← sat32(((A·v + B·x) + 2^(K−1)) >> K + C);  s = v > Θ (or ≥);
//	reset: v ← V_reset, or v ← sat32(v − Θ_sub)
//
// where K = CoefBits, F = FracBits and Θ, V_reset, Θ_sub are quantised to F bits.
type FixedLIF struct {
	prec Precision
	// A and B are a and b with CoefBits fractional bits, C is c with
	// FracBits; exported for compilers that program hardware registers.
	A, B       int64
	C          int32
	th, vr, sb int32
	v0         int32
	reset      Reset
	cmp        Compare
	ref        *LIF
}

// Fixed returns the bit-accurate model at precision p.
func (m *LIF) Fixed(p Precision) (*FixedLIF, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	A, err := p.coef("a", m.a)
	if err != nil {
		return nil, err
	}
	B, err := p.coef("b", m.b)
	if err != nil {
		return nil, err
	}
	return &FixedLIF{prec: p, A: A, B: B, C: p.Quantize(m.c), th: p.Quantize(m.th), vr: p.Quantize(m.vr),
		sb: p.Quantize(m.sb), v0: p.Quantize(m.v0), reset: m.reset, cmp: m.cmp, ref: m}, nil
}

// NewState returns n neurons at rest.
func (m *FixedLIF) NewState(n int) *FixedState {
	s := &FixedState{V: make([]int32, n)}
	for i := range s.V {
		s.V[i] = m.v0
	}
	return s
}

// Step advances every neuron by one step; it panics on length mismatch.
func (m *FixedLIF) Step(s *FixedState, in []int32, out []bool) {
	checkLen("FixedLIF.Step", len(s.V), len(in))
	checkLen("FixedLIF.Step", len(in), len(out))
	k := m.prec.CoefBits
	for i, x := range in {
		v := sat32(rshr(m.A*int64(s.V[i])+m.B*int64(x), k) + int64(m.C))
		f := v > m.th || (m.cmp == AtOrAbove && v == m.th)
		if f {
			if m.reset == ResetSubtract {
				v = sat32(int64(v) - int64(m.sb))
			} else {
				v = m.vr
			}
		}
		s.V[i] = v
		out[i] = f
	}
}

// ErrorBound returns the largest |v_fixed − v_float| that can build up while
// |v| ≤ vmax and |x| ≤ xmax, as long as both models made the same spike
// decisions (starting from equal states). The per-step error is
//
//	e = |ΔA|·vmax + |ΔB|·xmax + ½ LSB (shift rounding, absent if A and B are
//	    multiples of 2^K) + |ΔC| + max(|ΔΘ_sub|, |ΔV_reset|)
//
// and errors decay by a each step, so the bound is e/(1 − a) for a < 1. For
// IF (a = 1) it is 0 when e is 0 (bit-exact) and +Inf otherwise.
func (m *FixedLIF) ErrorBound(vmax, xmax float64) float64 {
	p := m.prec
	e := p.coefErr(m.A, m.ref.a)*vmax + p.coefErr(m.B, m.ref.b)*xmax + p.stateErr(m.C, m.ref.c)
	if !p.shiftExact(m.A) || !p.shiftExact(m.B) {
		e += p.LSB() / 2
	}
	e += max(p.stateErr(m.sb, m.ref.sb), p.stateErr(m.vr, m.ref.vr))
	if m.ref.a >= 1 {
		if e == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return e / (1 - math.Abs(m.ref.a))
}
