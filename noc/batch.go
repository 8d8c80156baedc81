package noc

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/neurosim/neurosim/internal/mem"
	"github.com/neurosim/neurosim/sim"
)

// Batches: the analytic model without events. Under the analytic model a
// packet's path is fixed when it is launched: its injection channel and
// each destination's ejection port are booked then, and nothing later
// changes when a destination receives it. A caller that owns the clock of
// a barrier step (core.Barrier.RunBatch) can therefore have a Batch
// compute every delivery of the step's packets at once instead of
// injecting them and waiting for one engine event per delivery cycle.
//
// A Batch holds its own bookings and counts. A step starts with every
// port idle: under a barrier that waits for the last delivery and then at
// least one NoC cycle more, every booking of a step ends before the next
// step's first injection, so the event-driven model's ports are idle then
// too. Several Batches of one network may therefore compute different
// steps at once (goroutines); MergeBatch adds a batch's counts into the
// network's statistics. Sent in the engine's order of injections, a
// step's packets get the deliveries, and the merged statistics the
// counts, of Inject and the engine (chip's TestBatchMatchesEvents).

// Batchable reports whether NewBatch may be used: the analytic model, no
// hooks (they see each delivery as it happens) and unbounded source
// queues (a bounded one may refuse, which only the event-driven path
// models).
func (n *Network) Batchable() bool {
	return n.analytic && n.NumHooks() == 0 && n.srcCap == 0
}

// CycleOf returns the NoC cycle a packet injected at time t enters in: the
// first cycle edge at or after t, as Inject times it.
func (n *Network) CycleOf(t sim.Time) uint64 {
	c := uint64(t / n.period)
	if t%n.period != 0 {
		c++
	}
	return c
}

// Batch computes the deliveries of one barrier step's packets at a time
// (see above). Make it with NewBatch once every tree it sends along
// exists.
type Batch struct {
	n        *Network
	flits    uint64     // flits per spike packet
	injFree  []uint64   // per router: first cycle its injection channel is free
	srcs     []int32    // routers whose injection channel the step used
	reqs     []batchReq // the step's ejection requests, in the order sent
	byPort   []batchReq // the same by port: router ri's are byPort[at[ri]:][:qn[ri]], in the order sent
	sends    []uint64   // the step's packets' launch cycles (batchReq.send)
	at       []int32
	qn       []int32
	lat      []uint64  // deliveries by latency (cycles), below batchLatMax
	latHigh  Histogram // longer latencies
	ejStalls []uint64  // per router: ejection stall cycles
	stalls   uint64
	uses     []uint64 // per tree (Tree.id): packets sent along it
	trees    []batchTree
	pf       []int32 // Prefetch's trees, issued from pf[pfAt] on
	pfAt     int
	pfNext   uintptr // the line prefetchLines issues next, of pfLeft left in its tree
	pfLeft   int
	queued   int         // requests queued in the step
	due      []sim.Due   // EndStep: the deliveries of ports with several
	cand     []serveCand // EndStep: ports whose endpoints may end last
	cycles   cycleSet    // EndStep: the step's delivery cycles
	// SetService's endpoints, and what they received
	svcTiles         []Tile
	svcFree, svcUnit []sim.Time
	svcRecv, svcPay  []uint64
}

// batchTree is what Send reads of a tree, kept apart from the Tree so that
// a send by id reads the ejections without the tree's header.
type batchTree struct {
	ejects []treeEject
	src    int32 // the source's router
}

// batchReq is a packet's request for an ejection port: the cycle its head
// reaches the port, the destination's tag, the port and the packet.
type batchReq struct {
	ready    uint64
	tag      int64
	ri, send int32 // the port's router; the packet (Batch.sends)
}

// batchLatMax: a Batch counts latencies below it in a dense array.
const batchLatMax = 512

// NewBatch returns an idle batch for the network's trees made so far. It
// fails unless Batchable holds.
func (n *Network) NewBatch() (*Batch, error) {
	if !n.Batchable() {
		return nil, errors.New("noc: batched steps need the analytic model, no hooks and unbounded source queues")
	}
	n.initWalk()
	if len(n.batchTrees) != len(n.trees) {
		n.batchTrees = make([]batchTree, len(n.trees))
		for i, t := range n.trees {
			n.batchTrees[i] = batchTree{ejects: t.ejects, src: int32(t.src.Y*n.w + t.src.X)}
		}
	}
	nr := len(n.routers)
	return &Batch{n: n, flits: uint64(n.spikeFlits), injFree: make([]uint64, nr),
		qn: make([]int32, nr), at: make([]int32, nr), lat: make([]uint64, batchLatMax), ejStalls: make([]uint64, nr),
		uses: make([]uint64, len(n.trees)), trees: n.batchTrees}, nil
}

