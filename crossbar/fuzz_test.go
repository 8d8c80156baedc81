package crossbar_test

import (
	"testing"
)

// FuzzExact drives the differential check from fuzzed shapes, levels, g_off
// and seeds: with every non-ideality off and an ideal ADC, MulSpikes equals
// the integer model bit for bit, and with a b-bit ADC the error stays within
// the bound of the package doc.
func FuzzExact(f *testing.F) {
	f.Add(uint16(17), uint8(5), uint16(16), uint8(1), uint8(0), uint64(1), 0.5)
	f.Add(uint16(300), uint8(40), uint16(256), uint8(2), uint8(8), uint64(2), 1.0)
	f.Add(uint16(1), uint8(1), uint16(2), uint8(2), uint8(1), uint64(3), 0.0)
	f.Fuzz(func(t *testing.T, rows uint16, outs uint8, levels uint16, cpw uint8, bits uint8, seed uint64, p float64) {
		r, o := 1+int(rows)%512, 1+int(outs)%64
		c := 1 + int(cpw)%2
		l := 2 + int(levels)%1023
		b := int(bits) % 25
		if !(p >= 0 && p <= 1) {
			p = 0.5
		}
		m := ideal(r, o*c)
		m.CellsPerWeight, m.Levels, m.ADCBits = c, l, b
		m.GOffUS = float64(seed%7) * 0.9
		m.GOnUS = m.GOffUS + 5 + float64(seed%97)
		x := mustNew(t, m)
		rng := newRNG(seed)
		lo := -(l - 1)
		if c == 1 {
			lo = 0
		}
		w := randWeights(rng, r, o, lo, l-1)
		if err := x.Program(w, 1, nil); err != nil {
			t.Fatal(err)
		}
		active := randActive(rng, r, p)
		dst := make([]float32, o)
		x.MulSpikes(dst, active, 0, nil)
		bound := 0.0
		if b > 0 {
			lsb := m.GOnUS / x.LevelStepUS() * float64(len(active)) / (float64(int(1)<<b) - 1)
			bound = lsb / 2 * float64(c) * (1 + 1e-6)
		}
		for j, want := range naive(w, o, active) {
			got := float64(dst[j])
			if b == 0 && got != float64(want) {
				t.Fatalf("ideal ADC: out %d = %v, integer model %d", j, got, want)
			}
			// float32 output rounding adds up to 2^-24 relative.
			if e := got - float64(want); e > bound+1e-6*(1+float64(abs(want))) || -e > bound+1e-6*(1+float64(abs(want))) {
				t.Fatalf("%d-bit ADC: out %d = %v, integer model %d, bound %g", b, j, got, want, bound)
			}
		}
	})
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
