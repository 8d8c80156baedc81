package compiler

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/models"
)

// foldScalePass folds the constant factors that sit between a spiking layer and
// the next weight layer into that layer's weights, so that every value carried
// between cores is an integer count: a MultiSpike's 1/norm (norm defaults to D)
// and an AvgPool2d's 1/k² (the AvgPool becomes a SumPool2d). A factor is folded
// only when every path from its node reaches a Conv2d, Affine or Linear with a
// single input through Flatten, SumPool2d, AvgPool2d or MaxPool2d nodes with a
// single input (scaling commutes with all of them); otherwise it stays in the
// graph and lower carries it as the scale of the spike source.
func foldScalePass(s *State) error {
	order, err := s.Graph.TopoOrder()
	if err != nil {
		return err
	}
	for _, n := range order {
		var f float64
		switch n.Op {
		case models.OpMultiSpike:
			d := n.Int("D", 1)
			norm := n.Float("norm", float64(d))
			if norm == 1 || norm == 0 {
				continue
			}
			f = 1 / norm
		case models.OpAvgPool2d:
			if !fedBySpikes(s.Graph, n.ID) {
				continue
			}
			k := pair(n.Ints("kernel_size"), 1)
			f = 1 / float64(k[0]*k[1])
		default:
			continue
		}
		targets, ok := scaleTargets(s.Graph, n.ID)
		if !ok || len(targets) == 0 {
			continue
		}
		for _, t := range targets {
			w := t.Tensor("weight")
			for i, v := range w.F32 {
				w.F32[i] = float32(float64(v) * f)
			}
		}
		if n.Op == models.OpMultiSpike {
			n.SetFloat("norm", 1)
		} else {
			n.Op = models.OpSumPool2d
		}
	}
	return nil
}

// fedBySpikes reports whether id's single input comes from a MultiSpike through
// shape-only nodes.
func fedBySpikes(g *models.Graph, id string) bool {
	for {
		p := g.Predecessors(id)
		if len(p) != 1 {
			return false
		}
		n := g.Node(p[0])
		switch n.Op {
		case models.OpMultiSpike:
			return true
		case models.OpFlatten, models.OpSumPool2d:
			id = n.ID
		default:
			return false
		}
	}
}

func scaleTargets(g *models.Graph, id string) ([]*models.Node, bool) {
	var out []*models.Node
	for _, sid := range g.Successors(id) {
		n := g.Node(sid)
		if len(g.InEdges(sid)) != 1 {
			return nil, false
		}
		switch n.Op {
		case models.OpConv2d, models.OpAffine, models.OpLinear:
			out = append(out, n)
		case models.OpFlatten, models.OpSumPool2d, models.OpAvgPool2d, models.OpMaxPool2d:
			t, ok := scaleTargets(g, sid)
			if !ok {
				return nil, false
			}
			out = append(out, t...)
		default:
			return nil, false
		}
	}
	return out, true
}

func pair(v []int, def int) [2]int {
	switch len(v) {
	case 0:
		return [2]int{def, def}
	case 1:
		return [2]int{v[0], v[0]}
	default:
		return [2]int{v[0], v[1]}
	}
}

// value is what flows out of a graph node during lowering: either spike counts of
// a population (or the input) or a linear expression (a sum of projections plus a
// bias) that has not yet become a population.
type value struct {
	spike bool
	// spike source
	layer int     // -1: input
	scale float64 // real value of one count
	vmax  int     // largest count
	shape models.Shape
	// expression
	terms []*Projection
	bias  []float64 // per output channel (shape[0])
	// poisoned marks the value of a node that could not be lowered.
	poisoned bool
	// flat marks an expression with one bias per element (GraphConv): its
	// population is flat, one channel per neuron (popShape).
	flat bool
	// attn is set on the expression of a SpikeAttention (attention.go).
	attn *AttnParams
	// graded marks a spike source that is a psum population: its values are
	// signed sums, not counts in [0, vmax] (psum.go).
	graded bool
}

