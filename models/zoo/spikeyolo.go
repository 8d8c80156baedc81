package zoo

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/models"
)

// SpikeYOLO (ECCV 2024), as in ../shared/reference/seed-models.md §2.2: the authors'
// ultralytics/cfg/models/v8/snn_yolov8.yaml parsed by their parse_model, with the
// modules of ultralytics/nn/modules/yolo_spikformer.py. Node IDs are "model.<i>"
// plus the PyTorch module path, as in the authors' checkpoints.
//
// The detection head ends in two outputs: "boxes" [4, anchors], the DFL expectation
// of each box side's distance (in grid units), and "classes" [80, anchors], the
// class logits. Anchor generation, dist2bbox and the sigmoid are post-processing
// outside the graph (not spike-driven, no parameters).

type yoloScale struct {
	depth, width float64
	maxCh        int
	l25Ratio     float64 // mlp ratio of layer 25 (the yaml comment: m and l use 2)
}

func init() {
	for _, s := range []struct {
		name string
		sc   yoloScale
	}{
		{"n", yoloScale{0.33, 0.375, 1024, 1}},
		{"s", yoloScale{0.33, 0.5, 1024, 1}},
		{"m", yoloScale{0.5, 0.625, 7024, 2}},
		{"l", yoloScale{0.5, 0.75, 1024, 2}},
	} {
		sc := s.sc
		register("spikeyolo-"+s.name, models.Shape{3, 640, 640},
			fmt.Sprintf("SpikeYOLO %s (depth %g, width %g, COCO 640², T=1, D=4, 80 classes)", s.name, sc.depth, sc.width),
			func(b *builder) { spikeYOLO(b, sc) })
	}
}

// I-LIF: mem_update with MultiSpike4, integer output (no division), decay 0.25
// (inert at T=1).
var ilif = spiking{D: 4, rounding: models.RoundHalfEven, norm: 1, decay: 0.25}

// sepConvYOLO is SepConv with SepRepConv: lif → 1×1 C→2C + BN → lif → depthwise k×k +
// BN → lif → [BNAndPad(2C) → 1×1 2C→C → depthwise 3×3] + BN.
func sepConvYOLO(b *builder, id, x string, c, k int) string {
	s1 := b.spike(id+".lif1", x, ilif)
	p1 := b.bn(id+".bn1", b.conv(id+".pwconv1", s1, c, 2*c, 1, 1, 0, 1, false), 2*c, 0)
	s2 := b.spike(id+".lif2", p1, ilif)
	dw := b.bn(id+".bn2", b.conv(id+".dwconv2", s2, 2*c, 2*c, k, 1, k/2, 2*c, false), 2*c, 0)
	s3 := b.spike(id+".lif3", dw, ilif)
	r := b.bn(id+".pwconv3.body.0", s3, 2*c, 1)
	r = b.conv(id+".pwconv3.body.1.0", r, 2*c, c, 1, 1, 0, 1, false)
	r = b.conv(id+".pwconv3.body.1.1", r, c, c, 3, 1, 0, c, false)
	return b.bn(id+".bn3", r, c, 0)
}

// repConvYOLO is RepConv: 1×1 C→C → BNAndPad(C) → depthwise 3×3 → 1×1 C→cout → BN.
func repConvYOLO(b *builder, id, x string, c, cout int) string {
	r := b.conv(id+".body.0", x, c, c, 1, 1, 0, 1, false)
	r = b.bn(id+".body.1", r, c, 1)
	r = b.conv(id+".body.2.0", r, c, c, 3, 1, 0, c, false)
	r = b.conv(id+".body.2.1", r, c, cout, 1, 1, 0, 1, false)
	return b.bn(id+".body.2.2", r, cout, 0)
}

// stdConv is MS_StandardConv / SpikeConv: lif → conv k×k stride s (no bias) → BN.
func stdConv(b *builder, id, x string, cin, cout, k, s int) string {
	l := b.spike(id+".lif", x, ilif)
	return b.bn(id+".bn", b.conv(id+".conv", l, cin, cout, k, s, k/2, 1, false), cout, 0)
}

// msConvBlock is MS_ConvBlock (all = false) or MS_AllConvBlock (all = true).
func msConvBlock(b *builder, id, x string, c int, ratio float64, k int, all bool) string {
	a1 := b.add(id+".add1", x, sepConvYOLO(b, id+".Conv", x, c, k))
	cr := int(float64(c) * ratio)
	var y string
	if all {
		y = stdConv(b, id+".conv1", a1, c, cr, 3, 1)
		y = stdConv(b, id+".conv2", y, cr, c, 3, 1)
	} else {
		s1 := b.spike(id+".lif1", a1, ilif)
		y = b.bn(id+".bn1", repConvYOLO(b, id+".conv1", s1, c, cr), cr, 0)
		s2 := b.spike(id+".lif2", y, ilif)
		y = b.bn(id+".bn2", repConvYOLO(b, id+".conv2", s2, cr, c), c, 0)
	}
	return b.add(id+".add2", a1, y)
}

// pyRound is Python 3's round: half to even (round(4.5) = 4).
func pyRound(x float64) int { return int(math.RoundToEven(x)) }

