package sim

// HeapQueue is a 4-ary min-heap of events. A 4-ary heap halves the depth of a
// binary heap and keeps a node's four children in one cache line. The heap
// itself holds 24-byte keys (time, order word, slot); the events live in a
// slab indexed by slot, so sifting moves small keys, not whole events. It is
// the fastest calendar measured for the engine's push/pop hot path (see
// docs/benchmarks.md). It does not support cancellation: use BTreeQueue.
type HeapQueue struct {
	h    []heapKey
	slab []Event
	free []uint32
}

type heapKey struct {
	t, ord uint64
	slot   uint32
}

func (a *heapKey) less(b *heapKey) bool {
	return a.t < b.t || (a.t == b.t && a.ord < b.ord)
}

// NewHeapQueue returns an empty heap with room for capacity events.
func NewHeapQueue(capacity int) *HeapQueue {
	return &HeapQueue{
		h:    make([]heapKey, 0, capacity),
		slab: make([]Event, 0, capacity),
		free: make([]uint32, 0, capacity),
	}
}

// Len returns the number of pending events.
func (q *HeapQueue) Len() int { return len(q.h) }

// Push adds e.
func (q *HeapQueue) Push(e Event) {
	var slot uint32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slab[slot] = e
	} else {
		slot = uint32(len(q.slab))
		q.slab = append(q.slab, e)
	}
	k := heapKey{t: uint64(e.Time), ord: e.ord, slot: slot}
	h := append(q.h, k)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) >> 2
		if !k.less(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = k
	q.h = h
}

// Peek returns the first event.
func (q *HeapQueue) Peek() (Event, bool) {
	if len(q.h) == 0 {
		return Event{}, false
	}
	return q.slab[q.h[0].slot], true
}

// PeekTime returns the time of the first event without copying it.
func (q *HeapQueue) PeekTime() (Time, bool) {
	if len(q.h) == 0 {
		return 0, false
	}
	return Time(q.h[0].t), true
}

// Pop removes and returns the first event.
func (q *HeapQueue) Pop() (Event, bool) {
	if len(q.h) == 0 {
		return Event{}, false
	}
	var ev Event
	q.popInto(&ev)
	return ev, true
}

// popInto moves the first event of a non-empty heap into ev.
func (q *HeapQueue) popInto(ev *Event) {
	h := q.h
	n := len(h)
	slot := h[0].slot
	e := &q.slab[slot]
	*ev = *e
	*e = Event{} // drop references for the GC
	q.free = append(q.free, slot)
	n--
	last := h[n]
	h = h[:n]
	q.h = h
	if n == 0 {
		return
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := c + 4
		if end > n {
			end = n
		}
		for j := c + 1; j < end; j++ {
			if h[j].less(&h[m]) {
				m = j
			}
		}
		if !h[m].less(&last) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = last
}
