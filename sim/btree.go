package sim

import "github.com/google/btree"

// BTreeQueue keeps pending events in a github.com/google/btree ordered by the
// engine's total order. Push and Pop cost O(log n) like the heap but with a
// larger constant (see docs/benchmarks.md), so the engine uses it only where
// its ordered operations are needed:
//
//   - Cancel removes a pending event exactly (by its sequence number) instead
//     of leaving a tombstone;
//   - Window visits the pending events in [from, to) in firing order, which
//     tracers and the barrier debugger use to inspect what is queued.
type BTreeQueue struct {
	t *btree.BTreeG[Event]
	// bySeq maps a pending event's sequence number to its key so that Cancel
	// can find it; it is only filled when cancellation is used.
	bySeq map[uint64]Event
}

// NewBTreeQueue returns an empty queue.
func NewBTreeQueue() *BTreeQueue {
	return &BTreeQueue{
		t:     btree.NewG(32, func(a, b Event) bool { return before(&a, &b) }),
		bySeq: make(map[uint64]Event),
	}
}

// Len returns the number of pending events.
func (q *BTreeQueue) Len() int { return q.t.Len() }

// Push adds e.
func (q *BTreeQueue) Push(e Event) {
	q.t.ReplaceOrInsert(e)
	q.bySeq[e.Seq()] = e
}

// Peek returns the first event.
func (q *BTreeQueue) Peek() (Event, bool) { return q.t.Min() }

// Pop removes and returns the first event.
func (q *BTreeQueue) Pop() (Event, bool) {
	e, ok := q.t.DeleteMin()
	if ok {
		delete(q.bySeq, e.Seq())
	}
	return e, ok
}

// Cancel removes the pending event with the given id. It reports whether the
// event was still pending.
func (q *BTreeQueue) Cancel(id EventID) bool {
	e, ok := q.bySeq[uint64(id)]
	if !ok {
		return false
	}
	delete(q.bySeq, uint64(id))
	_, ok = q.t.Delete(e)
	return ok
}

// Window calls fn for each pending event with from <= Time < to, in firing
// order, until fn returns false.
func (q *BTreeQueue) Window(from, to Time, fn func(e Event) bool) {
	if to <= from {
		return
	}
	q.t.AscendGreaterOrEqual(Event{Time: from}, func(e Event) bool {
		if e.Time >= to {
			return false
		}
		return fn(e)
	})
}
