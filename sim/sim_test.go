package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/sim"
	"github.com/neurosim/neurosim/sim/simtest"
)

func TestHeapQueueContract(t *testing.T) {
	simtest.TestQueue(t, func() sim.Queue { return sim.NewHeapQueue(0) })
}

func TestBTreeQueueContract(t *testing.T) {
	simtest.TestQueue(t, func() sim.Queue { return sim.NewBTreeQueue() })
}

func TestEngineHeap(t *testing.T) {
	simtest.TestEngine(t, func() *sim.Engine { return sim.NewEngine() })
}

func TestEngineBTree(t *testing.T) {
	simtest.TestEngine(t, func() *sim.Engine { return sim.NewEngine(sim.WithQueue(sim.NewBTreeQueue())) })
}

type counter struct{ n int }

func (c *counter) Handle(sim.Event) { c.n++ }

func TestCancel(t *testing.T) {
	eng := sim.NewEngine(sim.WithQueue(sim.NewBTreeQueue()))
	c := &counter{}
	a := eng.Schedule(sim.Event{Time: 5, Handler: c})
	eng.Schedule(sim.Event{Time: 6, Handler: c})
	if !eng.Cancel(a) {
		t.Fatal("Cancel of a pending event returned false")
	}
	if eng.Cancel(a) {
		t.Fatal("second Cancel of the same event returned true")
	}
	eng.Run()
	if c.n != 1 {
		t.Fatalf("%d events fired after cancelling one of two, want 1", c.n)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Cancel on a heap-backed engine did not panic")
		}
	}()
	sim.NewEngine().Cancel(1)
}

func TestWindow(t *testing.T) {
	q := sim.NewBTreeQueue()
	eng := sim.NewEngine(sim.WithQueue(q))
	c := &counter{}
	for i := 0; i < 10; i++ {
		eng.Schedule(sim.Event{Time: sim.Time(i), Handler: c, A: int64(i), Priority: int16(-i)})
	}
	var got []int64
	q.Window(3, 7, func(e sim.Event) bool { got = append(got, e.A); return true })
	if fmt.Sprint(got) != "[3 4 5 6]" {
		t.Fatalf("Window(3,7) = %v, want [3 4 5 6]", got)
	}
}

func TestTimeAndFreq(t *testing.T) {
	f := 500 * sim.MHz
	if f.Period() != 2*sim.Nanosecond {
		t.Fatalf("500MHz period %v, want 2ns", f.Period())
	}
	if got := f.NextTick(2 * sim.Nanosecond); got != 4*sim.Nanosecond {
		t.Fatalf("NextTick(2ns) = %v, want 4ns (strictly after)", got)
	}
	if got := f.NextTick(3 * sim.Nanosecond); got != 4*sim.Nanosecond {
		t.Fatalf("NextTick(3ns) = %v, want 4ns", got)
	}
	if got := f.ThisOrNextTick(4 * sim.Nanosecond); got != 4*sim.Nanosecond {
		t.Fatalf("ThisOrNextTick(4ns) = %v", got)
	}
	if f.Cycles(10) != 20*sim.Nanosecond || f.CyclesIn(21*sim.Nanosecond) != 10 {
		t.Fatal("Cycles/CyclesIn disagree with the period")
	}
	for _, c := range []struct {
		in   string
		want sim.Time
	}{{"1s", sim.Second}, {"250ms", 250 * sim.Millisecond}, {"10us", 10 * sim.Microsecond},
		{"10µs", 10 * sim.Microsecond}, {"1.5ns", 1500}, {"42ps", 42}} {
		got, err := sim.ParseTime(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "s", "1", "abc ms", "-1s", "1e30s", "NaNs"} {
		if _, err := sim.ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted bad input", bad)
		}
	}
	if s := (1500 * sim.Nanosecond).String(); s != "1.5µs" {
		t.Fatalf("String = %q", s)
	}
}

func TestStreams(t *testing.T) {
	s := sim.NewStreams(42)
	a1 := s.For("chip.core[0]").Uint64()
	_ = s.For("something else").Uint64() // construction order must not matter
	a2 := s.For("chip.core[0]").Uint64()
	if a1 != a2 {
		t.Fatal("the same name gave different streams")
	}
	if s.For("chip.core[1]").Uint64() == a1 {
		t.Fatal("different names gave the same first draw")
	}
	if sim.NewStreams(43).For("chip.core[0]").Uint64() == a1 {
		t.Fatal("different root seeds gave the same first draw")
	}
	if s.Sub("chip").For("x").Uint64() != s.For("chip/x").Uint64() {
		t.Fatal(`Sub("chip").For("x") differs from For("chip/x")`)
	}
}

func TestHooks(t *testing.T) {
	pos := &sim.HookPos{Name: "test"}
	var h sim.Hookable
	var seen []sim.Time
	h.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
		if ctx.Pos == pos {
			seen = append(seen, ctx.Now)
		}
	}))
	h.InvokeHook(sim.HookCtx{Pos: pos, Now: 7})
	if h.NumHooks() != 1 || len(seen) != 1 || seen[0] != 7 {
		t.Fatalf("hook saw %v", seen)
	}
}

