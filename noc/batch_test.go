package noc

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// tagRec records, per tile, the deliveries of packets sent along trees:
// the cycle and the destination's tag.
type tagRec struct {
	n   *Network
	e   *sim.Engine
	got map[Tile][]sim.Due
}

func (r *tagRec) Deliver(p *Packet) {
	r.got[p.Dst] = append(r.got[p.Dst], sim.Due{Cycle: uint64(r.e.Now() / r.n.Period()), Tag: p.DestTag})
}

// taggedTrees makes a tree on n from each srcs[k] to dests[k], destination
// d tagged tag(k, d).
func taggedTrees(t *testing.T, n *Network, srcs []Tile, dests [][]Tile, tag func(k, d int) int64) []*Tree {
	t.Helper()
	var trees []*Tree
	for k := range dests {
		tr, err := n.NewTree(srcs[k], dests[k])
		if err != nil {
			t.Fatal(err)
		}
		tags := make([]int64, len(dests[k]))
		for d := range tags {
			tags[d] = tag(k, d)
		}
		if err := tr.SetTags(tags); err != nil {
			t.Fatal(err)
		}
		trees = append(trees, tr)
	}
	return trees
}

// batchScript makes the same random trees on a w×h analytic network for
// each caller and a list of steps: per step, sends of (cycle offset,
// tree), by offset; steps start gap cycles apart.
type batchSend struct {
	off  int
	tree int
}

func batchScript(rng *rand.Rand, w, h, trees, steps, perStep, span, density int) ([][]Tile, []Tile, [][]batchSend) {
	var dests [][]Tile
	var srcs []Tile
	for range trees {
		src := Tile{rng.IntN(w), rng.IntN(h)}
		var ds []Tile
		for k := range w * h {
			if rng.IntN(density) == 0 {
				ds = append(ds, Tile{k % w, k / w})
			}
		}
		if len(ds) == 0 {
			ds = append(ds, Tile{rng.IntN(w), rng.IntN(h)})
		}
		srcs, dests = append(srcs, src), append(dests, ds)
	}
	sends := make([][]batchSend, steps)
	for s := range sends {
		for range perStep {
			sends[s] = append(sends[s], batchSend{off: rng.IntN(span), tree: rng.IntN(trees)})
		}
		slices.SortStableFunc(sends[s], func(a, b batchSend) int { return a.off - b.off })
	}
	return dests, srcs, sends
}

