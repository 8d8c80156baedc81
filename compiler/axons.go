package compiler

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// AxonBox is a box of one source's neurons that a core reads as consecutive
// axons: axon Base+k is the k-th neuron of Region in row-major order, the
// source (a layer, or -1 for the input) seen as [C, H, W] (chw of its shape).
// A core's boxes are sorted by (Source, first neuron), their neurons do not
// interleave and their bases follow one another from 0, so the axons they
// stand for are exactly the sorted list Core.Axons.
type AxonBox struct {
	Source int32
	Region Region
	Base   int32
}

// neuronOf returns the source neuron of axon Base+k of b on a source of
// [C, H, W] = sh.
func (b *AxonBox) neuronOf(k int, sh [3]int) int32 {
	r := b.Region
	h, w := r.Y1-r.Y0, r.X1-r.X0
	c, y, x := r.C0+k/(h*w), r.Y0+(k/w)%h, r.X0+k%w
	return int32((c*sh[1]+y)*sh[2] + x)
}

// srcShape returns [C, H, W] of source src (-1: the input).
func (p *Program) srcShape(src int) [3]int {
	var s []int
	if src < 0 {
		s = chw(p.Input.Shape)
	} else {
		s = chw(p.Layers[src].Shape)
	}
	return [3]int{s[0], s[1], s[2]}
}

// flatBoxes cuts the flat range [lo, hi) of a [C, H, W] source into at most
// five boxes in row-major order: a partial row, whole rows, whole planes,
// whole rows, a partial row.
func flatBoxes(lo, hi int, sh [3]int) []Region {
	var out []Region
	h, w := sh[1], sh[2]
	for lo < hi {
		c, y, x := lo/(h*w), (lo/w)%h, lo%w
		var r Region
		switch {
		case x != 0 || hi-lo < w: // within one row
			n := min(w-x, hi-lo)
			r = Region{C0: c, C1: c + 1, Y0: y, Y1: y + 1, X0: x, X1: x + n}
		case y != 0 || hi-lo < h*w: // whole rows within one plane
			n := min(h-y, (hi-lo)/w)
			r = Region{C0: c, C1: c + 1, Y0: y, Y1: y + n, X0: 0, X1: w}
		default: // whole planes
			n := (hi - lo) / (h * w)
			r = Region{C0: c, C1: c + n, Y0: 0, Y1: h, X0: 0, X1: w}
		}
		out = append(out, r)
		lo += r.Len()
	}
	return out
}

// projBoxes returns the boxes of its source that projection pr of layer l
// reads for region r, in the source's [C, H, W] coordinates, or false when
// they are not box-shaped there (sparse projections, a conv reading its
// source under another shape).
func projBoxes(p *Program, l *Layer, pr *Projection, r Region) ([]Region, bool) {
	sh := p.srcShape(pr.Source)
	switch pr.Kind {
	case ProjSparse:
		return nil, false
	case ProjDense:
		lo, hi := pr.inChannels()
		if hi > sh[0]*sh[1]*sh[2] {
			return nil, false
		}
		return flatBoxes(lo, hi, sh), true
	case ProjAttn:
		a := l.Attn
		if a == nil {
			return nil, false
		}
		h0, h1 := attnHeads(l, r)
		ls := chw(l.Shape)
		per := a.DK
		if pr.Role == "v" {
			per = a.DV
		}
		if pr.Role == "q" {
			if sh[1] != ls[1] || sh[2] != ls[2] || sh[1]*sh[2] != a.Tokens {
				return nil, false
			}
			return []Region{{C0: h0 * per, C1: h1 * per, Y0: r.Y0, Y1: r.Y1, X0: r.X0, X1: r.X1}}, true
		}
		if sh[1]*sh[2] != a.Tokens {
			return nil, false
		}
		return []Region{{C0: h0 * per, C1: h1 * per, Y0: 0, Y1: sh[1], X0: 0, X1: sh[2]}}, true
	}
	if len(pr.InShape) != 3 || pr.InShape[0] != sh[0] || pr.InShape[1] != sh[1] || pr.InShape[2] != sh[2] || pr.Groups <= 0 {
		return nil, false
	}
	cinG, coutG := sh[0]/pr.Groups, pr.Cout/pr.Groups
	c0, c1 := (r.C0/coutG)*cinG, ((r.C1-1)/coutG+1)*cinG
	if pr.Groups == 1 {
		c0, c1 = pr.inChannels()
	}
	y0, y1 := span(r.Y0, r.Y1, pr.Stride, pr.Pad, pr.KH, sh[1])
	x0, x1 := span(r.X0, r.X1, pr.Stride, pr.Pad, pr.KW, sh[2])
	return []Region{{C0: c0, C1: c1, Y0: y0, Y1: y1, X0: x0, X1: x1}}, true
}

