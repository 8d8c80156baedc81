package noc

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

// zeroLoadScript injects one packet at a time into the network and lets it
// drain before the next: every src/dst pair of a w×h network as a unicast
// of flits flits, then trials random multicast trees. It returns the
// deliveries (time relative to the injection) and the statistics.
//
// A model named "M+tree" is model M with every packet sent along a Tree
// made by NewTree for its destinations.
func zeroLoadScript(t *testing.T, model, topo, routing string, pipe, link, flits, w, h, trials int) ([]delivery, Stats) {
	t.Helper()
	spec := testSpec(topo, pipe, link, 4)
	model, trees := strings.CutSuffix(model, "+tree")
	spec.Routing, spec.Model = routing, model
	n, e, s := newNet(t, spec, w, h)
	if n.packet != (model == "packet" || model == "analytic") || n.analytic != (model == "analytic") {
		t.Fatalf("model %q: packet %v, analytic %v", model, n.packet, n.analytic)
	}
	var out []delivery
	run := func(src Tile, fill func(p *Packet)) {
		start := e.Now() + 5*n.Period()
		s.got = s.got[:0]
		at(e, start, func() {
			p := n.NewPacket()
			fill(p)
			if trees && (len(p.Dests) > 0 || p.Flits > 0) {
				ds := p.Dests
				if len(ds) == 0 {
					ds = []Tile{p.Dst}
				}
				tr, err := n.NewTree(src, ds)
				if err != nil {
					t.Fatal(err)
				}
				p.Tree, p.Dests, p.Dst = tr, p.Dests[:0], Tile{}
			}
			if !n.Inject(src, p) {
				t.Fatal("inject refused")
			}
		})
		e.Run()
		slices.SortFunc(s.got, func(a, b delivery) int { return n.index(a.dst) - n.index(b.dst) })
		for _, d := range s.got {
			d.at -= start
			out = append(out, d)
		}
	}
	for si := range w * h {
		for di := range w * h {
			src, dst := Tile{si % w, si / w}, Tile{di % w, di / w}
			run(src, func(p *Packet) { p.Dst, p.Flits = dst, flits })
		}
	}
	rng := rand.New(rand.NewPCG(7, uint64(w*h)))
	for range trials {
		src := Tile{rng.IntN(w), rng.IntN(h)}
		run(src, func(p *Packet) {
			for y := range h {
				for x := range w {
					if rng.IntN(3) == 0 {
						p.Dests = append(p.Dests, Tile{x, y})
					}
				}
			}
			p.A = int64(len(p.Dests))
		})
	}
	return out, n.Stats()
}

// TestPacketModelZeroLoadMatchesCycle: with one packet in the network at a
// time, the packet model gives exactly the cycle model's delivery times,
// hops, and statistics (flit-hops in x and y, per-link flits, latency
// histogram), for unicasts between every pair and for multicast trees.
func TestPacketModelZeroLoadMatchesCycle(t *testing.T) {
	for _, tc := range []struct {
		topo, routing    string
		pipe, link, flit int
		w, h             int
	}{
		{"mesh", "xy", 2, 1, 1, 8, 8}, {"mesh", "yx", 2, 1, 1, 8, 8}, {"mesh", "xy", 1, 1, 1, 8, 8},
		{"mesh", "xy", 3, 2, 1, 8, 8}, {"mesh", "xy", 2, 1, 4, 8, 8}, {"torus", "xy", 2, 1, 1, 8, 8},
		{"torus", "yx", 1, 3, 3, 8, 8}, {"mesh", "xy", 2, 1, 1, 5, 3}, {"torus", "xy", 2, 1, 2, 7, 4},
	} {
		t.Run(fmt.Sprintf("%s-%s-P%d-L%d-F%d-%dx%d", tc.topo, tc.routing, tc.pipe, tc.link, tc.flit, tc.w, tc.h), func(t *testing.T) {
			cyc, cs := zeroLoadScript(t, "cycle", tc.topo, tc.routing, tc.pipe, tc.link, tc.flit, tc.w, tc.h, 100)
			for _, model := range []string{"packet", "analytic", "analytic+tree", "cycle+tree", "packet+tree"} {
				pkt, ps := zeroLoadScript(t, model, tc.topo, tc.routing, tc.pipe, tc.link, tc.flit, tc.w, tc.h, 100)
				if len(cyc) != len(pkt) {
					t.Fatalf("%d deliveries (cycle) vs %d (%s)", len(cyc), len(pkt), model)
				}
				for k := range cyc {
					if cyc[k] != pkt[k] {
						t.Fatalf("delivery %d: cycle %+v, %s %+v", k, cyc[k], model, pkt[k])
					}
				}
				if !reflect.DeepEqual(cs, ps) {
					t.Errorf("stats differ:\ncycle  %+v\n%s %+v", cs, model, ps)
				}
				if ps.StallCycles != 0 {
					t.Errorf("%s: %d stall cycles at zero load", model, ps.StallCycles)
				}
			}
		})
	}
}

