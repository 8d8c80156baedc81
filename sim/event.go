package sim

// Handler receives the events addressed to it.
type Handler interface {
	Handle(e Event)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(e Event)

// Handle calls f(e).
func (f HandlerFunc) Handle(e Event) { f(e) }

// Scheduler is what components need from the engine: the current time and a
// way to schedule future events. Components depend on it, not on *Engine.
type Scheduler interface {
	Now() Time
	Schedule(e Event) EventID
}

// EventID identifies a scheduled event; it is the event's scheduling
// sequence number, unique within one engine.
type EventID uint64

// Event is a value: scheduling and firing copy it and allocate nothing.
// Payloads that do not fit in Kind/A/B travel in Ptr; storing a pointer in an
// interface does not allocate.
type Event struct {
	// Time is when the event fires.
	Time Time
	// Handler receives the event.
	Handler Handler
	// Priority orders events at the same time within a band; lower fires first.
	Priority int16
	// Secondary events fire after every primary event at the same time
	// (end-of-time-step work such as barriers).
	Secondary bool
	// Kind, A and B are free for the handler's use (message kind, port,
	// neuron index, payload count...).
	Kind uint32
	A, B int64
	// Ptr carries a larger payload.
	Ptr any

	// ord packs (band, priority, sequence) into one word so that the total
	// order is a comparison of two integers, (Time, ord): bit 63 is the band
	// (1 = secondary), bits 47..62 the priority offset by 2^15, bits 0..46
	// the scheduling sequence.
	ord uint64
}

const (
	seqBits = 47
	seqMask = 1<<seqBits - 1
	// MaxEvents is how many events one engine can schedule over its life.
	MaxEvents = seqMask
)

// packOrd builds the ord word of an event with sequence number seq.
func packOrd(secondary bool, priority int16, seq uint64) uint64 {
	o := uint64(uint16(int32(priority)+1<<15))<<seqBits | seq&seqMask
	if secondary {
		o |= 1 << 63
	}
	return o
}

// Seq returns the event's scheduling sequence number (0 before it is scheduled).
func (e *Event) Seq() uint64 { return e.ord & seqMask }

// before reports whether a fires before b in the engine's total order.
func before(a, b *Event) bool {
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	return a.ord < b.ord
}

// Queue is a calendar of pending events ordered by the engine's total order.
type Queue interface {
	Push(e Event)
	// Pop removes and returns the first event; ok is false when empty.
	Pop() (e Event, ok bool)
	// Peek returns the first event without removing it.
	Peek() (e Event, ok bool)
	Len() int
}

// Canceller is a Queue that can remove a pending event by its sequence.
type Canceller interface {
	Cancel(id EventID) bool
}
