package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neurosim/neurosim/arch"
)

// # CIM placement and tiling
//
// Which layers run on cim cores is Options.CIMLayers (see cimSelect); the
// partition pass puts the selected layers only on cim core kinds and every
// other layer only on digital kinds. The tile pass then lays each cim core's
// synapses onto its macros (CIMTile).

// CIM layer selections (Options.CIMLayers).
const (
	CIMDense = "dense" // the default: layers fed only by dense (FC) projections
	CIMAll   = "all"   // every layer with stored weights (conv and dense; not pool)
	CIMNone  = "none"  // no layer: cim tiles stay empty
)

// CIMTile is how one cim core's synapse matrix sits on its macros.
//
// The core's logical matrix has one row per axon (Core.Axons order) and
// Parts logical columns per local neuron: column i·Parts + p holds part p of
// the weights into neuron i. An integer weight w is written in base Base =
// macro levels as digits, w = Σ_s d_s·Base^s with |d_s| ≤ Base−1 and the sign
// of w, Slices digits in all (the fewest that hold the layer's largest
// |w|). With differential pairs (cells_per_weight 2) part p = s holds digit
// d_s; with one cell per weight, which cannot hold a negative level, part
// 2s holds the digit of max(w, 0) and part 2s+1 that of max(−w, 0). A neuron's
// input is Σ_p Coef(p)·column(p), added digitally.
//
// The matrix is cut into RowTiles × ColTiles macros: macro (rt, ct) holds
// rows [rt·macro.rows, …) and logical columns [ct·outputs, …) (outputs =
// macro.cols / cells_per_weight); unused cells hold 0. The partial sums of
// the row tiles of a column are added digitally too.
//
// For a conv layer this is the unrolled (Toeplitz) mapping of an
// event-driven chip: the core's box of output positions × channels are the
// columns, the distinct input neurons its receptive fields cover are the
// rows, and a kernel weight is repeated once per output position it serves
// (cells that no window covers hold 0). A spike drives its one row once, and
// every output it reaches is read in the same analog read; the im2col mapping
// of frame-based accelerators (kernel rows × Cout columns, one read per output
// position) would need the whole input window at once, which a spike does not
// have.
type CIMTile struct {
	Core     int `json:"core"`
	Base     int `json:"base"`      // digit base: the macro's levels
	Slices   int `json:"slices"`    // digits per weight
	Parts    int `json:"parts"`     // logical columns per neuron
	Rows     int `json:"rows"`      // logical rows: the core's axons
	Cols     int `json:"cols"`      // logical columns: neurons × Parts
	RowTiles int `json:"row_tiles"` // macros down the rows
	ColTiles int `json:"col_tiles"` // macros across the columns
}

// Macros returns the number of macros the core uses.
func (t *CIMTile) Macros() int { return t.RowTiles * t.ColTiles }

// Coef returns the weight of logical part p in a neuron's sum: ±Base^slice.
func (t *CIMTile) Coef(p int) int64 {
	s, neg := p, false
	if t.Parts == 2*t.Slices {
		s, neg = p/2, p%2 == 1
	}
	c := int64(1)
	for range s {
		c *= int64(t.Base)
	}
	if neg {
		return -c
	}
	return c
}

// digit returns part p of weight w (see CIMTile).
func (t *CIMTile) digit(w int32, p int) int32 {
	v := int64(w)
	s := p
	if t.Parts == 2*t.Slices {
		s = p / 2
		if p%2 == 0 {
			v = max(v, 0)
		} else {
			v = max(-v, 0)
		}
	}
	neg := v < 0
	if neg {
		v = -v
	}
	for range s {
		v /= int64(t.Base)
	}
	d := int32(v % int64(t.Base))
	if neg {
		return -d
	}
	return d
}

// cimSlices returns the digits of base levels needed for |w| ≤ maxAbs.
func cimSlices(maxAbs int64, levels int) int {
	s, cap := 1, int64(levels)
	for cap-1 < maxAbs {
		s++
		cap *= int64(levels)
	}
	return s
}

// layerMaxAbs bounds |w| of the synapses of l (1 for a pool layer, whose
// weights are implicit ones): the largest |w| of each projection, summed
// over the projections of one source (an axon of a source that feeds l
// twice holds the sum of both weights), and the largest over the sources.
func layerMaxAbs(l *Layer) int64 {
	if l.Kind == LayerPool {
		return 1
	}
	bySrc := map[int]int64{}
	var m int64
	for i := range l.Inputs {
		var pm int64
		for _, w := range l.Inputs[i].Weights {
			pm = max(pm, int64(w), -int64(w))
		}
		bySrc[l.Inputs[i].Source] += pm
		m = max(m, bySrc[l.Inputs[i].Source])
	}
	return m
}

