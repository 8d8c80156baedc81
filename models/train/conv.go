package train

import (
	"fmt"
	"math/rand/v2"
)

// Conv2d is a 2-D convolution computed per sample as im2col followed by a
// matrix product on gonum's blas32 kernels. Activations are channels-first
// (CHW) within a sample. Weight layout is PyTorch's and NIR's OIHW:
// W[co][(ci·KH+ky)·KW+kx]; bias B[co] (optional).
type Conv2d struct {
	Cout, KH, KW, Stride, Pad int
	Bias                      bool

	in, out Shape
	k       int // Cin·KH·KW
	p       int // OH·OW
	w, b    *Param

	weff, eps []float32 // noisy weights and their N(0,1) draws (noise-aware)
	wt        []float32 // weffᵀ, K×Cout, for the input gradient
	// col holds one im2col buffer per worker for up to chunkSamples
	// samples (K×P each). The backward pass rebuilds a chunk's im2col from
	// the kept input rather than keeping the whole batch's (7 MB for the
	// torch-bench net's second conv): rebuilt, it is in cache when the
	// weight gradient reads it.
	col   [][]float32
	xin   []float32 // input of the last Forward (unchanged until the next)
	y, dx []float32
	dcol  [][]float32 // per-worker scratch, K×P
	tmp   []float32

	// arguments of the current pass, read by the chunk functions
	x, dy  []float32
	n      int
	needDX bool
	fwdFn  func(w, c int)
	bwdFn  func(w, c int)
}

// NewConv2d returns a square-kernel convolution.
func NewConv2d(cout, k, stride, pad int, bias bool) *Conv2d {
	return &Conv2d{Cout: cout, KH: k, KW: k, Stride: stride, Pad: pad, Bias: bias}
}

func (l *Conv2d) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if l.Cout <= 0 || l.KH <= 0 || l.KW <= 0 || l.Stride <= 0 || l.Pad < 0 {
		return Shape{}, fmt.Errorf("conv2d: bad geometry cout=%d k=%dx%d stride=%d pad=%d", l.Cout, l.KH, l.KW, l.Stride, l.Pad)
	}
	oh := (in.H+2*l.Pad-l.KH)/l.Stride + 1
	ow := (in.W+2*l.Pad-l.KW)/l.Stride + 1
	if in.H+2*l.Pad < l.KH || in.W+2*l.Pad < l.KW {
		return Shape{}, fmt.Errorf("conv2d: kernel %dx%d does not fit input %v", l.KH, l.KW, in)
	}
	l.in, l.out = in, Shape{oh, ow, l.Cout}
	l.k = l.KH * l.KW * in.C
	l.p = oh * ow
	l.w = newParam("weight", true, l.Cout, in.C, l.KH, l.KW)
	kaimingUniform(l.w.W, l.k, rng)
	if l.Bias {
		l.b = newParam("bias", false, l.Cout)
		kaimingUniform(l.b.W, l.k, rng)
	}
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return l.out, nil
}

func (l *Conv2d) Params() []*Param {
	if l.b != nil {
		return []*Param{l.w, l.b}
	}
	return []*Param{l.w}
}

func (l *Conv2d) Forward(c *pass, x []float32, n int) []float32 {
	for len(l.col) < c.pool.workers {
		l.col = append(l.col, nil)
	}
	l.y = grow(l.y, n*l.out.Size())
	l.weff = effWeights(c, true, l.w.W, &l.weff, &l.eps)
	l.x, l.n = x, n
	c.pool.run(numChunks(n), l.fwdFn)
	l.xin, l.x = x, nil
	return l.y
}

// chunkCol returns worker w's im2col buffer, grown to hold ns samples.
func (l *Conv2d) chunkCol(w, ns int) []float32 {
	l.col[w] = grow(l.col[w], ns*l.p*l.k)
	return l.col[w]
}

func (l *Conv2d) forwardChunk(w, ch int) {
	lo, hi := chunkRange(ch, l.n)
	is, os := l.in.Size(), l.out.Size()
	col := l.chunkCol(w, 1)
	for s := lo; s < hi; s++ {
		im2col(col, l.x[s*is:(s+1)*is], l.in, l.out, l.KH, l.KW, l.Stride, l.Pad)
		y := l.y[s*os : (s+1)*os]
		if l.b == nil {
			setRowsN(y, l.p, l.weff, l.k, l.k, col, l.p, l.p, l.Cout)
			continue
		}
		for co := 0; co < l.Cout; co++ {
			yr := y[co*l.p : (co+1)*l.p]
			b := float32(0)
			if l.b != nil {
				b = l.b.W[co]
			}
			for i := range yr {
				yr[i] = b
			}
		}
		accumRowsN(y, l.p, l.weff, l.k, l.k, col, l.p, l.p, l.Cout)
	}
}

