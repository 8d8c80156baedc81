package neuron

import (
	"fmt"
	"math"
)

// RoundMode is how an integer spike count is rounded from a real value.
type RoundMode uint8

const (
	// HalfEven rounds ties to the even integer (torch.round); SFA Base models,
	// SpikeYOLO I-LIF.
	HalfEven RoundMode = iota
	// HalfUp rounds ties toward +∞ (floor(x + 0.5)); SFA Large models.
	HalfUp
)

func (m RoundMode) String() string {
	switch m {
	case HalfEven:
		return "half-even"
	case HalfUp:
		return "half-up"
	}
	return fmt.Sprintf("RoundMode(%d)", uint8(m))
}

func (m RoundMode) validate() error {
	if m > HalfUp {
		return fmt.Errorf("neuron: unknown rounding mode %d", uint8(m))
	}
	return nil
}

// maxD bounds the integer spike range so counts and thermometer codes stay small.
const maxD = 1 << 16

func checkD(d int) error {
	if d < 1 || d > maxD {
		return fmt.Errorf("neuron: D = %d out of range 1..%d", d, maxD)
	}
	return nil
}

// quant returns round(clamp(x, 0, d)) with the given rounding.
func quant(x float64, d int32, m RoundMode) int32 {
	if !(x > 0) { // also NaN → 0
		return 0
	}
	if x >= float64(d) {
		return d
	}
	if m == HalfUp {
		return int32(math.Floor(x + 0.5))
	}
	return int32(math.RoundToEven(x))
}

// quantQ is quant on a fixed-point word with frac fractional bits; it is
// exactly quant(Dequantize(q)) because the rounding is done on integers.
func quantQ(q int32, frac uint8, d int32, m RoundMode) int32 {
	if q <= 0 {
		return 0
	}
	if frac == 0 {
		return min(q, d)
	}
	n := q >> frac
	if n >= d {
		return d
	}
	r := q & (1<<frac - 1)
	half := int32(1) << (frac - 1)
	if r > half || (r == half && (m == HalfUp || n&1 == 1)) {
		n++
	}
	return n
}

// MultiSpike is the stateless SFA quantiser s = round(clamp(x, 0, D)) (the
// ImageNet models, T = 1). The output is an integer spike count; scaling by
// 1/Norm belongs to the next layer's weights.
type MultiSpike struct {
	D     int32
	Round RoundMode
}

// NewMultiSpike validates D (1..65536) and the rounding mode.
func NewMultiSpike(d int, round RoundMode) (MultiSpike, error) {
	if err := checkD(d); err != nil {
		return MultiSpike{}, err
	}
	if err := round.validate(); err != nil {
		return MultiSpike{}, err
	}
	return MultiSpike{D: int32(d), Round: round}, nil
}

// Fire returns round(clamp(x, 0, D)).
func (m MultiSpike) Fire(x float64) int32 { return quant(x, m.D, m.Round) }

// Step writes Fire(in[i]) to out[i]; it panics if the lengths differ.
func (m MultiSpike) Step(in []float64, out []int32) {
	checkLen("MultiSpike.Step", len(in), len(out))
	for i, x := range in {
		out[i] = quant(x, m.D, m.Round)
	}
}

// StepFixed is Step on inputs in the state format of p. It is bit-exact with
// Step applied to p.Dequantize(in[i]).
func (m MultiSpike) StepFixed(p Precision, in []int32, out []int32) {
	checkLen("MultiSpike.StepFixed", len(in), len(out))
	for i, q := range in {
		out[i] = quantQ(q, p.FracBits, m.D, m.Round)
	}
}

// Thermometer reports whether an integer spike count v emits a binary spike
// on virtual sub-step k (0 ≤ k < D): spikes come first, so the answer is k < v.
// Summed over k = 0..D−1 it gives v for 0 ≤ v ≤ D.
func Thermometer(v int32, k int) bool { return int64(k) < int64(v) }

// ExpandThermometer writes sub-step k of the thermometer code of counts to
// dst (dst[i] = k < counts[i]); it panics if the lengths differ.
func ExpandThermometer(dst []bool, counts []int32, k int) {
	checkLen("ExpandThermometer", len(dst), len(counts))
	for i, v := range counts {
		dst[i] = int64(k) < int64(v)
	}
}

// QIFParams configures the DVS MultiSpike variant (Q_IFNode): a pure IF
// membrane V += X, integer spike S = round(clamp(V, 0, D)), soft reset
// V −= S·VThreshold.
type QIFParams struct {
	D          int       // largest spike count (4 in the SFA DVS code)
	VThreshold float64   // charge removed per unit of spike count (1 in the code)
	Round      RoundMode // HalfEven as torch.round
}

// QIF is the DVS MultiSpike neuron (float reference).
type QIF struct {
	p QIFParams
}

// NewQIF validates p.
func NewQIF(p QIFParams) (*QIF, error) {
	if err := checkD(p.D); err != nil {
		return nil, err
	}
	if err := p.Round.validate(); err != nil {
		return nil, err
	}
	if err := positive("VThreshold", p.VThreshold); err != nil {
		return nil, err
	}
	return &QIF{p: p}, nil
}

// NewState returns n neurons at V = 0.
func (m *QIF) NewState(n int) *State { return &State{V: make([]float64, n)} }

// Step advances every neuron by one step; it panics on length mismatch.
func (m *QIF) Step(s *State, in []float64, out []int32) {
	checkLen("QIF.Step", len(s.V), len(in))
	checkLen("QIF.Step", len(in), len(out))
	d, th, r := int32(m.p.D), m.p.VThreshold, m.p.Round
	for i, x := range in {
		v := s.V[i] + x
		c := quant(v, d, r)
		s.V[i] = v - float64(c)*th
		out[i] = c
	}
}

// FixedQIF is the bit-accurate QIF: V and inputs in the state format of its
// Precision, threshold quantised to it. With a representable threshold and
// |V| < 2^(52−FracBits) it is bit-exact with QIF on dequantised inputs.
type FixedQIF struct {
	prec Precision
	d    int32
	th   int32
	r    RoundMode
}

// Fixed returns the bit-accurate model at precision p.
func (m *QIF) Fixed(p Precision) (*FixedQIF, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	th := p.Quantize(m.p.VThreshold)
	if th <= 0 {
		return nil, fmt.Errorf("neuron: VThreshold %g underflows %d fractional bits", m.p.VThreshold, p.FracBits)
	}
	return &FixedQIF{prec: p, d: int32(m.p.D), th: th, r: m.p.Round}, nil
}

// NewState returns n neurons at V = 0.
func (m *FixedQIF) NewState(n int) *FixedState { return &FixedState{V: make([]int32, n)} }

// Step advances every neuron by one step; it panics on length mismatch.
func (m *FixedQIF) Step(s *FixedState, in []int32, out []int32) {
	checkLen("FixedQIF.Step", len(s.V), len(in))
	checkLen("FixedQIF.Step", len(in), len(out))
	for i, x := range in {
		v := sat32(int64(s.V[i]) + int64(x))
		c := quantQ(v, m.prec.FracBits, m.d, m.r)
		s.V[i] = sat32(int64(v) - int64(c)*int64(m.th))
		out[i] = c
	}
}
