package noc

import (
	"math/bits"

	"github.com/neurosim/neurosim/sim"
)

// The single-flit evaluation. On a mesh (one virtual channel) whose packets
// have all been one flit long, a router cycle does exactly what eval does
// with most of its generality gone: a flit is head and tail at once, so no
// output VC is ever locked, a branch has sent either nothing or the packet,
// and a multicast branch needs one credit like any other. All requesters of
// an output then share the output's credit count: either none of them is
// eligible or the first in round-robin order wins. evalSingle keeps every
// piece of router state as eval does (so a network can fall back to eval at
// any cycle, which it does for good when a longer packet is injected) and
// makes the same wakes, statistics, hooks and deliveries in the same order;
// TestSingleFlitMatchesGeneral compares the two on random traffic.

// evalSingle is eval for a network in single-flit mode.
func (r *router) evalSingle(c uint64) {
	if m := r.active; m != 0 && m&(m-1) == 0 && r.evalOne(c, bits.TrailingZeros16(m)) {
		return
	}
	n := r.n
	// Phase 1: requests. A routed head is ready; its unsent branches request.
	var reqs [numPorts]uint16
	var outs uint8
	for m := r.active; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		v := &r.in[i]
		if !v.routed {
			e := &v.buf[v.head]
			if e.ready > c {
				continue
			}
			p := e.pkt
			if len(p.Dests) == 0 {
				// unicast: route inline (mesh: VC 0)
				var o Port
				if n.rt != nil {
					o = n.rt[r.id*len(n.routers)+p.Dst.Y*n.w+p.Dst.X]
				} else {
					o = n.computePort(r.tile, p.Dst)
				}
				v.cur, v.popped, v.routed, v.copied = p, 0, true, false
				v.br[0] = branch{pkt: p, out: o}
				v.brOf[o] = 0
				v.nb = 1
				reqs[o] |= 1 << i
				outs |= 1 << o
				continue
			}
			r.route(i, v)
		}
		for b := 0; b < v.nb; b++ {
			if br := &v.br[b]; br.sent == 0 {
				reqs[br.out] |= 1 << i
				outs |= 1 << br.out
			}
		}
	}

	// Phase 2: one winner per output, the first requester after the last
	// winner in round-robin order, if the output has a credit.
	var deliver *Packet
	var moved uint16
	for ; outs != 0; outs &= outs - 1 {
		p := Port(bits.TrailingZeros8(outs))
		req := reqs[p]
		o := &r.out[p]
		if p != Local && o.credits[0] < 1 {
			// Credits that have arrived by now become usable. Only an
			// arbitration reads them, so they are taken here, when an
			// output without credits is requested, rather than at the
			// start of every cycle as eval does; credQ stays exact for eval.
			r.takeCredits(c, p, o)
		}
		if p != Local && o.credits[0] < 1 {
			// no requester is eligible (each would do the same)
			if q := &o.cq[0]; q.n > 0 {
				r.wake(q.t[q.head])
			} else {
				o.starved[0] = true
			}
			continue
		}
		win := bits.TrailingZeros16(req)
		if after := req >> uint(o.rr+1) << uint(o.rr+1); after != 0 {
			win = bits.TrailingZeros16(after)
		}
		if req&(req-1) != 0 {
			r.wake(c + 1) // an eligible loser retries next cycle
		}
		moved |= 1 << win
		// move the packet (head and tail) of input win through p
		v := &r.in[win]
		br := &v.br[v.brOf[p]]
		stall := c - v.buf[v.head].ready
		o.stalls += stall
		n.stats.stalls += stall
		o.rr = win
		pkt := br.pkt
		br.pkt = nil
		br.sent = 1
		o.flits++
		if p == Local {
			n.stats.flitsDelivered++
			deliver = pkt
			continue
		}
		r.sendDown(o, p, pkt, c)
	}

	// Pop the packets every branch has forwarded, return their credits and
	// retire them.
	for m := moved; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		v := &r.in[i]
		if v.nb > 1 {
			done := true
			for b := 0; b < v.nb; b++ {
				if v.br[b].sent == 0 {
					done = false
					break
				}
			}
			if !done {
				continue
			}
		} // else its one branch has just been sent
		v.pop()
		r.flits--
		if port := Port(i); port != Local {
			r.returnCredit(c, port)
		}
		if v.copied {
			n.free(v.cur)
			n.inFlight--
		}
		if v.nb == 1 {
			v.brOf[v.br[0].out] = -1
			v.br[0] = branch{}
		} else {
			for b := 0; b < v.nb; b++ {
				v.brOf[v.br[b].out] = -1
				v.br[b] = branch{}
			}
		}
		v.nb = 0
		v.routed, v.copied, v.popped, v.cur = false, false, 0, nil
		if v.n > 0 {
			r.wake(max(c+1, v.buf[v.head].ready))
		} else {
			r.active &^= 1 << i
		}
	}

	if deliver != nil || r.src.n > 0 || r.refused {
		r.finishSingle(c, deliver)
	}
}