// TestBatchMatchesInject: packets sent along trees through a Batch, step
// by step, get exactly the deliveries (cycle, tag, order at each tile) of
// Inject and the engine, and the merged statistics (per-link flits and
// stall cycles, latency histogram) are the event-driven run's — with
// ejection contention (many packets at once, two-flit packets).
func TestBatchMatchesInject(t *testing.T) {
	// The batch's ejections counted by two goroutines (flushTrees), the
	// engine's as they go.
	defer func(p int) { parallelFlush = p }(parallelFlush)
	parallelFlush = 2
	for _, flits := range []int{1, 2} {
		spec := testSpec("mesh", 2, 1, 4)
		spec.Model = "analytic"
		spec.SpikePacketBits = 32 * flits
		const w, h, gap = 7, 6, 400
		rng := rand.New(rand.NewPCG(5, uint64(flits)))
		dests, srcs, sends := batchScript(rng, w, h, 40, 12, 60, 50, 5)
		mk := func() (*Network, *sim.Engine, []*Tree, *tagRec) {
			e := sim.NewEngine()
			n, err := New(spec, w, h, e, 1*sim.GHz)
			if err != nil {
				t.Fatal(err)
			}
			rec := &tagRec{n: n, e: e, got: map[Tile][]sim.Due{}}
			trees := taggedTrees(t, n, srcs, dests, func(k, d int) int64 { return int64(k)<<32 | int64(d) })
			for y := range h {
				for x := range w {
					if err := n.Attach(Tile{x, y}, rec); err != nil {
						t.Fatal(err)
					}
				}
			}
			return n, e, trees, rec
		}
		// Event-driven.
		ne, e, te, rec := mk()
		for s, ss := range sends {
			for _, x := range ss {
				at(e, sim0(ne, s*gap+x.off), func() {
					p := ne.NewPacket()
					p.Tree = te[x.tree]
					if !ne.Inject(te[x.tree].src, p) {
						t.Fatal("inject refused")
					}
				})
			}
		}
		e.Run()
		// Batched.
		nb, _, tb, _ := mk()
		b, err := nb.NewBatch()
		if err != nil {
			t.Fatal(err)
		}
		tiles := allTiles(w, h)
		got := map[Tile][]sim.Due{}
		var out []sim.Due
		start := make([]int32, len(tiles)+1)
		for s, ss := range sends {
			for _, x := range ss {
				b.Send(nb.CycleOf(sim0(nb, s*gap+x.off)), tb[x.tree])
			}
			out = b.Arrivals(tiles, out[:0], start)
			for k, tl := range tiles {
				got[tl] = append(got[tl], out[start[k]:start[k+1]]...)
			}
		}
		nb.MergeBatch(b)
		for _, tl := range tiles {
			if !reflect.DeepEqual(rec.got[tl], got[tl]) {
				t.Fatalf("%d flits: tile %v: deliveries differ:\nevents  %v\nbatched %v", flits, tl, rec.got[tl], got[tl])
			}
		}
		se, sb := ne.Stats(), nb.Stats()
		trimHist(&se.Latency)
		trimHist(&sb.Latency)
		if se.PacketsDelivered == 0 || se.StallCycles == 0 {
			t.Fatalf("%d flits: no ejection contention to compare: %+v", flits, se)
		}
		if !reflect.DeepEqual(se, sb) {
			t.Errorf("%d flits: statistics differ:\nevents  %+v\nbatched %+v", flits, se, sb)
		}
	}
}

// TestBatchErrors: a batch needs the analytic model and no hooks, and
// refuses a tree of another network or made after it (by ID too).
func TestBatchErrors(t *testing.T) {
	spec := testSpec("mesh", 2, 1, 4)
	n, _, _ := newNet(t, spec, 4, 4)
	if _, err := n.NewBatch(); err == nil {
		t.Error("a batch on the cycle model")
	}
	spec.Model = "analytic"
	n, _, _ = newNet(t, spec, 4, 4)
	m, _, _ := newNet(t, spec, 4, 4)
	b, err := n.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	late, _ := n.NewTree(Tile{0, 0}, []Tile{{1, 1}})
	other, _ := m.NewTree(Tile{0, 0}, []Tile{{1, 1}})
	for name, tr := range map[string]*Tree{"made after": late, "another network": other} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Send with a tree %s did not panic", name)
				}
			}()
			b.Send(0, tr)
		}()
	}
	// By ID: a prefetch of an unknown tree is ignored, a send panics.
	for _, id := range []int32{-1, late.ID()} {
		b.Prefetch(id)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SendID(%d) did not panic", id)
				}
			}()
			b.SendID(0, id)
		}()
	}
}

