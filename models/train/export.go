package train

import (
	"fmt"
	"math"
	"strconv"

	"github.com/neurosim/neurosim/models"
)

// Export converts a trained net into a models.Graph ready for integer
// inference and for the compiler:
//
//   - every BatchNorm is folded into the Conv2d or Linear before it
//     (W' = W·γ/σ, b' = (b−μ)·γ/σ + β); a BatchNorm with nothing to fold into
//     is exported as a BatchNorm node;
//   - MultiSpike nodes output integer counts (norm = 1); the 1/Norm of the
//     trained layer is folded into the weights of the next Conv2d or Linear;
//   - an AvgPool2d after a MultiSpike becomes a SumPool2d (integer in,
//     integer out) and its 1/k² is folded into the next layer as well;
//   - the encoder is Direct (pixel/255 into a MAC first layer) or Poisson
//     with the training steps;
//   - LIF layers become NIR LIF nodes with Euler parameters for dt = 1:
//     τ = 1/(1−β), r = τ, v_leak = 0, v_reset = 0 (hard reset) and
//     Meta["lif_reset"] says hard or subtract; TimeMean is the average the
//     evaluator takes of the Output over steps.
//
// Between spiking layers every activation of the exported graph is therefore
// an integer in [0, D] (sums of them after SumPool2d), which is what the
// chip's spike-driven cores carry. Meta records arch, D, rounding, steps and
// encoding.
func (n *Net) Export(encoding string) (*models.Graph, error) {
	g := models.NewGraph()
	g.Meta = map[string]string{
		"arch":     n.Arch,
		"steps":    strconv.Itoa(n.Steps),
		"encoding": encoding,
		"producer": "neurosim train",
	}
	if gc, ok := n.Layers[0].(*GraphConv); ok && gc.nodeMajor {
		g.Add("input", models.OpInput).SetInts("shape", n.In.H, n.In.W) // [nodes, features]
	} else {
		g.Add("input", models.OpInput).SetInts("shape", n.In.C, n.In.H, n.In.W)
	}
	prev := "input"
	switch encoding {
	case EncodingDirect:
		g.Add("encode", models.OpDirect).SetInt("steps", n.Steps)
	case EncodingPoisson:
		g.Add("encode", models.OpPoisson).SetInt("steps", n.Steps)
	default:
		return nil, fmt.Errorf("export: unknown encoding %q", encoding)
	}
	g.Connect(prev, "encode")
	prev = "encode"
	e := &exporter{g: g, prev: prev, scale: 1}
	if err := e.layers(n.Layers, n.In); err != nil {
		return nil, err
	}
	if e.scale != 1 {
		return nil, fmt.Errorf("export: the output scale %g has no weight layer to fold into", e.scale)
	}
	g.Add("output", models.OpOutput)
	g.Connect(e.prev, "output")
	if err := models.Verify(g); err != nil {
		return nil, fmt.Errorf("export produced an invalid graph: %w", err)
	}
	return g, nil
}

type exporter struct {
	g     *models.Graph
	prev  string
	count map[string]int
	// scale multiplies the value flowing out of prev relative to what the
	// trained net computes; the next weight layer divides it back out.
	scale float64
	// last is the most recent weight node not yet followed by a nonlinearity
	// (a BatchNorm folds into it).
	last *models.Node
	// lastSpike says the value flowing is a spike count (for pool rewriting).
	lastSpike bool
	// graph says the value flowing is a graph tensor: [nodes, F] in the
	// graph, feature-major in the net (see GraphConv); flat is set after a
	// Flatten of one, whose order differs (node-major in the graph), so the
	// next Linear permutes its columns.
	graph bool
	flat  *Shape
}

func (e *exporter) id(kind string) string {
	if e.count == nil {
		e.count = map[string]int{}
	}
	e.count[kind]++
	return fmt.Sprintf("%s%d", kind, e.count[kind])
}

func (e *exporter) add(kind string, op models.Op) *models.Node {
	id := e.id(kind)
	nd := e.g.Add(id, op)
	e.g.Connect(e.prev, id)
	e.prev = id
	return nd
}

func f32s(v []float32) []float32 { return append([]float32(nil), v...) }

func (e *exporter) layers(ls []Layer, in Shape) error {
	s := in
	for i, l := range ls {
		var err error
		if s, err = e.layer(l, s); err != nil {
			return fmt.Errorf("export layer %d (%T): %w", i, l, err)
		}
	}
	return nil
}

