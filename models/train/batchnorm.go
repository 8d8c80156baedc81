package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// BatchNorm normalises each channel (a CHW plane) over the batch and the
// spatial positions: y = γ·(x−μ)/sqrt(σ²+ε) + β. In training μ, σ² are the
// batch statistics (biased variance) and the running estimates are updated
// with Momentum, unbiased variance, as PyTorch does; in evaluation the running
// estimates are used. Export folds it into the preceding Conv2d or Linear.
type BatchNorm struct {
	Eps, Momentum float64

	in          Shape
	gamma, beta *Param
	// RunMean and RunVar are the running statistics (state, not trained).
	RunMean, RunVar []float32

	mean, invstd []float64
	xhat, y, dx  []float32
	part         [][]float64 // per chunk, 2·C partial sums
	x, dy        []float32
	n            int
	training     bool
	statFn       func(w, c int)
	normFn       func(w, c int)
	gradFn       func(w, c int)
	dxFn         func(w, c int)
	sumDy, sumDx []float64
}

// NewBatchNorm returns a batch norm with PyTorch's defaults (ε=1e-5, momentum 0.1).
func NewBatchNorm() *BatchNorm { return &BatchNorm{Eps: 1e-5, Momentum: 0.1} }

func (l *BatchNorm) Init(in Shape, _ *rand.Rand) (Shape, error) {
	if in.C <= 0 {
		return Shape{}, fmt.Errorf("batchnorm: input %v has no channels", in)
	}
	c := in.C
	l.in = in
	l.gamma = newParam("weight", false, c)
	l.beta = newParam("bias", false, c)
	for i := range l.gamma.W {
		l.gamma.W[i] = 1
	}
	l.RunMean = make([]float32, c)
	l.RunVar = make([]float32, c)
	for i := range l.RunVar {
		l.RunVar[i] = 1
	}
	l.mean = make([]float64, c)
	l.invstd = make([]float64, c)
	l.sumDy = make([]float64, c)
	l.sumDx = make([]float64, c)
	l.statFn, l.normFn = l.statChunk, l.normChunk
	l.gradFn, l.dxFn = l.gradChunk, l.dxChunk
	return in, nil
}

func (l *BatchNorm) Params() []*Param { return []*Param{l.gamma, l.beta} }

func (l *BatchNorm) partials(nc int) {
	for len(l.part) < nc {
		l.part = append(l.part, make([]float64, 2*l.in.C))
	}
}

func (l *BatchNorm) Forward(c *pass, x []float32, n int) []float32 {
	C := l.in.C
	l.y = grow(l.y, n*l.in.Size())
	l.x, l.n, l.training = x, n, c.train
	nc := numChunks(n)
	if c.train {
		l.xhat = grow(l.xhat, len(l.y))
		l.partials(nc)
		c.pool.run(nc, l.statFn)
		// Combine the chunks' sums and squared deviations from their own
		// means (Chan et al.), in chunk order: M2 = Σ M2_c + n_c·(μ_c − μ)².
		cnt := float64(n * l.in.H * l.in.W)
		for j := 0; j < C; j++ {
			s := 0.0
			for ch := 0; ch < nc; ch++ {
				s += l.part[ch][j]
			}
			l.mean[j] = s / cnt
		}
		for j := 0; j < C; j++ {
			m2 := 0.0
			for ch := 0; ch < nc; ch++ {
				lo, hi := chunkRange(ch, n)
				nch := float64((hi - lo) * l.in.H * l.in.W)
				d := l.part[ch][j]/nch - l.mean[j]
				m2 += l.part[ch][C+j] + float64(nch*d*d)
			}
			v := m2 / cnt
			l.invstd[j] = 1 / math.Sqrt(v+l.Eps)
			m := l.Momentum
			unb := v
			if cnt > 1 {
				unb = m2 / (cnt - 1)
			}
			l.RunMean[j] = float32((1-m)*float64(l.RunMean[j]) + m*l.mean[j])
			l.RunVar[j] = float32((1-m)*float64(l.RunVar[j]) + m*unb)
		}
	} else {
		for j := 0; j < C; j++ {
			l.mean[j] = float64(l.RunMean[j])
			l.invstd[j] = 1 / math.Sqrt(float64(l.RunVar[j])+l.Eps)
		}
	}
	c.pool.run(nc, l.normFn)
	l.x = nil
	return l.y
}

