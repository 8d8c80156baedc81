package train

import (
	"fmt"
	"math/rand/v2"
)

// PoolKind selects the reduction of a pooling window.
type PoolKind int

const (
	AvgPool PoolKind = iota // mean of the window
	SumPool                 // sum of the window (integer-preserving on spike counts)
	MaxPool                 // maximum of the window (gradient to the first maximum)
)

func (k PoolKind) String() string {
	switch k {
	case AvgPool:
		return "avg"
	case SumPool:
		return "sum"
	case MaxPool:
		return "max"
	}
	return fmt.Sprintf("PoolKind(%d)", int(k))
}

// Pool2d is a K×K pooling with stride S and no padding (floor mode).
type Pool2d struct {
	Kind      PoolKind
	K, Stride int

	in, out Shape
	y, dx   []float32
	arg     []int32 // MaxPool: offset within its input plane of each maximum
	x, dy   []float32
	n       int
	fwdFn   func(w, c int)
	bwdFn   func(w, c int)
}

// NewPool2d returns a pooling layer with kernel k and stride k.
func NewPool2d(kind PoolKind, k int) *Pool2d { return &Pool2d{Kind: kind, K: k, Stride: k} }

func (l *Pool2d) Init(in Shape, _ *rand.Rand) (Shape, error) {
	if l.K <= 0 || l.Stride <= 0 || l.Kind < AvgPool || l.Kind > MaxPool {
		return Shape{}, fmt.Errorf("pool2d: bad kind %v or geometry k=%d stride=%d", l.Kind, l.K, l.Stride)
	}
	oh, ow := (in.H-l.K)/l.Stride+1, (in.W-l.K)/l.Stride+1
	if in.H < l.K || in.W < l.K {
		return Shape{}, fmt.Errorf("pool2d: kernel %d larger than input %v", l.K, in)
	}
	l.in, l.out = in, Shape{oh, ow, in.C}
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return l.out, nil
}

func (l *Pool2d) Params() []*Param { return nil }

func (l *Pool2d) Forward(c *pass, x []float32, n int) []float32 {
	l.y = grow(l.y, n*l.out.Size())
	if l.Kind == MaxPool && cap(l.arg) < len(l.y) {
		l.arg = make([]int32, len(l.y))
	}
	l.x, l.n = x, n
	c.pool.run(numChunks(n), l.fwdFn)
	l.x = nil
	return l.y
}

func (l *Pool2d) forwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	scale := float32(1)
	if l.Kind == AvgPool {
		scale = 1 / float32(l.K*l.K)
	}
	ihw, ohw := l.in.H*l.in.W, l.out.H*l.out.W
	if l.Kind != MaxPool && l.K == 2 && l.Stride == 2 {
		l.forward2(lo*l.in.C, hi*l.in.C, scale)
		return
	}
	for pl := lo * l.in.C; pl < hi*l.in.C; pl++ {
		xs := l.x[pl*ihw : (pl+1)*ihw]
		ys := l.y[pl*ohw : (pl+1)*ohw]
		for oy := 0; oy < l.out.H; oy++ {
			for ox := 0; ox < l.out.W; ox++ {
				base := oy*l.Stride*l.in.W + ox*l.Stride
				o := oy*l.out.W + ox
				if l.Kind == MaxPool {
					best, arg := xs[base], base
					for ky := 0; ky < l.K; ky++ {
						for kx := 0; kx < l.K; kx++ {
							if v := xs[base+ky*l.in.W+kx]; v > best {
								best, arg = v, base+ky*l.in.W+kx
							}
						}
					}
					ys[o] = best
					l.arg[pl*ohw+o] = int32(arg)
					continue
				}
				sum := float32(0)
				for ky := 0; ky < l.K; ky++ {
					for _, v := range xs[base+ky*l.in.W : base+ky*l.in.W+l.K] {
						sum += v
					}
				}
				ys[o] = sum * scale
			}
		}
	}
}

func (l *Pool2d) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	l.dx = grow(l.dx, n*l.in.Size())
	l.dy, l.n = dy, n
	c.pool.run(numChunks(n), l.bwdFn)
	l.dy = nil
	return l.dx
}