func (e *exporter) layer(l Layer, in Shape) (Shape, error) {
	switch l := l.(type) {
	case *Conv2d:
		w := f32s(l.w.W)
		for i := range w {
			w[i] = float32(float64(w[i]) / e.scale)
		}
		b := make([]float32, l.Cout)
		if l.b != nil {
			copy(b, l.b.W)
		}
		nd := e.add("conv", models.OpConv2d).
			SetF32("weight", models.Shape{l.Cout, in.C, l.KH, l.KW}, w).
			SetF32("bias", models.Shape{l.Cout}, b).
			SetInts("stride", l.Stride, l.Stride).
			SetInts("padding", l.Pad, l.Pad)
		e.scale, e.last, e.lastSpike = 1, nd, false
		return l.out, nil
	case *Linear:
		w := f32s(l.w.W)
		for i := range w {
			w[i] = float32(float64(w[i]) / e.scale)
		}
		if f := e.flat; f != nil {
			// net column fi·nodes + m is graph column m·F + fi
			p := make([]float32, len(w))
			nodes, nf := f.H, f.C
			for o := 0; o < l.Out; o++ {
				for fi := 0; fi < nf; fi++ {
					for m := 0; m < nodes; m++ {
						p[o*l.nin+m*nf+fi] = w[o*l.nin+fi*nodes+m]
					}
				}
			}
			w, e.flat = p, nil
		}
		b := make([]float32, l.Out)
		if l.b != nil {
			copy(b, l.b.W)
		}
		nd := e.add("fc", models.OpAffine).
			SetF32("weight", models.Shape{l.Out, l.nin}, w).
			SetF32("bias", models.Shape{l.Out}, b)
		e.scale, e.last, e.lastSpike = 1, nd, false
		return Shape{1, 1, l.Out}, nil
	case *STFN:
		if e.last == nil || e.last.Op != models.OpGraphConv || e.scale != 1 {
			return Shape{}, fmt.Errorf("STFN must follow a GraphConv")
		}
		foldBN(e.last, &l.BatchNorm)
		e.last = nil
		return in, nil
	case *GraphConv:
		w := f32s(l.w.W)
		for i := range w {
			w[i] = float32(float64(w[i]) / e.scale)
		}
		b := make([]float32, l.Out)
		if l.b != nil {
			copy(b, l.b.W)
		}
		ne := len(l.Row)
		nd := e.add("gconv", models.OpGraphConv).
			SetF32("weight", models.Shape{l.Out, l.fin}, w).
			SetF32("bias", models.Shape{l.Out}, b).
			SetTensor("adj_row", models.NewIntTensor(models.Shape{ne}, append([]int32(nil), l.Row...))).
			SetTensor("adj_col", models.NewIntTensor(models.Shape{ne}, append([]int32(nil), l.Col...))).
			SetF32("adj_val", models.Shape{ne}, f32s(l.Val))
		e.scale, e.last, e.lastSpike, e.graph = 1, nd, false, true
		return Shape{H: l.nodes, W: 1, C: l.Out}, nil
	case *BatchNorm:
		if e.last != nil && e.scale == 1 {
			foldBN(e.last, l)
			e.last = nil
			return in, nil
		}
		e.add("bn", models.OpBatchNorm).
			SetF32("weight", models.Shape{in.C}, f32s(l.gamma.W)).
			SetF32("bias", models.Shape{in.C}, f32s(l.beta.W)).
			SetF32("running_mean", models.Shape{in.C}, f32s(l.RunMean)).
			SetF32("running_var", models.Shape{in.C}, f32s(l.RunVar)).
			SetFloat("eps", l.Eps)
		if e.scale != 1 {
			return Shape{}, fmt.Errorf("batchnorm after a scaled spike output is not supported")
		}
		return in, nil
	case *ILIF:
		out, err := e.layer(&l.MultiSpike, in)
		if err == nil {
			e.g.Node(e.prev).SetFloat("decay", l.Decay)
		}
		return out, err
	case *MultiSpike:
		if e.scale != 1 {
			return Shape{}, fmt.Errorf("multispike input carries an unfolded scale %g", e.scale)
		}
		round := models.RoundHalfEven
		if l.Round == HalfUp {
			round = models.RoundHalfUp
		}
		e.add("spike", models.OpMultiSpike).SetInt("D", l.D).SetString("rounding", round).
			SetFloat("norm", 1).SetString("ste", "inclusive")
		e.g.Meta["D"] = strconv.Itoa(l.D)
		e.g.Meta["rounding"] = round
		e.scale, e.last, e.lastSpike = float64(l.norm()), nil, true
		return in, nil
	case *Pool2d:
		op := map[PoolKind]models.Op{AvgPool: models.OpAvgPool2d, SumPool: models.OpSumPool2d, MaxPool: models.OpMaxPool2d}[l.Kind]
		if l.Kind == AvgPool && e.lastSpike {
			op = models.OpSumPool2d
			e.scale *= float64(l.K * l.K)
		}
		e.add("pool", op).SetInts("kernel_size", l.K, l.K).SetInts("stride", l.Stride, l.Stride)
		e.last = nil
		return l.out, nil
	case *Flatten:
		e.add("flat", models.OpFlatten)
		if e.graph {
			e.flat, e.graph = &in, false
		}
		return Shape{1, 1, in.Size()}, nil
	case *Residual:
		from := e.prev
		if e.scale != 1 {
			// The body's first weight layer folds the scale; the skip
			// path gets an explicit Scale node.
			id := e.id("scale")
			e.g.Add(id, models.OpScale).SetF32("scale", models.Shape{1}, []float32{float32(1 / e.scale)})
			e.g.Connect(from, id)
			from = id
		}
		e.last = nil
		if err := e.layers(l.Body, in); err != nil {
			return Shape{}, err
		}
		if e.scale != 1 {
			return Shape{}, fmt.Errorf("residual body ends with an unfolded scale %g", e.scale)
		}
		id := e.id("add")
		e.g.Add(id, models.OpAdd)
		e.g.Connect(from, id)
		e.g.Connect(e.prev, id)
		e.prev, e.last, e.lastSpike = id, nil, false
		return in, nil
	case *LIF:
		tau := 1 / (1 - l.Beta)
		if l.Beta >= 1 {
			return Shape{}, fmt.Errorf("LIF with β = 1 (no leak) has no finite τ; export as IF is not implemented")
		}
		sz := in.Size()
		full := func(v float64) []float32 {
			out := make([]float32, sz)
			for i := range out {
				out[i] = float32(v)
			}
			return out
		}
		shape := models.Shape{in.C, in.H, in.W}
		if in.H == 1 && in.W == 1 {
			shape = models.Shape{in.C}
		}
		if e.graph {
			shape, sz = models.Shape{1}, 1 // one value for every node and feature
		}
		e.add("lif", models.OpLIF).
			SetF32("tau", shape, full(tau)).
			SetF32("r", shape, full(tau)).
			SetF32("v_leak", shape, full(0)).
			SetF32("v_threshold", shape, full(l.Vth)).
			SetF32("v_reset", shape, full(0))
		e.g.Meta["lif_integration"] = "euler"
		e.g.Meta["lif_dt"] = "1"
		e.g.Meta["lif_reset"] = map[Reset]string{HardReset: "hard", SubtractReset: "subtract"}[l.Reset]
		e.scale, e.last, e.lastSpike = 1, nil, false
		return in, nil
	case *TimeMean:
		return in, nil
	case *Mean:
		// linear: a scale flowing in flows on to the next weight layer
		e.add("mean", models.OpMean)
		e.last, e.lastSpike = nil, false
		return Shape{1, 1, in.C}, nil
	case *SpikeAttention:
		return e.attention(l, in)
	case *PrunedLinear:
		l.refresh(nil)
		return e.layer(l.Lin, in)
	}
	return Shape{}, fmt.Errorf("no export for layer %T", l)
}