// BenchmarkBatchStep: one step of packets along trees on a 28×28 mesh,
// sent through a Batch and processed by its endpoints (EndStep): "cuba", 22 packets to a tenth of
// the tiles over 600 cycles (CUBA at 40 000 neurons on the default chip:
// little ejection contention); "busy", 60 packets to a fifth over 200.
func BenchmarkBatchStep(b *testing.B) {
	for _, bc := range []struct {
		name                   string
		perStep, span, density int
	}{{"cuba", 22, 600, 10}, {"busy", 60, 200, 5}} {
		b.Run(bc.name, func(b *testing.B) {
			spec := testSpec("mesh", 2, 1, 4)
			spec.Model = "analytic"
			const w, h = 28, 28
			n, _, _ := newNet(b, spec, w, h)
			rng := rand.New(rand.NewPCG(1, 2))
			dests, srcs, sends := batchScript(rng, w, h, 4096, 1, bc.perStep, bc.span, bc.density)
			var trees []*Tree
			for k := range dests {
				tr, err := n.NewTree(srcs[k], dests[k])
				if err != nil {
					b.Fatal(err)
				}
				trees = append(trees, tr)
			}
			bt, err := n.NewBatch()
			if err != nil {
				b.Fatal(err)
			}
			tiles := allTiles(w, h)
			free, unit := make([]sim.Time, len(tiles)), make([]sim.Time, len(tiles))
			for i := range tiles {
				free[i], unit[i] = 100*sim.Nanosecond, 5*sim.Nanosecond
			}
			if err := bt.SetService(tiles, free, unit); err != nil {
				b.Fatal(err)
			}
			k := 0
			b.ReportAllocs()
			for b.Loop() {
				for _, x := range sends[0] {
					// a different tree each time, as spikes of different
					// neurons: trees are not in cache
					bt.Send(uint64(x.off), trees[k%len(trees)])
					k++
				}
				bt.EndStep(0)
			}
			var deliveries uint64
			for i := range tiles {
				d, _ := bt.Received(i)
				deliveries += d
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(deliveries), "ns/delivery")
		})
	}
}

// trimHist drops a histogram's empty top buckets (how far its array grew
// depends on the order values came in, not on the counts).
func trimHist(h *Histogram) {
	k := len(h.counts)
	for k > 0 && h.counts[k-1] == 0 {
		k--
	}
	h.counts = h.counts[:k]
}

// TestReserveFastPath: reserve's shortcut for a request after every
// booking gives the booking and the list the general search gives.
func TestReserveFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		var a, b busy
		now := uint64(0)
		for range 40 {
			now += uint64(rng.IntN(4))
			ready := now + uint64(rng.IntN(12))
			f := uint64(1 + rng.IntN(3))
			got := a.reserve(now, ready, f)
			want := b.reserveSearch(now, ready, f)
			if got != want || a != b {
				t.Fatalf("trial %d: reserve(%d, %d, %d) = %d %+v, search %d %+v", trial, now, ready, f, got, a, want, b)
			}
		}
	}
}

// reserveSearch is reserve without its shortcuts: drop what ended by now,
// then search, join, or merge and search again.
func (b *busy) reserveSearch(now, ready, f uint64) uint64 {
	k := 0
	for k < b.n && b.e[k] <= now {
		k++
	}
	copy(b.s[:], b.s[k:b.n])
	copy(b.e[:], b.e[k:b.n])
	b.n -= k
	for {
		t, pos := ready, b.n
		for k := 0; k < b.n; k++ {
			if t+f <= b.s[k] {
				pos = k
				break
			}
			t = max(t, b.e[k])
		}
		end := t + f
		joinPrev := pos > 0 && b.e[pos-1] == t
		joinNext := pos < b.n && b.s[pos] == end
		switch {
		case joinPrev && joinNext:
			b.e[pos-1] = b.e[pos]
			copy(b.s[pos:], b.s[pos+1:b.n])
			copy(b.e[pos:], b.e[pos+1:b.n])
			b.n--
		case joinPrev:
			b.e[pos-1] = end
		case joinNext:
			b.s[pos] = t
		case b.n < busyK:
			copy(b.s[pos+1:b.n+1], b.s[pos:b.n])
			copy(b.e[pos+1:b.n+1], b.e[pos:b.n])
			b.s[pos], b.e[pos] = t, end
			b.n++
		default:
			m, gap := 0, uint64(1<<64-1)
			for k := 0; k+1 < b.n; k++ {
				if g := b.s[k+1] - b.e[k]; g < gap {
					m, gap = k, g
				}
			}
			b.e[m] = b.e[m+1]
			copy(b.s[m+1:], b.s[m+2:b.n])
			copy(b.e[m+1:], b.e[m+2:b.n])
			b.n--
			continue
		}
		return t
	}
}