// cimParts returns the slices and logical columns per neuron of layer l on
// a macro.
func cimParts(l *Layer, m arch.Macro) (slices, parts int) {
	slices = cimSlices(layerMaxAbs(l), m.Levels)
	parts = slices
	if m.CellsPerWeight == 1 {
		parts = 2 * slices
	}
	return slices, parts
}

// cimMacros returns the macros a box of axons × neurons takes.
func cimMacros(axons, neurons, parts int, m arch.Macro) int {
	outs := m.Cols / max(m.CellsPerWeight, 1)
	return ceilDiv(max(axons, 1), m.Rows) * ceilDiv(max(neurons*parts, 1), outs)
}

// cimSelect returns, per layer, whether Options.CIMLayers puts it on cim
// cores, or diagnostics for a bad selection. A chip without cim tiles
// selects nothing (an explicit list of names is then an error); a chip
// without digital tiles selects every layer.
func (s *State) cimSelect() []bool {
	p := s.prog
	sel := make([]bool, len(p.Layers))
	hasCIM, hasDigital := false, false // kinds that have tiles
	ch := s.Spec.Chip
	for y := 0; y < ch.Height; y++ {
		for x := 0; x < ch.Width; x++ {
			switch s.Spec.Cores[ch.CoreAt(x, y)].Type {
			case arch.CIM:
				hasCIM = true
			case arch.Digital:
				hasDigital = true
			}
		}
	}
	opt := strings.TrimSpace(s.Opts.CIMLayers)
	if opt == "" {
		opt = CIMDense
	}
	if !hasDigital && opt != CIMNone {
		for li := range sel {
			sel[li] = true // a cim-only chip runs everything on its macros
		}
		return sel
	}
	switch opt {
	case CIMNone:
		return sel
	case CIMDense, CIMAll:
		if !hasCIM {
			return sel
		}
		for li := range p.Layers {
			l := &p.Layers[li]
			if cimUnsupported(l) != "" || len(l.Inputs) == 0 {
				continue
			}
			dense := true
			for j := range l.Inputs {
				dense = dense && l.Inputs[j].Kind == ProjDense
			}
			sel[li] = opt == CIMAll || dense
		}
		return sel
	}
	var names []string
	for li := range p.Layers {
		names = append(names, p.Layers[li].Name)
	}
	for _, name := range strings.Split(opt, ",") {
		name = strings.TrimSpace(name)
		li := slices.Index(names, name)
		switch {
		case li < 0:
			s.errorf("", "--cim-layers: no layer %q (layers: %s; or dense, all, none)", name, strings.Join(names, ", "))
		case !hasCIM:
			s.errorf(name, "placed on cim cores by --cim-layers, but the chip %q has no cim core kind", s.Spec.Chip.Name)
		case cimUnsupported(&p.Layers[li]) != "":
			s.errorf(name, "%s; keep it on digital cores", cimUnsupported(&p.Layers[li]))
		default:
			sel[li] = true
		}
	}
	return sel
}

// cimUnsupported says why layer l cannot run on cim cores, or "".
func cimUnsupported(l *Layer) string {
	switch {
	case l.Kind == LayerPool:
		return "a pool layer has no stored weights to put in a crossbar"
	case l.Kind == LayerCuba:
		return "cuba layers do not run on cim cores yet"
	case l.Kind == LayerAttention:
		return "operator SpikeAttention does not run on cim cores (a crossbar holds fixed weights; the attention state changes with every input)"
	}
	for i := range l.Inputs {
		if l.Inputs[i].Recurrent {
			return "recurrent projections do not run on cim cores yet"
		}
	}
	return ""
}