func (l *Conv2d) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	nc := numChunks(n)
	l.w.partials(nc)
	if l.b != nil {
		l.b.partials(nc)
	}
	if needDX {
		l.dx = grow(l.dx, n*l.in.Size())
		l.wt = grow(l.wt, len(l.weff))
		for co := 0; co < l.Cout; co++ {
			for k := 0; k < l.k; k++ {
				l.wt[k*l.Cout+co] = l.weff[co*l.k+k]
			}
		}
		for len(l.dcol) < c.pool.workers {
			l.dcol = append(l.dcol, nil)
		}
	}
	l.dy, l.n, l.needDX = dy, n, needDX
	c.pool.run(nc, l.bwdFn)
	l.dy = nil
	// Reduce in chunk order, then apply the noise factor.
	l.tmp = grow(l.tmp, len(l.w.W))
	clear32(l.tmp)
	for ch := 0; ch < nc; ch++ {
		for i, v := range l.w.part[ch] {
			l.tmp[i] += v
		}
	}
	addNoisyGrad(c, true, l.w.G, l.tmp, l.eps)
	if l.b != nil {
		l.b.reduce(nc)
	}
	if !needDX {
		return nil
	}
	return l.dx
}

func (l *Conv2d) backwardChunk(w, ch int) {
	lo, hi := chunkRange(ch, l.n)
	is, os := l.in.Size(), l.out.Size()
	gw := l.w.part[ch]
	clear32(gw)
	var gb []float32
	if l.b != nil {
		gb = l.b.part[ch]
		clear32(gb)
	}
	if l.needDX {
		l.dcol[w] = grow(l.dcol[w], l.p*l.k)
	}
	// The weight gradient of the whole chunk at once: each entry's 16 lane
	// sums run over the chunk's samples in order, then fold.
	col := l.chunkCol(w, hi-lo)
	for s := lo; s < hi; s++ {
		im2col(col[(s-lo)*l.p*l.k:(s-lo+1)*l.p*l.k], l.xin[s*is:(s+1)*is], l.in, l.out, l.KH, l.KW, l.Stride, l.Pad)
	}
	gradRowsN(gw, l.k, l.dy[lo*os:hi*os], l.p, l.Cout, col, l.p, l.k, l.p, hi-lo, os, l.p*l.k)
	for s := lo; s < hi; s++ {
		dy := l.dy[s*os : (s+1)*os]
		for co := 0; co < l.Cout; co++ {
			dyr := dy[co*l.p : (co+1)*l.p]
			if gb != nil {
				sum := float32(0)
				for _, v := range dyr {
					sum += v
				}
				gb[co] += sum
			}
		}
		if !l.needDX {
			continue
		}
		dcol := l.dcol[w]
		setRowsN(dcol, l.p, l.wt, l.Cout, l.Cout, dy, l.p, l.p, l.k)
		dx := l.dx[s*is : (s+1)*is]
		clear32(dx)
		col2im(dx, dcol, l.in, l.out, l.KH, l.KW, l.Stride, l.Pad)
	}
}

// im2col writes the K×P matrix of one CHW sample: row (ci, ky, kx) holds, for
// every output pixel, the input tap it multiplies; padding taps are zero.
func im2col(col, x []float32, in, out Shape, kh, kw, stride, pad int) {
	p := out.H * out.W
	if sameGeometry(in, out, kh, kw, stride, pad) {
		r := 0
		for ci := 0; ci < in.C; ci++ {
			plane := x[ci*p : (ci+1)*p]
			for ky := 0; ky < kh; ky++ {
				for kx := 0; kx < kw; kx++ {
					im2colSame(col[r*p:(r+1)*p], plane, in.W, ky-pad, kx-pad)
					r++
				}
			}
		}
		return
	}
	r := 0
	for ci := 0; ci < in.C; ci++ {
		plane := x[ci*in.H*in.W : (ci+1)*in.H*in.W]
		for ky := 0; ky < kh; ky++ {
			for kx := 0; kx < kw; kx++ {
				row := col[r*p : (r+1)*p]
				r++
				for oy := 0; oy < out.H; oy++ {
					dst := row[oy*out.W : (oy+1)*out.W]
					iy := oy*stride - pad + ky
					if iy < 0 || iy >= in.H {
						clear32(dst)
						continue
					}
					src := plane[iy*in.W : (iy+1)*in.W]
					if stride == 1 {
						// ix = ox - pad + kx: one shifted copy with zero edges.
						off := kx - pad
						lo := max(0, -off)
						hi := min(out.W, in.W-off)
						clear32(dst[:lo])
						if hi > lo {
							copy(dst[lo:hi], src[lo+off:hi+off])
						} else {
							hi = lo
						}
						clear32(dst[hi:])
						continue
					}
					for ox := range dst {
						ix := ox*stride - pad + kx
						if ix < 0 || ix >= in.W {
							dst[ox] = 0
						} else {
							dst[ox] = src[ix]
						}
					}
				}
			}
		}
	}
}

