package noc

import (
	"github.com/neurosim/neurosim/sim"
)

// The packet-level timing model (arch NoC.Model = "packet"). See the
// package documentation, section "Packet model", for what it keeps and what
// it drops. Its state: the future busy intervals of each output port (link
// or ejection port), each tile's injection channel (router.injFree), and a
// wheel of pending deliveries with one engine event per cycle that has any.

// pdelivery is one pending delivery of the packet model, or (pkt nil) a
// reminder to tell tile's endpoint that its source queue has room.
type pdelivery struct {
	pkt  *Packet
	tile int32
	hops int32
	dest int32 // index in the packet's Tree's destinations, −1 without a tree
	tag  int64 // that destination's tag (Tree.SetTags)
}

// pslot holds the deliveries of one cycle (the slot serves every cycle
// congruent to its index modulo the wheel size; a slot never holds two
// cycles, see schedule).
type pslot struct {
	recs  []pdelivery
	event uint64 // cycle+1 of the engine event scheduled for this slot, 0 if none
}

// busyK is how many future busy intervals a port remembers; when a
// reservation would need one more, the two closest neighbours merge (the
// gap between them is given up, so the model can only over-estimate
// waiting, never double-book a port).
const busyK = 4

// busy lists the future busy intervals [s[k], e[k]) of one output port,
// sorted, disjoint and not touching.
type busy struct {
	s, e [busyK]uint64
	n    int
}

// reserve books f cycles on the port in the first idle gap at or after
// ready and returns the first booked cycle. now is the current cycle: no
// later request is ready before it, so intervals ending by now are dropped.
func (b *busy) reserve(now, ready, f uint64) uint64 {
	if b.n == 0 || b.e[b.n-1] <= now {
		// Idle from now on (every interval ends by now): what the general
		// path below does after dropping them all.
		b.s[0], b.e[0], b.n = ready, ready+f, 1
		return ready
	}
	k := 0
	for k < b.n && b.e[k] <= now {
		k++
	}
	if k > 0 {
		// (Loops, not copy: a few elements, and no call.)
		for j := 0; j+k < b.n; j++ {
			b.s[j], b.e[j] = b.s[j+k], b.e[j+k]
		}
		b.n -= k
	}
	// Ready after every booking (the common case): what the search below
	// finds at once, unless a full list must merge first.
	if last := b.e[b.n-1]; ready >= last {
		if last == ready {
			b.e[b.n-1] = ready + f
			return ready
		}
		if b.n < busyK {
			b.s[b.n], b.e[b.n] = ready, ready+f
			b.n++
			return ready
		}
	}
	for {
		t := ready
		pos := b.n
		for k := 0; k < b.n; k++ {
			if t+f <= b.s[k] {
				pos = k
				break
			}
			t = max(t, b.e[k])
		}
		end := t + f
		// Join touching neighbours instead of adding an interval.
		joinPrev := pos > 0 && b.e[pos-1] == t
		joinNext := pos < b.n && b.s[pos] == end
		switch {
		case joinPrev && joinNext:
			b.e[pos-1] = b.e[pos]
			for j := pos; j+1 < b.n; j++ {
				b.s[j], b.e[j] = b.s[j+1], b.e[j+1]
			}
			b.n--
		case joinPrev:
			b.e[pos-1] = end
		case joinNext:
			b.s[pos] = t
		case b.n < busyK:
			for j := b.n; j > pos; j-- {
				b.s[j], b.e[j] = b.s[j-1], b.e[j-1]
			}
			b.s[pos], b.e[pos] = t, end
			b.n++
		default:
			// Full: merge the two neighbours with the smallest gap between
			// them and search again (the merged gap may be the one just
			// found, which is no longer free).
			m, gap := 0, uint64(1<<64-1)
			for k := 0; k+1 < b.n; k++ {
				if g := b.s[k+1] - b.e[k]; g < gap {
					m, gap = k, g
				}
			}
			b.e[m] = b.e[m+1]
			for j := m + 1; j+1 < b.n; j++ {
				b.s[j], b.e[j] = b.s[j+1], b.e[j+1]
			}
			b.n--
			continue
		}
		return t
	}
}

// initPacket sets up the packet model's state.
func (n *Network) initPacket() {
	n.packet = true
	n.initWalk()
	n.ejFlits = make([]uint64, len(n.routers))
	n.ejStalls = make([]uint64, len(n.routers))
	n.linkBusy = make([]busy, len(n.routers)*numPorts)
	n.ejBusy = make([]busy, len(n.routers))
	n.pwheel = make([]pslot, 1024)
	n.pmask = uint64(len(n.pwheel) - 1)
	k := max(n.w, n.h)
	n.treeStart = make([]int, k+1)
	n.treeMark = make([]uint32, k)
}

