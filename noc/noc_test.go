package noc

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

func testSpec(topo string, pipe, link, buf int) arch.NoC {
	return arch.NoC{
		Topology: topo, Routing: "xy", RouterPipelineCycles: pipe, LinkLatencyCycles: link,
		FlitBits: 32, SpikePacketBits: 32, BufferFlits: buf, Multicast: true,
	}
}

// sink records deliveries.
type sink struct {
	got []delivery
}

type delivery struct {
	at       sim.Time
	id       uint64
	src, dst Tile
	hops     int
	a        int64
}

func (s *sink) Deliver(p *Packet) {
	s.got = append(s.got, delivery{at: 0, id: p.ID, src: p.Src, dst: p.Dst, hops: p.Hops, a: p.A})
}

// timedSink records the delivery time through the scheduler.
type timedSink struct {
	e   *sim.Engine
	got []delivery
}

func (s *timedSink) Deliver(p *Packet) {
	s.got = append(s.got, delivery{at: s.e.Now(), id: p.ID, src: p.Src, dst: p.Dst, hops: p.Hops, a: p.A})
}

func newNet(t testing.TB, spec arch.NoC, w, h int, opts ...Option) (*Network, *sim.Engine, *timedSink) {
	t.Helper()
	e := sim.NewEngine()
	n, err := New(spec, w, h, e, 1*sim.GHz, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := &timedSink{e: e}
	for y := range h {
		for x := range w {
			if err := n.Attach(Tile{x, y}, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n, e, s
}

// at schedules f at time t on e.
func at(e *sim.Engine, t sim.Time, f func()) {
	e.Schedule(sim.Event{Time: t, Handler: sim.HandlerFunc(func(sim.Event) { f() })})
}

func manhattan(a, b Tile) int {
	dx, dy := a.X-b.X, a.Y-b.Y
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	return dx + dy
}

func ringDist(a, b, k int) int {
	d := (b - a + k) % k
	return min(d, k-d)
}

// TestZeroLoadLatency checks that an isolated packet's latency is exactly
// hops·(P+L) + P + (F−1) cycles, for every source/destination pair of an 8×8
// mesh and a torus, with several pipeline and link latencies.
func TestZeroLoadLatency(t *testing.T) {
	for _, tc := range []struct {
		topo             string
		routing          string
		pipe, link, flit int
	}{
		{"mesh", "xy", 2, 1, 1}, {"mesh", "yx", 2, 1, 1}, {"mesh", "xy", 1, 1, 1}, {"mesh", "xy", 3, 2, 1},
		{"mesh", "xy", 2, 1, 4}, {"torus", "xy", 2, 1, 1}, {"torus", "yx", 1, 3, 3},
	} {
		t.Run(fmt.Sprintf("%s-%s-P%d-L%d-F%d", tc.topo, tc.routing, tc.pipe, tc.link, tc.flit), func(t *testing.T) {
			spec := testSpec(tc.topo, tc.pipe, tc.link, 4)
			spec.Routing = tc.routing
			n, e, s := newNet(t, spec, 8, 8)
			period := n.Period()
			var start sim.Time = 1000 * period
			pairs := 0
			for sy := range 8 {
				for sx := range 8 {
					for dy := range 8 {
						for dx := range 8 {
							src, dst := Tile{sx, sy}, Tile{dx, dy}
							hops := manhattan(src, dst)
							if tc.topo == "torus" {
								hops = ringDist(sx, dx, 8) + ringDist(sy, dy, 8)
							}
							s.got = s.got[:0]
							at(e, start, func() {
								p := n.NewPacket()
								p.Dst, p.Flits = dst, tc.flit
								if !n.Inject(src, p) {
									t.Fatal("inject refused")
								}
							})
							e.Run()
							if len(s.got) != 1 {
								t.Fatalf("%v→%v: %d deliveries", src, dst, len(s.got))
							}
							want := uint64(hops*(tc.pipe+tc.link) + tc.pipe + tc.flit - 1)
							got := uint64((s.got[0].at - start) / period)
							if got != want || s.got[0].hops != hops || s.got[0].dst != dst {
								t.Fatalf("%v→%v: latency %d cycles, hops %d, at %v; want %d cycles, %d hops",
									src, dst, got, s.got[0].hops, s.got[0].dst, want, hops)
							}
							start = e.Now() + 7*period // next packet starts on an empty network
							pairs++
						}
					}
				}
			}
			st := n.Stats()
			if st.PacketsDelivered != uint64(pairs) || st.StallCycles != 0 {
				t.Errorf("stats: %d delivered of %d, %d stall cycles (want 0)", st.PacketsDelivered, pairs, st.StallCycles)
			}
		})
	}
}

// TestInjectOffEdge: a packet injected between clock edges starts at the next edge.
func TestInjectOffEdge(t *testing.T) {
	n, e, s := newNet(t, testSpec("mesh", 2, 1, 4), 4, 4)
	period := n.Period()
	t0 := 10*period + period/3
	at(e, t0, func() {
		p := n.NewPacket()
		p.Dst = Tile{3, 0}
		n.Inject(Tile{0, 0}, p)
	})
	e.Run()
	want := 11*period + sim.Time(3*(2+1)+2)*period
	if len(s.got) != 1 || s.got[0].at != want {
		t.Fatalf("got %+v, want delivery at %v", s.got, want)
	}
}

// checkCredits verifies, for every output VC, credits + credits in flight +
// flits in the downstream buffer = BufferFlits.
func checkCredits(t testing.TB, n *Network) {
	t.Helper()
	for ri := range n.routers {
		r := &n.routers[ri]
		for p := East; p < Local; p++ {
			o := &r.out[p]
			if o.down == nil {
				continue
			}
			for v := range n.vcs {
				buf := &o.down.in[v*numPorts+o.downIn]
				sum := o.credits[v] + o.cq[v].n + buf.n
				if sum != n.bufFlits || o.credits[v] < 0 || buf.n > len(buf.buf) {
					t.Fatalf("router %v out %v vc %d: credits %d + in flight %d + buffered %d != %d",
						r.tile, p, v, o.credits[v], o.cq[v].n, buf.n, n.bufFlits)
				}
			}
		}
	}
}

// TestCreditInvariantAndDrain drives every topology at saturation with
// multi-flit and single-flit packets, checks the credit invariant every few
// cycles, then stops injecting and requires the network to drain (no
// deadlock) with every packet delivered exactly once.
func TestCreditInvariantAndDrain(t *testing.T) {
	for _, tc := range []struct {
		topo, routing string
		flits, buf    int
		multicast     bool
	}{
		{"mesh", "xy", 1, 4, false}, {"mesh", "xy", 5, 4, false}, {"mesh", "yx", 3, 2, false},
		{"torus", "xy", 1, 4, false}, {"torus", "xy", 6, 4, false}, {"torus", "yx", 2, 1, false},
		{"mesh", "xy", 2, 4, true}, {"torus", "xy", 1, 2, true},
	} {
		name := fmt.Sprintf("%s-%s-F%d-B%d-mc%v", tc.topo, tc.routing, tc.flits, tc.buf, tc.multicast)
		t.Run(name, func(t *testing.T) {
			spec := testSpec(tc.topo, 2, 1, tc.buf)
			spec.Routing = tc.routing
			const k = 6
			n, e, s := newNet(t, spec, k, k)
			rng := rand.New(rand.NewPCG(1, 2))
			period := n.Period()
			const cycles = 3000
			var want int
			for c := range uint64(cycles) {
				at(e, sim.Time(c)*period, func() {
					for i := range k * k {
						if rng.Float64() > 0.5 {
							continue
						}
						src := Tile{i % k, i / k}
						p := n.NewPacket()
						p.Flits = tc.flits
						if tc.multicast && rng.IntN(2) == 0 {
							for j := range k * k {
								if rng.IntN(6) == 0 {
									p.Dests = append(p.Dests, Tile{j % k, j / k})
								}
							}
						}
						if len(p.Dests) == 0 {
							p.Dst = Tile{rng.IntN(k), rng.IntN(k)}
							want++
						} else {
							want += len(p.Dests)
						}
						n.Inject(src, p)
					}
				})
				if c%97 == 0 {
					e.RunUntil(sim.Time(c) * period)
					checkCredits(t, n)
				}
			}
			e.Run()
			checkCredits(t, n)
			if len(s.got) != want || n.InFlight() != 0 {
				t.Fatalf("delivered %d of %d packets, %d in flight: deadlock or loss\n%s", len(s.got), want, n.InFlight(), n.dump())
			}
			for ri := range n.routers {
				if r := &n.routers[ri]; r.flits != 0 || r.active != 0 || r.src.len() != 0 {
					t.Fatalf("router %v not empty after drain", r.tile)
				}
			}
			st := n.Stats()
			if st.StallCycles == 0 {
				t.Error("saturated network reported no stall cycles")
			}
			if st.Latency.Count() != st.PacketsDelivered || st.PacketsDelivered != uint64(want) {
				t.Errorf("stats delivered %d, want %d", st.PacketsDelivered, want)
			}
		})
	}
}

// ticker wakes every router every cycle (before the network's own events),
// turning the event-driven network into a clocked one for differential tests.
type ticker struct {
	n    *Network
	e    *sim.Engine
	stop uint64
}

func (tk *ticker) Handle(ev sim.Event) {
	c := uint64(ev.Time / tk.n.Period())
	for i := range tk.n.routers {
		tk.n.routers[i].wake(c)
	}
	if c < tk.stop {
		tk.e.Schedule(sim.Event{Time: ev.Time + tk.n.Period(), Handler: tk, Priority: -1})
	}
}

// TestEventDrivenMatchesClocked: evaluating only the routers that woke
// themselves gives exactly the deliveries (times, order, hops) of evaluating
// every router every cycle (a lost wake-up would delay some packet), and
// reversing the order in which a cycle's routers are evaluated changes
// nothing (two-phase update).
func TestEventDrivenMatchesClocked(t *testing.T) {
	for _, topo := range []string{"mesh", "torus"} {
		for _, load := range []float64{0.1, 0.6} {
			run := func(clocked, reverse bool) ([]delivery, Stats) {
				spec := testSpec(topo, 2, 1, 3)
				n, e, s := newNet(t, spec, 5, 4)
				n.reverseEval = reverse
				rng := rand.New(rand.NewPCG(7, uint64(load*100)))
				const cycles = 1500
				for c := range uint64(cycles) {
					at(e, sim.Time(c)*n.Period(), func() {
						for i := range 20 {
							if rng.Float64() > load/2 {
								continue
							}
							p := n.NewPacket()
							p.Flits = 1 + rng.IntN(3)
							p.A = int64(c)
							if rng.IntN(4) == 0 {
								for j := range 20 {
									if rng.IntN(5) == 0 {
										p.Dests = append(p.Dests, Tile{j % 5, j / 5})
									}
								}
							}
							if len(p.Dests) == 0 {
								p.Dst = Tile{rng.IntN(5), rng.IntN(4)}
							}
							n.Inject(Tile{i % 5, i / 5}, p)
						}
					})
				}
				if clocked {
					e.Schedule(sim.Event{Time: 0, Handler: &ticker{n: n, e: e, stop: 20 * cycles}, Priority: -1})
				}
				if e.RunUntil(sim.Time(40*cycles) * n.Period()) {
					t.Fatalf("%s load %.1f clocked=%v: not drained after %d cycles (deadlock)\n%s", topo, load, clocked, 40*cycles, n.dump())
				}
				return s.got, n.Stats()
			}
			ev, evStats := run(false, false)
			ck, ckStats := run(true, false)
			if len(ev) == 0 || !reflect.DeepEqual(ev, ck) || !reflect.DeepEqual(evStats, ckStats) {
				t.Errorf("%s load %.1f: event-driven and clocked runs differ (%d vs %d deliveries)", topo, load, len(ev), len(ck))
			}
			// Evaluating each cycle's routers in the opposite order changes nothing.
			// Deliveries in the same cycle reach the sink in evaluation order,
			// so compare them sorted.
			rv, rvStats := run(false, true)
			rc, rcStats := run(true, true)
			for _, d := range [][]delivery{ev, rv, rc} {
				slices.SortStableFunc(d, func(a, b delivery) int {
					return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id), cmp.Compare(n2i(a.dst), n2i(b.dst)))
				})
			}
			if !reflect.DeepEqual(evStats, rvStats) || !reflect.DeepEqual(evStats, rcStats) {
				t.Errorf("%s load %.1f: reversing the evaluation order changed the statistics", topo, load)
			}
			if !reflect.DeepEqual(ev, rv) || !reflect.DeepEqual(ev, rc) {
				t.Errorf("%s load %.1f: reversing the evaluation order changed the deliveries", topo, load)
			}
		}
	}
}

// TestMulticastTree: every destination of a multicast packet receives it
// exactly once, and the tree crosses fewer links than one unicast per
// destination (never more, and strictly fewer when destinations share a path).
func TestMulticastTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		topo := []string{"mesh", "torus"}[trial%2]
		routing := []string{"xy", "yx"}[trial/2%2]
		w, h := 2+rng.IntN(6), 2+rng.IntN(6)
		src := Tile{rng.IntN(w), rng.IntN(h)}
		var dests []Tile
		for y := range h {
			for x := range w {
				if rng.IntN(3) == 0 {
					dests = append(dests, Tile{x, y})
				}
			}
		}
		if len(dests) < 2 {
			continue
		}
		links := func(multicast bool) (map[Tile]int, uint64, uint64) {
			spec := testSpec(topo, 2, 1, 4)
			spec.Routing, spec.Multicast = routing, multicast
			n, e, s := newNet(t, spec, w, h)
			p := n.NewPacket()
			p.Dests = append(p.Dests, dests...)
			p.A = 42
			n.Inject(src, p)
			e.Run()
			got := map[Tile]int{}
			for _, d := range s.got {
				if d.a != 42 || d.src != src || d.hops != n.Hops(src, d.dst) {
					t.Fatalf("bad delivery %+v (hops want %d)", d, n.Hops(src, d.dst))
				}
				got[d.dst]++
			}
			st := n.Stats()
			return got, st.HopsX + st.HopsY, st.PacketsDelivered
		}
		mcGot, mcLinks, mcN := links(true)
		ucGot, ucLinks, _ := links(false)
		var sumHops uint64
		for _, d := range dests {
			if mcGot[d] != 1 || ucGot[d] != 1 {
				t.Fatalf("%s %d×%d from %v: %v received %d (multicast) and %d (unicast) copies", topo, w, h, src, d, mcGot[d], ucGot[d])
			}
			sumHops += uint64(manhattanOrRing(topo, src, d, w, h))
		}
		if mcN != uint64(len(dests)) || len(mcGot) != len(dests) {
			t.Fatalf("multicast delivered %d packets to %d tiles, want %d", mcN, len(mcGot), len(dests))
		}
		if ucLinks != sumHops || mcLinks > ucLinks {
			t.Fatalf("link traversals: multicast %d, unicast %d, sum of hops %d", mcLinks, ucLinks, sumHops)
		}
	}
	// A row of destinations behind each other shares the whole path.
	spec := testSpec("mesh", 2, 1, 4)
	n, e, _ := newNet(t, spec, 8, 1)
	p := n.NewPacket()
	for x := 1; x < 8; x++ {
		p.Dests = append(p.Dests, Tile{x, 0})
	}
	n.Inject(Tile{0, 0}, p)
	e.Run()
	if st := n.Stats(); st.HopsX != 7 || st.PacketsDelivered != 7 {
		t.Errorf("row multicast: %d link traversals for 7 deliveries, want 7 (unicast: 28)", st.HopsX)
	}
}