// finishSingle ends a single-flit evaluation: it delivers the packet that
// left by the local port (if any), feeds the source queue and tells a
// refused injector that its queue has room. It does nothing unless deliver
// is set, the source queue holds packets or an Inject was refused, so
// callers skip it otherwise.
func (r *router) finishSingle(c uint64, deliver *Packet) {
	if deliver != nil {
		r.deliver(c, deliver)
	}
	if r.src.n > 0 {
		r.feed(c)
	}
	if n := r.n; r.refused && (n.srcCap == 0 || r.src.len() < n.srcCap) {
		r.refused = false
		if w, ok := r.ep.(InjectWaker); ok {
			w.InjectReady(r.tile)
		}
	}
}

// evalOne is evalSingle for the commonest evaluation: input VC i is the only
// one holding flits and its head packet is not routed yet. If that packet is
// not ready, or is a unicast packet whose output is the local port or has a
// credit, evalOne does the whole evaluation and returns true: the packet is
// the only requester of its output, so it wins, moves and is popped in the
// same cycle, and the routing state evalSingle would write and clear again
// (cur, branch, brOf, nb, routed) is never touched: it is the same before and
// after. Otherwise it returns false having changed nothing but the credits
// that have arrived by now (which evalSingle would take at the same point)
// and evalSingle does the general evaluation.
func (r *router) evalOne(c uint64, i int) bool {
	v := &r.in[i]
	if v.routed {
		return false
	}
	e := &v.buf[v.head]
	if e.ready > c {
		// nothing can move this cycle
		if r.src.n > 0 || r.refused {
			r.finishSingle(c, nil)
		}
		return true
	}
	pkt := e.pkt
	if len(pkt.Dests) != 0 {
		return false
	}
	n := r.n
	var p Port
	if n.rt != nil {
		p = n.rt[r.id*len(n.routers)+pkt.Dst.Y*n.w+pkt.Dst.X]
	} else {
		p = n.computePort(r.tile, pkt.Dst)
	}
	o := &r.out[p]
	if p != Local && o.credits[0] < 1 {
		r.takeCredits(c, p, o)
		if o.credits[0] < 1 {
			return false
		}
	}
	// move the packet through p (as evalSingle's phase 2 for one requester)
	stall := c - e.ready
	o.stalls += stall
	n.stats.stalls += stall
	o.rr = i
	o.flits++
	var deliver *Packet
	if p == Local {
		n.stats.flitsDelivered++
		deliver = pkt
	} else {
		r.sendDown(o, p, pkt, c)
	}
	// pop it and return its credit (as evalSingle's phase 3)
	v.pop()
	r.flits--
	if port := Port(i); port != Local {
		// returnCredit, by hand: it does not inline
		up := r.out[port].down
		op := opposite(port)
		uo := &up.out[op]
		uo.cq[0].push(c + n.link)
		up.credQ |= 1 << (int(op) * maxVC)
		if uo.starved[0] {
			uo.starved[0] = false
			up.wake(c + n.link)
		}
	}
	if v.n > 0 {
		r.wake(max(c+1, v.buf[v.head].ready))
	} else {
		r.active &^= 1 << i
	}
	if deliver != nil || r.src.n > 0 || r.refused {
		r.finishSingle(c, deliver)
	}
	return true
}

// takeCredits makes the credits of output p (VC 0) that have arrived by
// cycle c usable.
func (r *router) takeCredits(c uint64, p Port, o *outPort) {
	q := &o.cq[0]
	for q.n > 0 && q.t[q.head] <= c {
		o.credits[0]++
		q.head++
		if q.head == len(q.t) {
			q.head = 0
		}
		q.n--
	}
	if q.n == 0 {
		r.credQ &^= 1 << (int(p) * maxVC)
	}
}

// returnCredit sends the credit of a flit popped from input port (VC 0)
// back to the upstream router, waking it if an output there starved.
func (r *router) returnCredit(c uint64, port Port) {
	n := r.n
	up := r.out[port].down // the link is bidirectional: out[port] leads to the sender
	op := opposite(port)
	uo := &up.out[op]
	uo.cq[0].push(c + n.link)
	up.credQ |= 1 << (int(op) * maxVC)
	if uo.starved[0] {
		uo.starved[0] = false
		up.wake(c + n.link)
	}
}

// sendDown moves pkt's single flit out of port p (not Local) of r, whose
// output state is o, into the downstream router's input buffer at cycle c: it
// takes a credit, counts the hop and wakes the downstream router for the cycle
// the flit is ready there. evalSingle and evalOne share it.
func (r *router) sendDown(o *outPort, p Port, pkt *Packet, c uint64) {
	n := r.n
	o.credits[0]--
	pkt.Hops++
	if p <= West {
		n.stats.hopsX++
	} else {
		n.stats.hopsY++
	}
	d := o.down
	ready := c + n.link + n.pipe
	j := o.downIn
	d.in[j].push(flitEntry{pkt: pkt, ready: ready})
	d.active |= 1 << j
	d.flits++
	d.wake(ready)
	if n.NumHooks() > 0 {
		n.hookHop = FlitHop{From: r.tile, Out: p}
		n.InvokeHook(sim.HookCtx{Domain: n, Pos: HookPosFlit, Now: n.sched.Now(), Item: pkt, Detail: &n.hookHop})
	}
}
