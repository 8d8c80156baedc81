package zoo

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/models"
)

// E-SpikeFormer (Spike-Driven Transformer V3, SDT_V3/Classification), as in
// ../shared/reference/seed-models.md §1.3–§1.4 and the authors' Model_Base/models.py
// and Model_Large/spikformer.py. Node IDs follow the PyTorch module names.

func init() {
	for _, s := range []struct {
		name string
		dims [4]int
	}{
		{"t", [4]int{24, 48, 96, 128}},
		{"s", [4]int{32, 64, 128, 192}},
		{"m", [4]int{48, 96, 192, 240}},
		{"l", [4]int{64, 128, 256, 360}},
	} {
		dims := s.dims
		register("e-spikeformer-"+s.name, models.Shape{3, 224, 224},
			fmt.Sprintf("E-SpikeFormer %s (SDT-V3 Base, embed %v, ImageNet 224², T=1, D=4)", s.name, dims),
			func(b *builder) { spikeformerBase(b, dims) })
	}
	register("e-spikeformer-large-512", models.Shape{3, 224, 224},
		"E-SpikeFormer Large 512 (SDT-V3 spikformer12_512, choice base, ImageNet 224², T=1, D=4)",
		func(b *builder) { spikeformerLarge(b, [3]int{128, 256, 512}, true) })
	register("e-spikeformer-large-768", models.Shape{3, 224, 224},
		"E-SpikeFormer Large 768 (SDT-V3 spikformer12_768, choice large, ImageNet 224², T=1, D=4)",
		func(b *builder) { spikeformerLarge(b, [3]int{196, 384, 768}, false) })
}

// Base models: MultiSpike D=4 with torch.round (half to even), output /4.
var baseSpike = spiking{D: 4, rounding: models.RoundHalfEven}

// downsample is MS_DownSampling: [spike →] conv k×k (bias) → BN.
func downsample(b *builder, id, from string, cin, cout, k, s, p int, first bool, sp spiking) string {
	if !first {
		from = b.spike(id+".encode_spike", from, sp)
	}
	c := b.conv(id+".encode_conv", from, cin, cout, k, s, p, 1, true)
	return b.bn(id+".encode_bn", c, cout, 0)
}

// sepConvSpike is SepConv_Spike: spike → 1×1 C→2C + BN → spike → depthwise k×k + BN
// → spike → 1×1 2C→C + BN.
func sepConvSpike(b *builder, id, x string, c, k int) string {
	s1 := b.spike(id+".spike1", x, baseSpike)
	p1 := b.bn(id+".pwconv1.1", b.conv(id+".pwconv1.0", s1, c, 2*c, 1, 1, 0, 1, false), 2*c, 0)
	s2 := b.spike(id+".spike2", p1, baseSpike)
	dw := b.bn(id+".dwconv.1", b.conv(id+".dwconv.0", s2, 2*c, 2*c, k, 1, k/2, 2*c, false), 2*c, 0)
	s3 := b.spike(id+".spike3", dw, baseSpike)
	return b.bn(id+".pwconv2.1", b.conv(id+".pwconv2.0", s3, 2*c, c, 1, 1, 0, 1, false), c, 0)
}

// convBlockBase is MS_ConvBlock_spike_SepConv with mlp_ratio 4.
func convBlockBase(b *builder, id, x string, c int) string {
	a1 := b.add(id+".add1", x, sepConvSpike(b, id+".Conv", x, c, 7))
	s1 := b.spike(id+".spike1", a1, baseSpike)
	c1 := b.bn(id+".bn1", b.conv(id+".conv1", s1, c, 4*c, 3, 1, 1, 1, false), 4*c, 0)
	s2 := b.spike(id+".spike2", c1, baseSpike)
	c2 := b.bn(id+".bn2", b.conv(id+".conv2", s2, 4*c, c, 3, 1, 1, 1, false), c, 0)
	return b.add(id+".add2", a1, c2)
}