// TestPacketModelContention: two packets that want the same link at the
// same time are serialised in injection order, and one eject port takes
// one packet's flits at a time.
func TestPacketModelContention(t *testing.T) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "packet"
	n, e, s := newNet(t, spec, 4, 4)
	at(e, 0, func() {
		for _, src := range []Tile{{0, 0}, {1, 1}} {
			p := n.NewPacket()
			p.Dst, p.Flits = Tile{3, 1}, 2
			n.Inject(src, p)
		}
	})
	e.Run()
	// (0,0)→(3,1): x first to (3,0), then north: 4 hops, head ready at
	// (3,1) at 2+4·3 = 14, tail out at 15; it reserved the eject port first
	// (injection order) for cycles 14–15. (1,1)→(3,1): 2 hops, ready at
	// (3,1) at 8: it fits in the idle gap before that reservation, tail out
	// at 9, no stall.
	slices.SortFunc(s.got, func(a, b delivery) int { return int(a.at - b.at) })
	want := []sim.Time{9, 15}
	if len(s.got) != 2 || s.got[0].at != want[0]*n.Period() || s.got[1].at != want[1]*n.Period() {
		t.Fatalf("got %+v, want deliveries at cycles %v", s.got, want)
	}
	if st := n.Stats(); st.StallCycles != 0 {
		t.Errorf("%d stall cycles, want 0", st.StallCycles)
	}
	n.ResetStats()
	// Same route from the same source: the second waits for the injection
	// channel (2 flits) and then follows one packet behind.
	s.got = s.got[:0]
	t0 := e.Now() + 10*n.Period()
	at(e, t0, func() {
		for range 3 {
			p := n.NewPacket()
			p.Dst, p.Flits = Tile{3, 0}, 2
			n.Inject(Tile{0, 0}, p)
		}
	})
	e.Run()
	for k, d := range s.got {
		want := t0 + sim.Time(3*3+2+1+2*k)*n.Period()
		if d.at != want {
			t.Errorf("packet %d delivered at %v, want %v", k, d.at, want)
		}
	}
	if st := n.Stats(); st.StallCycles != 0 {
		// The followers wait at the source queue, not at a router.
		t.Errorf("%d stall cycles, want 0", st.StallCycles)
	}
	// Two sources converging on one link at the same cycle: the later
	// injection waits for the earlier one's flits.
	s.got = s.got[:0]
	t1 := e.Now() + 10*n.Period()
	at(e, t1, func() {
		for _, src := range []Tile{{0, 0}, {1, 1}} {
			p := n.NewPacket()
			p.Dst, p.Flits = Tile{1, 3}, 3
			n.Inject(src, p)
		}
	})
	// (0,0)→(1,3): E then N, N: its head reserves (1,1)N for cycles 8–10.
	// (1,1)→(1,3) wants (1,1)N at cycle 2 and fits before (2–4). Two more
	// 3-flit packets from (1,1) at the same cycle: the first (injection at
	// 3, ready at 5) fits exactly into 5–7; the second (ready at 8) finds
	// the link booked until 11: 3 cycles × 3 flits of stall.
	at(e, t1, func() {
		for range 2 {
			p := n.NewPacket()
			p.Dst, p.Flits = Tile{1, 3}, 3
			n.Inject(Tile{1, 1}, p)
		}
	})
	e.Run()
	if st := n.Stats(); st.StallCycles != 9 || len(s.got) != 4 {
		t.Errorf("%d deliveries, %d stall cycles; want 4, 9", len(s.got), st.StallCycles)
	}
}

// TestPacketModelSourceQueue: a bounded source queue refuses and wakes under
// the packet model as under the cycle model.
func TestPacketModelSourceQueue(t *testing.T) {
	spec := testSpec("mesh", 2, 1, 1)
	spec.Model = "packet"
	n, _, _ := sourceQueueBurst(t, spec)
	if n.InFlight() != 0 {
		t.Errorf("%d packets in flight after the run", n.InFlight())
	}
}

// TestPacketModelWheelGrows: deliveries far beyond the wheel's initial size
// (heavy contention at one eject port) are still made, in order, once each.
func TestPacketModelWheelGrows(t *testing.T) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "packet"
	n, e, s := newNet(t, spec, 8, 8)
	const per = 200
	at(e, 0, func() {
		for k := range 64 * per {
			p := n.NewPacket()
			p.Dst, p.Flits, p.A = Tile{4, 4}, 1, int64(k)
			n.Inject(Tile{k % 8, k / 8 % 8}, p)
		}
	})
	e.Run()
	if len(s.got) != 64*per || n.InFlight() != 0 {
		t.Fatalf("%d deliveries, %d in flight; want %d, 0", len(s.got), n.InFlight(), 64*per)
	}
	for k := 1; k < len(s.got); k++ {
		if s.got[k].at <= s.got[k-1].at {
			t.Fatalf("eject port double-booked: deliveries %d and %d at %v, %v", k-1, k, s.got[k-1].at, s.got[k].at)
		}
	}
	if len(n.pwheel) <= 1024 {
		t.Errorf("wheel of %d slots for %d cycles of backlog", len(n.pwheel), 64*per)
	}
}

