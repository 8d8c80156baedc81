package neuron

import (
	"fmt"
	"math"
)

// Precision declares the fixed-point format of a bit-accurate model.
//
// State variables (membrane potential, synaptic current) and inputs are int32
// in two's complement with FracBits fractional bits: the real value of q is
// q·2^−FracBits (a Q(31−FracBits).FracBits number). Arithmetic saturates to the
// int32 range instead of wrapping.
//
// Multiplicative constants (decay factors, input gains) are integers with
// CoefBits fractional bits held in int64; a product c·q is computed exactly in
// int64 and brought back to the state format by an arithmetic right shift of
// CoefBits with rounding half up (toward +∞): (x + 2^(CoefBits−1)) >> CoefBits.
// Every constant is quantised by rounding to nearest (half away from zero).
type Precision struct {
	FracBits uint8 // fractional bits of state and input words, 0..30
	CoefBits uint8 // fractional bits of multiplicative constants, 1..30
}

// DefaultPrecision is Q15.16 state and 16-bit fractional constants.
var DefaultPrecision = Precision{FracBits: 16, CoefBits: 16}

func (p Precision) validate() error {
	if p.FracBits > 30 {
		return fmt.Errorf("neuron: FracBits %d out of range 0..30", p.FracBits)
	}
	if p.CoefBits < 1 || p.CoefBits > 30 {
		return fmt.Errorf("neuron: CoefBits %d out of range 1..30", p.CoefBits)
	}
	return nil
}

// LSB returns the real value of one least significant bit of a state word.
func (p Precision) LSB() float64 { return math.Ldexp(1, -int(p.FracBits)) }

// Quantize converts x to the state format, rounding half away from zero and
// saturating at the int32 range (NaN becomes 0).
func (p Precision) Quantize(x float64) int32 {
	if math.IsNaN(x) {
		return 0
	}
	return sat32f(math.Round(math.Ldexp(x, int(p.FracBits))))
}

// Dequantize returns the real value of the state word q (exact in float64).
func (p Precision) Dequantize(q int32) float64 { return math.Ldexp(float64(q), -int(p.FracBits)) }

// QuantizeSlice writes Quantize(src[i]) to dst[i]; it panics if the lengths differ.
func (p Precision) QuantizeSlice(dst []int32, src []float64) {
	checkLen("QuantizeSlice", len(dst), len(src))
	for i, x := range src {
		dst[i] = p.Quantize(x)
	}
}

// coef quantises a multiplicative constant to CoefBits fractional bits. It
// fails if the constant does not fit in 31 bits, which keeps every product
// with an int32 state word inside int64.
func (p Precision) coef(name string, c float64) (int64, error) {
	v := math.Round(math.Ldexp(c, int(p.CoefBits)))
	if math.IsNaN(v) || math.Abs(v) >= 1<<31 {
		return 0, fmt.Errorf("neuron: constant %s = %g does not fit %d fractional bits in 31 bits", name, c, p.CoefBits)
	}
	return int64(v), nil
}

// coefErr is the absolute quantisation error of a constant.
func (p Precision) coefErr(q int64, c float64) float64 {
	return math.Abs(math.Ldexp(float64(q), -int(p.CoefBits)) - c)
}

// stateErr is the absolute quantisation error of a state-format value.
func (p Precision) stateErr(q int32, x float64) float64 { return math.Abs(p.Dequantize(q) - x) }

// shiftExact reports whether multiplying by q and shifting by CoefBits loses
// nothing (q is a multiple of 2^CoefBits).
func (p Precision) shiftExact(q int64) bool { return q&(1<<p.CoefBits-1) == 0 }

// rshr shifts x right by k bits rounding half up (toward +∞).
func rshr(x int64, k uint8) int64 { return (x + 1<<(k-1)) >> k }

func sat32(x int64) int32 {
	if x > math.MaxInt32 {
		return math.MaxInt32
	}
	if x < math.MinInt32 {
		return math.MinInt32
	}
	return int32(x)
}

func sat32f(x float64) int32 {
	if x >= math.MaxInt32 {
		return math.MaxInt32
	}
	if x <= math.MinInt32 {
		return math.MinInt32
	}
	return int32(x)
}

func checkLen(op string, a, b int) {
	if a != b {
		panic(fmt.Sprintf("neuron: %s: length mismatch %d != %d", op, a, b))
	}
}

func finite(name string, xs ...float64) error {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("neuron: %s must be finite, got %g", name, x)
		}
	}
	return nil
}

func positive(name string, x float64) error {
	if !(x > 0) || math.IsInf(x, 0) {
		return fmt.Errorf("neuron: %s must be positive and finite, got %g", name, x)
	}
	return nil
}

// Precision returns the declared fixed-point format.
func (m *FixedLIF) Precision() Precision { return m.prec }

// Precision returns the declared fixed-point format.
func (m *FixedCubaLIF) Precision() Precision { return m.prec }

// Precision returns the declared fixed-point format.
func (m *FixedQIF) Precision() Precision { return m.prec }

// Precision returns the declared fixed-point format.
func (m *FixedILIF) Precision() Precision { return m.prec }

// Precision returns the declared fixed-point format.
func (m *FixedPrimeLIF) Precision() Precision { return m.prec }
