package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Shape is the shape of one sample's activation, stored CHW (channels first,
// as PyTorch and NIR). A vector of F features is Shape{1, 1, F}.
type Shape struct{ H, W, C int }

// Size is the number of values in one sample.
func (s Shape) Size() int { return s.H * s.W * s.C }

func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C) }

// Param is a trainable tensor with its gradient. W and G have the same length;
// Shape is the logical shape (documented per layer).
type Param struct {
	Name  string
	Shape []int
	W, G  []float32
	// Decay says whether weight decay applies (weights yes, BN and biases no).
	Decay bool
	// part holds one partial gradient per batch chunk; reduce sums them into
	// G in chunk order.
	part [][]float32
}

func newParam(name string, decay bool, shape ...int) *Param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param{Name: name, Shape: shape, W: make([]float32, n), G: make([]float32, n), Decay: decay}
}

// partials returns nChunks zeroed partial-gradient buffers.
func (p *Param) partials(nChunks int) [][]float32 {
	for len(p.part) < nChunks {
		p.part = append(p.part, make([]float32, len(p.W)))
	}
	return p.part[:nChunks]
}

// reduce adds the first nChunks partials to G, in chunk order.
func (p *Param) reduce(nChunks int) {
	for c := 0; c < nChunks; c++ {
		g := p.part[c]
		for i, v := range g {
			p.G[i] += v
		}
	}
}

// pass carries what a pass needs besides activations.
type pass struct {
	pool  *pool
	train bool
	// noise is σ of the weight noise applied to Conv2d and Linear weights
	// in the training forward pass (0 = off): multiplicative w·(1+σ·N(0,1)),
	// or absolute w + σ·max|W|·N(0,1) when noiseAbs; noiseConv and
	// noiseDense select the layer kinds (neither set: both). noise.go.
	noise                 float64
	noiseAbs              bool
	noiseConv, noiseDense bool
	noiseRNG              *rand.Rand
}

// Layer is one differentiable stage. Batches are n samples of shape In()
// stored contiguously, sample-major, CHW inside a sample. A layer owns its
// output and input-gradient buffers and reuses them across batches, so a
// training step allocates nothing once the largest batch has been seen.
type Layer interface {
	// Init fixes the input shape, allocates parameters (drawing initial
	// values from rng) and returns the output shape.
	Init(in Shape, rng *rand.Rand) (Shape, error)
	// Forward computes the output for n samples. The returned slice is owned
	// by the layer and valid until the next Forward.
	Forward(c *pass, x []float32, n int) []float32
	// Backward takes dL/dy for the last Forward, adds parameter gradients to
	// each Param.G, and returns dL/dx (nil when needDX is false).
	Backward(c *pass, dy []float32, n int, needDX bool) []float32
	Params() []*Param
}

// grow returns buf resliced to n values, reallocating only if it is short.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

func clear32(s []float32) {
	for i := range s {
		s[i] = 0
	}
}

// kaimingUniform fills w with U(−b, b), b = 1/sqrt(fanIn): PyTorch's default
// initialisation of conv and linear weights and biases (kaiming_uniform with
// a = sqrt(5)).
func kaimingUniform(w []float32, fanIn int, rng *rand.Rand) {
	b := 1 / math.Sqrt(float64(fanIn))
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * b)
	}
}
