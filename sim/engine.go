package sim

import "fmt"

// Engine is the serial discrete-event engine. It is not safe for concurrent
// use: parallelism in neurosim comes from independent engines (one per
// sample or sweep point) merged in a fixed order.
type Engine struct {
	now     Time
	q       Queue
	seq     uint64
	fired   uint64
	stopped bool
	running bool
}

// Option configures an Engine.
type Option func(*Engine)

// WithQueue makes the engine keep its calendar in q (default: a HeapQueue).
// Use a BTreeQueue when events must be cancelled.
func WithQueue(q Queue) Option { return func(e *Engine) { e.q = q } }

// NewEngine returns an engine at time zero with an empty calendar.
func NewEngine(opts ...Option) *Engine {
	e := &Engine{}
	for _, o := range opts {
		o(e)
	}
	if e.q == nil {
		e.q = NewHeapQueue(1024)
	}
	return e
}

// Now returns the current simulated time.
func (e *Engine) Now() Time { return e.now }

// Fired returns how many events have fired so far.
func (e *Engine) Fired() uint64 { return e.fired }

// Pending returns how many events are scheduled and not yet fired.
func (e *Engine) Pending() int { return e.q.Len() }

// Queue returns the engine's calendar, for inspection (e.g. BTreeQueue.Window).
func (e *Engine) Queue() Queue { return e.q }

// Schedule adds ev to the calendar and returns its id. It panics if ev.Time is
// before Now or ev.Handler is nil: both are programming errors.
func (e *Engine) Schedule(ev Event) EventID {
	if ev.Time < e.now {
		panic(fmt.Sprintf("sim: event for %T scheduled at %v (%d ps), before now %v (%d ps)",
			ev.Handler, ev.Time, uint64(ev.Time), e.now, uint64(e.now)))
	}
	if ev.Handler == nil {
		panic(fmt.Sprintf("sim: event at %v (kind %d) has no handler", ev.Time, ev.Kind))
	}
	e.seq++
	if e.seq > MaxEvents {
		panic("sim: engine scheduled more than MaxEvents events")
	}
	ev.ord = packOrd(ev.Secondary, ev.Priority, e.seq)
	e.q.Push(ev)
	return EventID(e.seq)
}

// Reserve takes the next scheduling sequence number without scheduling
// anything. An event given it later with ScheduleReserved takes the place in
// the total order that it would have had if it had been scheduled at the
// time of Reserve. A component that keeps its own queue of future events,
// already in the engine's order (a link's packets, which leave in order),
// can so hand the engine only its head and still fire every event exactly
// when the engine would have, with a much smaller calendar.
func (e *Engine) Reserve() EventID {
	e.seq++
	if e.seq > MaxEvents {
		panic("sim: engine scheduled more than MaxEvents events")
	}
	return EventID(e.seq)
}

// ScheduleReserved adds ev to the calendar with the sequence number id from
// Reserve. It panics if ev.Time is before Now, ev.Handler is nil or id was
// not reserved; giving one id to two events is a programming error that the
// engine does not detect.
func (e *Engine) ScheduleReserved(ev Event, id EventID) {
	if ev.Time < e.now {
		panic(fmt.Sprintf("sim: event for %T scheduled at %v (%d ps), before now %v (%d ps)",
			ev.Handler, ev.Time, uint64(ev.Time), e.now, uint64(e.now)))
	}
	if ev.Handler == nil {
		panic(fmt.Sprintf("sim: event at %v (kind %d) has no handler", ev.Time, ev.Kind))
	}
	if id == 0 || uint64(id) > e.seq {
		panic(fmt.Sprintf("sim: ScheduleReserved with sequence %d, which was not reserved (last %d)", id, e.seq))
	}
	ev.ord = packOrd(ev.Secondary, ev.Priority, uint64(id))
	e.q.Push(ev)
}

// Cancel removes a pending event and reports whether it was still pending.
// It panics unless the engine's queue implements Canceller (NewBTreeQueue does).
func (e *Engine) Cancel(id EventID) bool {
	c, ok := e.q.(Canceller)
	if !ok {
		panic(fmt.Sprintf("sim: Cancel needs a queue that implements Canceller (e.g. NewBTreeQueue); this engine uses %T", e.q))
	}
	return c.Cancel(id)
}

// Stop makes Run or RunUntil return after the event being handled.
func (e *Engine) Stop() { e.stopped = true }

// Run fires events until the calendar is empty or Stop is called.
func (e *Engine) Run() { e.RunUntil(MaxTime) }

// RunUntil fires every event with Time <= t, in order, until the calendar is
// empty, the next event lies after t, or Stop is called. When it returns
// because the next event lies after t (or the calendar ran dry), Now is
// advanced to t (unless t is MaxTime). It reports whether events remain.
func (e *Engine) RunUntil(t Time) bool {
	if e.running {
		panic("sim: RunUntil called from inside an event handler")
	}
	e.running = true
	e.stopped = false
	defer func() { e.running = false }()
	hq, _ := e.q.(*HeapQueue)
	for !e.stopped {
		var next Time
		var ok bool
		if hq != nil {
			next, ok = hq.PeekTime()
		} else {
			var ev Event
			ev, ok = e.q.Peek()
			next = ev.Time
		}
		if !ok || next > t {
			if t != MaxTime && t > e.now {
				e.now = t
			}
			break
		}
		var ev Event
		if hq != nil {
			hq.popInto(&ev)
		} else {
			ev, _ = e.q.Pop()
		}
		e.now = ev.Time
		e.fired++
		ev.Handler.Handle(ev)
	}
	return e.q.Len() > 0
}