func (r Region) empty() bool { return r.C1 <= r.C0 || r.Y1 <= r.Y0 || r.X1 <= r.X0 }

func (r Region) contains(o Region) bool {
	return r.C0 <= o.C0 && o.C1 <= r.C1 && r.Y0 <= o.Y0 && o.Y1 <= r.Y1 && r.X0 <= o.X0 && o.X1 <= r.X1
}

func (r Region) intersect(o Region) Region {
	return Region{C0: max(r.C0, o.C0), C1: min(r.C1, o.C1), Y0: max(r.Y0, o.Y0), Y1: min(r.Y1, o.Y1), X0: max(r.X0, o.X0), X1: min(r.X1, o.X1)}
}

// first and last neuron of a non-empty box on a source of shape sh.
func (r Region) first(sh [3]int) int { return (r.C0*sh[1]+r.Y0)*sh[2] + r.X0 }
func (r Region) last(sh [3]int) int  { return ((r.C1-1)*sh[1]+r.Y1-1)*sh[2] + r.X1 - 1 }

// axonBoxes returns the boxes whose axons are exactly axonList(l, r), or
// false when the core's axons are not box-shaped (then the list is kept).
func axonBoxes(p *Program, l *Layer, r Region) ([]AxonBox, bool) {
	type sb struct {
		src int32
		r   Region
	}
	var all []sb
	for i := range l.Inputs {
		pr := &l.Inputs[i]
		rs, ok := projBoxes(p, l, pr, r)
		if !ok {
			return nil, false
		}
		for _, b := range rs {
			if !b.empty() {
				all = append(all, sb{int32(pr.Source), b})
			}
		}
	}
	// drop boxes inside another of the same source (a conv and the identity
	// of the same stream), and exact duplicates once
	keep := all[:0]
	for i, a := range all {
		inside := false
		for j, b := range all {
			if i != j && a.src == b.src && b.r.contains(a.r) && (!a.r.contains(b.r) || j < i) {
				inside = true
				break
			}
		}
		if !inside {
			keep = append(keep, a)
		}
	}
	all = keep
	slices.SortFunc(all, func(a, b sb) int {
		if a.src != b.src {
			return int(a.src - b.src)
		}
		return a.r.first(p.srcShape(int(a.src))) - b.r.first(p.srcShape(int(b.src)))
	})
	out := make([]AxonBox, 0, len(all))
	base := 0
	for i, a := range all {
		if i > 0 && all[i-1].src == a.src {
			sh := p.srcShape(int(a.src))
			if all[i-1].r.last(sh) >= a.r.first(sh) {
				return nil, false // interleaved neurons: not a concatenation of boxes
			}
		}
		out = append(out, AxonBox{Source: a.src, Region: a.r, Base: int32(base)})
		base += a.r.Len()
	}
	return out, true
}

// setAxons gives core c of layer l its axons: as boxes where they are
// box-shaped, else as the explicit sorted list.
func (p *Program) setAxons(c *Core, l *Layer) {
	if bs, ok := axonBoxes(p, l, c.Region); ok {
		c.Boxes, c.Axons = bs, nil
		c.NumAxons = 0
		for _, b := range bs {
			c.NumAxons += b.Region.Len()
		}
		return
	}
	c.Boxes, c.Axons = nil, axonList(l, c.Region)
	c.NumAxons = len(c.Axons)
}

// compact reports whether c holds its axons as boxes only.
func (c *Core) compact() bool { return c.Axons == nil && len(c.Boxes) > 0 }

// axonAt returns axon a of c, from the list or, on a compact core, its box.
func (p *Program) axonAt(c *Core, a int) Axon {
	if !c.compact() {
		return c.Axons[a]
	}
	i := sort.Search(len(c.Boxes), func(i int) bool { return int(c.Boxes[i].Base) > a }) - 1
	b := &c.Boxes[i]
	return Axon{Source: b.Source, Neuron: b.neuronOf(a-int(b.Base), p.srcShape(int(b.Source)))}
}

// boxAxons materialises the axons of a compact core.
func (p *Program) boxAxons(c *Core) []Axon {
	out := make([]Axon, 0, c.NumAxons)
	for bi := range c.Boxes {
		b := &c.Boxes[bi]
		sh := p.srcShape(int(b.Source))
		r := b.Region
		for ch := r.C0; ch < r.C1; ch++ {
			for y := r.Y0; y < r.Y1; y++ {
				n := (ch*sh[1]+y)*sh[2] + r.X0
				for x := r.X0; x < r.X1; x++ {
					out = append(out, Axon{Source: b.Source, Neuron: int32(n)})
					n++
				}
			}
		}
	}
	return out
}

