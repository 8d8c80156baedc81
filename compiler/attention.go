package compiler

import (
	"fmt"
	"math"
	"slices"

	"github.com/neurosim/neurosim/models"
)

// Spike-driven attention (models.OpSpikeAttention) on the chip.
//
// Lowering. A SpikeAttention node on three spike sources q, k [C, tokens…]
// and v [Cv, tokens…] (heads h, dk = C/h, dv = Cv/h), followed by a MultiSpike
// (directly or through Scale/BatchNorm, which are per-channel affine maps),
// becomes one population of kind "attention": the MultiSpike's neurons
// [Cv, tokens…], fed by three projections of kind "attn" with Role q, k and v
// that carry no synapses. Per head the unit computes the integer sums
//
//	A[h·dv+j][t] = Σ_a q[h·dk+a][t] · S_h[a][j],  S_h[a][j] = Σ_u k[h·dk+a][u] · v[h·dv+j][u]
//
// of spike counts, additions only (core.KVAttention is the functional model):
// A equals ((q·kᵀ)·v) exactly, so both orders of the graph (qk_v, q_kv) run
// on the same unit and give the same counts. The real value the MultiSpike
// sees is x_c = f_c·A + b_c with f_c = scale · s_q·s_k·s_v · a_c (s the real
// value of one count of each source, 1/norm of its MultiSpike; a_c, b_c from
// a following Scale/BatchNorm). f_c is folded into the threshold as the rest
// of the compiler folds scales: quantize treats it as the one weight of
// channel c (the v projection's Weights[c] = g_c = round(f_c·θ_c), θ_c odd
// and as large as the weight bits allow), so the neuron accumulates
// acc = round(b_c·θ_c) + g_c·A and fires s = clamp(floor((acc+(θ−1)/2)/θ), 0, D)
// like any spike layer (Layer.Fire).
//
// Partition. A core of an attention layer holds whole heads (channels [C0, C1)
// multiples of dv) and a box of tokens; its axons are q of its heads and
// tokens, and k and v of its heads and all tokens (every core of a head
// builds the head's whole state). Its SRAM (the kind's synapse memory)
// holds the state, 4 bytes per word, heads·dk·dv words, and one byte per
// input axon for the buffered count; the kind's axon limit (the synapse
// table's index) does not apply, the SRAM does. A layer whose one head and
// one token does not fit is an error naming the layer, the limit and the
// excess. Cim kinds cannot run attention (their crossbars hold fixed
// weights): an attention layer on a chip without digital cores is an error
// naming the operator and the kind.
//
// Execution (package chip). q, k and v spikes arrive as packets like any
// other, in the phases of their layers (earlier than the attention layer's,
// the per-layer barrier), and are counted per axon into the buffer. In its
// own phase the core first applies every k spike (dv state additions each,
// reading the buffered v counts of its token), then every q spike (dv state
// reads and dv output additions), then its neurons fire. The counts
// StateAdds, StateReads and OutAdds are priced by the spec's attention
// energy entries.

// AttnParams is the geometry of an attention layer.
type AttnParams struct {
	Heads  int `json:"heads"`
	DK     int `json:"dk"`     // q and k channels per head
	DV     int `json:"dv"`     // v (and output) channels per head
	Tokens int `json:"tokens"` // tokens (H·W of the layer's shape)
	// Order and Scale are the graph's attributes, kept for reports: the
	// unit computes q·(kᵀ·v) for both orders, and Scale is folded into the
	// threshold and the v projection's gains.
	Order string  `json:"order"`
	Scale float64 `json:"scale"`
}

// attnWordBytes is the SRAM of one state word (an int32 sum S_h[a][j]).
const attnWordBytes = 4

// lowerAttention lowers a SpikeAttention node to an expression with its q, k
// and v projections; the MultiSpike that reads it makes the population.
func (s *State) lowerAttention(n *models.Node, in []*value, shape models.Shape) *value {
	id := n.ID
	for i, role := range []string{"q", "k", "v"} {
		switch {
		case !in[i].spike:
			s.errorf(id, "SpikeAttention input %s is real-valued (the output of a weight layer before any neuron): the chip carries only spike counts between cores; insert a MultiSpike", role)
			return nil
		case in[i].layer < 0:
			s.errorf(id, "SpikeAttention input %s is the raw input: attention needs spike counts of a layer", role)
			return nil
		}
	}
	heads := n.Int("heads", 1)
	qs, vs := chw(in[0].shape), chw(in[2].shape)
	if heads < 1 || qs[0]%heads != 0 || vs[0]%heads != 0 {
		s.errorf(id, "SpikeAttention heads %d do not divide channels q %d, v %d", heads, qs[0], vs[0])
		return nil
	}
	dk := qs[0] / heads
	ap := &AttnParams{Heads: heads, DK: dk, DV: vs[0] / heads, Tokens: qs[1] * qs[2],
		Order: n.Str("order", "qk_v"), Scale: n.Float("scale", 1/math.Sqrt(float64(dk)))}
	f := ap.Scale * in[0].scale * in[1].scale * in[2].scale
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		s.errorf(id, "SpikeAttention scale %g gives the gain %g per count product; want a finite nonzero value", ap.Scale, f)
		return nil
	}
	e := &value{bias: make([]float64, vs[0]), attn: ap}
	for i, role := range []string{"q", "k", "v"} {
		pr := &Projection{Source: in[i].layer, Kind: ProjAttn, Role: role, InShape: chw(in[i].shape), Cout: vs[0], node: id, src: 1}
		if role == "v" {
			pr.real = make([]float64, vs[0])
			for c := range pr.real {
				pr.real[c] = f
			}
		}
		e.terms = append(e.terms, pr)
	}
	return e
}

