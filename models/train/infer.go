package train

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// Model is a models.Graph prepared for reference inference: the integer
// MultiSpike semantics of SFA, evaluated exactly as written in the graph.
//
// Arithmetic: activations are float32. A Conv2d or Affine output is
// bias + Σ_k w_k·x_k with each product rounded to float32 and added in
// increasing k order (k = (ci, ky, kx) for a convolution, the input index for
// a dense layer), no fused multiply-add (see accumRows). A
// MultiSpike computes round(clamp(x, 0, D)) exactly (see SpikeCount) and
// divides by its norm. Over T steps the Output values are summed and the
// prediction is their arg-max (the first on ties).
type Model struct {
	g        *models.Graph
	nodes    []*inode
	steps    int
	poisson  bool
	gain     float32
	in       Shape
	classes  int
	inputIdx int
	outIdx   int
}

type inode struct {
	n     *models.Node
	op    models.Op
	in    []int // indices of input nodes (feed-forward)
	shape Shape
	size  int
	// conv / dense
	w, b        []float32
	wt          []float32 // dense: Wᵀ (in×out)
	cin         int
	kh, kw      int
	stride, pad int
	// pool
	k, pstride int
	// multispike
	d     int
	round Rounding
	inv   float32
	// graphconv: Â in COO form
	arow, acol []int32
	aval       []float32
	fin, fout  int
	// spikeattention: heads, channels per head of q/k and v, tokens, scale
	heads, dq, dv, tok int
	ascale             float32
	// batchnorm: y = x·a + c per channel
	a, c []float32
	// lif (Euler): v ← la·v + lb·x + lc; spike if v ≥ vth; reset
	la, lb, lc, vth, vreset []float32
	subtract                []bool
}

// ErrUnsupported wraps graph features the reference evaluator does not run.
var ErrUnsupported = fmt.Errorf("unsupported by the reference evaluator")

// NewModel checks g and prepares it for Predict. g must have one Input (an
// image [C,H,W]), a Direct or Poisson encoder after it, and one Output.
func NewModel(g *models.Graph) (*Model, error) {
	if err := models.Verify(g); err != nil {
		return nil, err
	}
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	shapes, err := models.InferShapes(g, nil)
	if err != nil {
		return nil, err
	}
	m := &Model{g: g, inputIdx: -1, outIdx: -1, steps: 1, gain: 1}
	idx := map[string]int{}
	for i, n := range order {
		idx[n.ID] = i
	}
	for i, n := range order {
		nd := &inode{n: n, op: n.Op}
		for _, e := range g.InEdges(n.ID) {
			if e.Recurrent {
				return nil, fmt.Errorf("node %s: recurrent edge: %w", n.ID, ErrUnsupported)
			}
			nd.in = append(nd.in, idx[e.From])
		}
		s := shapes[n.ID]
		switch len(s) {
		case 3:
			nd.shape = Shape{s[1], s[2], s[0]}
		case 1:
			nd.shape = Shape{1, 1, s[0]}
		case 2: // [nodes, features] of a graph model, row-major
			nd.shape = Shape{s[0], s[1], 1}
		default:
			return nil, fmt.Errorf("node %s: shape %v: %w", n.ID, s, ErrUnsupported)
		}
		nd.size = nd.shape.Size()
		if err := m.prepare(nd, order, idx, shapes); err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.ID, n.Op, err)
		}
		switch n.Op {
		case models.OpInput:
			if m.inputIdx >= 0 {
				return nil, fmt.Errorf("more than one Input: %w", ErrUnsupported)
			}
			m.inputIdx, m.in = i, nd.shape
		case models.OpOutput:
			if m.outIdx >= 0 {
				return nil, fmt.Errorf("more than one Output: %w", ErrUnsupported)
			}
			m.outIdx, m.classes = i, nd.size
		case models.OpDirect:
			m.steps = n.Int("steps", 1)
		case models.OpPoisson:
			m.steps = n.Int("steps", 1)
			m.poisson = true
			m.gain = float32(n.Float("gain", 1))
		}
		m.nodes = append(m.nodes, nd)
	}
	if m.inputIdx < 0 || m.outIdx < 0 {
		return nil, fmt.Errorf("graph needs one Input and one Output: %w", ErrUnsupported)
	}
	return m, nil
}

