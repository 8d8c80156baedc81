package noc

import "math/bits"

// nextPort returns the output port a packet at tile here takes towards dst
// under dimension-order routing: it corrects the first dimension (x for xy,
// y for yx) completely, then the second. On a torus each dimension goes the
// shorter way round; on a tie (distance exactly k/2) it goes the positive way.
func (n *Network) nextPort(here, dst Tile) Port {
	if n.rt == nil {
		return n.computePort(here, dst)
	}
	return n.rt[n.index(here)*len(n.routers)+n.index(dst)]
}

// routeTableMax is the largest network (in tiles) whose routes are
// tabulated: a table of tiles² bytes (1 MiB at 1024 tiles).
const routeTableMax = 1024

// buildRouteTable tabulates nextPort for every (router, destination) pair.
func (n *Network) buildRouteTable() {
	nt := len(n.routers)
	if nt > routeTableMax {
		return
	}
	rt := make([]Port, nt*nt)
	for i := range nt {
		for j := range nt {
			rt[i*nt+j] = n.computePort(n.routers[i].tile, n.routers[j].tile)
		}
	}
	n.rt = rt
}

func (n *Network) computePort(here, dst Tile) Port {
	if n.yx {
		if dst.Y != here.Y {
			return n.dir(here.Y, dst.Y, n.h, North, South)
		}
		if dst.X != here.X {
			return n.dir(here.X, dst.X, n.w, East, West)
		}
		return Local
	}
	if dst.X != here.X {
		return n.dir(here.X, dst.X, n.w, East, West)
	}
	if dst.Y != here.Y {
		return n.dir(here.Y, dst.Y, n.h, North, South)
	}
	return Local
}

func (n *Network) dir(a, b, k int, pos, neg Port) Port {
	if !n.torus {
		if b > a {
			return pos
		}
		return neg
	}
	d := b - a
	if d < 0 {
		d += k
	}
	if d <= k-d {
		return pos
	}
	return neg
}

// outVC returns the virtual channel a packet uses on output out after
// arriving on (in, inVC). On a mesh it is always 0. On a torus a packet
// enters each ring (from the local port or by turning) on VC 0 and moves to
// VC 1 when it crosses the ring's dateline, the wraparound link; it keeps its
// VC while it goes straight on. Shortest-way routing crosses a dateline at
// most once per dimension, so neither VC's channels form a cycle.
func (n *Network) outVC(here Tile, in Port, inVC int, out Port) uint8 {
	if !n.torus || out == Local {
		return 0
	}
	vc := 0
	if in == opposite(out) {
		vc = inVC
	}
	switch {
	case out == East && here.X == n.w-1,
		out == West && here.X == 0,
		out == North && here.Y == n.h-1,
		out == South && here.Y == 0:
		vc = 1
	}
	return uint8(vc)
}

// route computes the branches of the packet at the head of input VC i.
// A unicast packet has one branch. A multicast packet's destinations are
// split by output port; with more than one port each branch gets a copy of
// the packet holding its share of the destinations, and the original is
// freed once every branch has forwarded its tail.
func (r *router) route(i int, v *inVC) {
	n := r.n
	p := v.at(0).pkt
	in := Port(i % numPorts)
	inVC := i / numPorts
	v.cur, v.popped, v.routed, v.copied, v.nb = p, 0, true, false, 0
	if len(p.Dests) == 0 {
		o := n.nextPort(r.tile, p.Dst)
		v.br[0] = branch{pkt: p, out: o, vc: n.outVC(r.tile, in, inVC, o)}
		v.brOf[o] = 0
		v.nb = 1
		return
	}
	// Multicast: which ports does the destination set leave by? One pass
	// computes every destination's port into the network's scratch space
	// (through this router's row of the route table when there is one).
	// used: bit o set when a destination leaves by port o
	var used uint8
	dports := n.portScratch[:0]
	if n.rt != nil {
		nt := len(n.routers)
		row := n.rt[n.index(r.tile)*nt:][:nt]
		for _, d := range p.Dests {
			o := row[d.Y*n.w+d.X]
			dports = append(dports, o)
			used |= 1 << o
		}
	} else {
		for _, d := range p.Dests {
			o := n.computePort(r.tile, d)
			dports = append(dports, o)
			used |= 1 << o
		}
	}
	n.portScratch = dports
	ports := bits.OnesCount8(used)
	var copies [numPorts]*Packet
	for m := used; m != 0; m &= m - 1 { // ports in increasing order
		o := Port(bits.TrailingZeros8(m))
		q := p
		if ports > 1 {
			q = n.NewPacket()
			n.copyPacket(q, p)
			copies[o] = q
			n.inFlight++
		}
		v.br[v.nb] = branch{pkt: q, out: o, vc: n.outVC(r.tile, in, inVC, o), vct: true}
		v.brOf[o] = int8(v.nb)
		v.nb++
	}
	if ports > 1 {
		// One pass hands each destination to its port's copy, in order.
		for k, d := range p.Dests {
			q := copies[dports[k]]
			q.Dests = append(q.Dests, d)
		}
		for m := used; m != 0; m &= m - 1 {
			if q := copies[bits.TrailingZeros8(m)]; len(q.Dests) == 1 {
				q.Dst = q.Dests[0]
				q.Dests = q.Dests[:0]
			}
		}
	}
	v.copied = ports > 1
}
