package compiler

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neurosim/neurosim/arch"
)

// LayerPsum is a partial-sum population made by the split pass: its neurons
// accumulate part of another layer's input (bias 0) and send the accumulator
// itself, a signed integer, as one graded packet per neuron with a nonzero
// sum; the layer they feed adds it with weight 1.
const LayerPsum = "psum"

// Channel splitting (the split pass, after quantize).
//
// A core has at most Axons distinct inputs. A layer one of whose neurons
// already reads more (E-SpikeFormer Large's 3×3 convolutions over 1536
// channels: 13,824 inputs; a membrane-shortcut sum of many terms) cannot be
// boxed onto any core, however small the box. The split pass rewrites such a
// layer L of C channels as
//
//	P_g (psum, g = 1..G): acc_g = Σ over the projections (or input-channel
//	                      ranges of one projection) in chunk g of w·x
//	L:                    acc   = bias + Σ_g 1·P_g    (one 1×1 depthwise
//	                      projection of unit weights per P_g)
//
// The chunks partition L's projections; a projection whose own fan-in
// exceeds the limit (a conv with Groups 1, or a dense one) is cut into
// ranges of input channels [InLo, InHi) (dense: of flat inputs) with as
// many as fit, its weights outside the range zero. The integer weights are L's, already
// quantised at L's thresholds, so Σ_g acc_g equals L's sum exactly and L
// fires exactly as before: the split changes which cores do the additions,
// never a count or a score. Each chunk reads at most Axons inputs per
// neuron (a conservative count: the sum of its parts' own fan-ins); if L
// then reads more than Axons partial sums (G > Axons) the pass splits L
// again, building a tree of partial sums.
//
// A psum neuron's value travels as one graded packet (Loihi 2's graded
// spikes carry up to 32 bits; ../shared/reference/hardware.md), priced and
// timed as one spike packet: the destination charges one synaptic op (the
// unit weight) per packet. A psum layer fires in its own barrier phase (one
// sub-step), so every split adds one phase of latency per tree level. Values
// fit int32: AccBound of a psum layer bounds them, and a layer reading psum
// sources counts each at its AccBound.
//
// The pass runs on chips without cim cores (on a chip with them it leaves
// the layers as they are, and partition reports what does not fit), and not
// on attention layers or layers with recurrent or sparse projections.

// splitPass splits every layer whose single neuron reads more inputs than
// the largest digital core kind that can run it has axons.
func splitPass(s *State) error {
	p := s.prog
	for _, k := range s.Spec.Cores {
		if k.Type == arch.CIM {
			return nil
		}
	}
	caps := capacities(s.Spec, p.WeightBits)
	limit := func(l *Layer) int {
		a := 0
		for _, c := range caps {
			if c.tiles > 0 && !c.cim && neuronFor(l, c) != "" {
				a = max(a, c.axons)
			}
		}
		return a
	}
	need := false
	for li := range p.Layers {
		l := &p.Layers[li]
		if a := limit(l); a >= 2 && splittable(l) && unitFanIn(l) > a/chunkFill {
			need = true
			break
		}
	}
	if !need {
		return nil
	}
	old := p.Layers
	newIdx := make([]int, len(old))
	var out []Layer
	for li := range old {
		l := old[li]
		for j := range l.Inputs {
			if pr := &l.Inputs[j]; pr.Source >= 0 && !pr.Recurrent {
				pr.Source = newIdx[pr.Source]
			}
		}
		a := limit(&l)
		for round := 0; a >= 2 && splittable(&l); round++ {
			f := unitFanIn(&l)
			b := a
			if round == 0 {
				// the first cut may use smaller chunks, or cut a layer that
				// fits, when that takes far fewer cores (chunkBudget)
				b = s.chunkBudget(&l, caps, a, f)
			}
			if b == 0 || (b == a && f <= a) {
				break
			}
			psums, ok := s.splitFanIn(&l, b, len(out), false)
			if !ok {
				break
			}
			why := fmt.Sprintf("fan-in %d > %d axons", f, a)
			if b < a || f <= a {
				why = fmt.Sprintf("fan-in %d in chunks of %d inputs, fewer cores", f, b)
			}
			s.splits = append(s.splits, fmt.Sprintf("%s (%s: %d partial sums)", l.Name, why, len(psums)))
			for i := range psums {
				s.accBoundIn(&psums[i], out)
			}
			out = append(out, psums...)
		}
		newIdx[li] = len(out)
		out = append(out, l)
	}
	if p.Output.Layer >= 0 {
		p.Output.Layer = newIdx[p.Output.Layer]
	}
	p.Layers = out
	for li := range p.Layers {
		l := &p.Layers[li]
		for j := range l.Inputs {
			if pr := &l.Inputs[j]; pr.Recurrent {
				pr.Source = newIdx[pr.Source] // may name a later layer
			}
		}
	}
	for li := range p.Layers {
		l := &p.Layers[li]
		l.Step = 1
		for _, pr := range l.Inputs {
			if pr.Source >= 0 && !pr.Recurrent {
				l.Step = max(l.Step, p.Layers[pr.Source].Step+1)
			}
		}
		if l.Kind != LayerPsum {
			s.accBoundIn(l, p.Layers)
		}
	}
	return nil
}

