package noc

import (
	"fmt"
	"math/bits"

	"github.com/neurosim/neurosim/sim"
)

// maxVC is the number of virtual channels per port on a torus (one on a mesh).
const maxVC = 2

// flitEntry is one flit in an input buffer. It enters the buffer when it
// leaves the upstream router (the link latency is folded into ready) and may
// leave at cycle ready = departure upstream + link + pipeline.
type flitEntry struct {
	pkt   *Packet
	ready uint64
}

// ring is a fixed-capacity FIFO of flits: one input buffer (one VC of one port).
type ring struct {
	buf     []flitEntry
	head, n int
}

func (q *ring) push(e flitEntry) {
	if q.n == len(q.buf) {
		ringOverflow(len(q.buf))
	}
	i := q.head + q.n
	if i >= len(q.buf) {
		i -= len(q.buf)
	}
	q.buf[i] = e
	q.n++
}

func (q *ring) at(k int) *flitEntry {
	i := q.head + k
	if i >= len(q.buf) {
		i -= len(q.buf)
	}
	return &q.buf[i]
}

func (q *ring) pop() {
	q.buf[q.head] = flitEntry{}
	q.head++
	if q.head == len(q.buf) {
		q.head = 0
	}
	q.n--
}

// ringOverflow panics on a full input buffer; kept out of push so that push
// inlines.
func ringOverflow(n int) {
	panic(fmt.Sprintf("noc: input buffer overflow (%d flits): credit flow control broken", n))
}

// cycleQ is a FIFO of credit arrival cycles for one output VC.
type cycleQ struct {
	t       []uint64
	head, n int
}

func (q *cycleQ) push(c uint64) {
	if q.n == len(q.t) {
		panic("noc: more credits in flight than buffer slots")
	}
	i := q.head + q.n
	if i >= len(q.t) {
		i -= len(q.t)
	}
	q.t[i] = c
	q.n++
}

// branch is one output a packet at the head of an input VC must take; a
// unicast packet has one, a multicast packet one per direction of its tree
// at this router.
type branch struct {
	pkt  *Packet // the packet sent on this branch (the original or a copy)
	sent int     // flits already forwarded
	out  Port
	vc   uint8
	vct  bool // multicast: the head needs credits for the whole packet
}

// inVC is one virtual channel of one input port.
type inVC struct {
	ring
	routed bool
	copied bool // branches carry copies; cur is freed when all are done
	nb     int
	br     [numPorts]branch
	brOf   [numPorts]int8 // out port → branch index, −1 if none
	popped int            // flits of cur already removed from the buffer
	cur    *Packet
}

// outPort is one output port and the link behind it.
type outPort struct {
	credits [maxVC]int
	cq      [maxVC]cycleQ
	lock    [maxVC]int8 // input VC index holding this output VC, −1 if free
	// starved marks an output VC a request found without credits while none
	// was in flight: the next credit pushed back wakes the router.
	starved [maxVC]bool
	rr      int // input VC index that won last
	down    *router
	downID  int // index of the downstream router
	downIn  int // input port at the downstream router
	flits   uint64
	stalls  uint64
}

// router is one router with its tile's source queue and local ports.
type router struct {
	// read by every evaluation: first, beside the first input VCs
	n        *Network
	active   uint16 // input VCs holding flits
	credQ    uint16 // output VCs (port·maxVC+vc) with credits in flight
	refused  bool   // an Inject was refused since the queue was last drained
	flits    int    // flits held in the input buffers
	id       int    // index of the router (and its tile)
	wakeMask uint64 // n.wakeMask: wakeAt's index mask
	wakeAt   []uint64
	src      pktQueue
	in       [numPorts * maxVC]inVC // index vc·numPorts + port
	out      [numPorts]outPort
	tile     Tile
	srcSent  int    // flits of the source queue's head packet already fed
	injFree  uint64 // first cycle the injection channel is free
	ep       Endpoint
	srcTail  []uint64 // packet model with a bounded source queue: cycle each queued packet's tail enters
}