// tilePass lays the synapses of every cim core onto its macros.
func tilePass(s *State) error {
	p := s.prog
	p.CIMTiles = nil
	for ci := range p.Cores {
		c := &p.Cores[ci]
		k := s.Spec.Cores[c.Kind]
		if k.Type != arch.CIM {
			continue
		}
		l := &p.Layers[c.Layer]
		m := k.Macro
		sl, parts := cimParts(l, m)
		outs := m.Cols / m.CellsPerWeight
		t := CIMTile{
			Core: c.ID, Base: m.Levels, Slices: sl, Parts: parts,
			Rows: c.NumAxons, Cols: c.Neurons() * parts,
		}
		t.RowTiles = ceilDiv(max(t.Rows, 1), m.Rows)
		t.ColTiles = ceilDiv(max(t.Cols, 1), outs)
		if t.Macros() > k.MacrosPerCore() {
			s.errorf(l.Name, "core %d (%s): %d axons × %d neurons × %d weight slices need %d×%d = %d macros of %d×%d, a %s core has %d (over by %d)",
				c.ID, c.Region, t.Rows, c.Neurons(), parts, t.RowTiles, t.ColTiles, t.Macros(), m.Rows, outs, c.Kind, k.MacrosPerCore(), t.Macros()-k.MacrosPerCore())
		}
		p.CIMTiles = append(p.CIMTiles, t)
	}
	return nil
}

// CIMTileOf returns the tiling of core c, or nil if c is not a cim core.
func (p *Program) CIMTileOf(c int) *CIMTile {
	for i := range p.CIMTiles {
		if p.CIMTiles[i].Core == c {
			return &p.CIMTiles[i]
		}
	}
	return nil
}

// CIMWeights returns the integer levels of macro (rt, ct) of core c tiled
// by t on macros of rows × outs weights: rows × outs values row-major
// (crossbar.Program's layout), each a digit of a synapse's weight (see
// CIMTile), 0 where no synapse or no logical row or column falls.
func (p *Program) CIMWeights(c *Core, t *CIMTile, rt, ct, rows, outs int) ([]int32, error) {
	if rt < 0 || rt >= t.RowTiles || ct < 0 || ct >= t.ColTiles {
		return nil, fmt.Errorf("compiler: macro (%d, %d) outside the %d×%d tiling of core %d", rt, ct, t.RowTiles, t.ColTiles, c.ID)
	}
	w := make([]int32, rows*outs)
	limit := int64(1)
	for range t.Slices {
		limit *= int64(t.Base)
	}
	sum := make([]int64, c.Neurons()) // the weight of the axon into each neuron
	var syn []Synapse
	for r := 0; r < rows; r++ {
		a := rt*rows + r
		if a >= c.NumAxons {
			break
		}
		syn = p.Synapses(syn[:0], c, a)
		for _, sy := range syn {
			sum[sy.Neuron] += int64(sy.Weight)
		}
		for _, sy := range syn {
			v := sum[sy.Neuron]
			if v == 0 {
				continue // done, or cancelled out
			}
			sum[sy.Neuron] = 0
			if v >= limit || v <= -limit {
				return nil, fmt.Errorf("compiler: core %d axon %d: weight %d needs more than %d digits of base %d", c.ID, a, v, t.Slices, t.Base)
			}
			for part := 0; part < t.Parts; part++ {
				col := int(sy.Neuron)*t.Parts + part - ct*outs
				if col >= 0 && col < outs {
					w[r*outs+col] = t.digit(int32(v), part)
				}
			}
		}
	}
	return w, nil
}

// checkCIMTiles checks the tilings against the cores: one per core at most,
// in core order, each consistent with its core's axons and neurons.
func (p *Program) checkCIMTiles() error {
	last := -1
	for i := range p.CIMTiles {
		t := &p.CIMTiles[i]
		if t.Core <= last || t.Core >= len(p.Cores) {
			return fmt.Errorf("cim tile %d: core %d out of order or range", i, t.Core)
		}
		last = t.Core
		c := &p.Cores[t.Core]
		switch {
		case t.Base < 2 || t.Base > 1<<16 || t.Slices < 1 || t.Slices > 32:
			return fmt.Errorf("cim tile of core %d: base %d, %d slices", t.Core, t.Base, t.Slices)
		case t.Parts != t.Slices && t.Parts != 2*t.Slices:
			return fmt.Errorf("cim tile of core %d: %d parts for %d slices", t.Core, t.Parts, t.Slices)
		case t.Rows != c.NumAxons || t.Cols != c.Neurons()*t.Parts:
			return fmt.Errorf("cim tile of core %d: %d×%d logical matrix for %d axons × %d neurons × %d parts", t.Core, t.Rows, t.Cols, c.NumAxons, c.Neurons(), t.Parts)
		case t.RowTiles < 1 || t.ColTiles < 1 || t.RowTiles > 1<<16 || t.ColTiles > 1<<16:
			return fmt.Errorf("cim tile of core %d: %d×%d macros", t.Core, t.RowTiles, t.ColTiles)
		}
	}
	return nil
}