// col2im adds the K×P matrix back into the CHW input positions its entries
// came from (dx must be zeroed by the caller). It may overwrite the entries
// of col that map to padding.
func col2im(dx, col []float32, in, out Shape, kh, kw, stride, pad int) {
	p := out.H * out.W
	if sameGeometry(in, out, kh, kw, stride, pad) {
		r := 0
		for ci := 0; ci < in.C; ci++ {
			plane := dx[ci*p : (ci+1)*p]
			for ky := 0; ky < kh; ky++ {
				for kx := 0; kx < kw; kx++ {
					col2imSame(plane, col[r*p:(r+1)*p], in.W, ky-pad, kx-pad)
					r++
				}
			}
		}
		return
	}
	r := 0
	for ci := 0; ci < in.C; ci++ {
		plane := dx[ci*in.H*in.W : (ci+1)*in.H*in.W]
		for ky := 0; ky < kh; ky++ {
			for kx := 0; kx < kw; kx++ {
				row := col[r*p : (r+1)*p]
				r++
				for oy := 0; oy < out.H; oy++ {
					iy := oy*stride - pad + ky
					if iy < 0 || iy >= in.H {
						continue
					}
					src := row[oy*out.W : (oy+1)*out.W]
					dst := plane[iy*in.W : (iy+1)*in.W]
					if stride == 1 {
						// ix = ox - pad + kx: one shifted add, edges dropped.
						off := kx - pad
						lo := max(0, -off)
						hi := min(out.W, in.W-off)
						if hi > lo {
							d := dst[lo+off : hi+off]
							for i, v := range src[lo:hi] {
								d[i] += v
							}
						}
						continue
					}
					for ox, v := range src {
						ix := ox*stride - pad + kx
						if ix >= 0 && ix < in.W {
							dst[ix] += v
						}
					}
				}
			}
		}
	}
}

// sameGeometry reports a stride-1 convolution whose output has the input's
// size (2·pad = k−1), where every im2col row is the input plane shifted by
// (ky−pad, kx−pad): one block copy (or add) instead of one per image row.
func sameGeometry(in, out Shape, kh, kw, stride, pad int) bool {
	return stride == 1 && out.H == in.H && out.W == in.W && pad < in.W && pad < in.H
}

// im2colSame writes the H×W plane shifted by (dy, dx) into row, zero where the
// shifted position falls outside: one block copy of the rows that exist
// (whose first or last |dx| entries of each image row wrap to a neighbouring
// image row), then zeros over those entries.
func im2colSame(row, plane []float32, w, dy, dx int) {
	h := len(plane) / w
	lo, hi := max(0, -dy), min(h, h-dy) // output rows whose input row exists
	if lo >= hi {
		clear32(row)
		return
	}
	clear32(row[:lo*w])
	clear32(row[hi*w:])
	dst := row[lo*w : hi*w]
	s0 := (lo+dy)*w + dx // plane index of dst[0]
	a, b := max(0, -s0), min(len(dst), len(plane)-s0)
	copy(dst[a:b], plane[s0+a:s0+b])
	clear32(dst[:a])
	clear32(dst[b:])
	zeroEdges(dst, w, dx)
}

// zeroEdges zeroes, in every image row of block, the |dx| entries at the
// left (dx < 0) or right (dx > 0) edge.
func zeroEdges(block []float32, w, dx int) {
	switch {
	case dx == -1:
		for o := 0; o < len(block); o += w {
			block[o] = 0
		}
	case dx == 1:
		for o := w - 1; o < len(block); o += w {
			block[o] = 0
		}
	case dx < 0:
		for o := 0; o < len(block); o += w {
			clear32(block[o : o-dx])
		}
	case dx > 0:
		for o := w - dx; o < len(block); o += w {
			clear32(block[o : o+dx])
		}
	}
}

// col2imSame adds row back onto the plane positions im2colSame took it from.
// It zeroes row's wrapped entries first (row is scratch) so that the add is
// one block: those entries add +0 to a neighbour.
func col2imSame(plane, row []float32, w, dy, dx int) {
	h := len(plane) / w
	lo, hi := max(0, -dy), min(h, h-dy)
	if lo >= hi {
		return
	}
	src := row[lo*w : hi*w]
	zeroEdges(src, w, dx)
	s0 := (lo+dy)*w + dx
	a, b := max(0, -s0), min(len(src), len(plane)-s0)
	// y += 1·x: the product is exact, so each entry is d + v, vectorised.
	axpy(1, src[a:b], plane[s0+a:s0+b])
}
