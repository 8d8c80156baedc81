package simtest

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// recorder logs the events it receives.
type recorder struct {
	eng *sim.Engine
	log []sim.Event
	// then, if set, runs after logging.
	then func(e sim.Event)
}

func (r *recorder) Handle(e sim.Event) {
	r.log = append(r.log, e)
	if r.then != nil {
		r.then(e)
	}
}

// TestQueue checks q against a sorted reference over random pushes and pops.
// newQueue must return an empty queue each call.
func TestQueue(t *testing.T, newQueue func() sim.Queue) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	eng := sim.NewEngine(sim.WithQueue(newQueue()))
	var ref []sim.Event
	r := &recorder{}
	for round := 0; round < 2000; round++ {
		if rng.IntN(3) != 0 || len(ref) == 0 {
			ev := sim.Event{
				Time:      eng.Now() + sim.Time(rng.IntN(5)),
				Priority:  int16(rng.IntN(3) - 1),
				Secondary: rng.IntN(4) == 0,
				Handler:   r,
				A:         int64(round),
			}
			eng.Schedule(ev)
			ref = append(ref, ev)
			continue
		}
		// The queue must pop the minimum of the reference under the order.
		sort.SliceStable(ref, func(i, j int) bool { return less(ref[i], ref[j]) })
		want := ref[0]
		ref = ref[1:]
		got, ok := eng.Queue().Pop()
		if !ok {
			t.Fatalf("round %d: queue empty, want event A=%d", round, want.A)
		}
		if got.A != want.A {
			t.Fatalf("round %d: popped event A=%d (t=%d prio=%d sec=%v), want A=%d (t=%d prio=%d sec=%v)",
				round, got.A, got.Time, got.Priority, got.Secondary, want.A, want.Time, want.Priority, want.Secondary)
		}
	}
	if eng.Queue().Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", eng.Queue().Len(), len(ref))
	}
}

// less is the documented total order, written independently of sim's.
// Events are scheduled in increasing A, so A stands for the sequence.
func less(a, b sim.Event) bool {
	switch {
	case a.Time != b.Time:
		return a.Time < b.Time
	case a.Secondary != b.Secondary:
		return b.Secondary
	case a.Priority != b.Priority:
		return a.Priority < b.Priority
	}
	return a.A < b.A
}

// TestEngine runs the engine contract on engines built with newEngine.
func TestEngine(t *testing.T, newEngine func() *sim.Engine) {
	t.Run("same-time FIFO", func(t *testing.T) {
		eng := newEngine()
		r := &recorder{}
		for i := 0; i < 100; i++ {
			eng.Schedule(sim.Event{Time: 10 * sim.Nanosecond, Handler: r, A: int64(i)})
		}
		eng.Run()
		for i, e := range r.log {
			if e.A != int64(i) {
				t.Fatalf("event %d fired as #%d: same-time events must fire in scheduling order", e.A, i)
			}
		}
	})
	t.Run("secondary after primary scheduled during the step", func(t *testing.T) {
		eng := newEngine()
		r := &recorder{}
		r.then = func(e sim.Event) {
			if e.A == 1 { // a primary event at t schedules another primary at t
				eng.Schedule(sim.Event{Time: eng.Now(), Handler: r, A: 3})
			}
		}
		eng.Schedule(sim.Event{Time: 5, Handler: r, A: 2, Secondary: true})
		eng.Schedule(sim.Event{Time: 5, Handler: r, A: 1})
		eng.Schedule(sim.Event{Time: 6, Handler: r, A: 4})
		eng.Run()
		got := order(r.log)
		if got != "1 3 2 4" {
			t.Fatalf("firing order %q, want %q", got, "1 3 2 4")
		}
	})
	t.Run("priority within a time", func(t *testing.T) {
		eng := newEngine()
		r := &recorder{}
		eng.Schedule(sim.Event{Time: 1, Handler: r, A: 1, Priority: 2})
		eng.Schedule(sim.Event{Time: 1, Handler: r, A: 2, Priority: -1})
		eng.Schedule(sim.Event{Time: 0, Handler: r, A: 3, Priority: 9})
		eng.Run()
		if got := order(r.log); got != "3 2 1" {
			t.Fatalf("firing order %q, want %q", got, "3 2 1")
		}
	})
	t.Run("RunUntil and Stop", func(t *testing.T) {
		eng := newEngine()
		r := &recorder{}
		for i := 1; i <= 5; i++ {
			eng.Schedule(sim.Event{Time: sim.Time(i) * sim.Microsecond, Handler: r, A: int64(i)})
		}
		if more := eng.RunUntil(3 * sim.Microsecond); !more {
			t.Fatal("RunUntil(3µs) reported no pending events, want 2")
		}
		if len(r.log) != 3 || eng.Now() != 3*sim.Microsecond {
			t.Fatalf("after RunUntil(3µs): %d fired, now %v; want 3 fired, now 3µs", len(r.log), eng.Now())
		}
		eng.RunUntil(3500 * sim.Nanosecond)
		if eng.Now() != 3500*sim.Nanosecond {
			t.Fatalf("RunUntil past the last due event left now at %v, want 3.5µs", eng.Now())
		}
		r.then = func(e sim.Event) {
			if e.A == 4 {
				eng.Stop()
			}
		}
		eng.Run()
		if len(r.log) != 4 {
			t.Fatalf("Stop in event 4: %d events fired, want 4", len(r.log))
		}
		eng.Run()
		if len(r.log) != 5 || eng.Pending() != 0 {
			t.Fatalf("Run after Stop: %d fired, %d pending; want 5 and 0", len(r.log), eng.Pending())
		}
	})
	t.Run("past schedule panics", func(t *testing.T) {
		eng := newEngine()
		r := &recorder{}
		eng.Schedule(sim.Event{Time: 10 * sim.Nanosecond, Handler: r})
		eng.Run()
		defer func() {
			msg, _ := recover().(string)
			if !strings.Contains(msg, "before now 10ns") || !strings.Contains(msg, "5ns") {
				t.Fatalf("panic message %q must name the event time (5ns) and now (10ns)", msg)
			}
		}()
		eng.Schedule(sim.Event{Time: 5 * sim.Nanosecond, Handler: r})
		t.Fatal("scheduling into the past did not panic")
	})
	t.Run("deterministic", func(t *testing.T) {
		run := func() string {
			eng := newEngine()
			r := &recorder{}
			rng := rand.New(rand.NewPCG(7, 7))
			r.then = func(e sim.Event) {
				if len(r.log) < 5000 {
					eng.Schedule(sim.Event{Time: eng.Now() + sim.Time(rng.IntN(4)), Handler: r, A: int64(len(r.log))})
				}
			}
			for i := 0; i < 10; i++ {
				eng.Schedule(sim.Event{Time: sim.Time(rng.IntN(3)), Handler: r, A: int64(-i)})
			}
			eng.Run()
			return order(r.log)
		}
		if a, b := run(), run(); a != b {
			t.Fatal("two runs with the same seed fired events in different orders")
		}
	})
}

func order(log []sim.Event) string {
	var b strings.Builder
	for i, e := range log {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(e.A, 10))
	}
	return b.String()
}
