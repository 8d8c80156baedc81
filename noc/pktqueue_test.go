package noc

import (
	"math/rand/v2"
	"testing"
)

// TestPktQueueFIFO: the source queue returns packets in the order pushed
// through wrap-around and growth, against a slice model.
func TestPktQueueFIFO(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pkts := make([]Packet, 200)
	var q pktQueue
	var model []*Packet
	next := 0
	for step := range 5000 {
		if rng.IntN(3) > 0 && next < len(pkts) || len(model) == 0 {
			if next == len(pkts) {
				break
			}
			q.push(&pkts[next])
			model = append(model, &pkts[next])
			next++
			if next == len(pkts) && step%2 == 0 {
				next = 0 // reuse the packets: only their order matters
			}
			continue
		}
		if q.len() != len(model) {
			t.Fatalf("step %d: len %d, want %d", step, q.len(), len(model))
		}
		if q.front() != model[0] {
			t.Fatalf("step %d: front is not the oldest packet", step)
		}
		q.pop()
		model = model[1:]
	}
	for len(model) > 0 {
		if q.front() != model[0] {
			t.Fatal("drain: front is not the oldest packet")
		}
		q.pop()
		model = model[1:]
	}
	if q.len() != 0 {
		t.Fatalf("drained queue holds %d", q.len())
	}
}
