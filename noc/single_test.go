package noc

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// flitLog records every flit hop the network reports.
type flitLog struct{ got []string }

func (l *flitLog) Func(ctx sim.HookCtx) {
	p := ctx.Item.(*Packet)
	switch ctx.Pos {
	case HookPosFlit:
		h := ctx.Detail.(*FlitHop)
		l.got = append(l.got, fmt.Sprintf("f %d %d %v %v %d %d", ctx.Now, p.ID, h.From, h.Out, h.VC, h.Flit))
	case HookPosDeliver:
		l.got = append(l.got, fmt.Sprintf("d %d %d %v %d", ctx.Now, p.ID, p.Dst, ctx.Detail.(*Delivery).Latency))
	}
}

// TestSingleFlitMatchesGeneral: on a mesh carrying one-flit packets, the
// specialised router evaluation (evalSingle) makes exactly the deliveries, in
// the same order, the flit hops, statistics and engine events of the general
// one, at low and saturating loads, with unicast and multicast packets, with
// a bounded source queue, and when a longer packet arrives half way (the
// network falls back to the general evaluation for good).
func TestSingleFlitMatchesGeneral(t *testing.T) {
	type result struct {
		got    []delivery
		hops   []string
		stats  Stats
		events uint64
	}
	for _, tc := range []struct {
		load      float64
		mcast     int // one packet in mcast is a multicast
		routing   string
		srcCap    int
		longAfter uint64 // inject a 3-flit packet at this cycle (0: never)
	}{
		{0.1, 4, "xy", 0, 0}, {0.5, 3, "xy", 0, 0}, {0.9, 2, "yx", 0, 0},
		{0.7, 5, "xy", 2, 0}, {0.6, 3, "xy", 0, 700},
	} {
		name := fmt.Sprintf("load%.1f-mc%d-%s-q%d-long%d", tc.load, tc.mcast, tc.routing, tc.srcCap, tc.longAfter)
		run := func(general bool) result {
			spec := testSpec("mesh", 2, 1, 4)
			spec.Routing = tc.routing
			const w, h = 6, 5
			var opts []Option
			if tc.srcCap > 0 {
				opts = append(opts, WithSourceQueue(tc.srcCap))
			}
			n, e, s := newNet(t, spec, w, h, opts...)
			if general {
				n.single = false
			}
			log := &flitLog{}
			n.AcceptHook(log)
			rng := rand.New(rand.NewPCG(11, uint64(tc.load*100)))
			const cycles = 1500
			for c := range uint64(cycles) {
				at(e, sim.Time(c)*n.Period(), func() {
					for i := range w * h {
						if rng.Float64() > tc.load/2 {
							continue
						}
						p := n.NewPacket()
						p.A = int64(c)
						if tc.longAfter > 0 && c == tc.longAfter && i == 0 {
							p.Flits = 3
						}
						if rng.IntN(tc.mcast) == 0 {
							for j := range w * h {
								if rng.IntN(4) == 0 {
									p.Dests = append(p.Dests, Tile{j % w, j / w})
								}
							}
						}
						if len(p.Dests) == 0 {
							p.Dst = Tile{rng.IntN(w), rng.IntN(h)}
						}
						if !n.Inject(Tile{i % w, i / w}, p) {
							n.Release(p)
						}
					}
				})
			}
			if e.RunUntil(sim.Time(40*cycles) * n.Period()) {
				t.Fatalf("%s general=%v: not drained (deadlock)\n%s", name, general, n.dump())
			}
			if tc.longAfter > 0 && n.single {
				t.Fatalf("%s: a 3-flit packet left the network in single-flit mode", name)
			}
			if !general && tc.longAfter == 0 && !n.single {
				t.Fatalf("%s: one-flit traffic left single-flit mode", name)
			}
			return result{s.got, log.got, n.Stats(), e.Fired()}
		}
		fast, gen := run(false), run(true)
		if len(fast.got) == 0 || len(fast.hops) == 0 {
			t.Fatalf("%s: nothing delivered", name)
		}
		if !reflect.DeepEqual(fast.got, gen.got) {
			t.Errorf("%s: deliveries differ (%d vs %d)", name, len(fast.got), len(gen.got))
		}
		if !reflect.DeepEqual(fast.hops, gen.hops) {
			t.Errorf("%s: flit hops differ (%d vs %d)", name, len(fast.hops), len(gen.hops))
		}
		if !reflect.DeepEqual(fast.stats, gen.stats) {
			t.Errorf("%s: statistics differ:\n%+v\n%+v", name, fast.stats, gen.stats)
		}
		if fast.events != gen.events {
			t.Errorf("%s: %d engine events, general evaluation %d", name, fast.events, gen.events)
		}
		if fast.stats.StallCycles == 0 && tc.load >= 0.5 {
			t.Errorf("%s: no stalls at load %.1f: the test does not exercise contention", name, tc.load)
		}
	}
}