// mlp is MS_MLP: spike → 1×1 C→4C (bias) + BN → spike → 1×1 4C→C (bias) + BN. The
// authors' Conv1d over flattened tokens is a 1×1 Conv2d here.
func mlp(b *builder, id, x string, c int, sp spiking) string {
	s1 := b.spike(id+".fc1_spike", x, sp)
	f1 := b.bn(id+".fc1_bn", b.conv(id+".fc1_conv", s1, c, 4*c, 1, 1, 0, 1, true), 4*c, 0)
	s2 := b.spike(id+".fc2_spike", f1, sp)
	return b.bn(id+".fc2_bn", b.conv(id+".fc2_conv", s2, 4*c, c, 1, 1, 0, 1, true), c, 0)
}

// blockBase is MS_Block_Spike_SepConv: SepConv_Spike(k=3), MS_Attention_linear
// (lamda_ratio 4, (q·kᵀ)·v·2·d^-½), MLP, each a membrane shortcut.
func blockBase(b *builder, id, x string, c int) string {
	a1 := b.add(id+".add1", x, sepConvSpike(b, id+".conv", x, c, 3))
	at := id + ".attn"
	h := b.spike(at+".head_spike", a1, baseSpike)
	proj := func(name string, cout int) string {
		cv := b.bn(at+"."+name+"_conv.1", b.conv(at+"."+name+"_conv.0", h, c, cout, 1, 1, 0, 1, false), cout, 0)
		return b.spike(at+"."+name+"_spike", cv, baseSpike)
	}
	q, k, v := proj("q", c), proj("k", c), proj("v", 4*c)
	d := float64(c / 8)
	a := b.attention(at+".attn", q, k, v, 8, 2/math.Sqrt(d), "qk_v")
	sa := b.spike(at+".attn_spike", a, baseSpike)
	p := b.bn(at+".proj_conv.1", b.conv(at+".proj_conv.0", sa, 4*c, c, 1, 1, 0, 1, false), c, 0)
	a2 := b.add(id+".add2", a1, p)
	return b.add(id+".add3", a2, mlp(b, id+".mlp", a2, c, baseSpike))
}

func spikeformerBase(b *builder, e [4]int) {
	x := downsample(b, "downsample1_1", "image", 3, e[0]/2, 7, 2, 3, true, baseSpike)
	x = convBlockBase(b, "ConvBlock1_1.0", x, e[0]/2)
	x = downsample(b, "downsample1_2", x, e[0]/2, e[0], 3, 2, 1, false, baseSpike)
	x = convBlockBase(b, "ConvBlock1_2.0", x, e[0])
	x = downsample(b, "downsample2", x, e[0], e[1], 3, 2, 1, false, baseSpike)
	x = convBlockBase(b, "ConvBlock2_1.0", x, e[1])
	x = convBlockBase(b, "ConvBlock2_2.0", x, e[1])
	x = downsample(b, "downsample3", x, e[1], e[2], 3, 2, 1, false, baseSpike)
	for j := range 6 {
		x = blockBase(b, fmt.Sprintf("block3.%d", j), x, e[2])
	}
	x = downsample(b, "downsample4", x, e[2], e[3], 3, 1, 1, false, baseSpike)
	for j := range 2 {
		x = blockBase(b, fmt.Sprintf("block4.%d", j), x, e[3])
	}
	m := b.unary("mean", models.OpMean, x).ID
	s := b.spike("spike", m, spiking{D: 4, rounding: models.RoundHalfEven, norm: 1})
	b.unary("logits", models.OpOutput, b.linear("head", s, e[3], 1000))
}

// Large models: floor(clamp(x,0,4)+0.5) (half up), output /4.
var largeSpike = spiking{D: 4, rounding: models.RoundHalfUp}

// convBlockLarge is Model_Large's MS_ConvBlock: spike → 3×3 C→4C (bias) + BN → spike
// → 3×3 4C→C (bias) + BN, plus the shortcut.
func convBlockLarge(b *builder, id, x string, c int) string {
	s1 := b.spike(id+".neuron1", x, largeSpike)
	c1 := b.bn(id+".conv1.bn", b.conv(id+".conv1.conv", s1, c, 4*c, 3, 1, 1, 1, true), 4*c, 0)
	s2 := b.spike(id+".neuron2", c1, largeSpike)
	c2 := b.bn(id+".conv2.bn", b.conv(id+".conv2.conv", s2, 4*c, c, 3, 1, 1, 1, true), c, 0)
	return b.add(id+".add", x, c2)
}

