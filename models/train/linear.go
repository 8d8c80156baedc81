package train

import (
	"fmt"
	"math/rand/v2"
)

// Linear is a fully connected layer y = W·x + b over the flattened sample
// (CHW order, as PyTorch's flatten). Weight layout W[o][i] (Out×In, as
// PyTorch and NIR); bias B[o] (optional).
type Linear struct {
	Out  int
	Bias bool

	in     Shape
	nin    int
	w, b   *Param
	weff   []float32
	eps    []float32
	y, dx  []float32
	tmp    []float32
	x, dy  []float32
	n      int
	needDX bool
	fwdFn  func(w, c int)
	bwdFn  func(w, c int)
}

// NewLinear returns a fully connected layer with out outputs.
func NewLinear(out int, bias bool) *Linear { return &Linear{Out: out, Bias: bias} }

func (l *Linear) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if l.Out <= 0 {
		return Shape{}, fmt.Errorf("linear: bad output size %d", l.Out)
	}
	l.in, l.nin = in, in.Size()
	l.w = newParam("weight", true, l.Out, l.nin)
	kaimingUniform(l.w.W, l.nin, rng)
	if l.Bias {
		l.b = newParam("bias", false, l.Out)
		kaimingUniform(l.b.W, l.nin, rng)
	}
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return Shape{1, 1, l.Out}, nil
}

func (l *Linear) Params() []*Param {
	if l.b != nil {
		return []*Param{l.w, l.b}
	}
	return []*Param{l.w}
}

func (l *Linear) Forward(c *pass, x []float32, n int) []float32 {
	l.y = grow(l.y, n*l.Out)
	l.weff = effWeights(c, false, l.w.W, &l.weff, &l.eps)
	l.x, l.n = x, n
	c.pool.run(numChunks(n), l.fwdFn)
	return l.y
}

func (l *Linear) forwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	for s := lo; s < hi; s++ {
		x := l.x[s*l.nin : (s+1)*l.nin]
		y := l.y[s*l.Out : (s+1)*l.Out]
		clear32(y)
		dotRows(y, x, l.weff, l.nin)
		if l.b != nil {
			for o := range y {
				y[o] += l.b.W[o]
			}
		}
	}
}

func (l *Linear) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	nc := numChunks(n)
	l.w.partials(nc)
	if l.b != nil {
		l.b.partials(nc)
	}
	if needDX {
		l.dx = grow(l.dx, n*l.nin)
	}
	l.dy, l.n, l.needDX = dy, n, needDX
	c.pool.run(nc, l.bwdFn)
	l.tmp = grow(l.tmp, len(l.w.W))
	clear32(l.tmp)
	for ch := 0; ch < nc; ch++ {
		for i, v := range l.w.part[ch] {
			l.tmp[i] += v
		}
	}
	addNoisyGrad(c, false, l.w.G, l.tmp, l.eps)
	if l.b != nil {
		l.b.reduce(nc)
	}
	l.x, l.dy = nil, nil
	if !needDX {
		return nil
	}
	return l.dx
}

func (l *Linear) backwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	gw := l.w.part[ch]
	clear32(gw)
	var gb []float32
	if l.b != nil {
		gb = l.b.part[ch]
		clear32(gb)
	}
	for s := lo; s < hi; s++ {
		x := l.x[s*l.nin : (s+1)*l.nin]
		dy := l.dy[s*l.Out : (s+1)*l.Out]
		for o, g := range dy {
			axpy(g, x, gw[o*l.nin:(o+1)*l.nin])
			if gb != nil {
				gb[o] += g
			}
		}
		if l.needDX {
			dx := l.dx[s*l.nin : (s+1)*l.nin]
			clear32(dx)
			accumRows(dx, dy, l.weff, l.nin)
		}
	}
}