// BenchmarkPacketMulticastAll is BenchmarkMulticastAll under the packet
// model: one packet from a corner to all 64 tiles of the idle 8×8 mesh.
func BenchmarkPacketMulticastAll(b *testing.B) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "packet"
	n, e, _ := newNet(b, spec, 8, 8)
	for i := range 64 {
		n.Attach(Tile{i % 8, i / 8}, nil)
	}
	b.ReportAllocs()
	for b.Loop() {
		p := n.NewPacket()
		for i := range 64 {
			p.Dests = append(p.Dests, Tile{i % 8, i / 8})
		}
		n.Inject(Tile{0, 0}, p)
		e.Run()
	}
}

// BenchmarkPacketUnicast is BenchmarkUnicast under the packet model.
func BenchmarkPacketUnicast(b *testing.B) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "packet"
	n, e, _ := newNet(b, spec, 8, 8)
	for i := range 64 {
		n.Attach(Tile{i % 8, i / 8}, nil)
	}
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		k = (k*29 + 11) % 4096
		p := n.NewPacket()
		p.Dst = Tile{k % 8, k / 8 % 8}
		n.Inject(Tile{k / 64 % 8, k / 512}, p)
		e.Run()
	}
}

// FuzzPacketModel runs one injection schedule, decoded from the input as in
// FuzzNetwork, under both timing models and checks the packet model:
// every destination receives each packet exactly once with the right hop
// count, no delivery comes earlier than the zero-load latency, no eject
// port delivers two tails in one cycle, the network drains, and the packet,
// flit, hop and per-link flit counts equal the cycle model's exactly
// (which links a packet's flits cross does not depend on timing).
func FuzzPacketModel(f *testing.F) {
	f.Add([]byte{0, 0, 2, 1, 4, 8, 8, 1, 0, 5, 9, 1, 0, 9, 5, 2})
	f.Add([]byte{1, 1, 1, 3, 1, 3, 5, 0, 0, 1, 14, 3, 1, 14, 1, 3, 0, 7, 7, 1})
	f.Add([]byte{1, 0, 3, 2, 2, 4, 4, 1, 0, 0, 255, 130, 0, 3, 12, 2, 0, 0, 255, 193, 0, 4, 255, 130})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 8 {
			return
		}
		spec := testSpec([]string{"mesh", "torus"}[data[0]%2], 1+int(data[2]%3), 1+int(data[3]%3), 1+int(data[4]%4))
		spec.Routing = []string{"xy", "yx"}[data[1]%2]
		spec.Multicast = data[7]%2 == 1
		w, h := 1+int(data[5]%6), 1+int(data[6]%6)
		nt := w * h
		var injs []fuzzInj
		var c uint64
		for rest := data[8:]; len(rest) >= 4 && len(injs) < 200; rest = rest[4:] {
			c += uint64(rest[0] % 8)
			in := fuzzInj{c: c, src: Tile{int(rest[1]) % nt % w, int(rest[1]) % nt / w}}
			if rest[3]&0x80 != 0 {
				for i := range nt {
					if (int(rest[2])>>(i%8))&1 == 1 && (i/8)%2 == int(rest[3]>>6&1) {
						in.dests = append(in.dests, Tile{i % w, i / w})
					}
				}
				in.flits = 1 + int(rest[3]%uint8(spec.BufferFlits))
			} else {
				d := int(rest[2]) % nt
				in.dst = Tile{d % w, d / w}
				in.flits = 1 + int(rest[3]%6)
			}
			injs = append(injs, in)
		}
		run := func(model string) (Stats, []delivery, *Network) {
			sp := spec
			model, trees := strings.CutSuffix(model, "+tree")
			sp.Model = model
			n, e, s := newNet(t, sp, w, h)
			for k, in := range injs {
				at(e, sim.Time(in.c)*n.Period(), func() {
					p := n.NewPacket()
					p.A, p.Dst, p.Flits = int64(k), in.dst, in.flits
					p.Dests = append(p.Dests, in.dests...)
					if trees && len(in.dests) > 0 {
						tr, err := n.NewTree(in.src, in.dests)
						if err != nil {
							t.Fatal(err)
						}
						p.Tree, p.Dests = tr, p.Dests[:0]
					}
					n.Inject(in.src, p)
				})
			}
			e.RunUntil(sim.Time(c+1000000) * n.Period())
			if n.InFlight() != 0 {
				t.Fatalf("%s model: %d packets in flight after the run", model, n.InFlight())
			}
			return n.Stats(), s.got, n
		}
		cs, _, _ := run("cycle")
		for _, model := range []string{"packet", "analytic", "analytic+tree"} {
			checkFuzzRun(t, model, spec, injs, cs)(run(model))
		}
	})
}

