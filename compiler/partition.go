package compiler

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/neurosim/neurosim/arch"
)

// axonBytes is the synapse-memory entry every input axon takes on a digital core:
// the axon's source coordinates (projection, channel, row, column, or dense row),
// from which the core finds its synapses.
const axonBytes = 4

// capacity is what one core of a kind can hold.
type capacity struct {
	name    string
	cim     bool
	neurons int
	axons   int
	mem     int // bytes; 0 for cim (one crossbar cell pair per synapse)
	wbits   int
	models  []string
	tiles   int // tiles of this kind on the board
	macro   arch.Macro
	macros  int // cim: macros per core
}

func capacities(spec *arch.Spec, wbits int) []capacity {
	var caps []capacity
	names := make([]string, 0, len(spec.Cores))
	for n := range spec.Cores {
		names = append(names, n)
	}
	sort.Strings(names)
	chips := spec.Board.ChipsX * spec.Board.ChipsY
	for _, n := range names {
		k := spec.Cores[n]
		c := capacity{name: n, neurons: k.Neurons, axons: k.Axons, models: k.NeuronModels, wbits: wbits}
		if k.Type == arch.CIM {
			c.cim = true
			c.macro, c.macros = k.Macro, k.MacrosPerCore()
			c.neurons = min(c.neurons, c.macros*k.Macro.Cols/max(k.Macro.CellsPerWeight, 1))
			c.axons = min(c.axons, c.macros*k.Macro.Rows)
		} else {
			c.mem = k.SynapseMemoryBytes
		}
		for y := 0; y < spec.Chip.Height; y++ {
			for x := 0; x < spec.Chip.Width; x++ {
				if spec.Chip.CoreAt(x, y) == n {
					c.tiles += chips
				}
			}
		}
		caps = append(caps, c)
	}
	return caps
}

// neuronFor returns the neuron model a layer runs as on a core kind, or "".
func neuronFor(l *Layer, c capacity) string {
	if l.Kind == LayerReadout {
		return "readout"
	}
	if l.Kind == LayerAttention && c.cim {
		return "" // the state changes with every input; a crossbar holds fixed weights
	}
	if l.Kind == LayerPsum {
		if c.cim {
			return ""
		}
		return "psum" // accumulate and send the sum: any digital core
	}
	if l.Kind == LayerCuba {
		if slices.Contains(c.models, "cubalif") {
			return "cubalif"
		}
		return ""
	}
	if l.Kind == LayerLIF {
		if slices.Contains(c.models, "lif") {
			return "lif"
		}
		if l.lif != nil && l.lif.la == 1 && slices.Contains(c.models, "if") {
			return "if" // no leak: an IF neuron with the same threshold and reset
		}
		if l.LIF != nil && l.LIF.LeakA == 1<<l.LIF.CoefBits && slices.Contains(c.models, "if") {
			return "if"
		}
		return ""
	}
	if slices.Contains(c.models, "multispike") {
		return "multispike"
	}
	if slices.Contains(c.models, "if") {
		return "if"
	}
	return ""
}

// tiling is a regular split of a layer's [C,H,W] into boxes of cT×tH×tW.
type tiling struct {
	kind       int // index into capacities
	cT, tH, tW int
	nc, ny, nx int
	axons      int // worst-case axons of one box
	mem        int
}

func (t tiling) cores() int { return t.nc * t.ny * t.nx }

// segment is the part of a layer on one core kind: channels [c0, c1) tiled by t,
// its cores numbered from first.
type segment struct {
	c0, c1 int
	t      tiling
	first  int
}

type layerPart struct {
	segs []segment
}

// span returns the input range [lo, hi) a conv box [o0, o1) reads along one axis.
func span(o0, o1, stride, pad, k, size int) (int, int) {
	lo := o0*stride - pad
	hi := (o1-1)*stride - pad + k
	return max(lo, 0), min(hi, size)
}

