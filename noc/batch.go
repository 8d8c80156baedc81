package noc

import (
	"errors"
	"slices"

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
	queued   int      // requests queued in the step
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
	nr := len(n.routers)
	return &Batch{n: n, flits: uint64(n.spikeFlits), injFree: make([]uint64, nr),
		qn: make([]int32, nr), at: make([]int32, nr), lat: make([]uint64, batchLatMax), ejStalls: make([]uint64, nr),
		uses: make([]uint64, len(n.trees))}, nil
}

// Send launches a spike packet along t, injected in NoC cycle c (CycleOf),
// and queues each destination's request for its ejection port. Calls of a
// step must come in the engine's order of the injections (time, then
// scheduling order). A tree of several destinations needs a multicast NoC
// (Inject walks it otherwise). It panics on a tree of another network or
// newer than the batch (programming errors).
func (b *Batch) Send(c uint64, t *Tree) {
	if t.net != b.n || int(t.id) >= len(b.uses) {
		panic("noc: Batch.Send with a tree of another network or made after the batch")
	}
	src := t.src.Y*b.n.w + t.src.X
	if b.injFree[src] == 0 {
		b.srcs = append(b.srcs, int32(src))
	}
	s := max(c, b.injFree[src])
	b.injFree[src] = s + b.flits
	b.uses[t.id]++
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
	f := b.flits
	lat := b.lat
	w := b.n.w
	first := len(out)
	// Lay the requests out by port (a counting sort, stable: a port's
	// stay in the order sent).
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
	for k, t := range tiles {
		start[k] = int32(len(out))
		ri := t.Y*w + t.X
		if b.qn[ri] == 0 {
			continue
		}
		n := b.qn[ri]
		q := b.byPort[b.at[ri]-n : b.at[ri]]
		b.qn[ri] = 0
		// The port is idle when the step starts: its first request books
		// at once, and the step's bookings live on the stack.
		r := q[0]
		at := r.ready + f - 1
		if d := at - b.sends[r.send]; d < uint64(len(lat)) {
			lat[d]++
		} else {
			b.latHigh.Add(d)
		}
		out = append(out, sim.Due{Cycle: at, Tag: r.tag})
		if len(q) == 1 {
			continue
		}
		bk := busy{n: 1}
		bk.s[0], bk.e[0] = r.ready, r.ready+f
		var stalls uint64
		base := len(out) - 1
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
			if d := at - b.sends[r.send]; d < uint64(len(lat)) {
				lat[d]++
			} else {
				b.latHigh.Add(d)
			}
			out = append(out, sim.Due{Cycle: at, Tag: r.tag})
		}
		b.ejStalls[ri] += stalls
		b.stalls += stalls
		sortDue(out[base:])
	}
	start[len(tiles)] = int32(len(out))
	for _, ri := range b.srcs {
		b.injFree[ri] = 0
	}
	b.srcs = b.srcs[:0]
	if len(out)-first != b.queued { // a destination not listed
		clear(b.qn)
	}
	b.queued = 0
	b.reqs, b.sends = b.reqs[:0], b.sends[:0]
	return out
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