// ID returns the tree's index among its network's trees, for Batch.SendID
// and Batch.Prefetch.
func (t *Tree) ID() int32 { return t.id }

// Prefetch hints that the tree of ID id will be sent along soon (after
// the step in progress ends): the batch asks the processor for the tree's
// ejections without waiting, a few trees at a time while it books the
// step's ports in EndStep, so that the trees arrive in parallel with that
// work instead of one cache miss after another at Send. It does nothing
// for an id the batch does not know.
func (b *Batch) Prefetch(id int32) {
	if uint(id) < uint(len(b.trees)) {
		if len(b.pf) >= 1<<12 { // steps without EndStep
			b.prefetchAll()
		}
		mem.Prefetch(uintptr(unsafe.Pointer(&b.trees[id])), unsafe.Sizeof(b.trees[id]))
		b.pf = append(b.pf, id)
	}
}

// prefetchLines issues the prefetch of the queue's next few cache lines
// (pfRun at most, of one tree): a few at a time, so that the processor's
// miss queue never fills (a whole tree at once stalls it).
func (b *Batch) prefetchLines() {
	if b.pfLeft == 0 {
		if b.pfAt == len(b.pf) {
			return
		}
		e := b.trees[b.pf[b.pfAt]].ejects
		b.pfAt++
		if len(e) == 0 {
			return
		}
		p := uintptr(unsafe.Pointer(&e[0]))
		end := p + uintptr(len(e))*unsafe.Sizeof(e[0])
		b.pfNext, b.pfLeft = p&^63, int((end-(p&^63)+63)/64)
	}
	k := min(b.pfLeft, pfRun)
	mem.Prefetch(b.pfNext, uintptr(k)*64)
	b.pfNext += uintptr(k) * 64
	b.pfLeft -= k
}

// pfRun is how many lines prefetchLines issues at once.
const pfRun = 4

// prefetchAll issues the queued prefetches not issued yet and empties the
// queue.
func (b *Batch) prefetchAll() {
	for b.pfLeft > 0 || b.pfAt < len(b.pf) {
		b.prefetchLines()
	}
	b.pf, b.pfAt = b.pf[:0], 0
}

// Send launches a spike packet along t, injected in NoC cycle c (CycleOf),
// and queues each destination's request for its ejection port. Calls of a
// step must come in the engine's order of the injections (time, then
// scheduling order). A tree of several destinations needs a multicast NoC
// (Inject walks it otherwise). It panics on a tree of another network or
// newer than the batch (programming errors).
func (b *Batch) Send(c uint64, t *Tree) {
	if t.net != b.n {
		panic("noc: Batch.Send with a tree of another network")
	}
	b.SendID(c, t.id)
}

// SendID is Send along the network's tree of ID id (Tree.ID), without
// reading the tree's header. It panics on an id newer than the batch.
func (b *Batch) SendID(c uint64, id int32) {
	if uint(id) >= uint(len(b.trees)) {
		panic("noc: Batch.Send with a tree made after the batch")
	}
	t := &b.trees[id]
	src := int(t.src)
	if b.injFree[src] == 0 {
		b.srcs = append(b.srcs, int32(src))
	}
	s := max(c, b.injFree[src])
	b.injFree[src] = s + b.flits
	b.uses[id]++
	ready := s + b.n.pipe
	per := b.n.link + b.n.pipe
	b.queued += len(t.ejects)
	send := int32(len(b.sends))
	b.sends = append(b.sends, c)
	qn := b.qn
	reqs := slices.Grow(b.reqs, len(t.ejects))
	for _, e := range t.ejects {
		reqs = append(reqs, batchReq{ready: ready + uint64(e.hops)*per, tag: e.tag, ri: e.ri, send: send})
		qn[e.ri]++
	}
	b.reqs = reqs
}