// statChunk stores, per channel, the chunk's sum and its sum of squared
// deviations from the chunk's own mean (a second pass over data that is
// still in cache).
func (l *BatchNorm) statChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	hw, C := l.in.H*l.in.W, l.in.C
	p := l.part[ch][:2*C]
	for c := 0; c < C; c++ {
		sum := 0.0
		for s := lo; s < hi; s++ {
			sum += sum64(l.x[(s*C+c)*hw : (s*C+c+1)*hw])
		}
		m := sum / float64((hi-lo)*hw)
		m2 := 0.0
		for s := lo; s < hi; s++ {
			m2 += sumSqDev64(l.x[(s*C+c)*hw:(s*C+c+1)*hw], m)
		}
		p[c], p[C+c] = sum, m2
	}
}

func (l *BatchNorm) normChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	hw, C := l.in.H*l.in.W, l.in.C
	for s := lo; s < hi; s++ {
		for c := 0; c < C; c++ {
			off := (s*C + c) * hw
			m, is := float32(l.mean[c]), float32(l.invstd[c])
			g, b := l.gamma.W[c], l.beta.W[c]
			y := l.y[off : off+hw]
			xh := y // evaluation keeps no x̂
			if l.training {
				xh = l.xhat[off : off+hw]
			}
			bnNorm(xh, y, l.x[off:off+hw], m, is, g, b)
		}
	}
}

func (l *BatchNorm) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	C := l.in.C
	nc := numChunks(n)
	l.dy, l.n = dy, n
	l.partials(nc)
	c.pool.run(nc, l.gradFn)
	for j := 0; j < C; j++ {
		sdy, sdx := 0.0, 0.0
		for ch := 0; ch < nc; ch++ {
			sdy += l.part[ch][j]
			sdx += l.part[ch][C+j]
		}
		l.sumDy[j], l.sumDx[j] = sdy, sdx
		l.beta.G[j] += float32(sdy)
		l.gamma.G[j] += float32(sdx)
	}
	if needDX {
		l.dx = grow(l.dx, n*l.in.Size())
		c.pool.run(nc, l.dxFn)
	}
	l.dy = nil
	if !needDX {
		return nil
	}
	return l.dx
}

// gradChunk sums dy and dy·x̂ per channel.
func (l *BatchNorm) gradChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	hw, C := l.in.H*l.in.W, l.in.C
	p := l.part[ch][:2*C]
	for j := range p {
		p[j] = 0
	}
	for s := lo; s < hi; s++ {
		for c := 0; c < C; c++ {
			off := (s*C + c) * hw
			sdy, sdx := bnGradSums(l.dy[off:off+hw], l.xhat[off:off+hw])
			p[c] += float64(sdy)
			p[C+c] += float64(sdx)
		}
	}
}

// dxChunk: dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)).
func (l *BatchNorm) dxChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	hw, C := l.in.H*l.in.W, l.in.C
	cnt := float64(l.n * hw)
	for s := lo; s < hi; s++ {
		for c := 0; c < C; c++ {
			off := (s*C + c) * hw
			k := float32(float64(l.gamma.W[c]) * l.invstd[c])
			mdy := float32(l.sumDy[c] / cnt)
			mdx := float32(l.sumDx[c] / cnt)
			bnDx(l.dx[off:off+hw], l.dy[off:off+hw], l.xhat[off:off+hw], k, mdy, mdx)
		}
	}
}
