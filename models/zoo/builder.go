package zoo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neurosim/neurosim/models"
)

// builder appends nodes to a graph and makes their tensors: random from a stream
// derived from (seed, node, tensor name), copied from a trained graph, or, in
// placeholder mode, slices of one shared zero buffer (shapes and counts only).
type builder struct {
	g    *models.Graph
	opt  Options
	zero []float32
	err  error
}

// spiking configures the MultiSpike nodes of one model family.
type spiking struct {
	D        int
	rounding string
	norm     float64 // 0: the op's default (D)
	decay    float64
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
}

type initKind int

const (
	initUniform initKind = iota // U(−1/√fanIn, 1/√fanIn), PyTorch's default for conv and linear
	initOnes
	initZeros
	initConst // layer scale: every element the value given
)

// tensor returns the tensor name of node id with the given shape.
func (b *builder) tensor(id, name string, shape models.Shape, kind initKind, fanIn int, v float32) *models.Tensor {
	n := int(shape.Numel())
	switch {
	case b.opt.From != nil:
		src := b.opt.From.Node(id)
		var t *models.Tensor
		if src != nil {
			t = src.Tensors[name]
		}
		if t == nil || t.DType != models.F32 || !slices.Equal(t.Shape, shape) {
			b.fail("zoo: weights file: node %s tensor %s: want F32 %v, have %s", id, name, shape, describe(t))
			return models.NewTensor(shape, make([]float32, n))
		}
		return models.NewTensor(shape, t.F32)
	case b.opt.Placeholder:
		if n > len(b.zero) {
			b.zero = make([]float32, n)
		}
		return models.NewTensor(shape, b.zero[:n:n])
	}
	data := make([]float32, n)
	switch kind {
	case initUniform:
		h := fnv.New64a()
		h.Write([]byte(id + "/" + name))
		rng := rand.New(rand.NewPCG(b.opt.Seed, h.Sum64()))
		bound := 1 / math.Sqrt(float64(max(fanIn, 1)))
		for i := range data {
			data[i] = float32((2*rng.Float64() - 1) * bound)
		}
	case initOnes:
		for i := range data {
			data[i] = 1
		}
	case initConst:
		for i := range data {
			data[i] = v
		}
	}
	return models.NewTensor(shape, data)
}

func describe(t *models.Tensor) string {
	if t == nil {
		return "none"
	}
	return fmt.Sprintf("%s %v", t.DType, t.Shape)
}

func (b *builder) input(id string, shape models.Shape) string {
	b.g.Add(id, models.OpInput).SetInts("shape", shape...)
	return id
}

// conv adds a Conv2d with a square kernel k, stride s, padding p and groups.
func (b *builder) conv(id, from string, cin, cout, k, s, p, groups int, bias bool) string {
	n := b.g.Add(id, models.OpConv2d)
	fan := cin / groups * k * k
	n.SetTensor("weight", b.tensor(id, "weight", models.Shape{cout, cin / groups, k, k}, initUniform, fan, 0))
	if bias {
		n.SetTensor("bias", b.tensor(id, "bias", models.Shape{cout}, initUniform, fan, 0))
	}
	if s != 1 {
		n.SetInts("stride", s, s)
	}
	if p != 0 {
		n.SetInts("padding", p, p)
	}
	if groups != 1 {
		n.SetInt("groups", groups)
	}
	b.g.Connect(from, id)
	return id
}

// bn adds a BatchNorm over c channels (identity statistics when random); pad > 0
// makes it SpikeYOLO's BNAndPad.
func (b *builder) bn(id, from string, c, pad int) string {
	n := b.g.Add(id, models.OpBatchNorm)
	n.SetTensor("weight", b.tensor(id, "weight", models.Shape{c}, initOnes, 0, 0))
	n.SetTensor("bias", b.tensor(id, "bias", models.Shape{c}, initZeros, 0, 0))
	n.SetTensor("running_mean", b.tensor(id, "running_mean", models.Shape{c}, initZeros, 0, 0))
	n.SetTensor("running_var", b.tensor(id, "running_var", models.Shape{c}, initOnes, 0, 0))
	if pad != 0 {
		n.SetInt("padding", pad)
	}
	b.g.Connect(from, id)
	return id
}

func (b *builder) spike(id, from string, s spiking) string {
	n := b.g.Add(id, models.OpMultiSpike).SetInt("D", s.D).SetString("rounding", s.rounding)
	if s.norm != 0 {
		n.SetFloat("norm", s.norm)
	}
	if s.decay != 0 {
		n.SetFloat("decay", s.decay)
	}
	b.g.Connect(from, id)
	return id
}

func (b *builder) add(id string, from ...string) string {
	b.g.Add(id, models.OpAdd)
	for _, f := range from {
		b.g.Connect(f, id)
	}
	return id
}

// layerScale adds a per-channel Scale [c,1,1] initialised to v (trainable).
func (b *builder) layerScale(id, from string, c int, v float32) string {
	b.g.Add(id, models.OpScale).SetTensor("scale", b.tensor(id, "scale", models.Shape{c, 1, 1}, initConst, 0, v))
	b.g.Connect(from, id)
	return id
}

// linear adds an Affine (weight and bias) from in to out features.
func (b *builder) linear(id, from string, in, out int) string {
	n := b.g.Add(id, models.OpAffine)
	n.SetTensor("weight", b.tensor(id, "weight", models.Shape{out, in}, initUniform, in, 0))
	n.SetTensor("bias", b.tensor(id, "bias", models.Shape{out}, initUniform, in, 0))
	b.g.Connect(from, id)
	return id
}

func (b *builder) unary(id string, op models.Op, from string) *models.Node {
	n := b.g.Add(id, op)
	b.g.Connect(from, id)
	return n
}

func (b *builder) concat(id string, axis int, from ...string) string {
	n := b.g.Add(id, models.OpConcat)
	if axis != 0 {
		n.SetInt("axis", axis)
	}
	for _, f := range from {
		b.g.Connect(f, id)
	}
	return id
}

func (b *builder) attention(id, q, k, v string, heads int, scale float64, order string) string {
	b.g.Add(id, models.OpSpikeAttention).SetInt("heads", heads).SetFloat("scale", scale).SetString("order", order)
	b.g.Connect(q, id)
	b.g.Connect(k, id)
	b.g.Connect(v, id)
	return id
}