func (m *Model) prepare(nd *inode, order []*models.Node, idx map[string]int, shapes map[string]models.Shape) error {
	n := nd.n
	var in Shape
	if len(nd.in) > 0 {
		s := shapes[order[nd.in[0]].ID]
		if len(s) == 3 {
			in = Shape{s[1], s[2], s[0]}
		} else {
			in = Shape{1, 1, int(models.Shape(s).Numel())}
		}
	}
	switch n.Op {
	case models.OpInput, models.OpOutput, models.OpFlatten, models.OpDirect, models.OpPoisson, models.OpAdd:
	case models.OpMean:
		if n.Ints("dims") != nil {
			return fmt.Errorf("Mean with explicit dims: %w", ErrUnsupported)
		}
	case models.OpSpikeAttention:
		q, v := shapes[order[nd.in[0]].ID], shapes[order[nd.in[2]].ID]
		nd.heads = n.Int("heads", 1)
		nd.dq, nd.dv = q[0]/nd.heads, v[0]/nd.heads
		nd.tok = int(models.Shape(q).Numel()) / q[0]
		nd.ascale = float32(n.Float("scale", 1/math.Sqrt(float64(nd.dq))))
	case models.OpScale:
		sc := n.Tensor("scale").F32
		if len(sc) != 1 && len(sc) != in.Size() {
			return fmt.Errorf("scale of %d values on %d inputs: %w", len(sc), in.Size(), ErrUnsupported)
		}
		nd.a = sc
	case models.OpConv2d:
		w := n.Tensor("weight")
		if n.Int("groups", 1) != 1 || !allEq(n.Ints("dilation"), 1) {
			return fmt.Errorf("groups or dilation: %w", ErrUnsupported)
		}
		st, pd := pairOf(n.Ints("stride"), 1), pairOf(n.Ints("padding"), 0)
		if st[0] != st[1] || pd[0] != pd[1] {
			return fmt.Errorf("non-square stride or padding: %w", ErrUnsupported)
		}
		nd.w, nd.cin, nd.kh, nd.kw = w.F32, w.Shape[1], w.Shape[2], w.Shape[3]
		nd.stride, nd.pad = st[0], pd[0]
		nd.b = biasOf(n, w.Shape[0])
	case models.OpAffine, models.OpLinear:
		w := n.Tensor("weight")
		if len(shapes[order[nd.in[0]].ID]) != 1 {
			return fmt.Errorf("dense layer on a rank-%d input: %w", len(shapes[order[nd.in[0]].ID]), ErrUnsupported)
		}
		out, nin := w.Shape[0], w.Shape[1]
		nd.wt = make([]float32, len(w.F32))
		for o := 0; o < out; o++ {
			for i := 0; i < nin; i++ {
				nd.wt[i*out+o] = w.F32[o*nin+i]
			}
		}
		nd.b = biasOf(n, out)
	case models.OpGraphConv:
		w := n.Tensor("weight")
		nd.w, nd.fout, nd.fin = w.F32, w.Shape[0], w.Shape[1]
		nd.b = biasOf(n, w.Shape[0])
		nd.arow, nd.acol, nd.aval = n.Tensor("adj_row").I32, n.Tensor("adj_col").I32, n.Tensor("adj_val").F32
	case models.OpMultiSpike:
		if n.Float("decay", 0) != 0 && m.steps != 1 {
			// with one step the leak never acts: I-LIF is MultiSpike
			return fmt.Errorf("MultiSpike with decay (I-LIF) over %d steps: %w", m.steps, ErrUnsupported)
		}
		nd.d = n.Int("D", 0)
		nd.round = HalfEven
		if n.Str("rounding", models.RoundHalfEven) == models.RoundHalfUp {
			nd.round = HalfUp
		}
		nd.inv = float32(1 / n.Float("norm", float64(nd.d)))
	case models.OpSumPool2d, models.OpAvgPool2d, models.OpMaxPool2d:
		k, st, pd := pairOf(n.Ints("kernel_size"), 1), n.Ints("stride"), pairOf(n.Ints("padding"), 0)
		s := k
		if st != nil {
			s = pairOf(st, 1)
		}
		if k[0] != k[1] || s[0] != s[1] || pd[0] != 0 || pd[1] != 0 {
			return fmt.Errorf("non-square or padded pooling: %w", ErrUnsupported)
		}
		nd.k, nd.pstride = k[0], s[0]
	case models.OpBatchNorm:
		eps := n.Float("eps", 1e-5)
		C := in.C
		nd.a, nd.c = make([]float32, C), make([]float32, C)
		g, b := n.Tensor("weight").F32, n.Tensor("bias").F32
		mu, v := n.Tensor("running_mean").F32, n.Tensor("running_var").F32
		for j := 0; j < C; j++ {
			k := float64(g[j]) / math.Sqrt(float64(v[j])+eps)
			nd.a[j] = float32(k)
			nd.c[j] = float32(float64(b[j]) - float64(mu[j])*k)
		}
	case models.OpLIF:
		sz := in.Size()
		get := func(name string, def float32) []float32 {
			t := n.Tensor(name)
			out := make([]float32, sz)
			for i := range out {
				switch {
				case t == nil:
					out[i] = def
				case len(t.F32) == 1:
					out[i] = t.F32[0]
				default:
					out[i] = t.F32[i]
				}
			}
			return out
		}
		tau, r, vl := get("tau", 1), get("r", 1), get("v_leak", 0)
		nd.vth, nd.vreset = get("v_threshold", 1), get("v_reset", 0)
		nd.la, nd.lb, nd.lc = make([]float32, sz), make([]float32, sz), make([]float32, sz)
		sub := m.g.Meta["lif_reset"] == "subtract"
		nd.subtract = make([]bool, sz)
		for i := range sz {
			// Euler with dt = 1: a = 1 − 1/τ, b = r/τ, c = v_leak/τ.
			nd.la[i] = 1 - 1/tau[i]
			nd.lb[i] = r[i] / tau[i]
			nd.lc[i] = vl[i] / tau[i]
			nd.subtract[i] = sub
		}
	default:
		return ErrUnsupported
	}
	return nil
}