// checkAttnAttrs reports a SpikeAttention node's bad attributes.
func (s *State) checkAttnAttrs(n *models.Node) bool {
	if o := n.Str("order", "qk_v"); o != "qk_v" && o != "q_kv" {
		s.errorf(n.ID, "SpikeAttention order %q: want qk_v or q_kv", o)
		return false
	}
	return true
}

// attnExpr reports whether an expression holds attention terms, and whether
// it is exactly one attention's q, k and v (what an attention population
// takes).
func attnExpr(e *value) (any, whole bool) {
	n := 0
	for _, t := range e.terms {
		if t.Kind == ProjAttn {
			n++
		}
	}
	return n > 0, n == 3 && len(e.terms) == 3 && e.attn != nil
}

// attnHeads returns the heads [h0, h1) of region r of attention layer l.
func attnHeads(l *Layer, r Region) (int, int) {
	return r.C0 / l.Attn.DV, (r.C1 + l.Attn.DV - 1) / l.Attn.DV
}

// attnAxonCount returns the axons of a core of hp heads and nt tokens.
func attnAxonCount(a *AttnParams, hp, nt int) int {
	return hp * (a.DK*nt + (a.DK+a.DV)*a.Tokens)
}

// attnMem returns the SRAM bytes of a core of hp heads with the given axons.
func attnMem(a *AttnParams, hp, axons int) int {
	return hp*a.DK*a.DV*attnWordBytes + axons
}

// attnAxonList returns the sorted distinct sources of region r of attention
// layer l: q of its heads and tokens, k and v of its heads and every token.
func attnAxonList(l *Layer, r Region) []Axon {
	a := l.Attn
	h0, h1 := attnHeads(l, r)
	sh := chw(l.Shape)
	var out []Axon
	for _, pr := range l.Inputs {
		src := int32(pr.Source)
		per := a.DK
		if pr.Role == "v" {
			per = a.DV
		}
		for c := h0 * per; c < h1*per; c++ {
			if pr.Role == "q" {
				for y := r.Y0; y < r.Y1; y++ {
					for x := r.X0; x < r.X1; x++ {
						out = append(out, Axon{src, int32(c*a.Tokens + y*sh[2] + x)})
					}
				}
				continue
			}
			for t := 0; t < a.Tokens; t++ {
				out = append(out, Axon{src, int32(c*a.Tokens + t)})
			}
		}
	}
	slices.SortFunc(out, cmpAxon)
	return slices.Compact(out)
}