// localCheck reports the problems of n that do not depend on its inputs, so
// they are found even downstream of another problem.
func (s *State) localCheck(n *models.Node) bool {
	id := n.ID
	switch n.Op {
	case models.OpBatchNorm:
		if n.Int("padding", 0) != 0 {
			s.errorf(id, "BatchNorm with padding (SpikeYOLO's BNAndPad) is not a per-channel affine map; fold its re-parameterised chain into one conv first (models.FoldChain, zoo.Fold)")
			return false
		}
	case models.OpInput, models.OpDirect, models.OpAffine, models.OpLinear, models.OpAdd,
		models.OpScale, models.OpFlatten, models.OpOutput, models.OpPoisson, models.OpEvents, models.OpCubaLIF, models.OpGraphConv,
		models.OpMean:
	case models.OpSpikeAttention:
		return s.checkAttnAttrs(n)
	case models.OpRate:
		s.errorf(id, "encoder %s is not supported by the compiler: only Direct (8-bit pixels as value events into a MAC first layer), Poisson and Events", n.Op)
		return false
	case models.OpLIF, models.OpIF:
		if _, err := s.lifParams(n); err != nil {
			s.errorf(id, "%v", err)
			return false
		}
	case models.OpConv2d:
		st, pd, dl := pair(n.Ints("stride"), 1), pair(n.Ints("padding"), 0), pair(n.Ints("dilation"), 1)
		if st[0] != st[1] || pd[0] != pd[1] || dl != [2]int{1, 1} {
			s.errorf(id, "Conv2d with stride %v, padding %v, dilation %v: the compiler maps square stride and padding without dilation", st, pd, dl)
			return false
		}
	case models.OpMultiSpike:
		if t := encoderSteps(s.Graph); n.Float("decay", 0) != 0 && t != 1 {
			s.errorf(id, "MultiSpike with decay (I-LIF) over %d steps keeps state across steps; the compiler maps I-LIF at T = 1 only (where the leak never acts)", t)
			return false
		}
	case models.OpSumPool2d, models.OpAvgPool2d:
		k, st, pd := pair(n.Ints("kernel_size"), 1), pair(n.Ints("stride"), 0), pair(n.Ints("padding"), 0)
		if st == [2]int{0, 0} {
			st = k
		}
		if k[0] != k[1] || st[0] != st[1] || pd[0] != pd[1] {
			s.errorf(id, "%s with kernel %v, stride %v, padding %v: the compiler maps square pooling only", n.Op, k, st, pd)
			return false
		}
	default:
		s.errorf(id, "operator %s cannot be lowered onto a chip (supported: Input, Direct, Poisson, Events, Conv2d, Affine, Linear, GraphConv, BatchNorm, Scale, Add, MultiSpike, LIF, IF, CubaLIF, SumPool2d, AvgPool2d, Mean, Flatten, SpikeAttention, Output)", n.Op)
		return false
	}
	return true
}

func lowerPass(s *State) error {
	g := s.Graph
	shapes, err := models.InferShapes(g, nil)
	if err != nil {
		return err
	}
	s.shapes = shapes
	order, err := g.TopoOrder()
	if err != nil {
		return err
	}
	p := &Program{Format: NSPFormat, Version: NSPVersion, Output: Output{Layer: -1}}
	s.prog = p
	vals := map[string]*value{}
	inputs := 0
	for _, n := range order {
		var in []*value
		ok := true
		for _, pid := range g.Predecessors(n.ID) {
			v := vals[pid]
			if v == nil {
				ok = false
				break
			}
			in = append(in, v)
		}
		if !ok {
			continue
		}
		shape := shapes[n.ID]
		var v *value
		poisoned := false
		for _, x := range in {
			poisoned = poisoned || x.poisoned
		}
		if s.localCheck(n) && !poisoned {
			v = s.lowerNode(n, in, shape, &inputs)
		}
		if v == nil {
			// a problem is reported; carry on so that every node is checked
			v = &value{spike: true, poisoned: true, layer: -2, scale: 1, vmax: 1}
		}
		v.shape = shape
		vals[n.ID] = v
	}
	s.lowerRecurrent(vals)
	if inputs == 0 {
		s.errorf("", "the graph has no Input")
	}
	if p.Output.Layer < 0 && len(s.diags) == 0 {
		s.errorf("", "the graph has no Output fed by a layer")
	}
	return nil
}

func chw(s models.Shape) []int {
	switch len(s) {
	case 3:
		return []int{s[0], s[1], s[2]}
	case 1:
		return []int{s[0], 1, 1}
	case 2:
		return []int{s[0], 1, s[1]}
	}
	return []int{int(s.Numel()), 1, 1}
}