// repConvLarge is Model_Large's RepConv: 1×1 C→hidden + BN → 1×1 hidden→cout + BN
// (hidden = 1.5C; RepConv2 uses hidden = C). A linear chain: it folds to one 1×1.
func repConvLarge(b *builder, id, x string, c, hidden, cout int) string {
	h := b.bn(id+".conv1.1", b.conv(id+".conv1.0", x, c, hidden, 1, 1, 0, 1, false), hidden, 0)
	return b.bn(id+".conv2.1", b.conv(id+".conv2.0", h, hidden, cout, 1, 1, 0, 1, false), cout, 0)
}

// blockLarge is Model_Large's MS_Block with finetune layer scales (init 1e-6).
// repConv2 adds the "base" choice's x += RepConv2(spike(x)). The authors' RepConv2
// declares BatchNorm1d(1.5C) after its first C→C conv; that module cannot run (its
// input has C channels), and the published 83,015,952 parameters count it as
// BatchNorm1d(C), as here.
func blockLarge(b *builder, id, x string, c int, repConv2 bool) string {
	if repConv2 {
		s := b.spike(id+".lif", x, largeSpike)
		x = b.add(id+".add0", x, repConvLarge(b, id+".rep_conv", s, c, c, c))
	}
	at := id + ".attn"
	h := b.spike(at+".head_lif", x, largeSpike)
	hidden := c * 3 / 2
	proj := func(name string) string {
		r := repConvLarge(b, at+"."+name+"_conv.0", h, c, hidden, c)
		return b.spike(at+"."+name+"_lif", b.bn(at+"."+name+"_conv.1", r, c, 0), largeSpike)
	}
	q, k, v := proj("q"), proj("k"), proj("v")
	a := b.attention(at+".attn", q, k, v, 8, 0.125, "q_kv")
	sa := b.spike(at+".attn_lif", a, largeSpike)
	p := b.bn(at+".proj_conv.1", repConvLarge(b, at+".proj_conv.0", sa, c, hidden, c), c, 0)
	x = b.add(id+".add1", x, b.layerScale(id+".layer_scale1", p, c, 1e-6))
	m := mlp(b, id+".mlp", x, c, largeSpike)
	return b.add(id+".add2", x, b.layerScale(id+".layer_scale2", m, c, 1e-6))
}

// spikeformerLarge builds spikformer12_{512,768}. The inference output is
// (head + head_kd)/2; the ½ is folded into both heads' weights, so the graph adds
// them. head reads the pooled features before any spike (a MAC layer); head_kd reads
// them through a MultiSpike with norm 1.
func spikeformerLarge(b *builder, e [3]int, repConv2 bool) {
	x := downsample(b, "downsample1_1", "image", 3, e[0]/2, 7, 2, 3, true, largeSpike)
	x = convBlockLarge(b, "ConvBlock1_1.0", x, e[0]/2)
	x = downsample(b, "downsample1_2", x, e[0]/2, e[0], 3, 2, 1, false, largeSpike)
	x = convBlockLarge(b, "ConvBlock1_2.0", x, e[0])
	x = downsample(b, "downsample2", x, e[0], e[1], 3, 2, 1, false, largeSpike)
	x = convBlockLarge(b, "ConvBlock2_1.0", x, e[1])
	x = convBlockLarge(b, "ConvBlock2_2.0", x, e[1])
	x = downsample(b, "downsample3", x, e[1], e[2], 3, 2, 1, false, largeSpike)
	for j := range 12 {
		x = blockLarge(b, fmt.Sprintf("block3.%d", j), x, e[2], repConv2)
	}
	m := b.unary("mean", models.OpMean, x).ID
	head := b.linear("head", m, e[2], 1000)
	s := b.spike("lif", m, spiking{D: 4, rounding: models.RoundHalfUp, norm: 1})
	kd := b.linear("head_kd", s, e[2], 1000)
	b.unary("logits", models.OpOutput, b.add("heads", head, kd))
}
