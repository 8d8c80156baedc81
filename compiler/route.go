package compiler

import (
	"slices"
	"sort"
)

// Link directions of LinkLoad.Dir.
const (
	DirEast = iota
	DirWest
	DirNorth // towards y−1
	DirSouth // towards y+1
)

var dirPort = [4]uint8{PortEast, PortWest, PortNorth, PortSouth}

// RoutePath calls f for every hop (global tile, direction Dir*) of the
// dimension-order route from (x0,y0) to (x1,y1): X first, or Y first when yx.
// The chip's board links follow the same walk.
func RoutePath(x0, y0, x1, y1 int, yx bool, f func(x, y, dir int)) {
	stepX := func() {
		for x0 != x1 {
			if x1 > x0 {
				f(x0, y0, DirEast)
				x0++
			} else {
				f(x0, y0, DirWest)
				x0--
			}
		}
	}
	stepY := func() {
		for y0 != y1 {
			if y1 > y0 {
				f(x0, y0, DirSouth)
				y0++
			} else {
				f(x0, y0, DirNorth)
				y0--
			}
		}
	}
	if yx {
		stepY()
		stepX()
	} else {
		stepX()
		stepY()
	}
}

// routePass builds each core's spike fan-out (local neuron → destination cores
// and axons), the input fan-out, the multicast routing tables (one entry per
// router on each source core's dimension-order tree) and the estimated link
// loads.
func routePass(s *State) error {
	p := s.prog
	sp := s.Spec
	p.Mesh = Mesh{Width: sp.Chip.Width, Height: sp.Chip.Height, ChipsX: sp.Board.ChipsX, ChipsY: sp.Board.ChipsY,
		Routing: sp.NoC.Routing, Torus: sp.NoC.Topology == "torus", Multicast: sp.NoC.Multicast}
	// count fan-out per neuron
	for i := range p.Cores {
		p.Cores[i].FanStart = make([]int32, p.Cores[i].Neurons()+1)
	}
	inCount := make([]int32, numel(p.Input.Shape)+1)
	for b := range p.Cores {
		for _, a := range p.Cores[b].Axons {
			if a.Source < 0 {
				inCount[a.Neuron+1]++
				continue
			}
			c, l := s.locate(int(a.Source), int(a.Neuron))
			p.Cores[c].FanStart[l+1]++
		}
	}
	for i := range p.Cores {
		fs := p.Cores[i].FanStart
		for j := 1; j < len(fs); j++ {
			fs[j] += fs[j-1]
		}
		p.Cores[i].Fan = make([]Dest, fs[len(fs)-1])
	}
	for j := 1; j < len(inCount); j++ {
		inCount[j] += inCount[j-1]
	}
	p.InputStart = inCount
	p.InputFan = make([]Dest, inCount[len(inCount)-1])
	inFill := slices.Clone(inCount[:len(inCount)-1])
	fill := make([][]int32, len(p.Cores))
	for i := range p.Cores {
		fill[i] = slices.Clone(p.Cores[i].FanStart[:p.Cores[i].Neurons()])
	}
	for b := range p.Cores {
		for ai, a := range p.Cores[b].Axons {
			d := Dest{Core: int32(b), Axon: int32(ai)}
			if a.Source < 0 {
				p.InputFan[inFill[a.Neuron]] = d
				inFill[a.Neuron]++
				continue
			}
			c, l := s.locate(int(a.Source), int(a.Neuron))
			p.Cores[c].Fan[fill[c][l]] = d
			fill[c][l]++
		}
	}
	s.routeTables()
	return nil
}

func (s *State) routeTables() {
	p := s.prog
	gw := p.Mesh.Width * p.Mesh.ChipsX
	gh := p.Mesh.Height * p.Mesh.ChipsY
	yx := p.Mesh.Routing == "yx"
	loads := make([]int64, gw*gh*4)
	entries := make([]int, gw*gh)
	act := s.Opts.Activity
	if act <= 0 {
		act = 1
	}
	ports := map[int]uint8{}
	var keys []int
	for ci := range p.Cores {
		c := &p.Cores[ci]
		sx, sy := p.GlobalXY(c)
		// multicast tree of the core: union of routes to every destination core
		var dsts []int32
		for _, d := range c.Fan {
			dsts = append(dsts, d.Core)
		}
		slices.Sort(dsts)
		dsts = slices.Compact(dsts)
		clear(ports)
		keys = keys[:0]
		mark := func(x, y int, port uint8) {
			k := y*gw + x
			if _, ok := ports[k]; !ok {
				keys = append(keys, k)
			}
			ports[k] |= port
		}
		for _, d := range dsts {
			dx, dy := p.GlobalXY(&p.Cores[d])
			RoutePath(sx, sy, dx, dy, yx, func(x, y, dir int) { mark(x, y, dirPort[dir]) })
			mark(dx, dy, PortLocal)
		}
		if p.Mesh.Multicast {
			sort.Ints(keys)
			for _, k := range keys {
				p.Routers = append(p.Routers, Router{X: k % gw, Y: k / gw, Source: int32(ci), Ports: ports[k]})
				entries[k]++
			}
		}
		// link loads: neurons grouped by identical destination-core sets
		groups := map[string]int64{}
		var order []string
		for n := 0; n < c.Neurons(); n++ {
			fan := c.Fan[c.FanStart[n]:c.FanStart[n+1]]
			if len(fan) == 0 {
				continue
			}
			key := destKey(fan)
			if _, ok := groups[key]; !ok {
				order = append(order, key)
			}
			groups[key]++
		}
		for _, key := range order {
			cnt := groups[key]
			seen := map[int]bool{}
			for _, d := range decodeKey(key) {
				dx, dy := p.GlobalXY(&p.Cores[d])
				RoutePath(sx, sy, dx, dy, yx, func(x, y, dir int) {
					li := (y*gw+x)*4 + dir
					if p.Mesh.Multicast {
						if seen[li] {
							return
						}
						seen[li] = true
					}
					loads[li] += cnt
				})
			}
		}
	}
	r := &p.Report
	r.Routing.Entries = len(p.Routers)
	for _, e := range entries {
		r.Routing.MaxPerRouter = max(r.Routing.MaxPerRouter, e)
	}
	r.Routing.PerRouter = entries
	r.Links = nil
	for i, v := range loads {
		if v == 0 {
			continue
		}
		t, dir := i/4, i%4
		x, y := t%gw, t/gw
		nx, ny := x, y
		switch dir {
		case DirEast:
			nx++
		case DirWest:
			nx--
		case DirNorth:
			ny--
		case DirSouth:
			ny++
		}
		inter := x/p.Mesh.Width != nx/p.Mesh.Width || y/p.Mesh.Height != ny/p.Mesh.Height
		r.Links = append(r.Links, LinkLoad{X: x, Y: y, Dir: dir, Packets: float64(v) * act, InterChip: inter})
		r.MaxLinkLoad = max(r.MaxLinkLoad, float64(v)*act)
	}
}

func destKey(fan []Dest) string {
	b := make([]byte, 0, 4*len(fan))
	last := int32(-1)
	for _, d := range fan {
		if d.Core == last {
			continue
		}
		last = d.Core
		b = append(b, byte(d.Core), byte(d.Core>>8), byte(d.Core>>16), byte(d.Core>>24))
	}
	return string(b)
}

func decodeKey(k string) []int32 {
	out := make([]int32, 0, len(k)/4)
	for i := 0; i+3 < len(k); i += 4 {
		out = append(out, int32(k[i])|int32(k[i+1])<<8|int32(k[i+2])<<16|int32(k[i+3])<<24)
	}
	return out
}
