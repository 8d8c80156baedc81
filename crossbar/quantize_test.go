package crossbar

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, bits := range []int{1, 3, 8, 16} {
		maxCode := math.Ldexp(1, bits) - 1
		for range 10000 {
			fs := 0.1 + 1000*rng.Float64()
			lsb := fs / maxCode
			v := fs * (1.4*rng.Float64() - 0.2) // 20 % out of range on either side
			q := quantize(v, lsb, maxCode)
			switch {
			case v < 0:
				if q != 0 {
					t.Fatalf("%d bits: %g below range gave %g, want 0", bits, v, q)
				}
			case v > fs:
				if q != maxCode*lsb {
					t.Fatalf("%d bits: %g above range gave %g, want full scale %g", bits, v, q, maxCode*lsb)
				}
			default:
				if e := math.Abs(q - v); e > lsb/2*(1+1e-12) {
					t.Fatalf("%d bits: |Q(%g) − %g| = %g > LSB/2 = %g", bits, v, v, e, lsb/2)
				}
				if c := q / lsb; math.Abs(c-math.Round(c)) > 1e-6 {
					t.Fatalf("%d bits: Q(%g) = %g is not a multiple of the LSB", bits, v, q)
				}
			}
		}
	}
}