func (l *Pool2d) backwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	scale := float32(1)
	if l.Kind == AvgPool {
		scale = 1 / float32(l.K*l.K)
	}
	ihw, ohw := l.in.H*l.in.W, l.out.H*l.out.W
	if l.Kind != MaxPool && l.K == 2 && l.Stride == 2 {
		l.backward2(lo*l.in.C, hi*l.in.C, scale)
		return
	}
	clear32(l.dx[lo*l.in.Size() : hi*l.in.Size()])
	for pl := lo * l.in.C; pl < hi*l.in.C; pl++ {
		dxs := l.dx[pl*ihw : (pl+1)*ihw]
		dys := l.dy[pl*ohw : (pl+1)*ohw]
		if l.Kind == MaxPool {
			for o, g := range dys {
				dxs[l.arg[pl*ohw+o]] += g
			}
			continue
		}
		for oy := 0; oy < l.out.H; oy++ {
			for ox := 0; ox < l.out.W; ox++ {
				g := dys[oy*l.out.W+ox] * scale
				base := oy*l.Stride*l.in.W + ox*l.Stride
				for ky := 0; ky < l.K; ky++ {
					d := dxs[base+ky*l.in.W : base+ky*l.in.W+l.K]
					for i := range d {
						d[i] += g
					}
				}
			}
		}
	}
}

// forward2 is the sum and average pool for K = stride = 2, planes [p0, p1):
// the general loop's arithmetic ((x00+x01)+x10)+x11, then ·scale, with the
// window loops unrolled.
func (l *Pool2d) forward2(p0, p1 int, scale float32) {
	iw, ihw := l.in.W, l.in.H*l.in.W
	ow, ohw := l.out.W, l.out.H*l.out.W
	if l.in.H == 2*l.out.H && iw == 2*ow && p1 > p0 {
		// Even sizes: the planes' output rows pair with consecutive input
		// row pairs, so the whole range is one run of rows.
		rows := (p1 - p0) * l.out.H
		if pool2Arch(false, l.y[p0*ohw:p1*ohw], l.x[p0*ihw:p1*ihw], rows, ow, iw, scale) {
			return
		}
	}
	for pl := p0; pl < p1; pl++ {
		xs := l.x[pl*ihw : (pl+1)*ihw]
		ys := l.y[pl*ohw : (pl+1)*ohw]
		for oy := 0; oy < l.out.H; oy++ {
			r0 := xs[2*oy*iw : 2*oy*iw+2*ow]
			r1 := xs[(2*oy+1)*iw : (2*oy+1)*iw+2*ow]
			yr := ys[oy*ow : (oy+1)*ow]
			for ox := range yr {
				s := r0[2*ox] + r0[2*ox+1]
				s += r1[2*ox]
				s += r1[2*ox+1]
				yr[ox] = s * scale
			}
		}
	}
}

// backward2 is the sum and average pool gradient for K = stride = 2: every
// input of a window gets dy·scale; inputs in no window (odd sizes) get 0.
func (l *Pool2d) backward2(p0, p1 int, scale float32) {
	iw, ihw := l.in.W, l.in.H*l.in.W
	ow, ohw := l.out.W, l.out.H*l.out.W
	if l.in.H != 2*l.out.H || iw != 2*ow {
		clear32(l.dx[p0*ihw : p1*ihw])
	} else if p1 > p0 && pool2Arch(true, l.dx[p0*ihw:p1*ihw], l.dy[p0*ohw:p1*ohw], (p1-p0)*l.out.H, ow, iw, scale) {
		return
	}
	for pl := p0; pl < p1; pl++ {
		dxs := l.dx[pl*ihw : (pl+1)*ihw]
		dys := l.dy[pl*ohw : (pl+1)*ohw]
		for oy := 0; oy < l.out.H; oy++ {
			r0 := dxs[2*oy*iw : 2*oy*iw+2*ow]
			r1 := dxs[(2*oy+1)*iw : (2*oy+1)*iw+2*ow]
			for ox, g := range dys[oy*ow : (oy+1)*ow] {
				v := g * scale
				r0[2*ox], r0[2*ox+1] = v, v
				r1[2*ox], r1[2*ox+1] = v, v
			}
		}
	}
}
