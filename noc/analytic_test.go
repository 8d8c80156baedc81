package noc

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// loadedScript injects random unicast and multicast packets from every tile
// for cycles cycles (each tile with probability load per cycle) and returns
// the deliveries in the order they happened, and the statistics. With trees
// set every packet travels along a Tree made for its destinations.
func loadedScript(t *testing.T, model string, trees bool, load float64, cycles int) ([]delivery, Stats) {
	t.Helper()
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = model
	const w, h = 8, 8
	n, e, s := newNet(t, spec, w, h)
	rng := rand.New(rand.NewPCG(11, 3))
	for c := range cycles {
		at(e, sim0(n, c), func() {
			for i := range w * h {
				if rng.Float64() >= load {
					continue
				}
				src := Tile{i % w, i / w}
				var ds []Tile
				for k := range w * h {
					if rng.IntN(8) == 0 {
						ds = append(ds, Tile{k % w, k / w})
					}
				}
				if len(ds) == 0 {
					ds = append(ds, Tile{rng.IntN(w), rng.IntN(h)})
				}
				p := n.NewPacket()
				p.A = int64(i)
				if trees {
					tr, err := n.NewTree(src, ds)
					if err != nil {
						t.Fatal(err)
					}
					p.Tree = tr
				} else if len(ds) == 1 {
					p.Dst = ds[0]
				} else {
					p.Dests = append(p.Dests, ds...)
				}
				if !n.Inject(src, p) {
					t.Fatal("inject refused")
				}
			}
		})
	}
	e.Run()
	return s.got, n.Stats()
}

// TestAnalyticTreeMatchesWalk: under load, packets sent along precomputed
// trees give exactly the deliveries (times, order, hops) and statistics
// (per-link flits included) of the analytic model walking each packet's
// tree, and of the packet model's link counts.
func TestAnalyticTreeMatchesWalk(t *testing.T) {
	walk, ws := loadedScript(t, "analytic", false, 0.05, 300)
	tree, ts := loadedScript(t, "analytic", true, 0.05, 300)
	// The trees' flits counted by two goroutines (flushTrees) too.
	defer func(p int) { parallelFlush = p }(parallelFlush)
	parallelFlush = 2
	_, ts2 := loadedScript(t, "analytic", true, 0.05, 300)
	if !reflect.DeepEqual(ts, ts2) {
		t.Errorf("stats differ when two goroutines count the trees' flits:\none %+v\ntwo %+v", ts, ts2)
	}
	if len(walk) == 0 || len(walk) != len(tree) {
		t.Fatalf("%d deliveries walking, %d along trees", len(walk), len(tree))
	}
	for k := range walk {
		if walk[k] != tree[k] {
			t.Fatalf("delivery %d: walk %+v, tree %+v", k, walk[k], tree[k])
		}
	}
	if !reflect.DeepEqual(ws, ts) {
		t.Errorf("stats differ:\nwalk %+v\ntree %+v", ws, ts)
	}
	// The packet model books links: the same flits cross the same links,
	// and its packets can only be later.
	pkt, ps := loadedScript(t, "packet", false, 0.05, 300)
	if ps.HopsX != ts.HopsX || ps.HopsY != ts.HopsY || ps.HopSum != ts.HopSum || len(pkt) != len(tree) {
		t.Errorf("packet model: %d deliveries, hops x/y %d/%d, hop sum %d; analytic %d, %d/%d, %d",
			len(pkt), ps.HopsX, ps.HopsY, ps.HopSum, len(tree), ts.HopsX, ts.HopsY, ts.HopSum)
	}
	for k := range ps.Links {
		if ps.Links[k].Flits != ts.Links[k].Flits {
			t.Errorf("link %v %v: %d flits (packet), %d (analytic)", ps.Links[k].From, ps.Links[k].Out, ps.Links[k].Flits, ts.Links[k].Flits)
		}
	}
	if ts.Latency.Mean() > ps.Latency.Mean() {
		t.Errorf("analytic mean latency %.3f above the packet model's %.3f", ts.Latency.Mean(), ps.Latency.Mean())
	}
}

func sim0(n *Network, c int) sim.Time { return sim.Time(c) * n.Period() }