func (s *State) lowerNode(n *models.Node, in []*value, shape models.Shape, inputs *int) *value {
	p := s.prog
	id := n.ID
	needSpike := func() *value {
		if !in[0].spike {
			s.errorf(id, "%s on a real-valued tensor (the output of a weight layer before any neuron) cannot be lowered: the chip carries only spike counts between cores; insert a MultiSpike", n.Op)
			return nil
		}
		return in[0]
	}
	needExpr := func() *value {
		if in[0].spike {
			// identity projection from the spike source
			return identity(in[0])
		}
		return in[0]
	}
	switch n.Op {
	case models.OpInput:
		*inputs++
		if *inputs > 1 {
			s.errorf(id, "more than one Input: the compiler maps single-input models")
			return nil
		}
		if len(shape) < 1 || len(shape) > 3 {
			s.errorf(id, "input shape %v: want [C,H,W], [nodes, features] or [N]", shape)
			return nil
		}
		p.Input = Input{Shape: append([]int(nil), shape...), Encoding: "direct", ValueBits: 8, Scale: 1.0 / 255}
		p.Steps = 1
		return &value{spike: true, layer: -1, scale: 1.0 / 255, vmax: 255}
	case models.OpDirect:
		p.Steps = max(n.Int("steps", 1), 1)
		v := *in[0]
		return &v
	case models.OpPoisson:
		if in[0].layer != -1 {
			s.errorf(id, "Poisson encoder after a layer: the compiler encodes the input only")
			return nil
		}
		p.Steps = max(n.Int("steps", 1), 1)
		p.Input.Encoding, p.Input.ValueBits, p.Input.Scale, p.Input.Gain = "poisson", 1, 1, n.Float("gain", 1)
		return &value{spike: true, layer: -1, scale: 1, vmax: 1}
	case models.OpEvents:
		if in[0].layer != -1 {
			s.errorf(id, "Events encoder after a layer: the compiler encodes the input only")
			return nil
		}
		p.Steps = max(n.Int("steps", 1), 1)
		p.Input.Encoding, p.Input.ValueBits, p.Input.Scale = "events", 8, 1
		p.Input.BinUS, p.Input.Bins = int64(n.Int("bin_us", 0)), n.Int("bins", 0)
		if p.Input.BinUS < 0 || p.Input.Bins < 0 || (p.Input.Bins > 0 && p.Input.Bins != p.Steps) {
			s.errorf(id, "Events with bin_us %d, bins %d for %d steps: want bin_us ≥ 0 and bins 0 or the number of steps", p.Input.BinUS, p.Input.Bins, p.Steps)
			return nil
		}
		return &value{spike: true, layer: -1, scale: 1, vmax: 255}
	case models.OpLIF, models.OpIF:
		e := needExpr()
		lr, _ := s.lifParams(n)
		// the step's input to v is lb·x + lc: fold lb into the weights, lc into the bias
		c := len(e.bias)
		a, b := make([]float64, c), make([]float64, c)
		for i := range a {
			a[i], b[i] = lr.lb, lr.lc
		}
		li := s.addLayer(id, LayerLIF, popShape(e, shape), 1, e.affine(a, b))
		s.prog.Layers[li].lif = &lifReal{la: lr.la, vth: lr.vth, vreset: lr.vreset, subtract: lr.subtract}
		return &value{spike: true, layer: li, scale: 1, vmax: 1}
	case models.OpCubaLIF:
		return s.lowerCuba(n, needExpr(), shape)
	case models.OpConv2d:
		src := needSpike()
		if src == nil {
			return nil
		}
		w := n.Tensor("weight")
		st, pd, dl := pair(n.Ints("stride"), 1), pair(n.Ints("padding"), 0), pair(n.Ints("dilation"), 1)
		if st[0] != st[1] || pd[0] != pd[1] || dl != [2]int{1, 1} {
			s.errorf(id, "Conv2d with stride %v, padding %v, dilation %v: the compiler maps square stride and padding without dilation", st, pd, dl)
			return nil
		}
		pr := &Projection{Source: src.layer, Kind: ProjConv, InShape: chw(src.shape), Cout: w.Shape[0],
			KH: w.Shape[2], KW: w.Shape[3], Stride: st[0], Pad: pd[0], Groups: n.Int("groups", 1)}
		pr.setReal(w.F32, src.scale)
		pr.node = id
		return &value{terms: []*Projection{pr}, bias: biasOf(n, w.Shape[0])}
	case models.OpAffine, models.OpLinear:
		src := needSpike()
		if src == nil {
			return nil
		}
		w := n.Tensor("weight")
		if int64(w.Shape[1]) != src.shape.Numel() || len(shape) != 1 {
			s.errorf(id, "dense layer on input %v: the compiler maps dense layers on flat vectors only", src.shape)
			return nil
		}
		pr := &Projection{Source: src.layer, Kind: ProjDense, InShape: chw(src.shape), Cout: w.Shape[0]}
		pr.setReal(w.F32, src.scale)
		pr.node = id
		return &value{terms: []*Projection{pr}, bias: biasOf(n, w.Shape[0])}
	case models.OpGraphConv:
		src := needSpike()
		if src == nil {
			return nil
		}
		return s.lowerGraphConv(n, src)
	case models.OpAdd:
		out := &value{}
		for _, v := range in {
			e := needExpr0(v)
			out.terms = append(out.terms, e.terms...)
			if out.bias == nil {
				out.bias = make([]float64, len(e.bias))
			}
			for i := range e.bias {
				out.bias[i] += e.bias[i]
			}
		}
		if lim := axonLimit(s.Spec); lim > 0 && exprFanIn(out) > lim && len(s.Graph.Successors(id)) > 1 {
			return s.materialize(id, out, shape) // a long residual stream (psum.go)
		}
		return out
	case models.OpBatchNorm, models.OpScale:
		e := needExpr()
		a, c, ok := channelAffine(n, len(e.bias))
		if !ok {
			s.errorf(id, "%s with parameters that are not per channel cannot be folded", n.Op)
			return nil
		}
		return e.affine(a, c)
	case models.OpMultiSpike:
		if n.Float("decay", 0) != 0 && p.Steps != 1 {
			s.errorf(id, "MultiSpike with decay (I-LIF) over %d steps keeps state across steps; the compiler maps I-LIF at T = 1 only (where the leak never acts)", p.Steps)
			return nil
		}
		e := needExpr()
		d := n.Int("D", 4)
		norm := n.Float("norm", float64(d))
		kind := LayerSpike
		if _, whole := attnExpr(e); whole {
			kind = LayerAttention // the attention unit fused with its MultiSpike (attention.go)
		}
		li := s.addLayer(id, kind, popShape(e, shape), d, e)
		if kind == LayerAttention {
			l := &p.Layers[li]
			l.Attn, l.Name = e.attn, e.terms[0].node
		}
		return &value{spike: true, layer: li, scale: 1 / norm, vmax: d}
	case models.OpSumPool2d, models.OpAvgPool2d:
		src := needSpike()
		if src == nil {
			return nil
		}
		if src.layer < 0 {
			s.errorf(id, "pooling the raw input is not supported: the pooled pixel sums would need %d sub-steps", 255*4)
			return nil
		}
		if src.graded {
			s.errorf(id, "pooling a materialised sum (a psum layer) is not supported; pool after the neuron")
			return nil
		}
		k, st, pd := pair(n.Ints("kernel_size"), 1), pair(n.Ints("stride"), 0), pair(n.Ints("padding"), 0)
		if st == [2]int{0, 0} {
			st = k
		}
		if k[0] != k[1] || st[0] != st[1] || pd[0] != pd[1] {
			s.errorf(id, "%s with kernel %v, stride %v, padding %v: the compiler maps square pooling only", n.Op, k, st, pd)
			return nil
		}
		c := chw(src.shape)
		pr := &Projection{Source: src.layer, Kind: ProjConv, InShape: c, Cout: c[0], KH: k[0], KW: k[1],
			Stride: st[0], Pad: pd[0], Groups: c[0]}
		pr.Weights = make([]int32, c[0]*k[0]*k[1])
		for i := range pr.Weights {
			pr.Weights[i] = 1
		}
		li := s.addLayer(id, LayerPool, shape, k[0]*k[1]*src.vmax, &value{terms: []*Projection{pr}, bias: make([]float64, c[0])})
		sc := src.scale
		if n.Op == models.OpAvgPool2d {
			sc /= float64(k[0] * k[1])
		}
		return &value{spike: true, layer: li, scale: sc, vmax: k[0] * k[1] * src.vmax}
	case models.OpMean:
		return s.lowerMean(n, in[0], shape)
	case models.OpSpikeAttention:
		return s.lowerAttention(n, in, shape)
	case models.OpFlatten:
		if !in[0].spike {
			s.errorf(id, "Flatten of a real-valued tensor is not supported; flatten after the neuron")
			return nil
		}
		v := *in[0]
		return &v
	case models.OpOutput:
		if p.Output.Layer >= 0 {
			s.errorf(id, "more than one Output: the compiler maps single-output models")
			return nil
		}
		if in[0].spike {
			if in[0].layer < 0 {
				s.errorf(id, "the Output is fed by the input directly")
				return nil
			}
			p.Output = Output{Layer: in[0].layer, Mode: "count", Classes: int(shape.Numel())}
			return nil
		}
		li := s.addLayer(id, LayerReadout, popShape(in[0], shape), 0, in[0])
		p.Output = Output{Layer: li, Mode: "membrane", Classes: int(shape.Numel())}
		return nil
	}
	s.errorf(id, "operator %s cannot be lowered onto a chip (supported: Input, Direct, Poisson, Events, Conv2d, Affine, Linear, GraphConv, BatchNorm, Scale, Add, MultiSpike, LIF, IF, CubaLIF, SumPool2d, AvgPool2d, Mean, Flatten, SpikeAttention, Output)", n.Op)
	return nil
}

