package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Reset selects what a LIF neuron does after a spike.
type Reset int

const (
	// HardReset sets the membrane to 0 (PRIME: u·(1−o)).
	HardReset Reset = iota
	// SubtractReset subtracts the threshold.
	SubtractReset
)

// LIF is a leaky integrate-and-fire layer trained with surrogate-gradient
// BPTT over T steps. A batch of n = T·B samples is time-major: sample t·B+b
// is step t of item b. Per neuron and step:
//
//	h_t = β·v_{t−1} + x_t          (v_{−1} = 0)
//	o_t = 1[h_t ≥ Vth]
//	v_t = h_t·(1−o_t)   (hard)  or  h_t − Vth·o_t   (subtract)
//
// The backward pass replaces dH(h−Vth)/dh by the rectangular surrogate
// 1/(2a)·1[|h−Vth| < a]. With DetachReset the reset path carries no gradient
// (common practice, and the default in the constructors).
type LIF struct {
	Beta, Vth, A float64
	Reset        Reset
	DetachReset  bool
	// smooth replaces the step by a sigmoid with slope 1/A in the forward pass
	// and uses its exact derivative: a differentiable twin for gradient tests.
	smooth bool

	steps int
	in    Shape
	h, o  []float32
	dx    []float32
	x, dy []float32
	n     int
	fwdFn func(w, c int)
	bwdFn func(w, c int)
}

// NewLIF returns a LIF layer with decay beta, threshold vth, hard reset,
// rectangular surrogate half-width 0.5 and detached reset.
func NewLIF(beta, vth float64) *LIF {
	return &LIF{Beta: beta, Vth: vth, A: 0.5, Reset: HardReset, DetachReset: true}
}

func (l *LIF) setSteps(t int) { l.steps = t }

func (l *LIF) Init(in Shape, _ *rand.Rand) (Shape, error) {
	if !(l.Beta >= 0 && l.Beta <= 1) || !(l.A > 0) || math.IsNaN(l.Vth) {
		return Shape{}, fmt.Errorf("lif: bad parameters beta=%g vth=%g a=%g", l.Beta, l.Vth, l.A)
	}
	if l.Reset != HardReset && l.Reset != SubtractReset {
		return Shape{}, fmt.Errorf("lif: unknown reset %d", l.Reset)
	}
	if l.steps < 1 {
		l.steps = 1
	}
	l.in = in
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return in, nil
}

func (l *LIF) Params() []*Param { return nil }

func (l *LIF) spike(h float64) (o, do float64) {
	if l.smooth {
		s := 1 / (1 + math.Exp(-(h-l.Vth)/l.A))
		return s, s * (1 - s) / l.A
	}
	if h >= l.Vth {
		o = 1
	}
	if math.Abs(h-l.Vth) < l.A {
		do = 1 / (2 * l.A)
	}
	return o, do
}

func (l *LIF) Forward(c *pass, x []float32, n int) []float32 {
	if n%l.steps != 0 {
		panic(fmt.Sprintf("lif: batch %d is not a multiple of T=%d", n, l.steps))
	}
	l.h = grow(l.h, n*l.in.Size())
	l.o = grow(l.o, n*l.in.Size())
	l.x, l.n = x, n
	// Parallel over items (chunks of B), each running its own T steps.
	c.pool.run(numChunks(n/l.steps), l.fwdFn)
	l.x = nil
	return l.o
}

func (l *LIF) forwardChunk(_, ch int) {
	b := l.n / l.steps
	lo, hi := chunkRange(ch, b)
	F := l.in.Size()
	for i := lo * F; i < hi*F; i++ {
		v := 0.0
		for t := 0; t < l.steps; t++ {
			k := t*b*F + i
			h := l.Beta*v + float64(l.x[k])
			o, _ := l.spike(h)
			l.h[k], l.o[k] = float32(h), float32(o)
			if l.Reset == HardReset {
				v = h * (1 - o)
			} else {
				v = h - l.Vth*o
			}
		}
	}
}

func (l *LIF) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	l.dx = grow(l.dx, n*l.in.Size())
	l.dy, l.n = dy, n
	c.pool.run(numChunks(n/l.steps), l.bwdFn)
	l.dy = nil
	return l.dx
}

func (l *LIF) backwardChunk(_, ch int) {
	b := l.n / l.steps
	lo, hi := chunkRange(ch, b)
	F := l.in.Size()
	for i := lo * F; i < hi*F; i++ {
		gv := 0.0 // dL/dv_t, flowing back from step t+1
		for t := l.steps - 1; t >= 0; t-- {
			k := t*b*F + i
			h := float64(l.h[k])
			o, do := l.spike(h)
			var dvdh, dvdo float64
			if l.Reset == HardReset {
				dvdh, dvdo = 1-o, -h
			} else {
				dvdh, dvdo = 1, -l.Vth
			}
			gout := float64(l.dy[k])
			if !l.DetachReset {
				gout += gv * dvdo
			}
			gh := gout*do + gv*dvdh
			l.dx[k] = float32(gh)
			gv = l.Beta * gh
		}
	}
}

// TimeMean averages a time-major batch of T·B samples over T, giving B.
type TimeMean struct {
	steps int
	in    Shape
	y, dx []float32
}

func (l *TimeMean) setSteps(t int) { l.steps = t }

func (l *TimeMean) Init(in Shape, _ *rand.Rand) (Shape, error) {
	if l.steps < 1 {
		l.steps = 1
	}
	l.in = in
	return in, nil
}

func (l *TimeMean) Params() []*Param { return nil }

func (l *TimeMean) Forward(_ *pass, x []float32, n int) []float32 {
	b, F := n/l.steps, l.in.Size()
	l.y = grow(l.y, b*F)
	clear32(l.y)
	for t := 0; t < l.steps; t++ {
		for i, v := range x[t*b*F : (t+1)*b*F] {
			l.y[i] += v
		}
	}
	inv := 1 / float32(l.steps)
	for i := range l.y {
		l.y[i] *= inv
	}
	return l.y
}

func (l *TimeMean) Backward(_ *pass, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	b, F := n/l.steps, l.in.Size()
	l.dx = grow(l.dx, n*F)
	inv := 1 / float32(l.steps)
	for t := 0; t < l.steps; t++ {
		d := l.dx[t*b*F : (t+1)*b*F]
		for i, v := range dy[:b*F] {
			d[i] = v * inv
		}
	}
	return l.dx
}
