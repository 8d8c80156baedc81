package core

import (
	"math/rand/v2"
	"testing"
)

// TestDistinctSlots: a worker counts a step's distinct delivery cycles as
// a set would, near and far (beyond the array, and beyond its bound), and
// starts the next step from nothing.
func TestDistinctSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := &batchWorker{}
	for step := range 200 {
		set := map[uint64]bool{}
		n := rng.IntN(300)
		for range n {
			var o uint64
			switch rng.IntN(10) {
			case 0:
				o = uint64(rng.IntN(3 * maxSlotBitmap)) // some beyond the bound
			case 1:
				o = uint64(rng.IntN(100000))
			default:
				o = uint64(rng.IntN(600))
			}
			set[o] = true
			w.mark(o)
		}
		if got := w.distinctSlots(); got != uint64(len(set)) {
			t.Fatalf("step %d: %d distinct cycles, want %d", step, got, len(set))
		}
	}
	if got := w.distinctSlots(); got != 0 {
		t.Fatalf("an empty step counts %d cycles", got)
	}
}
