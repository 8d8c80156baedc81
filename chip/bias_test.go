package chip

import "testing"

// TestSetBiasMatchesModulo: setBias writes what acc[i] = bias[c0+i%nch]
// writes, for accumulator lengths that are and are not multiples of nch,
// shorter than one row, and empty.
func TestSetBiasMatchesModulo(t *testing.T) {
	bias := []int32{-7, 3, 11, 0, -2, 5, 9, 1 << 30, -1 << 31}
	for c0 := range 4 {
		for nch := 1; c0+nch <= len(bias); nch++ {
			for n := range 3*nch + 2 {
				want := make([]int64, n)
				for i := range want {
					want[i] = int64(bias[c0+i%nch])
				}
				got := make([]int64, n)
				for i := range got {
					got[i] = 12345 // overwritten
				}
				setBias(got, bias, c0, nch)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("c0 %d nch %d n %d: acc[%d] = %d, want %d", c0, nch, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}
