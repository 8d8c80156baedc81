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

// routePass builds the multicast routing tables (one entry per router on
// each source core's dimension-order tree) and the estimated link loads,
// from the destinations' axon boxes: the fan-out lists are not built
// (Program.Expand derives them for the chip).
func routePass(s *State) error {
	p := s.prog
	sp := s.Spec
	p.Mesh = Mesh{Width: sp.Chip.Width, Height: sp.Chip.Height, ChipsX: sp.Board.ChipsX, ChipsY: sp.Board.ChipsY,
		Routing: sp.NoC.Routing, Torus: sp.NoC.Topology == "torus", Multicast: sp.NoC.Multicast}
	p.InputStart, p.InputFan = nil, nil
	for i := range p.Cores {
		p.Cores[i].FanStart, p.Cores[i].Fan = nil, nil
	}
	g, err := s.layerGrids()
	if err != nil {
		return err
	}
	s.routeTables(g)
	return nil
}

// layerGrids returns the index of every layer's cores, built once.
func (s *State) layerGrids() ([]layerGrid, error) {
	if s.grid == nil {
		g, err := s.prog.grids()
		if err != nil {
			return nil, err
		}
		s.grid = g
	}
	return s.grid, nil
}

// inEntry is a box of a source core's neurons that destination core Dst
// reads.
type inEntry struct {
	Dst int32
	In  Region
}

// eachIn calls f for every part of core b's axons that a layer's core
// holds: the source core and the box of its neurons (in the source layer's
// coordinates) b reads, box by box in axon order; a core with an explicit
// axon list reports its axons one neuron at a time.
func (p *Program) eachIn(g []layerGrid, b int, f func(src int32, c int32, in Region)) {
	cb := &p.Cores[b]
	if cb.compact() {
		for i := range cb.Boxes {
			bx := &cb.Boxes[i]
			if bx.Source < 0 {
				continue
			}
			g[bx.Source].each(p, bx.Region, func(c int32, in Region) { f(bx.Source, c, in) })
		}
		return
	}
	for _, a := range cb.Axons {
		if a.Source < 0 {
			continue
		}
		sh := p.srcShape(int(a.Source))
		n := int(a.Neuron)
		ch, y, x := n/(sh[1]*sh[2]), (n/sh[2])%sh[1], n%sh[2]
		c, _ := g[a.Source].locate(p, n)
		f(a.Source, int32(c), Region{C0: ch, C1: ch + 1, Y0: y, Y1: y + 1, X0: x, X1: x + 1})
	}
}

// readers returns, per layer, the layers with a projection from it.
func (p *Program) readers() [][]int {
	out := make([][]int, len(p.Layers))
	for li := range p.Layers {
		for _, pr := range p.Layers[li].Inputs {
			if pr.Source >= 0 && !slices.Contains(out[pr.Source], li) {
				out[pr.Source] = append(out[pr.Source], li)
			}
		}
	}
	return out
}

// incoming returns, for every core of layer li, the boxes of its neurons
// that other cores read (in destination core order), indexed by core id
// (other entries nil).
func (p *Program) incoming(g []layerGrid, li int, readers []int, into [][]inEntry) {
	var dst []int32
	for _, rl := range readers {
		for _, b := range p.Layers[rl].Cores {
			dst = append(dst, int32(b))
		}
	}
	slices.Sort(dst)
	for _, b := range dst {
		p.eachIn(g, int(b), func(src, c int32, in Region) {
			if int(src) == li {
				into[c] = append(into[c], inEntry{b, in})
			}
		})
	}
}