// init sets up router id. Its buffers and credit queues are cut from slabs
// shared by all routers, so one router's state lies close together.
func (r *router) init(n *Network, id int, wakeAt []uint64, flits []flitEntry, credits []uint64) {
	r.n = n
	r.id = id
	r.tile = Tile{X: id % n.w, Y: id / n.w}
	r.wakeAt = wakeAt
	r.wakeMask = n.wakeMask
	b := n.bufFlits
	for v := range n.vcs {
		for p := range numPorts {
			r.in[v*numPorts+p].buf = flits[:b:b]
			flits = flits[b:]
		}
	}
	for p := range numPorts - 1 {
		for v := range n.vcs {
			r.out[p].cq[v].t = credits[:b:b]
			credits = credits[b:]
		}
	}
	for i := range r.in {
		for j := range r.in[i].brOf {
			r.in[i].brOf[j] = -1
		}
	}
	for p := range r.out {
		for v := range maxVC {
			r.out[p].lock[v] = -1
		}
	}
}

// neighbour returns the tile across the link leaving t by port p.
func (n *Network) neighbour(t Tile, p Port) (Tile, bool) {
	switch p {
	case East:
		t.X++
	case West:
		t.X--
	case North:
		t.Y++
	case South:
		t.Y--
	default:
		return t, false
	}
	if n.torus {
		t.X = (t.X + n.w) % n.w
		t.Y = (t.Y + n.h) % n.h
	}
	return t, n.Contains(t)
}

func (r *router) connect() {
	n := r.n
	for p := East; p < Local; p++ {
		nb, ok := n.neighbour(r.tile, p)
		if !ok {
			continue
		}
		o := &r.out[p]
		o.down = &n.routers[n.index(nb)]
		o.downID = n.index(nb)
		o.downIn = int(opposite(p))
		for v := range n.vcs {
			o.credits[v] = n.bufFlits
		}
	}
}

// wake makes sure the router evaluates at cycle c (at most once per cycle).
// Wakes go into the network's timing wheel; the wheel asks the engine for
// one event per cycle in which any router has work.
func (r *router) wake(c uint64) {
	if r.wakeAt[c&r.wakeMask] != c+1 {
		r.wakeSlow(c)
	}
}

// wakeSlow records a wake not yet recorded for cycle c.
func (r *router) wakeSlow(c uint64) {
	n := r.n
	r.wakeAt[c&n.wakeMask] = c + 1
	sl := &n.wheel[c&n.wakeMask]
	sl.routers = append(sl.routers, r)
	if sl.event != c+1 && !(n.busy && c == n.cur) {
		sl.event = c + 1
		n.sched.Schedule(sim.Event{Time: sim.Time(c) * n.period, Handler: n, A: int64(c)})
	}
}

// markWoken records router r as woken for cycle c, as wake does, without
// putting it on the cycle's list: the engine event of the cycle is scheduled
// if it was not (so the engine's event count does not depend on the
// skipped evaluation) and later wakes of r for c are absorbed. Only for an
// evaluation known to do nothing (Inject in single-flit mode).
func (r *router) markWoken(c uint64) {
	n := r.n
	if r.wakeAt[c&n.wakeMask] == c+1 {
		return
	}
	r.wakeAt[c&n.wakeMask] = c + 1
	sl := &n.wheel[c&n.wakeMask]
	if sl.event != c+1 && !(n.busy && c == n.cur) {
		sl.event = c + 1
		n.sched.Schedule(sim.Event{Time: sim.Time(c) * n.period, Handler: n, A: int64(c)})
	}
}