// Arrivals ends the step: it books the ejection ports of tiles for the
// requests Send queued, each port in the order they were queued (as the
// engine-driven launches book it), counts their stall cycles and
// latencies, and appends one sim.Due per request to out — the cycle the
// endpoint receives the packet and the destination's tag — tile by tile:
// tile k's are out[start[k]:start[k+1]] (start has len(tiles)+1
// elements), in the order the engine would deliver them (by cycle; a
// cycle's in sending order). Every port is idle afterwards; requests for
// tiles not listed are dropped.
func (b *Batch) Arrivals(tiles []Tile, out []sim.Due, start []int32) []sim.Due {
	b.layOut()
	w := b.n.w
	got := 0
	for k, t := range tiles {
		start[k] = int32(len(out))
		ri := t.Y*w + t.X
		if q := b.port(ri); len(q) > 0 {
			base := len(out)
			out = b.book(ri, q, out)
			sortDue(out[base:])
			got += len(q)
		}
	}
	start[len(tiles)] = int32(len(out))
	b.endStep(got)
	return out
}

// layOut lays the step's requests out by port (a counting sort, stable:
// a port's stay in the order sent).
func (b *Batch) layOut() {
	pos := int32(0)
	for ri, n := range b.qn {
		b.at[ri] = pos
		pos += n
	}
	b.byPort = slices.Grow(b.byPort[:0], len(b.reqs))[:len(b.reqs)]
	for _, r := range b.reqs {
		b.byPort[b.at[r.ri]] = r
		b.at[r.ri]++
	}
}

// port returns router ri's requests of the step (after layOut), in the
// order sent, and forgets them.
func (b *Batch) port(ri int) []batchReq {
	n := b.qn[ri]
	if n == 0 {
		return nil
	}
	b.qn[ri] = 0
	return b.byPort[b.at[ri]-n : b.at[ri]]
}

// book books router ri's ejection port for its requests q, in order,
// counts their stall cycles and latencies, and appends each delivery to
// out in the same order. The port is idle when the step starts: its first
// request books at once, and the step's bookings live on the stack.
func (b *Batch) book(ri int, q []batchReq, out []sim.Due) []sim.Due {
	f := b.flits
	r := q[0]
	at := r.ready + f - 1
	b.countLatency(at - b.sends[r.send])
	out = append(out, sim.Due{Cycle: at, Tag: r.tag})
	if len(q) == 1 {
		return out
	}
	if len(q) <= busyK && apart(q, f) {
		// No two requests' f cycles overlap and the calendar never fills:
		// each books its own ready cycle, as reserve would find.
		for _, r := range q[1:] {
			at := r.ready + f - 1
			b.countLatency(at - b.sends[r.send])
			out = append(out, sim.Due{Cycle: at, Tag: r.tag})
		}
		return out
	}
	bk := busy{n: 1}
	bk.s[0], bk.e[0] = r.ready, r.ready+f
	var stalls uint64
	for _, r := range q[1:] {
		c := b.sends[r.send]
		var at uint64
		if bk.e[bk.n-1] <= c {
			// reserve's first case: every booking ended by c.
			bk.s[0], bk.e[0], bk.n = r.ready, r.ready+f, 1
			at = r.ready
		} else {
			at = bk.reserve(c, r.ready, f)
		}
		stalls += (at - r.ready) * f
		at += f - 1
		b.countLatency(at - c)
		out = append(out, sim.Due{Cycle: at, Tag: r.tag})
	}
	b.ejStalls[ri] += stalls
	b.stalls += stalls
	return out
}

// serveCand is a port whose endpoint (SetService's k) may end the step
// last: its deliveries are due[at:at+n], and its end is at most up.
type serveCand struct {
	k, at, n int32
	up       sim.Time
}

// apart reports whether no two of q's requests (at most busyK) want
// overlapping spans of f cycles.
func apart(q []batchReq, f uint64) bool {
	for i := 1; i < len(q); i++ {
		for j := range i {
			if q[i].ready < q[j].ready+f && q[j].ready < q[i].ready+f {
				return false
			}
		}
	}
	return true
}

// countLatency counts a delivery d cycles after its packet's launch.
func (b *Batch) countLatency(d uint64) {
	if d < uint64(len(b.lat)) {
		b.lat[d]++
	} else {
		b.latHigh.Add(d)
	}
}