// launch computes the whole journey of packet p injected at tile r at cycle
// c: it reserves the injection channel, every link of the packet's
// dimension-order path or multicast tree and the ejection port of every
// destination, and queues one delivery per destination.
func (n *Network) launch(r *router, p *Packet, c uint64) {
	f := uint64(p.Flits)
	n.pnow = c
	s := max(c, r.injFree)
	r.injFree = s + f
	if n.srcCap > 0 {
		r.srcTail = append(r.srcTail, s+f-1)
	}
	ready := s + n.pipe // the head may leave the source router
	if p.Tree != nil {
		n.launchTree(ready, p)
		return
	}
	ri := n.index(r.tile)
	if len(p.Dests) == 0 {
		p.pending = 1
		n.unicast(ri, ready, p)
		return
	}
	// Multicast: one delivery per destination; Inject counted the packet
	// once in flight.
	p.pending = len(p.Dests)
	n.inFlight += len(p.Dests) - 1
	n.tree(ri, ready, p)
	p.Dests = p.Dests[:0] // delivered packets carry Dst only, as in the cycle model
}

// unicast walks p's dimension-order path from router ri, where its head is
// ready at cycle ready.
func (n *Network) unicast(ri int, ready uint64, p *Packet) {
	hops := 0
	for {
		o := n.nextPort(n.tileOf[ri], p.Dst)
		if o == Local {
			n.eject(ri, ready, hops, p)
			return
		}
		ready = n.hop(ri, o, ready, p)
		ri = int(n.downOf[ri*numPorts+int(o)])
		hops++
	}
}

// tree walks the multicast tree of p from its source router ri, where the
// head is ready at cycle ready. Under dimension-order routing the tree is a
// trunk along the first dimension (x for xy) through the source, and from
// each trunk router whose line (column for xy) holds destinations a branch
// along the second dimension each way, as far as the farthest destination
// that way. Those are exactly the links the cycle model's routers use
// (splitting the destinations by output port at each router; tested), but
// walking them costs one step per link and per destination instead of one
// per destination at every router of its path.
func (n *Network) tree(ri int, ready uint64, p *Packet) {
	src := n.tileOf[ri]
	ka, kb := n.w, n.h
	pa, na, pb, nb := East, West, North, South
	if n.yx {
		ka, kb = n.h, n.w
		pa, na, pb, nb = North, South, East, West
	}
	// Bucket the destinations by their first-dimension coordinate.
	cs := n.treeStart[:ka+1]
	clear(cs)
	for _, d := range p.Dests {
		cs[n.coordA(d)+1]++
	}
	for x := range ka {
		cs[x+1] += cs[x]
	}
	pos := append(n.treePos[:0], cs[:ka]...)
	n.treePos = pos
	ds := n.treeTmp[:0]
	ds = append(ds, p.Dests...)
	n.treeTmp = ds
	for _, d := range p.Dests {
		x := n.coordA(d)
		ds[pos[x]] = d
		pos[x]++
	}
	sa := n.coordA(src)
	n.branch(ri, ready, 0, ds[cs[sa]:cs[sa+1]], kb, pb, nb, p)
	// The trunk: as far each way as the farthest line with destinations.
	maxP, maxN := 0, 0
	for x := range ka {
		if x == sa || cs[x+1] == cs[x] {
			continue
		}
		if up, d := n.axis(sa, x, ka); up {
			maxP = max(maxP, d)
		} else {
			maxN = max(maxN, d)
		}
	}
	for _, w := range [2]struct {
		port Port
		dist int
	}{{pa, maxP}, {na, maxN}} {
		cur, r := ri, ready
		for k := 1; k <= w.dist; k++ {
			r = n.hop(cur, w.port, r, p)
			cur = int(n.downOf[cur*numPorts+int(w.port)])
			x := n.coordA(n.tileOf[cur])
			if cs[x+1] > cs[x] {
				n.branch(cur, r, k, ds[cs[x]:cs[x+1]], kb, pb, nb, p)
			}
		}
	}
}