func allEq(v []int, x int) bool {
	for _, a := range v {
		if a != x {
			return false
		}
	}
	return true
}

func pairOf(v []int, def int) [2]int {
	switch len(v) {
	case 0:
		return [2]int{def, def}
	case 1:
		return [2]int{v[0], v[0]}
	}
	return [2]int{v[0], v[1]}
}

func biasOf(n *models.Node, out int) []float32 {
	if b := n.Tensor("bias"); b != nil {
		return b.F32
	}
	return make([]float32, out)
}

// Steps returns the number of time steps the model runs per sample.
func (m *Model) Steps() int { return m.steps }

// Classes returns the size of the Output.
func (m *Model) Classes() int { return m.classes }

// InputShape returns the input image shape (H, W, C).
func (m *Model) InputShape() Shape { return m.in }

// runner holds the per-worker buffers of one evaluation.
type runner struct {
	m    *Model
	vals [][]float32
	v    [][]float32 // LIF membranes
	col  []float32
	acc  []float32
	x    []float32
	rng  *rand.Rand
	pcg  *rand.PCG
}

func (m *Model) newRunner() *runner {
	r := &runner{m: m, vals: make([][]float32, len(m.nodes)), v: make([][]float32, len(m.nodes))}
	for i, nd := range m.nodes {
		r.vals[i] = make([]float32, nd.size)
		if nd.op == models.OpLIF {
			r.v[i] = make([]float32, nd.size)
		}
	}
	r.acc = make([]float32, m.classes)
	r.x = make([]float32, m.in.Size())
	r.pcg = rand.NewPCG(0, 0)
	r.rng = rand.New(r.pcg)
	return r
}

// evalStream derives the Poisson stream of sample i from seed.
func evalStream(seed uint64, i int) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte("eval/poisson"))
	return seed, h.Sum64() ^ uint64(i)*0x9E3779B97F4A7C15
}

// predict runs one sample x (normalised pixels, CHW) and returns the summed
// Output over all steps in r.acc and the arg-max class.
func (r *runner) predict(x []float32, seed uint64, sample int) int {
	m := r.m
	clear32(r.acc)
	for i := range r.v {
		clear32(r.v[i])
	}
	if m.poisson {
		r.pcg.Seed(evalStream(seed, sample))
	}
	for t := 0; t < m.steps; t++ {
		for i, nd := range m.nodes {
			r.exec(i, nd, x)
		}
		for j, v := range r.vals[m.outIdx] {
			r.acc[j] += v
		}
	}
	return argmax(r.acc)
}

