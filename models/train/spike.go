package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Rounding is the rounding rule of a MultiSpike neuron.
type Rounding int

const (
	// HalfEven rounds ties to even, as torch.round (SFA Base models).
	HalfEven Rounding = iota
	// HalfUp rounds ties up, floor(x+0.5) (SFA Large models).
	HalfUp
)

func (r Rounding) String() string {
	switch r {
	case HalfEven:
		return "half-even"
	case HalfUp:
		return "half-up"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// SpikeCount is the integer MultiSpike firing rule: round(clamp(x, 0, d)).
// The rounding is done in float64, where x+0.5 and the round-to-even trick
// below are exact for every float32 x, so the result is exact.
func SpikeCount(x float32, d int, r Rounding) float32 {
	v := float64(x)
	if !(v > 0) { // also maps NaN to 0
		return 0
	}
	if v > float64(d) {
		v = float64(d)
	}
	if r == HalfUp {
		return float32(math.Floor(v + 0.5))
	}
	// Adding and subtracting 1.5·2^52 rounds v (0 ≤ v ≤ 255) to an
	// integer under the FPU's round-half-to-even mode: RoundToEven, fast.
	const magic = 6755399441055744.0
	return float32((v + magic) - magic)
}

// MultiSpike is the SFA integer neuron (seed-models §1.1): s = round(clamp(x,
// 0, D)), output s/Norm. It has no state. Backward is straight-through inside
// the window [0, D], ends included: dx = dy·STEScale where 0 ≤ x ≤ D, else 0.
type MultiSpike struct {
	D     int
	Round Rounding
	// Norm divides the output; 0 means D (the usual s/D).
	Norm float32
	// STEScale is the straight-through gain; 0 means 1/Norm, the derivative
	// of the relaxation x/Norm (SFA's code). torch_sfa_mnist.py uses 1.
	STEScale float32

	in    Shape
	y, dx []float32
	x, dy []float32
	n     int
	fwdFn func(w, c int)
	bwdFn func(w, c int)
}

// NewMultiSpike returns a MultiSpike neuron with half-even rounding and output s/D.
func NewMultiSpike(d int) *MultiSpike { return &MultiSpike{D: d} }

func (l *MultiSpike) norm() float32 {
	if l.Norm == 0 {
		return float32(l.D)
	}
	return l.Norm
}

func (l *MultiSpike) ste() float32 {
	if l.STEScale == 0 {
		return 1 / l.norm()
	}
	return l.STEScale
}

func (l *MultiSpike) Init(in Shape, _ *rand.Rand) (Shape, error) {
	if l.D < 1 || l.D > 255 {
		return Shape{}, fmt.Errorf("multispike: D=%d outside [1, 255]", l.D)
	}
	if l.Round != HalfEven && l.Round != HalfUp {
		return Shape{}, fmt.Errorf("multispike: unknown rounding %v", l.Round)
	}
	if l.Norm < 0 || l.STEScale < 0 {
		return Shape{}, fmt.Errorf("multispike: negative norm %g or STE scale %g", l.Norm, l.STEScale)
	}
	l.in = in
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return in, nil
}

func (l *MultiSpike) Params() []*Param { return nil }

func (l *MultiSpike) Forward(c *pass, x []float32, n int) []float32 {
	l.y = grow(l.y, n*l.in.Size())
	l.x, l.n = x, n
	c.pool.run(numChunks(n), l.fwdFn)
	return l.y
}

// forwardChunk is the hot loop of SpikeCount: clamp, then round. Half-even
// runs the spikeFwd kernel (exactly SpikeCount·(1/Norm), NaN mapped to 0);
// half-up stays in float64, where w+0.5 is exact.
func (l *MultiSpike) forwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	lo, hi = lo*l.in.Size(), hi*l.in.Size()
	inv := 1 / l.norm()
	y := l.y[lo:hi]
	if l.Round == HalfUp {
		d := float64(l.D)
		for i, v := range l.x[lo:hi] {
			w := min(max(float64(v), 0), d)
			y[i] = float32(math.Floor(w+0.5)) * inv
		}
		return
	}
	spikeFwd(y, l.x[lo:hi], float32(l.D), inv)
}

// Backward reads the input of the last Forward, which the layer before
// keeps unchanged until its own next Forward.
func (l *MultiSpike) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	l.dx = grow(l.dx, n*l.in.Size())
	l.dy, l.n = dy, n
	c.pool.run(numChunks(n), l.bwdFn)
	l.dy = nil
	return l.dx
}

func (l *MultiSpike) backwardChunk(_, ch int) {
	lo, hi := chunkRange(ch, l.n)
	lo, hi = lo*l.in.Size(), hi*l.in.Size()
	steMask(l.dx[lo:hi], l.dy[lo:hi], l.x[lo:hi], l.ste(), float32(l.D))
}