// fuzzInj is one injection of FuzzPacketModel.
type fuzzInj struct {
	c     uint64
	src   Tile
	dst   Tile
	dests []Tile
	flits int
}

// checkFuzzRun returns the checks of one model's run in FuzzPacketModel:
// every destination once, hops as routing gives, nothing before its
// zero-load latency, one tail per tile per cycle, and the cycle model's
// counts.
func checkFuzzRun(t *testing.T, model string, spec arch.NoC, injs []fuzzInj, cs Stats) func(Stats, []delivery, *Network) {
	return func(ps Stats, got []delivery, n *Network) {
		t.Helper()
		seen := map[[2]int]int{}
		lastAt := map[Tile]sim.Time{}
		for _, d := range got {
			in := injs[d.a]
			seen[[2]int{int(d.a), n.index(d.dst)}]++
			if d.hops != n.Hops(d.src, d.dst) {
				t.Fatalf("packet %d %v→%v: %d hops, want %d", d.a, d.src, d.dst, d.hops, n.Hops(d.src, d.dst))
			}
			zero := sim.Time(d.hops*(spec.RouterPipelineCycles+spec.LinkLatencyCycles)+spec.RouterPipelineCycles+in.flits-1) * n.Period()
			if d.at < sim.Time(in.c)*n.Period()+zero {
				t.Fatalf("packet %d %v→%v delivered at %v, before its zero-load latency", d.a, d.src, d.dst, d.at)
			}
			if l, ok := lastAt[d.dst]; ok && l == d.at {
				t.Fatalf("tile %v delivered two tails at %v", d.dst, d.at)
			}
			lastAt[d.dst] = d.at
		}
		want := 0
		for k, in := range injs {
			dests := in.dests
			if len(dests) == 0 {
				dests = []Tile{in.dst}
			}
			for _, d := range dests {
				want++
				if seen[[2]int{k, n.index(d)}] != 1 {
					t.Fatalf("packet %d at %v: %d deliveries, want 1", k, d, seen[[2]int{k, n.index(d)}])
				}
			}
		}
		if len(got) != want {
			t.Fatalf("%d deliveries, want %d", len(got), want)
		}
		if cs.PacketsInjected != ps.PacketsInjected || cs.PacketsDelivered != ps.PacketsDelivered ||
			cs.FlitsInjected != ps.FlitsInjected || cs.FlitsDelivered != ps.FlitsDelivered ||
			cs.HopsX != ps.HopsX || cs.HopsY != ps.HopsY || cs.HopSum != ps.HopSum {
			t.Fatalf("counts differ:\ncycle  %+v\n%s %+v", cs, model, ps)
		}
		for k := range cs.Links {
			if cs.Links[k].Flits != ps.Links[k].Flits {
				t.Fatalf("link %v %v: %d flits (cycle), %d (%s)", cs.Links[k].From, cs.Links[k].Out, cs.Links[k].Flits, ps.Links[k].Flits, model)
			}
		}
	}
}

// TestBusyNeverDoubleBooks: random bookings on one port never overlap an
// earlier booking, and the remembered intervals stay sorted, disjoint and
// not touching (a merge of the very gap a booking chose once broke this).
func TestBusyNeverDoubleBooks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for trial := range 200 {
		var b busy
		type iv struct{ s, e uint64 }
		var booked []iv
		now := uint64(0)
		for range 200 {
			now += uint64(rng.IntN(3))
			ready := now + uint64(rng.IntN(40))
			f := uint64(1 + rng.IntN(4))
			st := b.reserve(now, ready, f)
			if st < ready {
				t.Fatalf("trial %d: booked at %d before ready %d", trial, st, ready)
			}
			for _, o := range booked {
				if st < o.e && o.s < st+f && o.e > now {
					t.Fatalf("trial %d: [%d,%d) overlaps the booking [%d,%d) (now %d)", trial, st, st+f, o.s, o.e, now)
				}
			}
			booked = append(booked, iv{st, st + f})
			for k := 0; k < b.n; k++ {
				if b.s[k] >= b.e[k] || (k > 0 && b.s[k] <= b.e[k-1]) {
					t.Fatalf("trial %d: intervals %v %v (n %d) not sorted, disjoint and apart", trial, b.s, b.e, b.n)
				}
			}
		}
	}
}