// endStep forgets the step, got of whose requests were booked.
func (b *Batch) endStep(got int) {
	b.prefetchAll()
	for _, ri := range b.srcs {
		b.injFree[ri] = 0
	}
	b.srcs = b.srcs[:0]
	if got != b.queued { // a destination not listed
		clear(b.qn)
	}
	b.queued = 0
	b.reqs, b.sends = b.reqs[:0], b.sends[:0]
}

// SetService describes, for EndStep, the endpoint at each of tiles: it
// processes its deliveries of a step one at a time in order of arrival,
// delivery d for (d's tag >> 32) · unit[k], starting no earlier than the
// step's release plus free[k]. It fails on lists of different lengths or
// a tile outside the network.
func (b *Batch) SetService(tiles []Tile, free, unit []sim.Time) error {
	if len(free) != len(tiles) || len(unit) != len(tiles) {
		return errors.New("noc: SetService with lists of different lengths")
	}
	for _, t := range tiles {
		if !b.n.Contains(t) {
			return errors.New("noc: SetService with a tile outside the network")
		}
	}
	b.svcTiles, b.svcFree, b.svcUnit = tiles, free, unit
	b.svcRecv, b.svcPay = make([]uint64, len(tiles)), make([]uint64, len(tiles))
	return nil
}

// EndStep ends the step released at now, booking the ports as Arrivals
// does, and lets the endpoints of SetService's tiles process their
// deliveries (a cycle's deliveries in any order: the end is the same). It
// returns the latest time an endpoint's work ends (now when nothing was
// delivered) and the number of distinct cycles deliveries fall in.
func (b *Batch) EndStep(now sim.Time) (sim.Time, uint64) {
	b.layOut()
	w := b.n.w
	slot := b.n.period
	base := uint64(now / slot)
	latest := now
	got := 0
	// The step's delivery cycles, marked in place (cycleSet.mark without
	// its bookkeeping per delivery).
	cs := &b.cycles
	seen, hi := cs.seen, cs.hi
	d := b.due[:0] // the deliveries of ports with several, port by port
	// The queued prefetches, pfRun lines every pfRun tiles: a whole step's
	// at once would fill the processor's miss queue and stall.
	for k, t := range b.svcTiles {
		if k%pfRun == 0 {
			b.prefetchLines()
		}
		ri := t.Y*w + t.X
		q := b.port(ri)
		if len(q) == 0 {
			continue
		}
		got += len(q)
		busy, unit := now+b.svcFree[k], b.svcUnit[k]
		if len(q) == 1 {
			// One delivery: the idle port takes it at once.
			r := q[0]
			at := r.ready + b.flits - 1
			b.countLatency(at - b.sends[r.send])
			p := uint64(r.tag >> 32)
			latest = max(latest, max(sim.Time(at)*slot, busy)+sim.Time(p)*unit)
			if o := at - base; o < uint64(len(seen)) {
				seen[o] = 1
				hi = max(hi, o)
			} else {
				cs.hi = hi
				cs.mark(o)
				seen, hi = cs.seen, cs.hi
			}
			b.svcRecv[k]++
			b.svcPay[k] += p
			continue
		}
		// Book the port and bound its endpoint's end: at least the work
		// after its updates, and the last arrival's own; at most the
		// latest of the two starts plus all the work. Only a port whose
		// bound exceeds every port's certain end needs its deliveries
		// sorted and served one by one (below): the others cannot hold
		// the step's latest end.
		at0 := len(d)
		d = b.book(ri, q, d)
		var pay, last, lastPay uint64
		for _, r := range d[at0:] {
			p := uint64(r.Tag >> 32)
			pay += p
			if r.Cycle >= last { // a port's deliveries fall in distinct cycles
				last, lastPay = r.Cycle, p
			}
			if o := r.Cycle - base; o < uint64(len(seen)) {
				seen[o] = 1
				hi = max(hi, o)
			} else {
				cs.hi = hi
				cs.mark(o)
				seen, hi = cs.seen, cs.hi
			}
		}
		b.svcRecv[k] += uint64(len(q))
		b.svcPay[k] += pay
		lo := max(busy+sim.Time(pay)*unit, sim.Time(last)*slot+sim.Time(lastPay)*unit)
		latest = max(latest, lo)
		if up := max(busy, sim.Time(last)*slot) + sim.Time(pay)*unit; up > latest {
			b.cand = append(b.cand, serveCand{k: int32(k), at: int32(at0), n: int32(len(q)), up: up})
		}
	}
	b.due = d
	for _, c := range b.cand {
		if c.up <= latest {
			continue
		}
		// In order of arrival (sortDue: a cycle's in sending order).
		dd := d[c.at : c.at+c.n]
		sortDue(dd)
		busy, unit := now+b.svcFree[c.k], b.svcUnit[c.k]
		for _, r := range dd {
			busy = max(sim.Time(r.Cycle)*slot, busy) + sim.Time(uint64(r.Tag>>32))*unit
		}
		latest = max(latest, busy)
	}
	b.cand = b.cand[:0]
	cs.hi = hi
	cs.marked = cs.marked || got > 0
	b.endStep(got)
	return latest, cs.count()
}