// pinger reschedules itself with a delay drawn from a realistic mix: mostly
// one clock cycle, sometimes a router hop, rarely a long wait.
type pinger struct {
	eng   *sim.Engine
	rng   *rand.Rand
	left  int
	delay [8]sim.Time
}

func (p *pinger) Handle(e sim.Event) {
	if p.left == 0 {
		return
	}
	p.left--
	e.Time = p.eng.Now() + p.delay[p.rng.IntN(len(p.delay))]
	p.eng.Schedule(e)
}

func TestAllocFree(t *testing.T) {
	eng := sim.NewEngine()
	p := &pinger{eng: eng, rng: rand.New(rand.NewPCG(1, 1)), left: 1 << 30,
		delay: [8]sim.Time{1000, 1000, 1000, 1000, 4100, 6500, 1000, 100000}}
	for i := 0; i < 1000; i++ {
		eng.Schedule(sim.Event{Time: sim.Time(i), Handler: p})
	}
	eng.RunUntil(eng.Now() + 100*sim.Microsecond)
	allocs := testing.AllocsPerRun(10, func() { eng.RunUntil(eng.Now() + 10*sim.Microsecond) })
	if allocs != 0 {
		t.Fatalf("steady-state firing allocates %.1f times per run, want 0", allocs)
	}
}

func benchEngine(b *testing.B, q sim.Queue, pending int) {
	eng := sim.NewEngine(sim.WithQueue(q))
	p := &pinger{eng: eng, rng: rand.New(rand.NewPCG(1, 1)), left: b.N,
		delay: [8]sim.Time{1000, 1000, 1000, 1000, 4100, 6500, 2000, 100000}}
	for i := 0; i < pending; i++ {
		eng.Schedule(sim.Event{Time: sim.Time(i % 1000), Handler: p})
	}
	b.ReportAllocs()
	b.ResetTimer()
	eng.Run()
	b.ReportMetric(float64(eng.Fired())/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEngine measures scheduled+fired events per second: each fired
// event schedules one more at a delay drawn from a cycle/hop/long-wait mix,
// with a steady number of pending events.
func BenchmarkEngine(b *testing.B) {
	for _, pending := range []int{64, 1024, 16384} {
		b.Run(fmt.Sprintf("heap4/pending=%d", pending), func(b *testing.B) { benchEngine(b, sim.NewHeapQueue(pending), pending) })
		b.Run(fmt.Sprintf("btree/pending=%d", pending), func(b *testing.B) { benchEngine(b, sim.NewBTreeQueue(), pending) })
	}
}

func ExampleEngine() {
	eng := sim.NewEngine()
	clock := 1 * sim.GHz
	eng.Schedule(sim.Event{Time: clock.Cycles(3), Handler: sim.HandlerFunc(func(e sim.Event) {
		fmt.Println("fired at", eng.Now())
	})})
	eng.Run()
	// Output: fired at 3ns
}

// TestReserveKeepsOrder: events scheduled later with reserved sequence
// numbers fire exactly where they would have fired had they been scheduled
// at the time of Reserve, among same-time events of either kind.
func TestReserveKeepsOrder(t *testing.T) {
	type rec struct{ t, k int64 }
	run := func(deferred bool) []rec {
		e := sim.NewEngine()
		var got []rec
		h := sim.HandlerFunc(func(ev sim.Event) { got = append(got, rec{int64(ev.Time), ev.A}) })
		type held struct {
			ev sim.Event
			id sim.EventID
		}
		var fifo []held
		var feed sim.Handler
		feed = sim.HandlerFunc(func(ev sim.Event) {
			got = append(got, rec{int64(ev.Time), ev.A})
			fifo = fifo[1:]
			if deferred && len(fifo) > 0 {
				e.ScheduleReserved(fifo[0].ev, fifo[0].id)
			}
		})
		for i := int64(0); i < 40; i++ {
			tm := sim.Time(i / 3 * 10) // three events per time, FIFO times nondecreasing
			e.Schedule(sim.Event{Time: sim.Time((i * 7) % 50), Handler: h, A: 1000 + i})
			ev := sim.Event{Time: tm, Handler: feed, A: i}
			if !deferred {
				e.Schedule(ev)
				fifo = append(fifo, held{ev, 0})
				continue
			}
			id := e.Reserve()
			fifo = append(fifo, held{ev, id})
			if len(fifo) == 1 {
				e.ScheduleReserved(ev, id)
			}
		}
		e.Run()
		return got
	}
	want, got := run(false), run(true)
	if len(want) != 80 || len(got) != len(want) {
		t.Fatalf("%d and %d events, want 80", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("event %d: %v with reserved sequence numbers, %v scheduled at once", i, got[i], want[i])
		}
	}
}