// splittable reports whether the split pass may rewrite l.
func splittable(l *Layer) bool {
	if l.Kind == LayerAttention {
		return false // its axons are q/k/v counts into SRAM (attention.go)
	}
	for _, pr := range l.Inputs {
		if pr.Recurrent || pr.Kind == ProjSparse {
			return false
		}
	}
	return len(l.Inputs) > 0
}

// unitFanIn is the number of distinct inputs of l's most connected neuron
// (a one-neuron box in the middle of the layer).
func unitFanIn(l *Layer) int {
	sh := chw(l.Shape)
	r := Region{C0: sh[0] / 2, C1: sh[0]/2 + 1, Y0: sh[1] / 2, Y1: sh[1]/2 + 1, X0: sh[2] / 2, X1: sh[2]/2 + 1}
	a, _, _ := boxNeeds(l, r, 1)
	return a
}

// projFanIn is unitFanIn of l restricted to projection pr.
func projFanIn(l *Layer, pr *Projection) int {
	one := Layer{Kind: l.Kind, Shape: l.Shape, Inputs: []Projection{*pr}}
	return unitFanIn(&one)
}

// splitFanIn cuts l's projections into chunks of at most a inputs per
// neuron, returns one psum layer per chunk (to be placed at index first
// onwards) and gives l one unit-weight depthwise projection from each. It
// reports false (and changes nothing) when some single input channel of a
// projection already exceeds a, or the chunks would not make l smaller.
//
// With estimate it only builds the psum layers' projections, sharing the
// weights (not zeroed outside their ranges: for counting axons and cores,
// not for running).
func (s *State) splitFanIn(l *Layer, a, first int, estimate bool) ([]Layer, bool) {
	type piece struct {
		pr  Projection
		fan int
	}
	var pieces []piece
	for j := range l.Inputs {
		pr := l.Inputs[j]
		f := projFanIn(l, &pr)
		if f <= a {
			pieces = append(pieces, piece{pr, f})
			continue
		}
		if pr.Kind == ProjConv && pr.Groups != 1 {
			return nil, false
		}
		c0, c1 := pr.inChannels()
		perCh := max(f/(c1-c0), 1)
		step := a / perCh
		if step < 1 {
			return nil, false
		}
		for lo := c0; lo < c1; lo += step {
			var q Projection
			if estimate {
				q = pr
				q.InLo, q.InHi = lo, min(lo+step, c1)
			} else {
				q = pr.channelRange(lo, min(lo+step, c1))
			}
			pieces = append(pieces, piece{q, projFanIn(l, &q)})
		}
	}
	var chunks [][]Projection
	fan := 0
	for _, pc := range pieces {
		if len(chunks) == 0 || fan+pc.fan > a {
			chunks = append(chunks, nil)
			fan = 0
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], pc.pr)
		fan += pc.fan
	}
	if len(chunks) < 2 && len(chunks) >= len(l.Inputs) {
		return nil, false
	}
	sh := chw(l.Shape)
	C := sh[0]
	psums := make([]Layer, len(chunks))
	inputs := make([]Projection, len(chunks))
	for g, ch := range chunks {
		ps := Layer{Name: fmt.Sprintf("%s.psum%d", l.Name, first+g), Node: l.Node, Kind: LayerPsum, Neuron: "",
			Shape: append([]int(nil), l.Shape...), D: 1, Inputs: ch, Step: 1, Scale: 1,
			Threshold: make([]int32, C), Bias: make([]int32, C)}
		for c := range ps.Threshold {
			ps.Threshold[c] = 1
		}
		psums[g] = ps
		one := make([]int32, C)
		for c := range one {
			one[c] = 1
		}
		inputs[g] = Projection{Source: first + g, Kind: ProjConv, InShape: append([]int(nil), sh...), Cout: C,
			KH: 1, KW: 1, Stride: 1, Groups: C, Weights: one, src: 1, node: l.Node}
	}
	l.Inputs = inputs
	return psums, true
}