// boxNeeds returns the axons (distinct source neurons, as a bounding box per
// source) and the digital synapse memory of a box of layer l.
func boxNeeds(l *Layer, r Region, wbits int) (axons int, mem int, syn int64) {
	if l.Kind == LayerAttention {
		// q/k/v counts buffered in SRAM beside the state, no synapses (attention.go)
		h0, h1 := attnHeads(l, r)
		axons = attnAxonCount(l.Attn, h1-h0, (r.Y1-r.Y0)*(r.X1-r.X0))
		return axons, attnMem(l.Attn, h1-h0, axons), 0
	}
	type box struct{ c0, c1, y0, y1, x0, x1 int }
	bySrc := map[int]*box{}
	var srcs []int
	n := r.Len()
	for i := range l.Inputs {
		pr := &l.Inputs[i]
		var b box
		if pr.Kind == ProjSparse {
			lo, hi, cnt := pr.sparseSpan(r.C0, r.C1)
			plane := max(pr.InShape[1]*pr.InShape[2], 1)
			if hi > lo {
				b = box{lo / plane, (hi-1)/plane + 1, 0, pr.InShape[1], 0, pr.InShape[2]}
			}
			mem += (int(cnt)*(wbits+16) + 7) / 8 // weight and 16-bit target per synapse
			syn += cnt
		} else if pr.Kind == ProjDense {
			b = box{0, pr.InShape[0], 0, pr.InShape[1], 0, pr.InShape[2]}
			fan := numel(pr.InShape)
			if lo, hi := pr.inChannels(); pr.InHi > 0 {
				// a flat range (split.go), counted in flat coordinates
				b, fan = box{lo, hi, 0, 1, 0, 1}, hi-lo
			}
			mem += (fan*n*wbits + 7) / 8
			syn += int64(fan) * int64(n)
		} else {
			cin := pr.InShape[0]
			cinG, coutG := cin/pr.Groups, pr.Cout/pr.Groups
			g0, g1 := r.C0/coutG, (r.C1-1)/coutG
			b.c0, b.c1 = g0*cinG, (g1+1)*cinG
			if pr.Groups == 1 {
				b.c0, b.c1 = pr.inChannels()
				cinG = b.c1 - b.c0
			}
			b.y0, b.y1 = span(r.Y0, r.Y1, pr.Stride, pr.Pad, pr.KH, pr.InShape[1])
			b.x0, b.x1 = span(r.X0, r.X1, pr.Stride, pr.Pad, pr.KW, pr.InShape[2])
			if l.Kind != LayerPool { // pool weights are implicit ones
				mem += ((r.C1-r.C0)*cinG*pr.KH*pr.KW*wbits + 7) / 8
			}
			syn += int64(r.C1-r.C0) * int64(cinG) * validTaps(r.Y0, r.Y1, pr.Stride, pr.Pad, pr.KH, pr.InShape[1]) *
				validTaps(r.X0, r.X1, pr.Stride, pr.Pad, pr.KW, pr.InShape[2])
		}
		if o := bySrc[pr.Source]; o != nil {
			o.c0, o.c1 = min(o.c0, b.c0), max(o.c1, b.c1)
			o.y0, o.y1 = min(o.y0, b.y0), max(o.y1, b.y1)
			o.x0, o.x1 = min(o.x0, b.x0), max(o.x1, b.x1)
		} else {
			bb := b
			bySrc[pr.Source] = &bb
			srcs = append(srcs, pr.Source)
		}
	}
	for _, s := range srcs {
		b := bySrc[s]
		axons += max(b.c1-b.c0, 0) * max(b.y1-b.y0, 0) * max(b.x1-b.x0, 0)
	}
	mem += axons * axonBytes
	return axons, mem, syn
}

// validTaps counts Σ over outputs o in [o0,o1) of the kernel taps that land inside
// the input (padding excluded).
func validTaps(o0, o1, stride, pad, k, size int) int64 {
	var t int64
	for o := o0; o < o1; o++ {
		lo, hi := span(o, o+1, stride, pad, k, size)
		t += int64(max(hi-lo, 0))
	}
	return t
}

// candidates returns the distinct values ceil(n/k), k = 1..n, largest first.
func candidates(n int) []int {
	var out []int
	last := -1
	for k := 1; k <= n; k++ {
		v := (n + k - 1) / k
		if v != last {
			out = append(out, v)
			last = v
		}
	}
	return out
}