// TestCycleSet: a cycleSet counts a step's distinct delivery cycles as a
// set would, near and far (beyond the array, and beyond its bound), and
// starts the next step from nothing.
func TestCycleSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s cycleSet
	for step := range 200 {
		set := map[uint64]bool{}
		for range rng.IntN(300) {
			var o uint64
			switch rng.IntN(10) {
			case 0:
				o = uint64(rng.IntN(3 * maxCycleSet)) // some beyond the bound
			case 1:
				o = uint64(rng.IntN(100000))
			default:
				o = uint64(rng.IntN(600))
			}
			set[o] = true
			s.mark(o)
		}
		if got := s.count(); got != uint64(len(set)) {
			t.Fatalf("step %d: %d distinct cycles, want %d", step, got, len(set))
		}
	}
	if got := s.count(); got != 0 {
		t.Fatalf("an empty step counts %d cycles", got)
	}
}

// TestEndStepMatchesArrivals: EndStep's endpoints end when processing
// Arrivals' deliveries one by one in order of arrival ends, count the
// same distinct cycles and deliveries, and leave the same statistics.
func TestEndStepMatchesArrivals(t *testing.T) {
	for _, c := range []struct {
		perStep    int
		free, unit int  // ns: endpoints free up to free after the release, a synapse costs 1 … unit
		queues     bool // some endpoint ends later than both its bounds (EndStep's bound-only ports)
	}{
		{40, 120, 8, false}, // busy ports
		{3, 120, 8, false},  // mostly single deliveries
		{40, 1, 40, true},   // endpoints free at once, slow: queues outlast every bound
	} {
		endStepMatchesArrivals(t, c.perStep, c.free, c.unit, c.queues)
	}
}

func endStepMatchesArrivals(t *testing.T, perStep, freeMax, unitMax int, queues bool) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "analytic"
	spec.SpikePacketBits = 64 // two flits: ejection contention
	const w, h, gap = 6, 5, 300
	rng := rand.New(rand.NewPCG(8, 1))
	dests, srcs, sends := batchScript(rng, w, h, 30, 20, perStep, 60, 4)
	mk := func() (*Network, []*Tree, *Batch) {
		n, _, _ := newNet(t, spec, w, h)
		trees := taggedTrees(t, n, srcs, dests, func(int, int) int64 { return int64(1+rng.IntN(9)) << 32 })
		b, err := n.NewBatch()
		if err != nil {
			t.Fatal(err)
		}
		return n, trees, b
	}
	tiles := allTiles(w, h)
	free, unit := make([]sim.Time, len(tiles)), make([]sim.Time, len(tiles))
	for i := range tiles {
		free[i], unit[i] = sim.Time(rng.IntN(freeMax))*sim.Nanosecond, sim.Time(1+rng.IntN(unitMax))*sim.Nanosecond
	}
	rng = rand.New(rand.NewPCG(8, 2)) // the same tags for both networks
	na, ta, ba := mk()
	rng = rand.New(rand.NewPCG(8, 2))
	nb, tb, bb := mk()
	if err := bb.SetService(tiles, free, unit); err != nil {
		t.Fatal(err)
	}
	var out []sim.Due
	start := make([]int32, len(tiles)+1)
	recv, pay := make([]uint64, len(tiles)), make([]uint64, len(tiles))
	queued := 0 // steps whose end exceeds every endpoint's lower bound
	for s, ss := range sends {
		now := sim0(na, s*gap) + sim.Time(rng.IntN(3))*sim.Nanosecond/2
		for _, x := range ss {
			c := na.CycleOf(now + sim0(na, x.off))
			ba.Send(c, ta[x.tree])
			bb.Send(c, tb[x.tree])
		}
		out = ba.Arrivals(tiles, out[:0], start)
		want, cycles := now, map[uint64]bool{}
		bound := now // the latest of the endpoints' lower bounds
		for k := range tiles {
			d := slices.Clone(out[start[k]:start[k+1]])
			slices.SortStableFunc(d, func(a, b sim.Due) int { return cmp.Compare(a.Cycle, b.Cycle) })
			busy := now + free[k]
			var work sim.Time
			for _, r := range d {
				busy = max(sim.Time(r.Cycle)*na.Period(), busy) + sim.Time(r.Tag>>32)*unit[k]
				work += sim.Time(r.Tag>>32) * unit[k]
				cycles[r.Cycle] = true
				recv[k]++
				pay[k] += uint64(r.Tag >> 32)
			}
			if len(d) > 0 {
				want = max(want, busy)
				r := d[len(d)-1]
				bound = max(bound, now+free[k]+work, sim.Time(r.Cycle)*na.Period()+sim.Time(r.Tag>>32)*unit[k])
			}
		}
		if want > bound {
			queued++
		}
		got, gotCycles := bb.EndStep(now)
		if got != want || gotCycles != uint64(len(cycles)) {
			t.Fatalf("step %d: EndStep = %v, %d cycles; Arrivals give %v, %d", s, got, gotCycles, want, len(cycles))
		}
	}
	if queues && queued == 0 {
		t.Fatal("no step whose end only the queue at an endpoint gives: EndStep's one-by-one service is not exercised")
	}
	for k := range tiles {
		if r, p := bb.Received(k); r != recv[k] || p != pay[k] {
			t.Errorf("tile %v: received %d (%d), want %d (%d)", tiles[k], r, p, recv[k], pay[k])
		}
	}
	na.MergeBatch(ba)
	nb.MergeBatch(bb)
	sa, sb := na.Stats(), nb.Stats()
	if perStep > 10 && sa.StallCycles == 0 {
		t.Fatal("no ejection contention to compare")
	}
	trimHist(&sa.Latency)
	trimHist(&sb.Latency)
	if !reflect.DeepEqual(sa, sb) {
		t.Errorf("statistics differ:\nArrivals %+v\nEndStep  %+v", sa, sb)
	}
}