func (r *runner) exec(i int, nd *inode, x []float32) {
	out := r.vals[i]
	var in []float32
	if len(nd.in) > 0 {
		in = r.vals[nd.in[0]]
		// Several inputs to a one-input op are summed (NIR).
		if len(nd.in) > 1 && nd.op != models.OpAdd && nd.op != models.OpSpikeAttention {
			in = r.sum(nd)
		}
	}
	switch nd.op {
	case models.OpInput:
		copy(out, x)
	case models.OpDirect, models.OpOutput, models.OpFlatten:
		copy(out, in)
	case models.OpPoisson:
		for j, p := range in {
			if r.rng.Float32() < r.m.gain*p {
				out[j] = 1
			} else {
				out[j] = 0
			}
		}
	case models.OpAdd:
		copy(out, r.vals[nd.in[0]])
		for _, k := range nd.in[1:] {
			for j, v := range r.vals[k] {
				out[j] += v
			}
		}
	case models.OpConv2d:
		ins := r.m.nodes[nd.in[0]].shape
		p := nd.shape.H * nd.shape.W
		kk := nd.cin * nd.kh * nd.kw
		r.col = grow(r.col, kk*p)
		im2col(r.col, in, ins, nd.shape, nd.kh, nd.kw, nd.stride, nd.pad)
		for co := 0; co < nd.shape.C; co++ {
			o := out[co*p : (co+1)*p]
			for j := range o {
				o[j] = nd.b[co]
			}
			accumRows(o, nd.w[co*kk:(co+1)*kk], r.col, p)
		}
	case models.OpAffine, models.OpLinear:
		copy(out, nd.b)
		accumRows(out, in, nd.wt, len(out))
	case models.OpGraphConv:
		// X·Wᵀ per node ([nodes][Fout] in r.col), then out = b + Â·(X·Wᵀ)
		nodes := len(in) / nd.fin
		r.col = grow(r.col, nodes*nd.fout)
		for m := 0; m < nodes; m++ {
			x := in[m*nd.fin : (m+1)*nd.fin]
			for fo := 0; fo < nd.fout; fo++ {
				var a float32
				for fi, w := range nd.w[fo*nd.fin : (fo+1)*nd.fin] {
					a += w * x[fi]
				}
				r.col[m*nd.fout+fo] = a
			}
		}
		for m := 0; m < nodes; m++ {
			copy(out[m*nd.fout:(m+1)*nd.fout], nd.b)
		}
		for k, v := range nd.aval {
			o := out[int(nd.arow[k])*nd.fout:][:nd.fout]
			for fo, a := range r.col[int(nd.acol[k])*nd.fout:][:nd.fout] {
				o[fo] += v * a
			}
		}
	case models.OpMean:
		per := len(in) / len(out)
		for c := range out {
			var s float32
			for _, v := range in[c*per : (c+1)*per] {
				s += v
			}
			out[c] = s / float32(per)
		}
	case models.OpSpikeAttention:
		r.attention(nd, r.vals[nd.in[0]], r.vals[nd.in[1]], r.vals[nd.in[2]], out)
	case models.OpScale:
		for j, v := range in {
			if len(nd.a) == 1 {
				out[j] = v * nd.a[0]
			} else {
				out[j] = v * nd.a[j]
			}
		}
	case models.OpMultiSpike:
		for j, v := range in {
			out[j] = SpikeCount(v, nd.d, nd.round) * nd.inv
		}
	case models.OpSumPool2d, models.OpAvgPool2d, models.OpMaxPool2d:
		r.pool(nd, in, out)
	case models.OpBatchNorm:
		hw := nd.shape.H * nd.shape.W
		for c := 0; c < nd.shape.C; c++ {
			for j := c * hw; j < (c+1)*hw; j++ {
				out[j] = in[j]*nd.a[c] + nd.c[c]
			}
		}
	case models.OpLIF:
		v := r.v[i]
		for j, xj := range in {
			h := nd.la[j]*v[j] + nd.lb[j]*xj + nd.lc[j]
			if h >= nd.vth[j] {
				out[j] = 1
				if nd.subtract[j] {
					h -= nd.vth[j]
				} else {
					h = nd.vreset[j]
				}
			} else {
				out[j] = 0
			}
			v[j] = h
		}
	}
}