// attnTiling searches boxes of whole heads × tokens for channels [c0, c1) of
// attention layer l on core kind c: fewest cores, then fewest axons in total.
func attnTiling(l *Layer, c capacity, kind, c0, c1 int) (tiling, bool) {
	a := l.Attn
	if c.cim || c0%a.DV != 0 || (c1%a.DV != 0 && c1 != l.Shape[0]) || c1 <= c0 {
		return tiling{}, false
	}
	s := chw(l.Shape)
	s[0] = c1 - c0
	nh := ceilDiv(s[0], a.DV)
	best, found, bestAx := tiling{}, false, 0
	for _, hp := range candidates(nh) {
		cT := hp * a.DV
		for _, tH := range candidates(s[1]) {
			for _, tW := range candidates(s[2]) {
				if cT*tH*tW > c.neurons {
					continue
				}
				t := tiling{kind: kind, cT: cT, tH: tH, tW: tW, nc: ceilDiv(s[0], cT), ny: ceilDiv(s[1], tH), nx: ceilDiv(s[2], tW)}
				ax := attnAxonCount(a, hp, tH*tW)
				mem := attnMem(a, hp, ax)
				if mem > c.mem {
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

// explainAttn reports why attention layer l fits no core of the chip.
func (s *State) explainAttn(l *Layer, caps []capacity) {
	a := l.Attn
	for _, c := range caps {
		if c.tiles == 0 {
			continue
		}
		if c.cim {
			s.errorf(l.Name, "operator SpikeAttention cannot run on core kind %s (cim): a crossbar holds fixed weights, the attention state kᵀ·v changes with every input; use a chip with digital cores", c.name)
			continue
		}
		if neuronFor(l, c) == "" {
			s.errorf(l.Name, "operator SpikeAttention needs a multispike or if neuron model to fire its sums; core kind %s has %v", c.name, c.models)
			continue
		}
		ax := attnAxonCount(a, 1, 1)
		if mem := attnMem(a, 1, ax); mem > c.mem {
			s.errorf(l.Name, "attention state of one head (%d×%d words of %d bytes) and the counts of its %d inputs take %d bytes > %d bytes of SRAM on %s cores (over by %d); use fewer tokens, more heads or cores with more memory",
				a.DK, a.DV, attnWordBytes, ax, mem, c.mem, c.name, mem-c.mem)
		} else if a.DV > c.neurons {
			s.errorf(l.Name, "attention head of %d output channels > %d neurons of a %s core (over by %d)", a.DV, c.neurons, c.name, a.DV-c.neurons)
		}
	}
}

// attend adds the attention sums of layer l (gain g_c = the v projection's
// Weights[c]) to acc [Cv][tokens]; sc is scratch of at least DK·DV words.
func attend(acc []int64, l *Layer, q, k, v []int32, sc []int64) {
	a := l.Attn
	N := a.Tokens
	g := l.Inputs[2].Weights
	for h := range a.Heads {
		st := sc[:a.DK*a.DV]
		clear(st)
		for i := range a.DK {
			row := st[i*a.DV : (i+1)*a.DV]
			kr := k[(h*a.DK+i)*N : (h*a.DK+i+1)*N]
			for t, n := range kr {
				if n == 0 {
					continue
				}
				for j := range row {
					row[j] += int64(n) * int64(v[(h*a.DV+j)*N+t])
				}
			}
		}
		for i := range a.DK {
			row := st[i*a.DV : (i+1)*a.DV]
			qr := q[(h*a.DK+i)*N : (h*a.DK+i+1)*N]
			for t, n := range qr {
				if n == 0 {
					continue
				}
				for j, sv := range row {
					c := h*a.DV + j
					acc[c*N+t] += int64(g[c]) * int64(n) * sv
				}
			}
		}
	}
}

// checkAttn validates an attention layer's geometry and inputs.
func (p *Program) checkAttn(i int, l *Layer) error {
	a := l.Attn
	sh := chw(l.Shape)
	if a == nil || a.Heads < 1 || a.DK < 1 || a.DV < 1 || a.Heads > 1<<16 || a.DK > 1<<16 || a.DV > 1<<16 ||
		a.Heads*a.DV != sh[0] || a.Tokens != sh[1]*sh[2] || len(l.Inputs) != 3 {
		return fmt.Errorf("layer %d (%s): bad attention geometry", i, l.Name)
	}
	for j, role := range []string{"q", "k", "v"} {
		pr := &l.Inputs[j]
		want := []int{a.Heads * a.DK, sh[1], sh[2]}
		if role == "v" {
			want[0] = a.Heads * a.DV
		}
		if pr.Kind != ProjAttn || pr.Role != role || pr.Source < 0 || pr.Recurrent || pr.Cout != sh[0] || !slices.Equal(pr.InShape, want) {
			return fmt.Errorf("layer %d (%s): attention input %d is not its %s [%v]", i, l.Name, j, role, want)
		}
	}
	return nil
}

// checkAttnCores checks that every core of an attention layer holds whole heads.
func (p *Program) checkAttnCores() error {
	for i := range p.Cores {
		c := &p.Cores[i]
		l := &p.Layers[c.Layer]
		if l.Kind != LayerAttention {
			continue
		}
		if c.Region.C0%l.Attn.DV != 0 || (c.Region.C1%l.Attn.DV != 0 && c.Region.C1 != l.Shape[0]) {
			return fmt.Errorf("core %d: region %s of attention layer %s splits a head of %d channels", i, c.Region, l.Name, l.Attn.DV)
		}
	}
	return nil
}

// attnAccBound bounds |acc| of an attention layer: |bias| + θ + |g|·tokens·dk·Dq·Dk·Dv.
func (p *Program) attnAccBound(l *Layer) float64 {
	a := l.Attn
	prod := float64(a.Tokens) * float64(a.DK)
	for _, pr := range l.Inputs {
		prod *= float64(p.Layers[pr.Source].D)
	}
	b := 0.0
	for c := range l.Shape[0] {
		b = max(b, math.Abs(float64(l.Bias[c]))+float64(l.Threshold[c])+math.Abs(float64(l.Inputs[2].Weights[c]))*prod)
	}
	return b
}
