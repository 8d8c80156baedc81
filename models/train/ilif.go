package train

import (
	"fmt"
	"math/rand/v2"
)

// ILIF is SpikeYOLO's integer LIF neuron (seed-models §2.1): over the T
// steps of a time-major batch, per neuron,
//
//	m_0 = x_0,   m_t = (m_{t−1} − s_{t−1})·Decay + x_t
//	s_t = round(clamp(m_t, 0, D))            (output s_t / Norm)
//
// a soft reset by the spike count, then the leak. The backward pass is
// MultiSpike's straight-through estimator inside [0, D] on every m_t, the
// reset path detached (spike_prev.detach() in the authors' code), and BPTT
// through the leak: ∂m_t/∂m_{t−1} = Decay. With T = 1 (SpikeYOLO's COCO
// setting) the leak never acts and ILIF is exactly MultiSpike. Export writes
// a MultiSpike node with the "decay" attribute.
type ILIF struct {
	MultiSpike
	Decay float64

	steps int
	m     []float32 // membranes m_t, for T > 1
}

// NewILIF returns an I-LIF neuron with D levels and the given decay
// (SpikeYOLO: D = 4, decay 0.25).
func NewILIF(d int, decay float64) *ILIF { return &ILIF{MultiSpike: MultiSpike{D: d}, Decay: decay} }

func (l *ILIF) setSteps(t int) { l.steps = t }

func (l *ILIF) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if !(l.Decay > 0 && l.Decay <= 1) {
		return Shape{}, fmt.Errorf("ilif: decay %g outside (0, 1]", l.Decay)
	}
	if l.steps < 1 {
		l.steps = 1
	}
	return l.MultiSpike.Init(in, rng)
}

func (l *ILIF) Forward(c *pass, x []float32, n int) []float32 {
	if l.steps == 1 {
		return l.MultiSpike.Forward(c, x, n)
	}
	if n%l.steps != 0 {
		panic(fmt.Sprintf("ilif: batch %d is not a multiple of T=%d", n, l.steps))
	}
	F := l.in.Size()
	l.y = grow(l.y, n*F)
	l.m = grow(l.m, n*F)
	b := n / l.steps
	inv := 1 / float64(l.norm())
	for i := 0; i < b*F; i++ {
		var m, s float64
		for t := 0; t < l.steps; t++ {
			k := t*b*F + i
			if t == 0 {
				m = float64(x[k])
			} else {
				m = (m-s)*l.Decay + float64(x[k])
			}
			s = float64(SpikeCount(float32(m), l.D, l.Round))
			l.m[k], l.y[k] = float32(m), float32(s*inv)
		}
	}
	return l.y
}

func (l *ILIF) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	if l.steps == 1 {
		return l.MultiSpike.Backward(c, dy, n, needDX)
	}
	if !needDX {
		return nil
	}
	F := l.in.Size()
	l.dx = grow(l.dx, n*F)
	b := n / l.steps
	ste, d := float64(l.ste()), float64(l.D)
	for i := 0; i < b*F; i++ {
		g := 0.0 // ∂L/∂m_t flowing back from step t+1
		for t := l.steps - 1; t >= 0; t-- {
			k := t*b*F + i
			gm := g
			if m := float64(l.m[k]); m >= 0 && m <= d {
				gm += float64(dy[k]) * ste
			}
			l.dx[k] = float32(gm)
			g = gm * l.Decay
		}
	}
	return l.dx
}