// coreAxons returns c's axons as a list, materialising a compact core's
// without storing them.
func (p *Program) coreAxons(c *Core) []Axon {
	if c.compact() {
		return p.boxAxons(c)
	}
	return c.Axons
}

// expandMu serialises Expand, so that consumers running on one Program from
// several goroutines (sweeps) may each call it first.
var expandMu sync.Mutex

// Expand materialises the explicit connectivity of p: every core's Axons
// (from its boxes) and the spike fan-out Core.FanStart/Fan and
// Program.InputStart/InputFan, derived from the destinations' axons (each
// neuron's destinations in core order). Compile and Decode return programs
// in compact form (boxes, no fan-out); package chip and any other consumer
// of the lists calls Expand first. It is idempotent and safe to call from
// several goroutines; the lists take 8 bytes per axon and per fan entry,
// which is gigabytes for the largest zoo models, so route, place and the
// mapping report never need them.
func (p *Program) Expand() error {
	expandMu.Lock()
	defer expandMu.Unlock()
	if p.InputStart != nil {
		return nil
	}
	g, err := p.grids()
	if err != nil {
		return err
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		if c.compact() {
			c.Axons = p.boxAxons(c)
		} else if c.Axons == nil {
			c.Axons = []Axon{}
		}
	}
	p.buildFans(g)
	return nil
}

// buildFans inverts the cores' axon lists into fan-out lists.
func (p *Program) buildFans(g []layerGrid) {
	axons := make([][]Axon, len(p.Cores))
	for i := range p.Cores {
		axons[i] = p.Cores[i].Axons
	}
	fs, fan, inStart, inFan := p.fans(g, axons)
	for i := range p.Cores {
		p.Cores[i].FanStart, p.Cores[i].Fan = fs[i], fan[i]
	}
	p.InputStart, p.InputFan = inStart, inFan
}

// fans inverts the axon lists of every core (axons[i] of core i) into
// fan-out lists: per core FanStart and Fan, and the input's.
func (p *Program) fans(g []layerGrid, axons [][]Axon) (fanStart [][]int32, fan [][]Dest, inStart []int32, inFan []Dest) {
	fanStart = make([][]int32, len(p.Cores))
	fan = make([][]Dest, len(p.Cores))
	for i := range p.Cores {
		fanStart[i] = make([]int32, p.Cores[i].Neurons()+1)
	}
	inCount := make([]int32, numel(p.Input.Shape)+1)
	for b := range p.Cores {
		for _, a := range axons[b] {
			if a.Source < 0 {
				inCount[a.Neuron+1]++
				continue
			}
			c, l := g[a.Source].locate(p, int(a.Neuron))
			fanStart[c][l+1]++
		}
	}
	for i := range p.Cores {
		fs := fanStart[i]
		for j := 1; j < len(fs); j++ {
			fs[j] += fs[j-1]
		}
		fan[i] = make([]Dest, fs[len(fs)-1])
	}
	for j := 1; j < len(inCount); j++ {
		inCount[j] += inCount[j-1]
	}
	inStart = inCount
	inFan = make([]Dest, inCount[len(inCount)-1])
	inFill := slices.Clone(inCount[:len(inCount)-1])
	fill := make([][]int32, len(p.Cores))
	for i := range p.Cores {
		fill[i] = slices.Clone(fanStart[i][:p.Cores[i].Neurons()])
	}
	for b := range p.Cores {
		for ai, a := range axons[b] {
			d := Dest{Core: int32(b), Axon: int32(ai)}
			if a.Source < 0 {
				inFan[inFill[a.Neuron]] = d
				inFill[a.Neuron]++
				continue
			}
			c, l := g[a.Source].locate(p, int(a.Neuron))
			fan[c][fill[c][l]] = d
			fill[c][l]++
		}
	}
	return fanStart, fan, inStart, inFan
}

// Connectivity is a program's explicit connectivity, as Expand stores it in
// the Program: every core's axons (Axons[i] of core i, sorted by (Source,
// Neuron)) and fan-out (the destinations of local neuron n of core i are
// Fan[i][FanStart[i][n]:FanStart[i][n+1]]), and the input's fan-out.
type Connectivity struct {
	Axons      [][]Axon
	FanStart   [][]int32
	Fan        [][]Dest
	InputStart []int32
	InputFan   []Dest
}