func (s *State) routeTables(g []layerGrid) {
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
	readers := p.readers()
	inc := make([][]inEntry, len(p.Cores))
	curLayer := -1
	var cells cellSplit
	for ci := range p.Cores {
		c := &p.Cores[ci]
		if c.Layer != curLayer {
			if curLayer >= 0 {
				for _, x := range p.Layers[curLayer].Cores {
					inc[x] = nil
				}
			}
			curLayer = c.Layer
			p.incoming(g, curLayer, readers[curLayer], inc)
		}
		in := inc[ci]
		sx, sy := p.GlobalXY(c)
		// multicast tree of the core: union of routes to every destination core
		var dsts []int32
		for _, e := range in {
			dsts = append(dsts, e.Dst)
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
		if p.Mesh.Multicast { // unicast routing keeps no tables
			for _, d := range dsts {
				dx, dy := p.GlobalXY(&p.Cores[d])
				RoutePath(sx, sy, dx, dy, yx, func(x, y, dir int) { mark(x, y, dirPort[dir]) })
				mark(dx, dy, PortLocal)
			}
			sort.Ints(keys)
			for _, k := range keys {
				p.Routers = append(p.Routers, Router{X: k % gw, Y: k / gw, Source: int32(ci), Ports: ports[k]})
				entries[k]++
			}
		}
		// link loads: neurons grouped by identical destination-core sets
		// (the cells of the arrangement of the boxes read from the core)
		order, groups := cells.split(c.Region, in)
		seen := map[int]bool{}
		for _, key := range order {
			cnt := groups[key]
			clear(seen)
			p.addPathLoads(loads, seen, sx, sy, decodeKey(key), yx, cnt)
		}
	}
	r := &p.Report
	r.Routing.Entries = len(p.Routers)
	for _, e := range entries {
		r.Routing.MaxPerRouter = max(r.Routing.MaxPerRouter, e)
	}
	r.Routing.PerRouter = entries
	r.Links = nil
	p.addLinkLoads(r, loads, gw, act)
}

// addPathLoads adds cnt to loads (index 4·tile + direction on the board
// grid) on every link of the dimension-order paths from global tile (sx, sy)
// to the cores dests; with multicast a link shared by several paths counts
// once (seen, cleared by the caller, marks the links already counted).
func (p *Program) addPathLoads(loads []int64, seen map[int]bool, sx, sy int, dests []int32, yx bool, cnt int64) {
	gw := p.Mesh.Width * p.Mesh.ChipsX
	for _, d := range dests {
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

// addLinkLoads appends to r the links whose count in loads (index 4·tile +
// direction on the gw-wide board grid) is nonzero, each at act packets per
// count, marking the links that cross a chip boundary.
func (p *Program) addLinkLoads(r *Report, loads []int64, gw int, act float64) {
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

// cellSplit cuts a core's region into the cells of the arrangement of the
// boxes other cores read from it, and groups the cells' neurons by the
// set of destination cores that read them (reused buffers).
type cellSplit struct {
	cs, ys, xs []int
	key        []byte
	groups     map[string]int64
	order      []string
}

// split returns the distinct destination sets (keys as destKey makes them,
// in first-seen order) and the neurons of each; neurons nobody reads are
// left out.
func (cs *cellSplit) split(r Region, in []inEntry) ([]string, map[string]int64) {
	if cs.groups == nil {
		cs.groups = map[string]int64{}
	}
	clear(cs.groups)
	cs.order = cs.order[:0]
	if len(in) == 0 {
		return nil, cs.groups
	}
	cut := func(dst []int, lo, hi int, f func(e *inEntry) (int, int)) []int {
		dst = append(dst[:0], lo, hi)
		for i := range in {
			a, b := f(&in[i])
			dst = append(dst, a, b)
		}
		slices.Sort(dst)
		return slices.Compact(dst)
	}
	cs.cs = cut(cs.cs, r.C0, r.C1, func(e *inEntry) (int, int) { return e.In.C0, e.In.C1 })
	cs.ys = cut(cs.ys, r.Y0, r.Y1, func(e *inEntry) (int, int) { return e.In.Y0, e.In.Y1 })
	cs.xs = cut(cs.xs, r.X0, r.X1, func(e *inEntry) (int, int) { return e.In.X0, e.In.X1 })
	for i := 0; i+1 < len(cs.cs); i++ {
		for j := 0; j+1 < len(cs.ys); j++ {
			for k := 0; k+1 < len(cs.xs); k++ {
				cell := Region{C0: cs.cs[i], C1: cs.cs[i+1], Y0: cs.ys[j], Y1: cs.ys[j+1], X0: cs.xs[k], X1: cs.xs[k+1]}
				cs.key = cs.key[:0]
				last := int32(-1)
				for e := range in {
					if d := in[e].Dst; d != last && in[e].In.contains(cell) {
						cs.key = append(cs.key, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
						last = d
					}
				}
				if len(cs.key) == 0 {
					continue
				}
				if _, ok := cs.groups[string(cs.key)]; !ok {
					k := string(cs.key)
					cs.order = append(cs.order, k)
					cs.groups[k] = 0
				}
				cs.groups[string(cs.key)] += int64(cell.Len())
			}
		}
	}
	return cs.order, cs.groups
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
