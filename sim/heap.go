package sim

// HeapQueue is a 4-ary min-heap of events. A 4-ary heap halves the depth of a
// binary heap and keeps a node's four children in one cache line. The heap
// itself holds 24-byte keys (time, order word, slot); the events live in a
// slab indexed by slot, so sifting moves small keys, not whole events. It is
// the fastest calendar measured for the engine's push/pop hot path (see
// docs/benchmarks.md). It does not support cancellation: use BTreeQueue.
//
// The first event is often the one just pushed (a component schedules its
// next step before anything else is due), so the queue keeps its minimum
// apart in front when a push undercuts the whole heap: such an event is
// popped without sifting. The front, when held, precedes every key in h
// (keys are distinct: ord holds a sequence number), so the order of events
// is exactly the heap's.
type HeapQueue struct {
	h     []heapKey
	slab  []Event
	free  []uint32
	front heapKey
	held  bool // front holds the first event
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
func (q *HeapQueue) Len() int {
	if q.held {
		return len(q.h) + 1
	}
	return len(q.h)
}

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
	if q.held {
		if !k.less(&q.front) {
			q.sift(k)
			return
		}
		k, q.front = q.front, k
		q.sift(k)
		return
	}
	if len(q.h) == 0 || k.less(&q.h[0]) {
		q.front, q.held = k, true
		return
	}
	q.sift(k)
}

// sift adds k to the heap.
func (q *HeapQueue) sift(k heapKey) {
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
	if q.held {
		return q.slab[q.front.slot], true
	}
	if len(q.h) == 0 {
		return Event{}, false
	}
	return q.slab[q.h[0].slot], true
}

// PeekTime returns the time of the first event without copying it.
func (q *HeapQueue) PeekTime() (Time, bool) {
	if q.held {
		return Time(q.front.t), true
	}
	if len(q.h) == 0 {
		return 0, false
	}
	return Time(q.h[0].t), true
}

// Pop removes and returns the first event.
func (q *HeapQueue) Pop() (Event, bool) {
	if !q.held && len(q.h) == 0 {
		return Event{}, false
	}
	var ev Event
	q.popInto(&ev)
	return ev, true
}

// popInto moves the first event of a non-empty heap into ev.
func (q *HeapQueue) popInto(ev *Event) {
	if q.held {
		q.held = false
		q.take(q.front.slot, ev)
		return
	}
	h := q.h
	n := len(h)
	q.take(h[0].slot, ev)
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

// take moves the event in slot into ev and frees the slot.
func (q *HeapQueue) take(slot uint32, ev *Event) {
	e := &q.slab[slot]
	*ev = *e
	// drop references for the GC (the slot's other fields are overwritten
	// when it is reused; two interface stores are cheaper than clearing
	// the whole event)
	e.Handler, e.Ptr = nil, nil
	q.free = append(q.free, slot)
}