// allTiles lists a w×h network's tiles row by row.
func allTiles(w, h int) []Tile {
	var tiles []Tile
	for y := range h {
		for x := range w {
			tiles = append(tiles, Tile{x, y})
		}
	}
	return tiles
}

// TestBookMatchesCalendar: book's bookings of a port (its shortcut for a
// few requests whose spans do not overlap included) are the packet model's
// calendar's, request by request in the order sent, with the same stall
// cycles — for up to busyK+3 requests, so that the calendar fills and
// merges.
func TestBookMatchesCalendar(t *testing.T) {
	spec := testSpec("mesh", 2, 1, 4)
	spec.Model = "analytic"
	n, _, _ := newNet(t, spec, 2, 2)
	b, err := n.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := range 200000 {
		f := uint64(1 + rng.IntN(3))
		b.flits = f
		k := 1 + rng.IntN(busyK+3)
		q := make([]batchReq, k)
		b.sends = b.sends[:0]
		c := uint64(rng.IntN(4))
		for i := range q {
			c += uint64(rng.IntN(3))
			b.sends = append(b.sends, c)
			q[i] = batchReq{ready: c + uint64(rng.IntN(4+4*k)), tag: int64(i), send: int32(i)}
		}
		var want []uint64
		var cal busy
		var stalls uint64
		for _, r := range q {
			at := cal.reserve(b.sends[r.send], r.ready, f)
			stalls += (at - r.ready) * f
			want = append(want, at+f-1)
		}
		before := b.stalls
		out := b.book(0, q, nil)
		for i, d := range out {
			if d.Cycle != want[i] || d.Tag != int64(i) {
				t.Fatalf("iteration %d (f %d, requests %+v): delivery %d at %d, the calendar books %d", iter, f, q, i, d.Cycle, want[i])
			}
		}
		if got := b.stalls - before; got != stalls {
			t.Fatalf("iteration %d: %d stall cycles, the calendar %d", iter, got, stalls)
		}
	}
}