// attention exports the three branches of l from the current value and joins
// them in a SpikeAttention node (heads, scale, order qk_v, as zoo's
// E-SpikeFormer). Each branch ends with a MultiSpike exported with integer
// counts, so the node's scale is the trained Scale divided by the three
// branches' norms: on counts it computes what the trained layer computes.
func (e *exporter) attention(l *SpikeAttention, in Shape) (Shape, error) {
	from, scale, spike := e.prev, e.scale, e.lastSpike
	var ids [3]string
	norm := 1.0
	for b, br := range l.branches() {
		if _, ok := br[len(br)-1].(*MultiSpike); !ok {
			return Shape{}, fmt.Errorf("attention branch %c ends with %T: the products are spike-driven only between MultiSpike counts", "qkv"[b], br[len(br)-1])
		}
		e.prev, e.scale, e.last, e.lastSpike = from, scale, nil, spike
		if err := e.layers(br, in); err != nil {
			return Shape{}, fmt.Errorf("attention branch %c: %w", "qkv"[b], err)
		}
		ids[b] = e.prev
		norm *= e.scale
	}
	id := e.id("attn")
	e.g.Add(id, models.OpSpikeAttention).SetInt("heads", l.Heads).
		SetFloat("scale", float64(l.scale())/norm).SetString("order", "qk_v")
	for _, from := range ids {
		e.g.Connect(from, id)
	}
	e.prev, e.scale, e.last, e.lastSpike = id, 1, nil, false
	return l.vs, nil
}

// foldBN folds a BatchNorm (evaluation statistics) into the weight node nd.
func foldBN(nd *models.Node, bn *BatchNorm) {
	w := nd.Tensor("weight")
	b := nd.Tensor("bias")
	cout := w.Shape[0]
	per := len(w.F32) / cout
	for c := 0; c < cout; c++ {
		k := float64(bn.gamma.W[c]) / math.Sqrt(float64(bn.RunVar[c])+bn.Eps)
		for i := c * per; i < (c+1)*per; i++ {
			w.F32[i] = float32(float64(w.F32[i]) * k)
		}
		b.F32[c] = float32((float64(b.F32[c])-float64(bn.RunMean[c]))*k + float64(bn.beta.W[c]))
	}
}