// bestTiling searches box sizes for channels [c0, c1) of layer l on core kind c:
// fewest cores, then the fewest axons in total (less replicated traffic), then
// the first found.
func bestTiling(l *Layer, c capacity, kind, c0, c1 int) (tiling, bool) {
	if l.Kind == LayerAttention {
		return attnTiling(l, c, kind, c0, c1)
	}
	s := chw(l.Shape)
	s[0] = c1 - c0
	parts := 0
	if c.cim {
		_, parts = cimParts(l, c.macro)
	}
	best := tiling{}
	found := false
	bestAx := 0
	for _, cT := range candidates(s[0]) {
		for _, tH := range candidates(s[1]) {
			if cT*tH > c.neurons {
				continue
			}
			for _, tW := range candidates(s[2]) {
				if cT*tH*tW > c.neurons {
					continue
				}
				t := tiling{kind: kind, cT: cT, tH: tH, tW: tW, nc: ceilDiv(s[0], cT), ny: ceilDiv(s[1], tH), nx: ceilDiv(s[2], tW)}
				if found && t.cores() > best.cores() {
					continue
				}
				b := worstBox(s, cT, tH, tW)
				b.C0, b.C1 = b.C0+c0, b.C1+c0
				ax, mem, _ := boxNeeds(l, b, c.wbits)
				if hasSparse(l) {
					ax, mem = sparseWorst(l, c0, c1, cT, c.wbits)
				}
				if ax > c.axons || (!c.cim && mem > c.mem) {
					continue
				}
				if c.cim && cimMacros(ax, b.Len(), parts, c.macro) > c.macros {
					continue
				}
				t.axons, t.mem = ax, mem
				if !found || t.cores() < best.cores() || (t.cores() == best.cores() && ax*t.cores() < bestAx) {
					best, found, bestAx = t, true, ax*t.cores()
				}
			}
		}
	}
	return best, found
}

type tilingKey struct{ li, kind, c0, c1 int }

type tilingVal struct {
	t  tiling
	ok bool
}

// tilingFor is bestTiling memoised per layer, kind and channel range.
func (s *State) tilingFor(li int, c capacity, kind, c0, c1 int) (tiling, bool) {
	k := tilingKey{li, kind, c0, c1}
	if v, ok := s.tilings[k]; ok {
		return v.t, v.ok
	}
	t, ok := bestTiling(&s.prog.Layers[li], c, kind, c0, c1)
	if s.tilings == nil {
		s.tilings = map[tilingKey]tilingVal{}
	}
	s.tilings[k] = tilingVal{t, ok}
	return t, ok
}

