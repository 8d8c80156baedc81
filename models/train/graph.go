package train

import (
	"fmt"
	"math/rand/v2"
)

// GraphConv is a graph convolution over a fixed graph (Kipf & Welling's GCN
// layer, the synaptic fan-in of a spiking GNN, seed-models §5):
//
//	Y = Â · X · Wᵀ + b,   Â = D̃^−½ (A + I) D̃^−½
//
// with X [nodes, Fin], W [Fout, Fin] (as the models.GraphConv op) and Â in
// COO form (Row, Col, Val: Â[Row[k]][Col[k]] = Val[k], from data.Graph's
// NormAdj).
//
// Layout: inside a net a graph tensor of F features is stored feature-major,
// Shape{H: nodes, W: 1, C: F} (CHW with a channel per feature), so that
// BatchNorm over it normalises each feature over the batch, the time steps
// and the nodes: that is STFN (NewSTFN). The first GraphConv may instead read
// the raw input, node-major Shape{H: nodes, W: F, C: 1} (a dataset sample of
// Rows = nodes, Cols = features); a one-feature tensor is the same in both.
type GraphConv struct {
	Out      int
	Bias     bool
	Row, Col []int32
	Val      []float32

	in         Shape
	nodes, fin int
	nodeMajor  bool
	w, b       *Param
	xw         []float32 // per sample X·Wᵀ, [Fout][nodes]
	y, dx      []float32
	scratch    [][]float32 // per chunk, [Fout][nodes]
	x, dy      []float32
	n          int
	needDX     bool
	fwdFn      func(w, c int)
	bwdFn      func(w, c int)
}

// NewGraphConv returns a graph convolution with out features per node over
// the normalised adjacency (row, col, val).
func NewGraphConv(out int, bias bool, row, col []int32, val []float32) *GraphConv {
	return &GraphConv{Out: out, Bias: bias, Row: row, Col: col, Val: val}
}

func (l *GraphConv) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if l.Out <= 0 {
		return Shape{}, fmt.Errorf("graphconv: bad output size %d", l.Out)
	}
	if len(l.Row) != len(l.Col) || len(l.Row) != len(l.Val) || len(l.Row) == 0 {
		return Shape{}, fmt.Errorf("graphconv: adjacency of %d rows, %d columns, %d values", len(l.Row), len(l.Col), len(l.Val))
	}
	l.nodes = in.H
	switch {
	case in.W == 1:
		l.fin = in.C
	case in.C == 1:
		l.fin, l.nodeMajor = in.W, true
	default:
		return Shape{}, fmt.Errorf("graphconv: input %v is neither [nodes, features] nor a graph tensor", in)
	}
	for k := range l.Row {
		if l.Row[k] < 0 || int(l.Row[k]) >= l.nodes || l.Col[k] < 0 || int(l.Col[k]) >= l.nodes {
			return Shape{}, fmt.Errorf("graphconv: adjacency entry %d = (%d, %d) out of range for %d nodes", k, l.Row[k], l.Col[k], l.nodes)
		}
	}
	l.in = in
	l.w = newParam("weight", true, l.Out, l.fin)
	kaimingUniform(l.w.W, l.fin, rng)
	if l.Bias {
		l.b = newParam("bias", false, l.Out)
		kaimingUniform(l.b.W, l.fin, rng)
	}
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return Shape{H: l.nodes, W: 1, C: l.Out}, nil
}

func (l *GraphConv) Params() []*Param {
	if l.b != nil {
		return []*Param{l.w, l.b}
	}
	return []*Param{l.w}
}

// xAt returns X[m][fi] of sample x.
func (l *GraphConv) xAt(x []float32, m, fi int) float32 {
	if l.nodeMajor {
		return x[m*l.fin+fi]
	}
	return x[fi*l.nodes+m]
}

func (l *GraphConv) Forward(c *pass, x []float32, n int) []float32 {
	per := l.Out * l.nodes
	l.y = grow(l.y, n*per)
	l.xw = grow(l.xw, n*per)
	l.x, l.n = x, n
	c.pool.run(numChunks(n), l.fwdFn)
	return l.y
}