func spikeYOLO(b *builder, sc yoloScale) {
	repeat := func(n int) int {
		if n > 1 {
			return max(pyRound(float64(n)*sc.depth), 1)
		}
		return n
	}
	width := func(c int) int { return int(float64(c) * sc.width) }
	makeDivisible := func(x float64) int { return int(math.Ceil(x/8)) * 8 }
	out := map[int]string{} // layer index → output node
	ch := map[int]int{}     // layer index → channels
	prev := "image"
	prevC := 3
	set := func(i int, node string, c int) {
		out[i], ch[i] = node, c
		prev, prevC = node, c
	}
	blocks := func(i, n int, ratio float64, all bool) {
		x := prev
		for j := range repeat(n) {
			id := fmt.Sprintf("model.%d", i)
			if repeat(n) > 1 {
				id = fmt.Sprintf("model.%d.%d", i, j)
			}
			x = msConvBlock(b, id, x, prevC, ratio, 7, all)
		}
		set(i, x, prevC)
	}
	ds := func(i, c, k, s, p int, first bool) {
		cout := width(c)
		set(i, downsample(b, fmt.Sprintf("model.%d", i), prev, prevC, cout, k, s, p, first, ilif), cout)
	}
	std := func(i, c, k, s int) {
		cout := min(width(c), width(sc.maxCh))
		set(i, stdConv(b, fmt.Sprintf("model.%d", i), prev, prevC, cout, k, s), cout)
	}
	up := func(i int) {
		n := b.unary(fmt.Sprintf("model.%d", i), models.OpUpsample, prev).SetInt("scale_factor", 2).SetString("mode", "nearest")
		set(i, n.ID, prevC)
	}
	cat := func(i, other int) {
		id := b.concat(fmt.Sprintf("model.%d", i), 0, prev, out[other])
		set(i, id, prevC+ch[other])
	}

	// Backbone (layer 0, MS_GetT, only adds the time dimension).
	ds(1, 128, 7, 4, 2, true)
	blocks(2, 3, 4, true)
	ds(3, 256, 3, 2, 1, false)
	blocks(4, 6, 4, true)
	ds(5, 512, 3, 2, 1, false)
	blocks(6, 9, 3, false)
	ds(7, 1024, 3, 2, 1, false)
	blocks(8, 3, 2, false)
	// SpikeSPPF: cv1 → three chained 5×5 max-pools (stride 1) → concat → cv2.
	{
		c2 := makeDivisible(float64(min(1024, sc.maxCh)) * sc.width)
		c := prevC / 2
		cv1 := stdConv(b, "model.9.cv1", prev, prevC, c, 1, 1)
		y := []string{cv1}
		for j := 1; j <= 3; j++ {
			p := b.unary(fmt.Sprintf("model.9.m%d", j), models.OpMaxPool2d, y[j-1])
			p.SetInts("kernel_size", 5, 5).SetInts("stride", 1, 1).SetInts("padding", 2, 2)
			y = append(y, p.ID)
		}
		set(9, stdConv(b, "model.9.cv2", b.concat("model.9.cat", 0, y...), 4*c, c2, 1, 1), c2)
	}
	// Neck.
	std(10, 512, 1, 1)
	up(11)
	blocks(12, 1, 3, false)
	cat(13, 6)
	std(14, 256, 1, 1)
	up(15)
	blocks(16, 1, 4, true)
	cat(17, 4)
	std(18, 256, 1, 1)
	blocks(19, 1, 4, true)
	std(20, 256, 3, 2)
	cat(21, 14)
	blocks(22, 1, 3, false)
	std(23, 512, 3, 2)
	cat(24, 10)
	blocks(25, 1, sc.l25Ratio, false)

	// SpikeDetect on layers 19, 22, 25.
	const nc, regMax = 80, 16
	c0 := ch[19]
	c2 := max(16, c0/4, regMax*4)
	c3 := max(c0, min(nc, 100))
	var boxes, classes []string
	for i, l := range []int{19, 22, 25} {
		x, cin := out[l], ch[l]
		branch := func(name string, cmid, cout int) string {
			id := fmt.Sprintf("model.26.%s.%d", name, i)
			y := stdConv(b, id+".0", x, cin, cmid, 3, 1)
			y = stdConv(b, id+".1", y, cmid, cmid, 3, 1)
			s := b.spike(id+".2.lif", y, ilif)
			y = b.conv(id+".2.conv", s, cmid, cout, 1, 1, 0, 1, true)
			return b.unary(id+".flat", models.OpFlatten, y).SetInt("start_dim", 1).ID
		}
		boxes = append(boxes, branch("cv2", c2, 4*regMax))
		classes = append(classes, branch("cv3", c3, nc))
	}
	dfl := b.g.Add("model.26.dfl.conv", models.OpDFL)
	w := b.tensor(dfl.ID, "weight", models.Shape{1, regMax, 1, 1}, initZeros, 0, 0)
	if !b.opt.Placeholder && b.opt.From == nil {
		for i := range w.F32 {
			w.F32[i] = float32(i) // the fixed integral weights 0…15
		}
	}
	dfl.SetTensor("weight", w)
	b.g.Connect(b.concat("model.26.boxes", 1, boxes...), dfl.ID)
	b.unary("boxes", models.OpOutput, dfl.ID)
	b.unary("classes", models.OpOutput, b.concat("model.26.classes", 1, classes...))
}