// eval runs one router cycle in two phases: every request is collected from
// the state at the start of the cycle, then the winners move. Nothing another
// router does in the same cycle is visible: flits and credits carry at least
// one cycle of latency.
func (r *router) eval(c uint64) {
	n := r.n
	// Credits that have arrived by now become usable.
	for m := r.credQ; m != 0; m &= m - 1 {
		j := bits.TrailingZeros16(m)
		o := &r.out[j/maxVC]
		v := j % maxVC
		q := &o.cq[v]
		for q.n > 0 && q.t[q.head] <= c {
			o.credits[v]++
			q.head++
			if q.head == len(q.t) {
				q.head = 0
			}
			q.n--
		}
		if q.n == 0 {
			r.credQ &^= 1 << j
		}
	}

	// Phase 1: requests.
	var reqs [numPorts]uint16
	var outs uint8
	for m := r.active; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		v := &r.in[i]
		if !v.routed {
			if v.at(0).ready > c {
				continue
			}
			r.route(i, v)
		}
		for b := 0; b < v.nb; b++ {
			br := &v.br[b]
			k := br.sent - v.popped
			if br.sent >= v.cur.Flits || k >= v.n || v.at(k).ready > c {
				continue
			}
			reqs[br.out] |= 1 << i
			outs |= 1 << br.out
		}
	}

	// Phase 2: one winner per output, round-robin over input VCs.
	var deliver *Packet
	var moved uint16
	const nin = numPorts * maxVC
	for ; outs != 0; outs &= outs - 1 {
		p := Port(bits.TrailingZeros8(outs))
		req := uint32(reqs[p])
		o := &r.out[p]
		// Visit requesters in round-robin order: rotate so that the input
		// VC after the last winner comes first. The first eligible one wins.
		sh := uint(o.rr + 1)
		var rot uint32
		if req&(req-1) == 0 {
			// One requester (the common case): no rotation needed; the
			// index computed below from rot is again the requester's.
			rot, sh = req, 0
		} else {
			rot = (req>>sh | req<<(nin-sh)) & (1<<nin - 1)
		}
		win := -1
		var winBr *branch
		for ; rot != 0; rot &= rot - 1 {
			i := bits.TrailingZeros32(rot) + int(sh)
			if i >= nin {
				i -= nin
			}
			v := &r.in[i]
			br := &v.br[v.brOf[p]]
			vc := br.vc
			if br.sent == 0 && o.lock[vc] >= 0 {
				continue // the output VC carries another packet; its tail wakes us
			}
			if p != Local {
				need := 1
				if br.sent == 0 && br.vct {
					need = v.cur.Flits
				}
				if o.credits[vc] < need {
					if q := &o.cq[vc]; q.n > 0 {
						r.wake(q.t[q.head])
					} else {
						o.starved[vc] = true
					}
					continue
				}
			}
			if win >= 0 {
				r.wake(c + 1) // an eligible loser retries next cycle
				break
			}
			win, winBr = i, br
		}
		if win >= 0 {
			if d := r.move(c, p, o, win, &r.in[win], winBr); d != nil {
				deliver = d
			}
			moved |= 1 << win
		}
	}

	// Pop the flits every branch has forwarded and return their credits.
	for m := moved; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		r.drain(c, i, &r.in[i])
	}

	if deliver != nil {
		r.deliver(c, deliver)
	}
	r.feed(c)
	if r.refused && (n.srcCap == 0 || r.src.len() < n.srcCap) {
		r.refused = false
		if w, ok := r.ep.(InjectWaker); ok {
			w.InjectReady(r.tile)
		}
	}
}

// move forwards the next flit of branch br from input VC i through output p
// at cycle c. It returns the packet when its tail left by the local port.
func (r *router) move(c uint64, p Port, o *outPort, i int, v *inVC, br *branch) *Packet {
	n := r.n
	e := v.at(br.sent - v.popped)
	stall := c - e.ready
	o.stalls += stall
	n.stats.stalls += stall
	o.rr = i
	head := br.sent == 0
	// Every branch carries cur's flit count. A branch never reads its own
	// packet after the tail has gone: a copy may be delivered and recycled
	// downstream while sibling branches still wait here.
	pkt := br.pkt
	tail := br.sent == v.cur.Flits-1
	if tail {
		br.pkt = nil
	}
	idx := br.sent
	br.sent++
	if k := br.sent - v.popped; !tail && k < v.n {
		r.wake(max(c+1, v.at(k).ready)) // the next flit of this branch is waiting
	}
	vc := br.vc
	switch {
	case head && !tail:
		o.lock[vc] = int8(i)
	case tail && !head:
		o.lock[vc] = -1
		if r.flits > 1 {
			r.wake(c + 1) // a head may have waited for this output VC
		}
	}
	o.flits++
	if p == Local {
		n.stats.flitsDelivered++
		if tail {
			return pkt
		}
		return nil
	}
	o.credits[vc]--
	if head {
		pkt.Hops++
	}
	if p <= West {
		n.stats.hopsX++
	} else {
		n.stats.hopsY++
	}
	d := o.down
	ready := c + n.link + n.pipe
	j := int(vc)*numPorts + o.downIn
	d.in[j].push(flitEntry{pkt: pkt, ready: ready})
	d.active |= 1 << j
	d.flits++
	d.wake(ready)
	if n.NumHooks() > 0 {
		n.hookHop = FlitHop{From: r.tile, Out: p, VC: int(vc), Flit: idx}
		n.InvokeHook(sim.HookCtx{Domain: n, Pos: HookPosFlit, Now: n.sched.Now(), Item: pkt, Detail: &n.hookHop})
	}
	return nil
}