// lifStep is the Euler (or exact) step of a LIF/IF node: v ← la·v + lb·x + lc.
type lifStep struct {
	la, lb, lc, vth, vreset float64
	subtract                bool
}

// lifParams reads a LIF or IF node whose parameters are the same for every
// neuron. The step is Euler with dt = 1 (as the trainer and snnTorch/Norse
// export: la = 1 − 1/τ, lb = r/τ, lc = v_leak/τ) unless the graph's Meta
// "lif_integration" is "exact" (la = e^(−1/τ), lb = r(1 − la), lc = v_leak(1 −
// la)); IF is v ← v + r·x. The reset is to v_reset, or by subtraction when Meta
// "lif_reset" is "subtract".
func (s *State) lifParams(n *models.Node) (lifStep, error) {
	get := func(name string, def float64) (float64, error) {
		t := n.Tensor(name)
		if t == nil {
			return def, nil
		}
		for _, v := range t.F32 {
			if v != t.F32[0] {
				return 0, fmt.Errorf("%s with per-neuron %s: the compiler maps layers whose neurons share their parameters", n.Op, name)
			}
		}
		if len(t.F32) == 0 {
			return def, nil
		}
		return float64(t.F32[0]), nil
	}
	var p lifStep
	var err error
	var vals [6]float64
	for i, nm := range []string{"tau", "r", "v_leak", "v_threshold", "v_reset"} {
		def := map[string]float64{"tau": 1, "r": 1}[nm]
		if vals[i], err = get(nm, def); err != nil {
			return p, err
		}
	}
	tau, r, vl := vals[0], vals[1], vals[2]
	p.vth, p.vreset = vals[3], vals[4]
	p.subtract = s.Graph.Meta["lif_reset"] == "subtract"
	switch {
	case n.Op == models.OpIF:
		p.la, p.lb = 1, r
	case s.Graph.Meta["lif_integration"] == "exact":
		p.la = math.Exp(-1 / tau)
		p.lb, p.lc = r*(1-p.la), vl*(1-p.la)
	default:
		if tau < 1 {
			return p, fmt.Errorf("LIF with τ = %g < 1 step: the Euler step would reverse the membrane", tau)
		}
		p.la, p.lb, p.lc = 1-1/tau, r/tau, vl/tau
	}
	if p.lb <= 0 {
		return p, fmt.Errorf("%s with input gain %g ≤ 0", n.Op, p.lb)
	}
	return p, nil
}