// attention computes out = scale·(q·kᵀ)·v per head as q·(kᵀ·v); on spike
// counts every partial sum is an integer below 2²⁴, exact in float32, so
// the order of the products does not change the result.
func (r *runner) attention(nd *inode, q, k, v, out []float32) {
	N, d, dv := nd.tok, nd.dq, nd.dv
	r.col = grow(r.col, d*dv)
	kv := r.col
	clear32(out)
	for h := 0; h < nd.heads; h++ {
		for a := 0; a < d; a++ {
			kr := k[(h*d+a)*N : (h*d+a+1)*N]
			for b := 0; b < dv; b++ {
				var s float32
				for t, vt := range v[(h*dv+b)*N : (h*dv+b+1)*N] {
					s += kr[t] * vt
				}
				kv[a*dv+b] = s
			}
		}
		for a := 0; a < d; a++ {
			qr := q[(h*d+a)*N : (h*d+a+1)*N]
			for b, kvab := range kv[a*dv : (a+1)*dv] {
				o := out[(h*dv+b)*N : (h*dv+b+1)*N]
				for t, qt := range qr {
					o[t] += qt * kvab
				}
			}
		}
	}
	for j := range out {
		out[j] *= nd.ascale
	}
}

func (r *runner) sum(nd *inode) []float32 {
	buf := slices.Clone(r.vals[nd.in[0]])
	for _, k := range nd.in[1:] {
		for j, v := range r.vals[k] {
			buf[j] += v
		}
	}
	return buf
}

func (r *runner) pool(nd *inode, in, out []float32) {
	ins := r.m.nodes[nd.in[0]].shape
	ihw, ohw := ins.H*ins.W, nd.shape.H*nd.shape.W
	for c := 0; c < nd.shape.C; c++ {
		xs, ys := in[c*ihw:(c+1)*ihw], out[c*ohw:(c+1)*ohw]
		for oy := 0; oy < nd.shape.H; oy++ {
			for ox := 0; ox < nd.shape.W; ox++ {
				base := oy*nd.pstride*ins.W + ox*nd.pstride
				acc := xs[base]
				if nd.op != models.OpMaxPool2d {
					acc = 0
				}
				for ky := 0; ky < nd.k; ky++ {
					for _, v := range xs[base+ky*ins.W : base+ky*ins.W+nd.k] {
						if nd.op == models.OpMaxPool2d {
							acc = max(acc, v)
						} else {
							acc += v
						}
					}
				}
				if nd.op == models.OpAvgPool2d {
					acc /= float32(nd.k * nd.k)
				}
				ys[oy*nd.shape.W+ox] = acc
			}
		}
	}
}

// EvalResult is the outcome of Evaluate.
type EvalResult struct {
	N, Correct int
	Accuracy   float64 // Correct / N
	Pred       []int   // predicted class per sample
}

// Evaluate runs the reference inference of g on the first limit samples of
// split (all if limit <= 0), in parallel over samples on workers goroutines
// (0 = GOMAXPROCS). seed drives the Poisson encoder (per sample, so the
// result does not depend on workers).
func Evaluate(g *models.Graph, split *data.Split, limit int, seed uint64, workers int) (*EvalResult, error) {
	m, err := NewModel(g)
	if err != nil {
		return nil, err
	}
	return m.Evaluate(split, limit, seed, workers)
}

// Evaluate is the function Evaluate on a prepared model.
func (m *Model) Evaluate(split *data.Split, limit int, seed uint64, workers int) (*EvalResult, error) {
	if split.Rows != m.in.H || split.Cols != m.in.W || m.in.C != 1 {
		return nil, fmt.Errorf("dataset images are %dx%d, model input is %v", split.Rows, split.Cols, m.in)
	}
	n := split.N
	if limit > 0 && limit < n {
		n = limit
	}
	res := &EvalResult{N: n, Pred: make([]int, n)}
	p := newPool(workers)
	defer p.close()
	runners := make([]*runner, p.workers)
	for i := range runners {
		runners[i] = m.newRunner()
	}
	const per = 64
	p.run((n+per-1)/per, func(w, c int) {
		r := runners[w]
		for i := c * per; i < min(n, (c+1)*per); i++ {
			data.Direct(r.x, split.Image(i))
			res.Pred[i] = r.predict(r.x, seed, i)
		}
	})
	for i := 0; i < n; i++ {
		if res.Pred[i] == int(split.Labels[i]) {
			res.Correct++
		}
	}
	if n > 0 {
		res.Accuracy = float64(res.Correct) / float64(n)
	}
	return res, nil
}
