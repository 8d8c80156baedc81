package chip

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// swapDown is the textbook sift-down (swap with the smaller child while it
// is smaller), the reference for coreHeap.down.
func swapDown(q coreHeap, i int) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q) && q[l].less(q[m]) {
			m = l
		}
		if r < len(q) && q[r].less(q[m]) {
			m = r
		}
		if m == i {
			return
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
}

// TestCoreHeapDownMatchesSwap: coreHeap.down leaves every key where the
// swapping sift-down does, for heaps of 1–40 cores with equal and distinct
// emission times, when the top's time grows as the Machine's emission does;
// popping the heap to empty yields the keys in (time, core) order.
func TestCoreHeapDownMatchesSwap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 500 {
		nc := 1 + trial%40
		var h coreHeap
		for c := range nc {
			h.push(coreAt{t: sim.Time(rng.IntN(4) * 20), c: int32(c)})
		}
		for range 50 {
			grow := sim.Time(rng.IntN(4) * 20)
			ref := slices.Clone(h)
			ref[0].t += grow
			swapDown(ref, 0)
			h[0].t += grow
			h.down(0)
			if !slices.Equal(h, ref) {
				t.Fatalf("trial %d: down gave %v, swapping sift-down %v", trial, h, ref)
			}
		}
		// popping to empty yields the keys in order
		var got []coreAt
		for len(h) > 0 {
			got = append(got, h.pop())
		}
		for k := 1; k < len(got); k++ {
			if !got[k-1].less(got[k]) {
				t.Fatalf("trial %d: popped %v before %v", trial, got[k-1], got[k])
			}
		}
	}
}

// BenchmarkCoreHeap times the emission heap's sift-down as the Machine uses
// it: 14 cores (a conv layer's), the top's next emission 0–3 spike times
// later, so that times tie often and ties go by core index.
func BenchmarkCoreHeap(b *testing.B) {
	const nc = 14
	rng := rand.New(rand.NewPCG(1, 2))
	grow := make([]sim.Time, 1024)
	for i := range grow {
		grow[i] = sim.Time(rng.IntN(4) * 20000)
	}
	h := make(coreHeap, 0, nc)
	for c := range nc {
		h.push(coreAt{t: 0, c: int32(c)})
	}
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		h[0].t += grow[k&1023]
		h.down(0)
		k++
	}
}
