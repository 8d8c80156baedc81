package modeltest

import (
	"math"
	"math/rand/v2"

	"github.com/neurosim/neurosim/models"
)

// ConvNet builds the shape of the default model sfa-convnet as exported by
// models/train (BN folded, MultiSpike norm 1, SumPool with the 1/k² folded):
// Input[1,28,28] → Direct → conv1 3×3 c1 → spike → sumpool 2 → conv2 3×3 c2 →
// spike → sumpool 2 → flatten → fc1 → spike → fc2 (classes) → Output.
// Weights are random with a gain that keeps counts inside [0, D].
func ConvNet(rng *rand.Rand, c1, c2, fc, classes int) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "sfa-convnet-test"}
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	g.Add("input", models.OpInput).SetInts("shape", 1, 28, 28)
	g.Add("encode", models.OpDirect).SetInt("steps", 1)
	g.Add("conv1", models.OpConv2d).SetF32("weight", models.Shape{c1, 1, 3, 3}, rnd(c1*9, 1.2)).
		SetF32("bias", models.Shape{c1}, rnd(c1, 0.3)).SetInts("stride", 1, 1).SetInts("padding", 1, 1)
	g.Add("spike1", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven).SetFloat("norm", 1)
	g.Add("pool1", models.OpSumPool2d).SetInts("kernel_size", 2, 2).SetInts("stride", 2, 2)
	g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{c2, c1, 3, 3}, rnd(c2*c1*9, 0.9/math.Sqrt(float64(c1*9))/4)).
		SetF32("bias", models.Shape{c2}, rnd(c2, 0.3)).SetInts("stride", 1, 1).SetInts("padding", 1, 1)
	g.Add("spike2", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven).SetFloat("norm", 1)
	g.Add("pool2", models.OpSumPool2d).SetInts("kernel_size", 2, 2).SetInts("stride", 2, 2)
	g.Add("flat", models.OpFlatten)
	nf := c2 * 49
	g.Add("fc1", models.OpAffine).SetF32("weight", models.Shape{fc, nf}, rnd(fc*nf, 1.2/math.Sqrt(float64(nf))/4)).
		SetF32("bias", models.Shape{fc}, rnd(fc, 0.3))
	g.Add("spike3", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven).SetFloat("norm", 1)
	g.Add("fc2", models.OpAffine).SetF32("weight", models.Shape{classes, fc}, rnd(classes*fc, 1/math.Sqrt(float64(fc)))).
		SetF32("bias", models.Shape{classes}, rnd(classes, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("input", "encode", "conv1", "spike1", "pool1", "conv2", "spike2", "pool2", "flat", "fc1", "spike3", "fc2", "output")
	return g
}

// LIFNet is the shape of models/train's lif-convnet export: Poisson input over
// steps, conv → LIF (β = 0.5, v_th = 1, hard reset) → 2×2 avg pool, twice, then
// a dense readout averaged over time.
func LIFNet(rng *rand.Rand, c1, c2, classes, steps int) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "lif-convnet-test", "lif_reset": "hard", "lif_integration": "euler", "lif_dt": "1"}
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	lif := func(id string, shape models.Shape) {
		n := int(shape.Numel())
		full := func(v float32) []float32 {
			f := make([]float32, n)
			for i := range f {
				f[i] = v
			}
			return f
		}
		g.Add(id, models.OpLIF).SetF32("tau", shape, full(2)).SetF32("r", shape, full(2)).
			SetF32("v_leak", shape, full(0)).SetF32("v_threshold", shape, full(1)).SetF32("v_reset", shape, full(0))
	}
	g.Add("input", models.OpInput).SetInts("shape", 1, 28, 28)
	g.Add("encode", models.OpPoisson).SetInt("steps", steps)
	g.Add("conv1", models.OpConv2d).SetF32("weight", models.Shape{c1, 1, 3, 3}, rnd(c1*9, 0.6)).
		SetF32("bias", models.Shape{c1}, rnd(c1, 0.1)).SetInts("padding", 1)
	lif("lif1", models.Shape{c1, 28, 28})
	g.Add("pool1", models.OpAvgPool2d).SetInts("kernel_size", 2)
	g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{c2, c1, 3, 3}, rnd(c2*c1*9, 2.5/math.Sqrt(float64(c1*9)))).
		SetF32("bias", models.Shape{c2}, rnd(c2, 0.1)).SetInts("padding", 1)
	lif("lif2", models.Shape{c2, 14, 14})
	g.Add("pool2", models.OpAvgPool2d).SetInts("kernel_size", 2)
	g.Add("flat", models.OpFlatten)
	nf := c2 * 49
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{classes, nf}, rnd(classes*nf, 3/math.Sqrt(float64(nf)))).
		SetF32("bias", models.Shape{classes}, rnd(classes, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("input", "encode", "conv1", "lif1", "pool1", "conv2", "lif2", "pool2", "flat", "fc", "output")
	return g
}

// RandImage returns an n-pixel image in which a third of the pixels are 0 and
// the rest uniform in [0, 255].
func RandImage(rng *rand.Rand, n int) []uint8 {
	px := make([]uint8, n)
	for i := range px {
		if rng.IntN(3) > 0 {
			px[i] = uint8(rng.IntN(256))
		}
	}
	return px
}

// AttnNet is a small spike-driven transformer block in the shape of
// E-SpikeFormer's attention (models/zoo): Input[1,8,8] → Direct → conv 3×3
// stride 2 (c) → MultiSpike (D 4, norm 4) → three 1×1 convs to q, k (c) and
// v (dvMul·c), each → MultiSpike (norm 4) → SpikeAttention (heads, scale,
// order) → per-channel Scale → MultiSpike → 1×1 conv (c) → MultiSpike →
// flatten → dense (classes) → Output: 16 tokens. c and dvMul·c must be
// multiples of heads.
func AttnNet(rng *rand.Rand, c, heads, dvMul, classes int, scale float64, order string) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "attn-test"}
	rnd := func(n int, mean, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(mean + rng.NormFloat64()*std)
		}
		return w
	}
	spike := func(id string) {
		g.Add(id, models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven)
	}
	conv1 := func(id string, cin, cout int, gain float64) {
		g.Add(id, models.OpConv2d).SetF32("weight", models.Shape{cout, cin, 1, 1}, rnd(cout*cin, 0.2/float64(cin), gain/math.Sqrt(float64(cin)))).
			SetF32("bias", models.Shape{cout}, rnd(cout, 0.3, 0.3))
	}
	cv := dvMul * c
	g.Add("input", models.OpInput).SetInts("shape", 1, 8, 8)
	g.Add("encode", models.OpDirect).SetInt("steps", 1)
	g.Add("stem", models.OpConv2d).SetF32("weight", models.Shape{c, 1, 3, 3}, rnd(c*9, 0.1, 1.2)).
		SetF32("bias", models.Shape{c}, rnd(c, 0.2, 0.3)).SetInts("stride", 2, 2).SetInts("padding", 1, 1)
	spike("stem_spike")
	g.Chain("input", "encode", "stem", "stem_spike")
	for _, p := range []struct {
		id   string
		cout int
	}{{"q", c}, {"k", c}, {"v", cv}} {
		conv1(p.id+"_conv", c, p.cout, 2.5)
		spike(p.id + "_spike")
		g.Chain("stem_spike", p.id+"_conv", p.id+"_spike")
	}
	g.Add("attn", models.OpSpikeAttention).SetInt("heads", heads).SetFloat("scale", scale).SetString("order", order)
	g.Connect("q_spike", "attn")
	g.Connect("k_spike", "attn")
	g.Connect("v_spike", "attn")
	g.Add("attn_scale", models.OpScale).SetF32("scale", models.Shape{cv, 1, 1}, rnd(cv, 0.9, 0.3))
	spike("attn_spike")
	conv1("proj", cv, c, 1.5)
	spike("proj_spike")
	g.Add("flat", models.OpFlatten)
	nf := c * 16
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{classes, nf}, rnd(classes*nf, 0, 1/math.Sqrt(float64(nf)))).
		SetF32("bias", models.Shape{classes}, rnd(classes, 0, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("attn", "attn_scale", "attn_spike", "proj", "proj_spike", "flat", "fc", "output")
	return g
}
