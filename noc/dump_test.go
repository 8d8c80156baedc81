package noc

import "fmt"

func (n *Network) dump() string {
	s := ""
	for ri := range n.routers {
		r := &n.routers[ri]
		if r.flits == 0 && r.src.len() == 0 {
			continue
		}
		s += fmt.Sprintf("router %v flits %d active %b src %d wake %v\n", r.tile, r.flits, r.active, r.src.len(), r.wakeAt)
		for i := range r.in {
			v := &r.in[i]
			if v.n == 0 {
				continue
			}
			s += fmt.Sprintf("  in %v/%d n=%d routed=%v popped=%d head ready=%d pkt=%d flits=%d dst=%v\n", Port(i%numPorts), i/numPorts, v.n, v.routed, v.popped, v.at(0).ready, v.at(0).pkt.ID, v.at(0).pkt.Flits, v.at(0).pkt.Dst)
			for b := 0; b < v.nb; b++ {
				br := v.br[b]
				o := &r.out[br.out]
				s += fmt.Sprintf("    br out %v vc %d sent %d; out lock %v credits %v cq %d\n", br.out, br.vc, br.sent, o.lock, o.credits, o.cq[br.vc].n)
			}
		}
	}
	return s
}