func TestNewTreeErrors(t *testing.T) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "analytic"
	n, _, _ := newNet(t, spec, 4, 4)
	for _, tc := range []struct {
		src   Tile
		dests []Tile
	}{
		{Tile{4, 0}, []Tile{{0, 0}}},
		{Tile{0, 0}, nil},
		{Tile{0, 0}, []Tile{{1, 1}, {0, 4}}},
		{Tile{0, 0}, []Tile{{1, 1}, {2, 2}, {1, 1}}},
	} {
		if _, err := n.NewTree(tc.src, tc.dests); err == nil {
			t.Errorf("NewTree(%v, %v) accepted", tc.src, tc.dests)
		}
	}
	tr, err := n.NewTree(Tile{0, 0}, []Tile{{3, 3}, {0, 0}, {3, 0}})
	if err != nil {
		t.Fatal(err)
	}
	// x trunk (0,0)→(3,0): 3 links; branch (3,0)→(3,3): 3 links.
	if tr.Links() != 6 || len(tr.Dests()) != 3 {
		t.Errorf("tree: %d links, %d destinations; want 6, 3", tr.Links(), len(tr.Dests()))
	}
}

// BenchmarkAnalyticTreeMulticastAll is BenchmarkPacketMulticastAll under
// the analytic model with a precomputed tree.
func BenchmarkAnalyticTreeMulticastAll(b *testing.B) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "analytic"
	n, e, _ := newNet(b, spec, 8, 8)
	ds := make([]Tile, 64)
	for i := range 64 {
		n.Attach(Tile{i % 8, i / 8}, nil)
		ds[i] = Tile{i % 8, i / 8}
	}
	tr, err := n.NewTree(Tile{0, 0}, ds)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p := n.NewPacket()
		p.Tree = tr
		n.Inject(Tile{0, 0}, p)
		e.Run()
	}
}

// tagSink records the tag and index each delivery carries.
type tagSink struct{ got map[Tile][2]int64 }

func (s *tagSink) Deliver(p *Packet) { s.got[p.Dst] = [2]int64{int64(p.DestIndex), p.DestTag} }

// TestTreeTags: under the analytic model each destination of a tree is
// delivered with its index and the tag SetTags gave it; the other models
// deliver without (index −1).
func TestTreeTags(t *testing.T) {
	for _, model := range []string{"analytic", "packet", "cycle"} {
		spec := testSpec("mesh", 2, 1, 4)
		spec.Model = model
		n, e, _ := newNet(t, spec, 4, 4)
		s := &tagSink{got: map[Tile][2]int64{}}
		dests := []Tile{{3, 3}, {0, 0}, {3, 0}, {1, 2}}
		for _, d := range dests {
			n.Attach(d, s)
		}
		tr, err := n.NewTree(Tile{1, 1}, dests)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.SetTags([]int64{7}); err == nil {
			t.Errorf("%s: one tag for four destinations accepted", model)
		}
		if err := tr.SetTags([]int64{10, 11, 12, 13}); err != nil {
			t.Fatal(err)
		}
		p := n.NewPacket()
		p.Tree = tr
		n.Inject(Tile{1, 1}, p)
		e.Run()
		for k, d := range dests {
			want := [2]int64{int64(k), int64(10 + k)}
			if model != "analytic" {
				want = [2]int64{-1, 0}
			}
			if s.got[d] != want {
				t.Errorf("%s: destination %v delivered with index, tag %v; want %v", model, d, s.got[d], want)
			}
		}
	}
}

// TestTreeWithHooks: with hooks attached the analytic model walks a tree's
// links like any packet's, so HookPosFlit sees every link once, and the
// deliveries and counts are those without hooks.
func TestTreeWithHooks(t *testing.T) {
	run := func(hooked bool) ([]delivery, Stats, int) {
		spec := testSpec("mesh", 2, 1, 4)
		spec.Model = "analytic"
		n, e, s := newNet(t, spec, 6, 5)
		flits := 0
		if hooked {
			n.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
				if ctx.Pos == HookPosFlit {
					flits++
				}
			}))
		}
		dests := []Tile{{5, 4}, {0, 0}, {3, 1}, {2, 4}, {2, 0}}
		tr, err := n.NewTree(Tile{2, 2}, dests)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			p := n.NewPacket()
			p.Tree = tr
			n.Inject(Tile{2, 2}, p)
		}
		e.Run()
		if hooked && flits != 3*tr.Links() {
			t.Errorf("%d flit hooks, want 3 packets × %d links", flits, tr.Links())
		}
		return s.got, n.Stats(), flits
	}
	plain, ps, _ := run(false)
	hooked, hs, _ := run(true)
	if !reflect.DeepEqual(plain, hooked) {
		t.Errorf("deliveries with hooks %+v, without %+v", hooked, plain)
	}
	if !reflect.DeepEqual(ps, hs) {
		t.Errorf("stats with hooks %+v, without %+v", hs, ps)
	}
}
