package train

import (
	"fmt"
	"math/rand/v2"
)

// Flatten turns a C×H×W sample into a vector of C·H·W features (CHW order,
// as PyTorch's flatten). It moves no data.
type Flatten struct{ in Shape }

func (l *Flatten) Init(in Shape, _ *rand.Rand) (Shape, error) {
	l.in = in
	return Shape{1, 1, in.Size()}, nil
}
func (l *Flatten) Params() []*Param                              { return nil }
func (l *Flatten) Forward(_ *pass, x []float32, _ int) []float32 { return x }
func (l *Flatten) Backward(_ *pass, dy []float32, _ int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	return dy
}

// Residual computes x + Body(x): the membrane shortcut of SFA, a real-valued
// add before the next spiking layer. Body must preserve the shape.
type Residual struct {
	Body []Layer

	in    Shape
	y, dx []float32
}

func (l *Residual) Init(in Shape, rng *rand.Rand) (Shape, error) {
	s := in
	for i, b := range l.Body {
		var err error
		if s, err = b.Init(s, rng); err != nil {
			return Shape{}, fmt.Errorf("residual body layer %d: %w", i, err)
		}
	}
	if s != in {
		return Shape{}, fmt.Errorf("residual: body maps %v to %v; shapes must match", in, s)
	}
	l.in = in
	return in, nil
}

func (l *Residual) Params() []*Param {
	var ps []*Param
	for _, b := range l.Body {
		ps = append(ps, b.Params()...)
	}
	return ps
}

func (l *Residual) Forward(c *pass, x []float32, n int) []float32 {
	h := x
	for _, b := range l.Body {
		h = b.Forward(c, h, n)
	}
	l.y = grow(l.y, n*l.in.Size())
	for i, v := range x[:len(l.y)] {
		l.y[i] = v + h[i]
	}
	return l.y
}

func (l *Residual) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	g := dy
	for i := len(l.Body) - 1; i >= 0; i-- {
		g = l.Body[i].Backward(c, g, n, true)
	}
	if !needDX {
		return nil
	}
	l.dx = grow(l.dx, n*l.in.Size())
	for i, v := range dy[:len(l.dx)] {
		l.dx[i] = v + g[i]
	}
	return l.dx
}

// Net is a sequence of layers over samples of shape In, run for Steps time
// steps (1 for stateless SFA nets with direct input). With Steps > 1 a batch
// of B items is fed as T·B time-major samples and the last layer must be a
// TimeMean (Build adds it).
type Net struct {
	Arch   string
	In     Shape
	Steps  int
	Layers []Layer
	Out    Shape

	counts []int    // samples entering each layer for the last batch
	params []*Param // Params(), collected once by Init
	first  int      // the first layer with parameters (len(Layers) if none)
}

// Init sets up every layer; rng draws the initial weights.
func (n *Net) Init(rng *rand.Rand) error {
	if n.Steps < 1 {
		return fmt.Errorf("net: steps %d < 1", n.Steps)
	}
	s := n.In
	var set func(ls []Layer)
	set = func(ls []Layer) {
		for _, l := range ls {
			if st, ok := l.(interface{ setSteps(int) }); ok {
				st.setSteps(n.Steps)
			}
			switch l := l.(type) {
			case *Residual:
				set(l.Body)
			case *SpikeAttention:
				set(l.Q)
				set(l.K)
				set(l.V)
			}
		}
	}
	set(n.Layers)
	for i, l := range n.Layers {
		var err error
		if s, err = l.Init(s, rng); err != nil {
			return fmt.Errorf("layer %d (%T): %w", i, l, err)
		}
	}
	n.Out = s
	n.counts = make([]int, len(n.Layers)+1)
	n.params = nil
	n.first = len(n.Layers)
	for i, l := range n.Layers {
		ps := l.Params()
		if len(ps) > 0 && n.first == len(n.Layers) {
			n.first = i
		}
		n.params = append(n.params, ps...)
	}
	return nil
}

// Params lists the trainable tensors in a fixed order (valid after Init).
// The slice is shared: do not modify it.
func (n *Net) Params() []*Param { return n.params }

// forward runs m samples (m = Steps·B) and returns the B outputs.
func (n *Net) forward(c *pass, x []float32, m int) []float32 {
	h := x
	for i, l := range n.Layers {
		n.counts[i] = m
		h = l.Forward(c, h, m)
		if _, ok := l.(*TimeMean); ok {
			m /= n.Steps
		}
	}
	n.counts[len(n.Layers)] = m
	return h
}

// backward propagates dL/dout through the net, accumulating parameter
// gradients. It stops at the first layer with parameters, whose input
// gradient is not computed: no parameter lies before it (an MLP's Flatten).
func (n *Net) backward(c *pass, dout []float32) {
	g := dout
	for i := len(n.Layers) - 1; i >= n.first; i-- {
		g = n.Layers[i].Backward(c, g, n.counts[i], i > n.first)
	}
}

func (n *Net) zeroGrad() {
	for _, p := range n.Params() {
		clear32(p.G)
	}
}