// branch delivers to dests, which share router ri's first-dimension
// coordinate, along the second dimension: the head is ready at ri at cycle
// ready after hops links.
func (n *Network) branch(ri int, ready uint64, hops int, dests []Tile, kb int, pb, nb Port, p *Packet) {
	if len(dests) == 0 {
		return
	}
	mark := n.treeMark[:kb]
	n.treeGen++
	if n.treeGen == 0 { // wrapped: forget every stamp
		clear(n.treeMark)
		n.treeGen = 1
	}
	gen := n.treeGen
	hb := n.coordB(n.tileOf[ri])
	maxP, maxN := 0, 0
	for _, d := range dests {
		y := n.coordB(d)
		if y == hb {
			n.eject(ri, ready, hops, p)
			continue
		}
		mark[y] = gen
		if up, dd := n.axis(hb, y, kb); up {
			maxP = max(maxP, dd)
		} else {
			maxN = max(maxN, dd)
		}
	}
	for _, w := range [2]struct {
		port Port
		dist int
	}{{pb, maxP}, {nb, maxN}} {
		if rec := n.rec; rec != nil {
			// NewTree: what hop and eject record, without their timing.
			if w.port <= West {
				rec.hopsX += uint64(w.dist)
			} else {
				rec.hopsY += uint64(w.dist)
			}
			cur := ri
			for k := 1; k <= w.dist; k++ {
				l := cur*numPorts + int(w.port)
				rec.links = append(rec.links, int32(l))
				cur = int(n.downOf[l])
				if mark[n.coordB(n.tileOf[cur])] == gen {
					rec.ejects = append(rec.ejects, treeEject{ri: int32(cur), hops: int32(hops + k)})
					rec.destOf = append(rec.destOf, n.treeDest[cur])
				}
			}
			continue
		}
		cur, r := ri, ready
		for k := 1; k <= w.dist; k++ {
			r = n.hop(cur, w.port, r, p)
			cur = int(n.downOf[cur*numPorts+int(w.port)])
			if mark[n.coordB(n.tileOf[cur])] == gen {
				n.eject(cur, r, hops+k, p)
			}
		}
	}
}

// coordA and coordB return a tile's coordinate in the first and the second
// routing dimension.
func (n *Network) coordA(t Tile) int {
	if n.yx {
		return t.Y
	}
	return t.X
}

func (n *Network) coordB(t Tile) int {
	if n.yx {
		return t.X
	}
	return t.Y
}

// axis returns the direction (true: positive) and the number of links from
// coordinate a to b on a ring or line of k routers, as routing goes: on a
// torus the shorter way, the positive way on a tie. Hence every coordinate
// reached the positive way lies at most k/2 links away, and none reached
// the negative way does: a walk in one direction never passes a coordinate
// that belongs to the other.
func (n *Network) axis(a, b, k int) (bool, int) {
	if !n.torus {
		if b > a {
			return true, b - a
		}
		return false, a - b
	}
	d := b - a
	if d < 0 {
		d += k
	}
	if d <= k-d {
		return true, d
	}
	return false, k - d
}

// hop reserves output o of router ri for p's flits from the first cycle at
// or after ready that the link is free, and returns the cycle the head is
// ready to leave the next router.
func (n *Network) hop(ri int, o Port, ready uint64, p *Packet) uint64 {
	if n.rec != nil {
		n.rec.record(ri, o)
		return ready + n.link + n.pipe
	}
	f := uint64(p.Flits)
	st := ready // analytic: links are not booked
	if !n.analytic {
		st = n.linkBusy[ri*numPorts+int(o)].reserve(n.pnow, ready, f)
	}
	r := &n.routers[ri]
	out := &r.out[o]
	w := (st - ready) * f
	out.flits += f
	out.stalls += w
	n.stats.stalls += w
	if o <= West {
		n.stats.hopsX += f
	} else {
		n.stats.hopsY += f
	}
	if n.NumHooks() > 0 {
		for k := range f {
			n.hookHop = FlitHop{From: r.tile, Out: o, VC: 0, Flit: int(k)}
			n.InvokeHook(sim.HookCtx{Domain: n, Pos: HookPosFlit, Now: sim.Time(st+k) * n.period, Item: p, Detail: &n.hookHop})
		}
	}
	return st + n.link + n.pipe
}

// eject reserves the local port of router ri for p and queues the delivery
// at the cycle its tail leaves.
func (n *Network) eject(ri int, ready uint64, hops int, p *Packet) {
	if n.rec != nil {
		n.rec.ejects = append(n.rec.ejects, treeEject{ri: int32(ri), hops: int32(hops)})
		n.rec.destOf = append(n.rec.destOf, n.treeDest[ri])
		return
	}
	n.ejectDest(ri, ready, hops, -1, 0, p)
}

// ejectDest is eject for the destination of index dest and tag tag in p's
// Tree (−1 and 0: the packet has no tree).
func (n *Network) ejectDest(ri int, ready uint64, hops int, dest int32, tag int64, p *Packet) {
	f := uint64(p.Flits)
	st := n.ejBusy[ri].reserve(n.pnow, ready, f)
	w := (st - ready) * f
	// Counted in compact arrays (flushCounts adds them to the routers'
	// ejection ports): a router struct is kilobytes, a miss per delivery.
	n.ejFlits[ri] += f
	n.ejStalls[ri] += w
	n.stats.stalls += w
	n.schedule(st+f-1, pdelivery{pkt: p, tile: int32(ri), hops: int32(hops), dest: dest, tag: tag})
}