// Connect returns p's explicit connectivity without storing it in p: p's
// own lists when p is expanded (they are shared, not copied), else lists
// built from the cores' boxes (exactly what Expand would store). A consumer
// that turns the lists into tables of its own (package chip) thus holds
// them only while it builds, instead of for the life of the Program, and a
// Program shared by several consumers stays compact. Safe to call from
// several goroutines, as Expand.
func (p *Program) Connect() (*Connectivity, error) {
	expandMu.Lock()
	defer expandMu.Unlock()
	cn := &Connectivity{Axons: make([][]Axon, len(p.Cores))}
	if p.InputStart != nil {
		cn.FanStart = make([][]int32, len(p.Cores))
		cn.Fan = make([][]Dest, len(p.Cores))
		for i := range p.Cores {
			c := &p.Cores[i]
			cn.Axons[i], cn.FanStart[i], cn.Fan[i] = c.Axons, c.FanStart, c.Fan
		}
		cn.InputStart, cn.InputFan = p.InputStart, p.InputFan
		return cn, nil
	}
	g, err := p.grids()
	if err != nil {
		return nil, err
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		switch {
		case c.compact():
			cn.Axons[i] = p.boxAxons(c)
		case c.Axons == nil:
			cn.Axons[i] = []Axon{}
		default:
			cn.Axons[i] = c.Axons
		}
	}
	cn.FanStart, cn.Fan, cn.InputStart, cn.InputFan = p.fans(g, cn.Axons)
	return cn, nil
}

// layerGrid indexes the cores of one layer: its channels are cut into
// groups (a channel range each, in order), and each group's rows and
// columns into a grid of boxes, one core per box. Partition makes every
// layer so (a layer on two core kinds has two groups of channel tilings);
// check rejects programs whose cores are not.
type layerGrid struct {
	cs     []int // channel cuts: group g holds channels [cs[g], cs[g+1])
	groups []gridGroup
}

type gridGroup struct {
	cs     []int   // channel cuts within the group
	ys, xs []int   // row and column cuts
	ids    []int32 // core of box (ic, iy, ix) at (ic·ny + iy)·nx + ix
}

// grids builds the index of every layer's cores.
func (p *Program) grids() ([]layerGrid, error) {
	by := make([][]int32, len(p.Layers))
	for i := range p.Cores {
		c := &p.Cores[i]
		if c.Layer < 0 || c.Layer >= len(p.Layers) {
			return nil, fmt.Errorf("core %d: layer %d out of range", i, c.Layer)
		}
		by[c.Layer] = append(by[c.Layer], int32(i))
	}
	out := make([]layerGrid, len(p.Layers))
	for li := range p.Layers {
		g, err := p.buildGrid(li, by[li])
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %v", li, p.Layers[li].Name, err)
		}
		out[li] = g
	}
	return out, nil
}

// cuts returns the sorted distinct starts of the ranges plus the end, and
// false unless the ranges tile [0, n) (each range starting at a cut ends at
// the next).
func cuts(lo, hi []int, n int) ([]int, bool) {
	ends := map[int]int{}
	for i := range lo {
		if e, ok := ends[lo[i]]; ok && e != hi[i] {
			return nil, false
		}
		ends[lo[i]] = hi[i]
	}
	out := make([]int, 0, len(ends)+1)
	for k := range ends {
		out = append(out, k)
	}
	slices.Sort(out)
	out = append(out, n)
	if out[0] != 0 {
		return nil, false
	}
	for i := 0; i+1 < len(out); i++ {
		if ends[out[i]] != out[i+1] || out[i+1] <= out[i] {
			return nil, false
		}
	}
	return out, true
}