func (l *GraphConv) forwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	per, insz := l.Out*l.nodes, l.in.Size()
	for s := lo; s < hi; s++ {
		x := l.x[s*insz : (s+1)*insz]
		xw := l.xw[s*per : (s+1)*per]
		y := l.y[s*per : (s+1)*per]
		for fo := 0; fo < l.Out; fo++ {
			w := l.w.W[fo*l.fin : (fo+1)*l.fin]
			row := xw[fo*l.nodes : (fo+1)*l.nodes]
			for m := range row {
				var a float32
				for fi, wv := range w {
					a += wv * l.xAt(x, m, fi)
				}
				row[m] = a
			}
			b := float32(0)
			if l.b != nil {
				b = l.b.W[fo]
			}
			yr := y[fo*l.nodes : (fo+1)*l.nodes]
			for i := range yr {
				yr[i] = b
			}
			for k, v := range l.Val {
				yr[l.Row[k]] += v * row[l.Col[k]]
			}
		}
	}
}

func (l *GraphConv) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	nc := numChunks(n)
	l.w.partials(nc)
	if l.b != nil {
		l.b.partials(nc)
	}
	for len(l.scratch) < nc {
		l.scratch = append(l.scratch, make([]float32, l.Out*l.nodes))
	}
	if needDX {
		l.dx = grow(l.dx, n*l.in.Size())
	}
	l.dy, l.n, l.needDX = dy, n, needDX
	c.pool.run(nc, l.bwdFn)
	l.w.reduce(nc)
	if l.b != nil {
		l.b.reduce(nc)
	}
	l.x, l.dy = nil, nil
	if !needDX {
		return nil
	}
	return l.dx
}

func (l *GraphConv) backwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	per, insz := l.Out*l.nodes, l.in.Size()
	gw := l.w.part[ch]
	clear32(gw)
	var gb []float32
	if l.b != nil {
		gb = l.b.part[ch]
		clear32(gb)
	}
	dxw := l.scratch[ch]
	for s := lo; s < hi; s++ {
		x := l.x[s*insz : (s+1)*insz]
		dy := l.dy[s*per : (s+1)*per]
		clear32(dxw)
		for fo := 0; fo < l.Out; fo++ {
			d := dy[fo*l.nodes : (fo+1)*l.nodes]
			g := dxw[fo*l.nodes : (fo+1)*l.nodes]
			for k, v := range l.Val {
				g[l.Col[k]] += v * d[l.Row[k]]
			}
			if gb != nil {
				for _, v := range d {
					gb[fo] += v
				}
			}
			w := gw[fo*l.fin : (fo+1)*l.fin]
			for m, gv := range g {
				if gv == 0 {
					continue
				}
				for fi := range w {
					w[fi] += gv * l.xAt(x, m, fi)
				}
			}
		}
		if !l.needDX {
			continue
		}
		dx := l.dx[s*insz : (s+1)*insz]
		clear32(dx)
		for fo := 0; fo < l.Out; fo++ {
			g := dxw[fo*l.nodes : (fo+1)*l.nodes]
			w := l.w.W[fo*l.fin : (fo+1)*l.fin]
			for m, gv := range g {
				if gv == 0 {
					continue
				}
				for fi, wv := range w {
					if l.nodeMajor {
						dx[m*l.fin+fi] += gv * wv
					} else {
						dx[fi*l.nodes+m] += gv * wv
					}
				}
			}
		}
	}
}

// NewSTFN returns the spatio-temporal feature normalisation of a spiking
// GNN (seed-models §5, [recon]): per feature, statistics taken jointly over
// the batch, the time steps and the nodes, scaled to the threshold,
//
//	x̂ = λ·V_th·(x − μ)/√(σ² + ε) + β,
//
// which on the feature-major graph layout (GraphConv) is a BatchNorm whose
// γ = λ·V_th starts at V_th (λ = 1). Export folds it into the GraphConv
// before it like any BatchNorm.
func NewSTFN(vth float64) *STFN { return &STFN{BatchNorm: *NewBatchNorm(), Vth: vth} }

// STFN is a BatchNorm over a graph tensor with γ initialised to V_th.
type STFN struct {
	BatchNorm
	Vth float64
}

func (l *STFN) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if in.W != 1 {
		return Shape{}, fmt.Errorf("stfn: input %v is not a graph tensor (feature-major, W = 1)", in)
	}
	s, err := l.BatchNorm.Init(in, rng)
	if err != nil {
		return s, err
	}
	for i := range l.gamma.W {
		l.gamma.W[i] = float32(l.Vth)
	}
	return s, nil
}