// schedule queues d for cycle c (c is at or after the current cycle and
// after every cycle being handled). A slot only ever holds one cycle: every
// queued cycle lies in [now, now+len(wheel)), so two of them congruent
// modulo the wheel size are equal. A cycle further ahead grows the wheel.
func (n *Network) schedule(c uint64, d pdelivery) {
	now := uint64(n.sched.Now() / n.period)
	for c-now >= uint64(len(n.pwheel)) {
		n.growWheel()
	}
	sl := &n.pwheel[c&n.pmask]
	sl.recs = append(sl.recs, d)
	if sl.event != c+1 {
		sl.event = c + 1
		n.sched.Schedule(sim.Event{Time: sim.Time(c) * n.period, Handler: n})
	}
}

// growWheel doubles the delivery wheel, moving each slot to the index of
// its cycle.
func (n *Network) growWheel() {
	old := n.pwheel
	n.pwheel = make([]pslot, 2*len(old))
	n.pmask = uint64(len(n.pwheel) - 1)
	for _, sl := range old {
		if sl.event != 0 {
			n.pwheel[(sl.event-1)&n.pmask] = sl
		}
	}
}

// handlePacket delivers everything queued for the cycle of e, in the order
// it was queued.
func (n *Network) handlePacket(e sim.Event) {
	c := uint64(e.Time / n.period)
	sl := &n.pwheel[c&n.pmask]
	if sl.event != c+1 {
		return
	}
	sl.event = 0
	recs := sl.recs
	sl.recs = nil // an endpoint may inject (and grow the wheel) while we deliver
	for k := range recs {
		d := recs[k]
		if d.pkt == nil {
			n.srcRoom(&n.routers[d.tile], c)
			continue
		}
		n.deliverPacket(c, d)
	}
	clear(recs)
	if sl := &n.pwheel[c&n.pmask]; sl.recs == nil {
		sl.recs = recs[:0]
	}
}

// deliverPacket hands one destination's copy of a packet to its endpoint.
// The packet is shared by its destinations: Dst and Hops are set for each
// delivery, and it returns to the pool after the last.
func (n *Network) deliverPacket(c uint64, d pdelivery) {
	p := d.pkt
	lat := c - p.injCycle
	n.stats.packetsDelivered++
	n.stats.flitsDelivered += uint64(p.Flits)
	n.stats.hopSum += uint64(d.hops)
	n.stats.latency.Add(lat)
	n.inFlight--
	p.Dst = n.tileOf[d.tile]
	p.Hops = int(d.hops)
	p.DestIndex = int(d.dest)
	p.DestTag = d.tag
	if n.NumHooks() > 0 {
		n.hookDel = Delivery{Latency: lat}
		n.InvokeHook(sim.HookCtx{Domain: n, Pos: HookPosDeliver, Now: n.sched.Now(), Item: p, Detail: &n.hookDel})
	}
	if ep := n.eps[d.tile]; ep != nil {
		ep.Deliver(p)
	}
	p.pending--
	if p.pending == 0 {
		n.free(p)
	}
}

// srcQueued returns how many packets wait in tile r's source queue at cycle
// c under the packet model: those whose tail has not entered the local
// input buffer by c.
func (r *router) srcQueued(c uint64) int {
	k := 0
	for k < len(r.srcTail) && r.srcTail[k] <= c {
		k++
	}
	if k > 0 {
		r.srcTail = append(r.srcTail[:0], r.srcTail[k:]...)
	}
	return len(r.srcTail)
}

// refuse records that tile r refused an Inject at cycle c and queues a
// reminder for the cycle after the oldest queued packet's tail enters the
// network.
func (n *Network) refuse(r *router, c uint64) {
	if !r.refused {
		n.schedule(r.srcTail[0]+1, pdelivery{tile: int32(n.index(r.tile)), dest: -1})
	}
	r.refused = true
}

// srcRoom tells r's endpoint that its source queue has room, if it refused
// an Inject and has room now; otherwise it waits for the next queued tail.
func (n *Network) srcRoom(r *router, c uint64) {
	if !r.refused {
		return
	}
	if r.srcQueued(c) >= n.srcCap {
		n.schedule(r.srcTail[0]+1, pdelivery{tile: int32(n.index(r.tile)), dest: -1})
		return
	}
	r.refused = false
	if w, ok := r.ep.(InjectWaker); ok {
		w.InjectReady(r.tile)
	}
}
