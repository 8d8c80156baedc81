package neuron

import (
	"math"
	"testing"
)

func TestPrecisionQuantize(t *testing.T) {
	p := Precision{FracBits: 4, CoefBits: 8}
	for _, tc := range []struct {
		x float64
		q int32
	}{
		{0, 0}, {1, 16}, {-1, -16}, {1.0 / 32, 1}, {-1.0 / 32, -1}, {0.03, 0},
		{math.NaN(), 0}, {1e30, math.MaxInt32}, {-1e30, math.MinInt32}, {math.Inf(1), math.MaxInt32},
	} {
		if g := p.Quantize(tc.x); g != tc.q {
			t.Errorf("Quantize(%g) = %d, want %d", tc.x, g, tc.q)
		}
	}
	if p.Dequantize(24) != 1.5 || p.LSB() != 1.0/16 {
		t.Error("Dequantize/LSB wrong")
	}
	if rshr(5, 1) != 3 || rshr(-5, 1) != -2 || rshr(4, 2) != 1 || rshr(6, 2) != 2 {
		t.Error("rshr is not round-half-up")
	}
	if sat32(1<<40) != math.MaxInt32 || sat32(-1<<40) != math.MinInt32 {
		t.Error("sat32 does not saturate")
	}
	for _, bad := range []Precision{{FracBits: 31, CoefBits: 8}, {FracBits: 8, CoefBits: 0}, {FracBits: 8, CoefBits: 31}} {
		if bad.validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestFixedLIFSaturates(t *testing.T) {
	m, _ := NewIF(IFParams{R: 1, DT: 1, VThreshold: 1e9})
	f, err := m.Fixed(Precision{FracBits: 16, CoefBits: 16})
	if err != nil {
		t.Fatal(err)
	}
	s := f.NewState(1)
	out := []bool{false}
	for k := 0; k < 5; k++ {
		f.Step(s, []int32{math.MaxInt32 / 2}, out)
	}
	if s.V[0] != math.MaxInt32 {
		t.Fatalf("v = %d after overflow, want saturation at MaxInt32", s.V[0])
	}
}