func needExpr0(v *value) *value {
	if v.spike {
		return identity(v)
	}
	return v
}

// identity turns spike counts into an expression: a depthwise 1×1 projection with
// weight = the source scale.
func identity(v *value) *value {
	c := chw(v.shape)
	pr := &Projection{Source: v.layer, Kind: ProjConv, InShape: c, Cout: c[0], KH: 1, KW: 1, Stride: 1, Groups: c[0]}
	w := make([]float32, c[0])
	for i := range w {
		w[i] = 1
	}
	pr.setReal(w, v.scale)
	return &value{terms: []*Projection{pr}, bias: make([]float64, c[0])}
}

func (pr *Projection) setReal(w []float32, scale float64) {
	pr.real = make([]float64, len(w))
	for i, x := range w {
		pr.real[i] = float64(x) * scale
	}
	pr.src = scale
}

// affine multiplies output channel c of every term by a[c] and maps the bias to
// bias·a + c, returning a new expression.
func (v *value) affine(a, c []float64) *value {
	out := &value{bias: make([]float64, len(v.bias)), flat: v.flat, attn: v.attn}
	for i := range v.bias {
		out.bias[i] = v.bias[i]*a[i] + c[i]
	}
	for _, t := range v.terms {
		nt := *t
		nt.real = append([]float64(nil), t.real...)
		if nt.Kind == ProjSparse {
			for k := range nt.real {
				nt.real[k] *= a[nt.SpOut[k]]
			}
			out.terms = append(out.terms, &nt)
			continue
		}
		per := len(nt.real) / nt.Cout
		for co := 0; co < nt.Cout; co++ {
			for i := co * per; i < (co+1)*per; i++ {
				nt.real[i] *= a[co]
			}
		}
		out.terms = append(out.terms, &nt)
	}
	return out
}