func manhattanOrRing(topo string, a, b Tile, w, h int) int {
	if topo == "torus" {
		return ringDist(a.X, b.X, w) + ringDist(a.Y, b.Y, h)
	}
	return manhattan(a, b)
}

func n2i(t Tile) int { return t.Y<<16 | t.X }

func TestNewErrors(t *testing.T) {
	e := sim.NewEngine()
	good := testSpec("mesh", 2, 1, 4)
	for name, tc := range map[string]struct {
		mod  func(*arch.NoC)
		w, h int
		clk  sim.Freq
	}{
		"topology": {func(s *arch.NoC) { s.Topology = "ring" }, 4, 4, sim.GHz},
		"routing":  {func(s *arch.NoC) { s.Routing = "zigzag" }, 4, 4, sim.GHz},
		"pipeline": {func(s *arch.NoC) { s.RouterPipelineCycles = 0 }, 4, 4, sim.GHz},
		"link":     {func(s *arch.NoC) { s.LinkLatencyCycles = 0 }, 4, 4, sim.GHz},
		"buffer":   {func(s *arch.NoC) { s.BufferFlits = 0 }, 4, 4, sim.GHz},
		"flitbits": {func(s *arch.NoC) { s.FlitBits = 0 }, 4, 4, sim.GHz},
		"vct":      {func(s *arch.NoC) { s.SpikePacketBits = 200 }, 4, 4, sim.GHz},
		"width":    {func(*arch.NoC) {}, 0, 4, sim.GHz},
		"clock":    {func(*arch.NoC) {}, 4, 4, 0},
	} {
		s := good
		tc.mod(&s)
		if _, err := New(s, tc.w, tc.h, e, tc.clk); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := New(good, 4, 4, e, sim.GHz, WithSourceQueue(-1)); err == nil {
		t.Error("negative source queue: no error")
	}
	n, err := New(good, 4, 4, e, sim.GHz)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Attach(Tile{4, 0}, &sink{}); err == nil {
		t.Error("attach outside the network: no error")
	}
}

// waker records InjectReady calls and delivers nothing.
type waker struct {
	sink
	ready int
}

func (w *waker) InjectReady(Tile) { w.ready++ }

// sourceQueueBurst injects five 3-flit packets at once from tile (0,0) to
// (3,0) of a 4×1 network whose source queue holds two packets, runs it, and
// checks that two were accepted, three refused, the source woken once and
// both accepted packets delivered. The first packet's first flit enters the
// router at once; the source queue still counts it until its last flit has
// left.
func sourceQueueBurst(t *testing.T, spec arch.NoC) (*Network, *sim.Engine, Tile) {
	t.Helper()
	e := sim.NewEngine()
	n, err := New(spec, 4, 1, e, sim.GHz, WithSourceQueue(2))
	if err != nil {
		t.Fatal(err)
	}
	w := &waker{}
	src := Tile{0, 0}
	n.Attach(src, w)
	n.Attach(Tile{3, 0}, w)
	var accepted, refused int
	at(e, 0, func() {
		for range 5 {
			p := n.NewPacket()
			p.Dst, p.Flits = Tile{3, 0}, 3
			if n.Inject(src, p) {
				accepted++
			} else {
				n.Release(p)
				refused++
			}
		}
	})
	e.Run()
	if accepted != 2 || refused != 3 || w.ready != 1 || len(w.got) != 2 {
		t.Errorf("accepted %d, refused %d, InjectReady %d times, delivered %d; want 2, 3, 1, 2", accepted, refused, w.ready, len(w.got))
	}
	return n, e, src
}

// TestSourceQueueBackPressure: a bounded source queue refuses packets when
// full and tells the endpoint when room frees.
func TestSourceQueueBackPressure(t *testing.T) {
	_, e, src := sourceQueueBurst(t, testSpec("mesh", 2, 1, 1))
	// A multicast split into unicasts needs room for all of them.
	spec := testSpec("mesh", 2, 1, 4)
	spec.Multicast = false
	n2, _ := New(spec, 4, 1, e, sim.GHz, WithSourceQueue(2))
	p := n2.NewPacket()
	p.Dests = append(p.Dests, Tile{1, 0}, Tile{2, 0}, Tile{3, 0})
	if n2.Inject(src, p) {
		t.Error("three unicasts accepted into a 2-packet source queue")
	}
}

// TestZeroLoadLatencyLarge covers networks too large for a route table.
func TestZeroLoadLatencyLarge(t *testing.T) {
	for _, topo := range []string{"mesh", "torus"} {
		n, e, s := newNet(t, testSpec(topo, 2, 1, 4), 40, 30)
		if n.rt != nil {
			t.Fatal("a 1200-tile network has a route table")
		}
		rng := rand.New(rand.NewPCG(5, 6))
		for range 300 {
			src, dst := Tile{rng.IntN(40), rng.IntN(30)}, Tile{rng.IntN(40), rng.IntN(30)}
			hops := manhattanOrRing(topo, src, dst, 40, 30)
			start := e.Now() + 5*n.Period()
			s.got = s.got[:0]
			at(e, start, func() {
				p := n.NewPacket()
				p.Dst = dst
				n.Inject(src, p)
			})
			e.Run()
			if len(s.got) != 1 || s.got[0].at-start != sim.Time(3*hops+2)*n.Period() || s.got[0].hops != hops {
				t.Fatalf("%s %v→%v: %+v, want %d hops at +%d cycles", topo, src, dst, s.got, hops, 3*hops+2)
			}
		}
	}
}