// Received returns how many deliveries SetService's tile k received in the
// steps EndStep ended, and the sum of their tags >> 32.
func (b *Batch) Received(k int) (deliveries, payload uint64) {
	return b.svcRecv[k], b.svcPay[k]
}

// cycleSet counts distinct cycles (from a step's first): 1 at each one
// marked (the length a multiple of 8), the latest, whether any, and a
// list for those too far for the array.
type cycleSet struct {
	seen   []uint8
	hi     uint64
	marked bool
	far    []uint64
}

// maxCycleSet bounds the cycleSet array; later cycles are counted by
// sorting.
const maxCycleSet = 1 << 22

// mark adds cycle o.
func (s *cycleSet) mark(o uint64) {
	if o < uint64(len(s.seen)) {
		s.seen[o] = 1 // a plain store: no read-modify-write chain
		s.hi = max(s.hi, o)
		s.marked = true
		return
	}
	s.markFar(o)
}

// markFar is mark for a cycle beyond the array: it grows the array, or
// keeps cycles too far for it in a list.
func (s *cycleSet) markFar(o uint64) {
	if o >= maxCycleSet {
		s.far = append(s.far, o)
		return
	}
	n := max(2*len(s.seen), int(o)+1, 4096)
	n = (n + 7) &^ 7
	s.seen = append(s.seen, make([]uint8, n-len(s.seen))...)
	s.mark(o)
}

// count returns the number of distinct cycles marked and empties the set.
func (s *cycleSet) count() uint64 {
	var n int
	if s.marked {
		end := (int(s.hi) + 8) &^ 7
		seen := s.seen[:end]
		for k := 0; k < end; k += 8 {
			n += bits.OnesCount64(binary.LittleEndian.Uint64(seen[k:])) // bytes of 0 or 1
		}
		clear(seen)
		s.hi, s.marked = 0, false
	}
	if len(s.far) > 0 {
		slices.Sort(s.far)
		n += len(slices.Compact(s.far))
		s.far = s.far[:0]
	}
	return uint64(n)
}

// sortDue sorts dues by cycle, keeping the order of a cycle's (insertion
// sort: a port receives a handful per step, mostly in order).
func sortDue(p []sim.Due) {
	for k := 1; k < len(p); k++ {
		r := p[k]
		j := k
		for j > 0 && p[j-1].Cycle > r.Cycle {
			p[j] = p[j-1]
			j--
		}
		p[j] = r
	}
}

// MergeBatch adds b's counts into the network's statistics (as Inject
// and the deliveries count them) and zeroes them in b.
func (n *Network) MergeBatch(b *Batch) {
	if b.n != n {
		panic("noc: MergeBatch with a batch of another network")
	}
	f := b.flits
	st := &n.stats
	for id, u := range b.uses {
		if u == 0 {
			continue
		}
		t := n.trees[id]
		k := uint64(len(t.ejects))
		n.nextID += u
		st.packetsInjected += u
		st.flitsInjected += u * f
		st.hopsX += t.hopsX * u * f
		st.hopsY += t.hopsY * u * f
		st.packetsDelivered += k * u
		st.flitsDelivered += k * u * f
		st.hopSum += t.hopSum * u
		t.uses += u * f
		t.ejUses += u * f
		b.uses[id] = 0
	}
	for d, k := range b.lat {
		if k != 0 {
			st.latency.addN(uint64(d), k)
			b.lat[d] = 0
		}
	}
	st.latency.Merge(&b.latHigh)
	b.latHigh.Reset()
	for ri, s := range b.ejStalls {
		n.ejStalls[ri] += s
		b.ejStalls[ri] = 0
	}
	st.stalls += b.stalls
	b.stalls = 0
}