func (p *Program) buildGrid(li int, ids []int32) (layerGrid, error) {
	sh := chw(p.Layers[li].Shape)
	bad := func(what string) (layerGrid, error) {
		return layerGrid{}, fmt.Errorf("its cores are not a grid of boxes (%s)", what)
	}
	if len(ids) == 0 {
		return bad("no cores")
	}
	// channel groups: runs of cores sharing one row/column tiling, found as
	// maximal channel intervals over which the (y, x) tilings agree
	type key struct{ y0, y1, x0, x1 int }
	var clo, chi []int
	for _, id := range ids {
		r := p.Cores[id].Region
		if r.empty() || r.C1 > sh[0] || r.Y1 > sh[1] || r.X1 > sh[2] || r.C0 < 0 || r.Y0 < 0 || r.X0 < 0 {
			return bad(fmt.Sprintf("core %d region %s outside the layer", id, r))
		}
		clo, chi = append(clo, r.C0), append(chi, r.C1)
	}
	ccuts, ok := cuts(clo, chi, sh[0])
	if !ok {
		return bad("channel ranges")
	}
	// per channel slab: its cores' y and x ranges
	nslab := len(ccuts) - 1
	slabY := make([][2][]int, nslab)
	slabX := make([][2][]int, nslab)
	slabIDs := make([][]int32, nslab)
	for _, id := range ids {
		r := p.Cores[id].Region
		s, _ := slices.BinarySearch(ccuts, r.C0)
		slabY[s][0], slabY[s][1] = append(slabY[s][0], r.Y0), append(slabY[s][1], r.Y1)
		slabX[s][0], slabX[s][1] = append(slabX[s][0], r.X0), append(slabX[s][1], r.X1)
		slabIDs[s] = append(slabIDs[s], id)
	}
	var g layerGrid
	for s := 0; s < nslab; s++ {
		ys, ok1 := cuts(slabY[s][0], slabY[s][1], sh[1])
		xs, ok2 := cuts(slabX[s][0], slabX[s][1], sh[2])
		if !ok1 || !ok2 {
			return bad("row or column ranges")
		}
		ny, nx := len(ys)-1, len(xs)-1
		if len(slabIDs[s]) != ny*nx {
			return bad("boxes missing or overlapping")
		}
		// a slab joins the previous group if it has the same tiling
		if n := len(g.groups); n > 0 && slices.Equal(g.groups[n-1].ys, ys) && slices.Equal(g.groups[n-1].xs, xs) {
			gg := &g.groups[n-1]
			gg.cs = append(gg.cs, ccuts[s+1])
			gg.ids = append(gg.ids, make([]int32, ny*nx)...)
		} else {
			g.cs = append(g.cs, ccuts[s])
			g.groups = append(g.groups, gridGroup{cs: []int{ccuts[s], ccuts[s+1]}, ys: ys, xs: xs, ids: make([]int32, ny*nx)})
		}
		gg := &g.groups[len(g.groups)-1]
		ic := len(gg.cs) - 2
		for i := range gg.ids[ic*ny*nx:] {
			gg.ids[ic*ny*nx+i] = -1
		}
		for _, id := range slabIDs[s] {
			r := p.Cores[id].Region
			iy, _ := slices.BinarySearch(ys, r.Y0)
			ix, _ := slices.BinarySearch(xs, r.X0)
			k := (ic*ny+iy)*nx + ix
			if gg.ids[k] >= 0 {
				return bad("overlapping boxes")
			}
			gg.ids[k] = id
		}
	}
	g.cs = append(g.cs, sh[0])
	return g, nil
}

// at returns the index of the range of cuts holding v.
func at(cuts []int, v int) int {
	i, ok := slices.BinarySearch(cuts, v)
	if !ok {
		i--
	}
	return i
}

// locate returns the core and local neuron id holding neuron n of the
// layer.
func (g *layerGrid) locate(p *Program, n int) (int, int) {
	last := &g.groups[len(g.groups)-1]
	h, w := last.ys[len(last.ys)-1], last.xs[len(last.xs)-1]
	c, y, x := n/(h*w), (n/w)%h, n%w
	gg := &g.groups[at(g.cs, c)]
	ic, iy, ix := at(gg.cs, c), at(gg.ys, y), at(gg.xs, x)
	core := gg.ids[(ic*(len(gg.ys)-1)+iy)*(len(gg.xs)-1)+ix]
	r := p.Cores[core].Region
	return int(core), ((c-r.C0)*(r.Y1-r.Y0)+(y-r.Y0))*(r.X1-r.X0) + (x - r.X0)
}

// each calls f for every core of the layer whose region meets box b, in
// grid order (channel, row, column), with the intersection.
func (g *layerGrid) each(p *Program, b Region, f func(core int32, in Region)) {
	for gi := at(g.cs, b.C0); gi < len(g.groups) && g.cs[gi] < b.C1; gi++ {
		gg := &g.groups[gi]
		ny, nx := len(gg.ys)-1, len(gg.xs)-1
		for ic := max(at(gg.cs, b.C0), 0); ic < len(gg.cs)-1 && gg.cs[ic] < b.C1; ic++ {
			for iy := at(gg.ys, b.Y0); iy < ny && gg.ys[iy] < b.Y1; iy++ {
				for ix := at(gg.xs, b.X0); ix < nx && gg.xs[ix] < b.X1; ix++ {
					id := gg.ids[(ic*ny+iy)*nx+ix]
					f(id, p.Cores[id].Region.intersect(b))
				}
			}
		}
	}
}