func channelAffine(n *models.Node, ch int) (a, c []float64, ok bool) {
	a, c = make([]float64, ch), make([]float64, ch)
	get := func(name string, i int) (float64, bool) {
		t := n.Tensor(name)
		switch {
		case t == nil:
			return 0, false
		case len(t.F32) == 1:
			return float64(t.F32[0]), true
		case len(t.F32) == ch:
			return float64(t.F32[i]), true
		}
		return 0, false
	}
	for i := 0; i < ch; i++ {
		if n.Op == models.OpScale {
			v, ok := get("scale", i)
			if !ok {
				return nil, nil, false
			}
			a[i] = v
			continue
		}
		g, ok1 := get("weight", i)
		b, ok2 := get("bias", i)
		mu, ok3 := get("running_mean", i)
		va, ok4 := get("running_var", i)
		if !(ok1 && ok2 && ok3 && ok4) {
			return nil, nil, false
		}
		k := g / math.Sqrt(va+n.Float("eps", 1e-5))
		a[i], c[i] = k, b-mu*k
	}
	return a, c, true
}

func biasOf(n *models.Node, out int) []float64 {
	b := make([]float64, out)
	if t := n.Tensor("bias"); t != nil {
		for i := range b {
			b[i] = float64(t.F32[i])
		}
	}
	return b
}

func (s *State) addLayer(name, kind string, shape models.Shape, d int, e *value) int {
	p := s.prog
	l := Layer{Name: name, Node: name, Kind: kind, Shape: append([]int(nil), shape...), D: d, Step: 1}
	if len(e.terms) == 1 && e.terms[0].node != "" {
		l.Name = e.terms[0].node // a population is known by its weight layer (conv1, fc2)
	}
	c := chw(shape)
	if len(e.bias) != c[0] {
		s.errorf(name, "bias of %d channels for a population of shape %v", len(e.bias), shape)
	}
	if any, whole := attnExpr(e); any && (!whole || kind != LayerAttention) {
		s.errorf(name, "the output of SpikeAttention %s must feed one MultiSpike, directly or through Scale/BatchNorm, alone: here it reaches a %s population with %d inputs", e.terms[0].node, kind, len(e.terms))
	}
	for _, t := range e.terms {
		nt := *t
		if t.Source >= 0 && !t.Recurrent && p.Layers[t.Source].Step+1 > l.Step {
			l.Step = p.Layers[t.Source].Step + 1
		}
		if nt.Kind == ProjAttn {
			// checked by attnExpr above and Program.checkAttn
		} else if nt.Kind == ProjConv {
			if nt.Cout != c[0] {
				s.errorf(name, "projection of %d output channels into a population of %d", nt.Cout, c[0])
			}
			if nt.Groups < 1 || nt.InShape[0]%nt.Groups != 0 || nt.Cout%nt.Groups != 0 {
				s.errorf(name, "groups %d do not divide channels %d→%d", nt.Groups, nt.InShape[0], nt.Cout)
			}
		} else if nt.Cout != l.Size() {
			s.errorf(name, "dense projection of %d outputs into a population of %d", nt.Cout, l.Size())
		}
		l.Inputs = append(l.Inputs, nt)
	}
	l.biasReal = e.bias
	p.Layers = append(p.Layers, l)
	return len(p.Layers) - 1
}

// String describes a projection for messages.
func (pr *Projection) String() string {
	if pr.Kind == ProjDense {
		return fmt.Sprintf("dense %d→%d", numel(pr.InShape), pr.Cout)
	}
	return fmt.Sprintf("conv %dx%d s%d p%d g%d %d→%d", pr.KH, pr.KW, pr.Stride, pr.Pad, pr.Groups, pr.InShape[0], pr.Cout)
}