// worstBox is a box of the given size placed away from the borders (the most
// axons), clipped to the layer.
func worstBox(s []int, cT, tH, tW int) Region {
	y0 := min(max(s[1]/2-tH/2, 0), s[1]-tH)
	x0 := min(max(s[2]/2-tW/2, 0), s[2]-tW)
	c0 := min(max(s[0]/2-cT/2, 0), s[0]-cT)
	return Region{C0: c0, C1: c0 + cT, Y0: y0, Y1: y0 + tH, X0: x0, X1: x0 + tW}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// partitionPass chooses core kinds and a box tiling for every layer, checks that
// the cores fit the board, and builds the cores with their exact axon lists.
//
// Kinds are assigned layer by layer, largest first, each layer to the kind that
// needs the fewest cores among those with enough tiles left. If a kind is still
// over budget, layers on it are split by channels: their last channels move to
// a kind with tiles to spare, as many as fit there.
func partitionPass(s *State) error {
	p := s.prog
	caps := capacities(s.Spec, p.WeightBits)
	type option struct {
		t  tiling
		ok bool
	}
	onCIM := s.cimSelect()
	if len(s.diags) > 0 {
		return nil
	}
	s.onCIM = onCIM
	opts := make([][]option, len(p.Layers))
	for li := range p.Layers {
		l := &p.Layers[li]
		opts[li] = make([]option, len(caps))
		any := false
		for ci, c := range caps {
			if c.tiles == 0 || neuronFor(l, c) == "" || c.cim != onCIM[li] {
				continue
			}
			t, ok := s.tilingFor(li, c, ci, 0, l.Shape[0])
			opts[li][ci] = option{t, ok}
			any = any || ok
		}
		if !any {
			s.explainNoFit(l, caps, onCIM[li])
		}
	}
	if len(s.diags) > 0 {
		return nil
	}
	order := make([]int, len(p.Layers))
	minCores := make([]int, len(p.Layers))
	for li := range order {
		order[li] = li
		minCores[li] = math.MaxInt
		for _, o := range opts[li] {
			if o.ok {
				minCores[li] = min(minCores[li], o.t.cores())
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return minCores[order[a]] > minCores[order[b]] })
	cores := func(li, k int) int {
		if !opts[li][k].ok {
			return math.MaxInt
		}
		return opts[li][k].t.cores()
	}
	// try builds the parts for a kind per layer, repairs over-budget kinds by
	// splitting layers, and reports the tiles left per kind.
	try := func(kindOf []int) ([]layerPart, []int, bool) {
		left := make([]int, len(caps))
		for i, c := range caps {
			left[i] = c.tiles
		}
		parts := make([]layerPart, len(p.Layers))
		for li, k := range kindOf {
			left[k] -= opts[li][k].t.cores()
			parts[li] = layerPart{segs: []segment{{c0: 0, c1: p.Layers[li].Shape[0], t: opts[li][k].t}}}
		}
		for a := range caps {
			for pass := 0; pass < 4 && left[a] < 0; pass++ {
				for _, li := range order {
					if left[a] >= 0 {
						break
					}
					s.splitLayer(parts, li, a, caps, left)
				}
			}
		}
		for _, l := range left {
			if l < 0 {
				return parts, left, false
			}
		}
		return parts, left, true
	}
	// Strategy 1: largest layers first, each on the kind with the fewest cores
	// among those with enough tiles left.
	kindOf := make([]int, len(p.Layers))
	{
		left := make([]int, len(caps))
		for i, c := range caps {
			left[i] = c.tiles
		}
		for _, li := range order {
			bi := -1
			for ci := range caps {
				if cores(li, ci) == math.MaxInt {
					continue
				}
				fits := cores(li, ci) <= left[ci]
				if bi < 0 {
					bi = ci
					continue
				}
				bfits := cores(li, bi) <= left[bi]
				if (fits && !bfits) || (fits == bfits && cores(li, ci) < cores(li, bi)) {
					bi = ci
				}
			}
			kindOf[li] = bi
			left[bi] -= cores(li, bi)
		}
	}
	parts, left, ok := try(kindOf)
	// Strategy 2, if that does not fit: for each kind b, the layers that lose
	// the least by running on b (cores on b / cores elsewhere) go there, k at a
	// time; keep the fitting assignment with the fewest cores.
	if !ok {
		bestTotal := math.MaxInt
		for b := range caps {
			var cand []int
			other := make([]int, len(p.Layers))
			for li := range p.Layers {
				other[li] = -1
				for ci := range caps {
					if ci != b && cores(li, ci) != math.MaxInt && (other[li] < 0 || cores(li, ci) < cores(li, other[li])) {
						other[li] = ci
					}
				}
				if cores(li, b) != math.MaxInt {
					cand = append(cand, li)
				}
			}
			ratio := func(li int) float64 {
				if other[li] < 0 {
					return 0
				}
				return float64(cores(li, b)) / float64(cores(li, other[li]))
			}
			sort.SliceStable(cand, func(x, y int) bool { return ratio(cand[x]) < ratio(cand[y]) })
			for k := 0; k <= len(cand); k++ {
				ko := make([]int, len(p.Layers))
				for li := range ko {
					ko[li] = other[li]
					if ko[li] < 0 {
						ko[li] = b
					}
				}
				for _, li := range cand[:k] {
					ko[li] = b
				}
				pt, lf, fit := try(ko)
				if !fit {
					continue
				}
				total := 0
				for _, x := range pt {
					for _, sg := range x.segs {
						total += sg.t.cores()
					}
				}
				if total < bestTotal {
					bestTotal, parts, left, ok = total, pt, lf, true
				}
			}
		}
	}
	s.parts = parts
	if !ok {
		neurons, room := 0, 0
		for li := range p.Layers {
			neurons += p.Layers[li].Size()
		}
		for _, c := range caps {
			room += c.tiles * c.neurons
		}
		if neurons > room {
			s.errorf("", "the model has %d neurons (pool populations included) but the board holds at most %d (over by %d); use a larger mesh or more chips (board.chips_x/chips_y)", neurons, room, neurons-room)
		}
	}
	for i, c := range caps {
		if left[i] < 0 {
			var need []string
			for li := range p.Layers {
				for _, sg := range s.parts[li].segs {
					need = append(need, fmt.Sprintf("%s %d %s", p.Layers[li].Name, sg.t.cores(), caps[sg.t.kind].name))
				}
			}
			split := ""
			if len(s.splits) > 0 {
				split = "; split into partial sums, their neurons reading more inputs than a core has axons: " + strings.Join(s.splits, ", ")
			}
			s.errorf("", "the model needs %d cores of kind %s but the board has %d (over by %d); needs per layer: %s%s; use a larger mesh, more chips (board.chips_x/chips_y) or larger cores",
				c.tiles-left[i], c.name, c.tiles, -left[i], strings.Join(need, ", "), split)
		}
	}
	if len(s.diags) > 0 {
		return nil
	}
	// Build the cores in layer order.
	for li := range p.Layers {
		l := &p.Layers[li]
		sh := chw(l.Shape)
		for si := range s.parts[li].segs {
			sg := &s.parts[li].segs[si]
			t := sg.t
			c := caps[t.kind]
			nm := neuronFor(l, c)
			if l.Kind == LayerReadout || l.Kind == LayerPsum {
				nm = ""
			}
			if si == 0 {
				l.Neuron = nm
			}
			sg.first = len(p.Cores)
			for ic := 0; ic < t.nc; ic++ {
				for iy := 0; iy < t.ny; iy++ {
					for ix := 0; ix < t.nx; ix++ {
						r := Region{C0: sg.c0 + ic*t.cT, C1: min(sg.c0+(ic+1)*t.cT, sg.c1), Y0: iy * t.tH, Y1: min((iy+1)*t.tH, sh[1]), X0: ix * t.tW, X1: min((ix+1)*t.tW, sh[2])}
						core := Core{ID: len(p.Cores), Kind: c.name, Neuron: nm, Layer: li, Region: r}
						p.setAxons(&core, l)
						axLimit := c.axons
						if l.Kind == LayerAttention {
							// no synapses: the SRAM holds the state and the buffered counts
							h0, h1 := attnHeads(l, r)
							core.SynapseBytes = attnMem(l.Attn, h1-h0, core.NumAxons)
							axLimit = math.MaxInt
						} else {
							_, mem, syn := boxNeeds(l, r, c.wbits)
							core.SynapseBytes = mem - (axonCountBox(l, r)-core.NumAxons)*axonBytes
							core.Synapses = syn
						}
						if c.cim {
							core.SynapseBytes = 0
						}
						if core.NumAxons > axLimit || (!c.cim && core.SynapseBytes > c.mem) {
							s.errorf(l.Name, "core %d (%s): %d axons, %d bytes exceed %d axons, %d bytes", core.ID, r, core.NumAxons, core.SynapseBytes, c.axons, c.mem)
						}
						l.Cores = append(l.Cores, core.ID)
						p.Cores = append(p.Cores, core)
					}
				}
			}
		}
	}
	return nil
}

// splitLayer moves the last channels of layer li, if its first part sits on
// over-budget kind a, to another kind with tiles left (the kind of its second
// part if it already has one), as many channels as fit there.
func (s *State) splitLayer(parts []layerPart, li, a int, caps []capacity, left []int) {
	l := &s.prog.Layers[li]
	segs := parts[li].segs
	if segs[0].t.kind != a || len(segs) > 2 {
		return
	}
	C := l.Shape[0]
	for b := range caps {
		if b == a || caps[b].tiles == 0 || neuronFor(l, caps[b]) == "" || left[a] >= 0 || caps[b].cim != s.onCIM[li] {
			continue
		}
		moved, have := 0, left[b]
		if len(segs) == 2 {
			if segs[1].t.kind != b {
				continue
			}
			moved, have = C-segs[1].c0, left[b]+segs[1].t.cores()
		}
		// largest cs ≥ moved (channels on b) whose tiling fits the tiles b has
		lo, hi := moved, C-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if t, ok := s.tilingFor(li, caps[b], b, C-mid, C); ok && t.cores() <= have {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		if lo == moved {
			continue
		}
		tb, _ := s.tilingFor(li, caps[b], b, C-lo, C)
		ta, ok := s.tilingFor(li, caps[a], a, 0, C-lo)
		if !ok {
			continue
		}
		left[a] += segs[0].t.cores() - ta.cores()
		left[b] = have - tb.cores()
		parts[li].segs = []segment{{c0: 0, c1: C - lo, t: ta}, {c0: C - lo, c1: C, t: tb}}
		return
	}
}

func axonCountBox(l *Layer, r Region) int {
	a, _, _ := boxNeeds(l, r, 1)
	return a
}

// explainNoFit reports why not even one neuron of l fits a core of any kind.
func (s *State) explainNoFit(l *Layer, caps []capacity, cim bool) {
	if l.Kind == LayerAttention {
		s.explainAttn(l, caps)
		return
	}
	sh := chw(l.Shape)
	unit := Region{C0: 0, C1: 1, Y0: sh[1] / 2, Y1: sh[1]/2 + 1, X0: sh[2] / 2, X1: sh[2]/2 + 1}
	var kinds []string
	reported := false
	for _, c := range caps {
		nm := neuronFor(l, c)
		kinds = append(kinds, fmt.Sprintf("%s: %s", c.name, strings.Join(c.models, ",")))
		if nm == "" || c.tiles == 0 || c.cim != cim {
			continue
		}
		ax, mem, _ := boxNeeds(l, unit, c.wbits)
		if c.cim {
			_, parts := cimParts(l, c.macro)
			need := cimMacros(ax, 1, parts, c.macro)
			switch {
			case need > c.macros:
				s.errorf(l.Name, "on cim cores: one neuron's fan-in %d × %d weight slices needs %d macros of %d rows, a %s core has %d (over by %d); use a chip with more macros per core (core.%s.macros), --cim-layers without %s, or split the layer",
					ax, parts, need, c.macro.Rows, c.name, c.macros, need-c.macros, c.name, l.Name)
				reported = true
			case ax > c.axons:
				s.errorf(l.Name, "on cim cores: fan-in %d > %d axons of a %s core (over by %d); use a chip with larger cim cores, --cim-layers without %s, or split the layer", ax, c.axons, c.name, ax-c.axons, l.Name)
				reported = true
			}
			continue
		}
		if ax > c.axons {
			s.errorf(l.Name, "fan-in %d > core axons %d on %s cores (over by %d); use a chip with larger cores or split channels", ax, c.axons, c.name, ax-c.axons)
			reported = true
		} else if !c.cim && mem > c.mem {
			s.errorf(l.Name, "synapse memory for one neuron %d bytes > %d bytes on %s cores (over by %d); use fewer weight bits or larger synapse memory", mem, c.mem, c.name, mem-c.mem)
			reported = true
		}
	}
	if !reported {
		as := "multispike or if"
		if l.Kind == LayerLIF {
			as = "lif"
		}
		if l.Kind == LayerCuba {
			as = "cubalif"
		}
		s.errorf(l.Name, "neuron model %s (as %s) is not implemented by any core kind on the chip (%s)", l.Kind, as, strings.Join(kinds, "; "))
	}
}

// axonList returns the exact sorted distinct sources a box of l reads.
func axonList(l *Layer, r Region) []Axon {
	if l.Kind == LayerAttention {
		return attnAxonList(l, r)
	}
	var out []Axon
	for i := range l.Inputs {
		pr := &l.Inputs[i]
		src := int32(pr.Source)
		if pr.Kind == ProjSparse {
			lo, hi, _ := pr.sparseSpan(r.C0, r.C1)
			for n := lo; n < hi; n++ {
				for k := pr.SpStart[n]; k < pr.SpStart[n+1]; k++ {
					if o := int(pr.SpOut[k]); o >= r.C0 && o < r.C1 {
						out = append(out, Axon{src, int32(n)})
						break
					}
				}
			}
			continue
		}
		if pr.Kind == ProjDense {
			lo, hi := pr.inChannels()
			for n := lo; n < hi; n++ {
				out = append(out, Axon{src, int32(n)})
			}
			continue
		}
		cin, h, w := pr.InShape[0], pr.InShape[1], pr.InShape[2]
		cinG, coutG := cin/pr.Groups, pr.Cout/pr.Groups
		c0, c1 := (r.C0/coutG)*cinG, ((r.C1-1)/coutG+1)*cinG
		if pr.Groups == 1 {
			c0, c1 = pr.inChannels()
		}
		y0, y1 := span(r.Y0, r.Y1, pr.Stride, pr.Pad, pr.KH, h)
		x0, x1 := span(r.X0, r.X1, pr.Stride, pr.Pad, pr.KW, w)
		for c := c0; c < c1; c++ {
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					out = append(out, Axon{src, int32((c*h+y)*w + x)})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Axon) int {
		if a.Source != b.Source {
			return int(a.Source - b.Source)
		}
		return int(a.Neuron - b.Neuron)
	})
	return slices.Compact(out)
}