// drain removes from input VC i the flits all its branches have forwarded,
// returning a credit upstream for each, and retires a finished packet.
func (r *router) drain(c uint64, i int, v *inVC) {
	if !v.routed {
		return
	}
	n := r.n
	minSent := v.br[0].sent
	for b := 1; b < v.nb; b++ {
		minSent = min(minSent, v.br[b].sent)
	}
	port := Port(i % numPorts)
	for v.popped < minSent {
		v.pop()
		v.popped++
		r.flits--
		if port != Local {
			up := r.out[port].down // the link is bidirectional: out[port] leads to the sender
			uo := &up.out[opposite(port)]
			vc := i / numPorts
			uo.cq[vc].push(c + n.link)
			up.credQ |= 1 << (int(opposite(port))*maxVC + vc)
			if uo.starved[vc] {
				uo.starved[vc] = false
				up.wake(c + n.link)
			}
		}
	}
	if v.popped == v.cur.Flits {
		if v.copied {
			n.free(v.cur)
			n.inFlight--
		}
		for b := 0; b < v.nb; b++ {
			v.brOf[v.br[b].out] = -1
			v.br[b] = branch{}
		}
		v.nb = 0
		v.routed, v.copied, v.popped, v.cur = false, false, 0, nil
		if v.n > 0 {
			r.wake(max(c+1, v.at(0).ready))
		}
	}
	if v.n == 0 {
		r.active &^= 1 << i
	}
}

// deliver hands a packet whose tail left the local port to the endpoint.
func (r *router) deliver(c uint64, p *Packet) {
	n := r.n
	lat := c - p.injCycle
	n.stats.packetsDelivered++
	n.stats.hopSum += uint64(p.Hops)
	n.stats.latency.Add(lat)
	n.inFlight--
	p.Dst = r.tile
	if n.NumHooks() > 0 {
		n.hookDel = Delivery{Latency: lat}
		n.InvokeHook(sim.HookCtx{Domain: n, Pos: HookPosDeliver, Now: n.sched.Now(), Item: p, Detail: &n.hookDel})
	}
	if r.ep != nil {
		r.ep.Deliver(p)
	}
	n.free(p)
}

// feed moves one flit per cycle from the source queue into the local input
// buffer when it has room. The flit is ready pipe cycles later.
func (r *router) feed(c uint64) {
	if r.injFree > c || r.src.len() == 0 {
		return
	}
	const i = int(Local) // VC 0
	v := &r.in[i]
	if v.n == len(v.buf) {
		return // room frees when a local flit leaves; drain then feeds again
	}
	p := r.src.front()
	ready := c + r.n.pipe
	v.push(flitEntry{pkt: p, ready: ready})
	r.active |= 1 << i
	r.flits++
	r.wake(ready)
	r.injFree = c + 1
	r.srcSent++
	if r.srcSent == p.Flits {
		r.src.pop()
		r.srcSent = 0
	}
	if r.src.len() > 0 {
		r.wake(c + 1)
	}
}

// pktQueue is an unbounded FIFO of packets (the source queue).
type pktQueue struct {
	buf     []*Packet
	head, n int
}

func (q *pktQueue) len() int { return q.n }

func (q *pktQueue) push(p *Packet) {
	if q.n == len(q.buf) {
		nb := make([]*Packet, max(8, 2*len(q.buf)))
		for k := range q.n {
			nb[k] = q.buf[(q.head+k)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	// head < len and n < len: one conditional subtraction instead of a
	// division (this runs once per injected packet)
	i := q.head + q.n
	if i >= len(q.buf) {
		i -= len(q.buf)
	}
	q.buf[i] = p
	q.n++
}

func (q *pktQueue) front() *Packet { return q.buf[q.head] }

func (q *pktQueue) pop() {
	q.buf[q.head] = nil
	q.head++
	if q.head == len(q.buf) {
		q.head = 0
	}
	q.n--
}