// chunkFill: a layer whose neurons read more than Axons/chunkFill inputs
// is costed for a split even when it fits (chunkBudget).
const chunkFill = 4

// chunkBudget chooses how many inputs per neuron each partial sum of l
// reads when the split pass cuts it, by the cores the result needs on the
// largest kind that can run it (a axons): a neuron reading nearly a core's
// axons leaves no room for a second output position in a box (a 3×3
// window of 455 channels fills 4,095 of Loihi's 4,096 axons, and a box of
// 2×2 positions would read 16/9 of that), so chunks of a/2, a/4 or a/8
// let each core hold a box of positions and channels, at the price of more
// partial sums, their packets and a barrier phase; the reader of G partial
// sums holds at most a/G neurons per core, which bounds G. It returns a (cut as
// required, or not at all when l fits), a smaller budget when that needs
// fewer cores, or 0 when l fits and cutting it would not save at least a
// third of its cores.
func (s *State) chunkBudget(l *Layer, caps []capacity, a, f int) int {
	if f <= a/chunkFill {
		return 0
	}
	var c capacity
	found := false
	for _, k := range caps {
		if k.tiles > 0 && !k.cim && neuronFor(l, k) != "" && k.axons == a {
			c, found = k, true
			break
		}
	}
	if !found {
		return a
	}
	base := math.MaxInt
	if f <= a {
		if t, ok := bestTiling(l, c, 0, 0, l.Shape[0]); ok {
			base = t.cores()
		}
	}
	best, bestCores := 0, math.MaxInt
	for _, b := range []int{a, a / 2, a / 4, a / 8, a / 16} {
		if b < 16 {
			break
		}
		n, ok := s.splitCores(l, c, b)
		if ok && n < bestCores {
			best, bestCores = b, n
		}
	}
	if f > a {
		if best == 0 {
			return a
		}
		return best
	}
	if best == 0 || 3*bestCores > 2*base {
		return 0
	}
	return best
}

// splitCores estimates the cores of l cut into chunks of b inputs per
// neuron: its partial sums and l reading them (false if a chunk or l does
// not fit, or l would need a second level).
func (s *State) splitCores(l *Layer, c capacity, b int) (int, bool) {
	trial := *l
	trial.Inputs = slices.Clone(l.Inputs)
	psums, ok := s.splitFanIn(&trial, b, 1<<30, true)
	if !ok || len(psums) > c.axons {
		return 0, false
	}
	total := 0
	for i := range psums {
		n, ok := s.memoCores(&psums[i], c)
		if !ok {
			return 0, false
		}
		total += n
	}
	for i := range trial.Inputs {
		trial.Inputs[i].Source = -2 - i // distinct sources for boxNeeds
	}
	n, ok := s.memoCores(&trial, c)
	return total + n, ok
}

// memoCores is bestTiling's core count for l on c, memoised by the shape
// of l and its projections (the blocks of a zoo model repeat them).
func (s *State) memoCores(l *Layer, c capacity) (int, bool) {
	var key strings.Builder
	fmt.Fprint(&key, c.name, l.Kind, l.Shape)
	for i := range l.Inputs {
		pr := &l.Inputs[i]
		lo, hi := pr.inChannels()
		fmt.Fprint(&key, "|", pr.Source < 0 && pr.Source > -2, pr.Kind, pr.InShape, pr.Cout, pr.KH, pr.KW, pr.Stride, pr.Pad, pr.Groups, hi-lo)
	}
	k := key.String()
	if v, ok := s.splitMemo[k]; ok {
		return v.t.cores(), v.ok
	}
	t, ok := bestTiling(l, c, 0, 0, l.Shape[0])
	if s.splitMemo == nil {
		s.splitMemo = map[string]tilingVal{}
	}
	s.splitMemo[k] = tilingVal{t, ok}
	return t.cores(), ok
}

// inLen is the length of the axis InLo and InHi index: source channels
// (conv), flat source elements (dense).
func (pr *Projection) inLen() int {
	if pr.Kind == ProjDense {
		return numel(pr.InShape)
	}
	return pr.InShape[0]
}

// inChannels returns the range of inLen's axis pr reads: [InLo, InHi), or
// all.
func (pr *Projection) inChannels() (int, int) {
	if pr.InHi > 0 {
		return pr.InLo, pr.InHi
	}
	return 0, pr.inLen()
}

// channelRange returns a copy of pr that reads only source channels
// [lo, hi): its weights outside the range are zero.
func (pr *Projection) channelRange(lo, hi int) Projection {
	q := *pr
	q.InLo, q.InHi = lo, hi
	q.Weights = make([]int32, len(pr.Weights))
	if pr.Kind == ProjDense {
		in := numel(pr.InShape)
		for o := 0; o < pr.Cout; o++ {
			copy(q.Weights[o*in+lo:o*in+hi], pr.Weights[o*in+lo:o*in+hi])
		}
		return q
	}
	k := pr.KH * pr.KW
	cin := pr.InShape[0] // Groups 1
	for o := 0; o < pr.Cout; o++ {
		copy(q.Weights[(o*cin+lo)*k:(o*cin+hi)*k], pr.Weights[(o*cin+lo)*k:(o*cin+hi)*k])
	}
	return q
}

// accBoundIn sets l.AccBound like accBound, reading the sources in layers:
// a psum source contributes up to its own AccBound per unit weight.
func (s *State) accBoundIn(l *Layer, layers []Layer) {
	saved := s.prog.Layers
	s.prog.Layers = layers
	s.accBound(l)
	s.prog.Layers = saved
	if l.Kind == LayerPsum && l.AccBound > math.MaxInt32 {
		s.errorf(l.Name, "partial-sum bound %d exceeds int32", l.AccBound)
	}
}

// zeroOutsideRange reports whether every weight of pr outside its channel
// range [InLo, InHi) is zero (true without a range).
func (pr *Projection) zeroOutsideRange() bool {
	if pr.InHi == 0 {
		return true
	}
	per := len(pr.Weights) / max(pr.Cout, 1) // weights per output
	plane := per / max(pr.InShape[0], 1)     // per input channel
	for o := 0; o < pr.Cout; o++ {
		row := pr.Weights[o*per : (o+1)*per]
		for i, w := range row {
			if c := i / plane; w != 0 && (c < pr.InLo || c >= pr.InHi) {
				return false
			}
		}
	}
	return true
}
