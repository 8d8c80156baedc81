package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/eval"
)

// ArchSpikeYOLOTiny is a small SpikeYOLO-style detector for 64×64 scenes
// (data.MNISTScenes): I-LIF neurons (D = 4, decay 0.25, T = 1 as SpikeYOLO's
// COCO model) after every conv + BN, four stride-2/stride-1 stages down to
// an 8×8 grid, and an anchor-free YOLO head, a 1×1 conv giving per cell
// DetOutputs(classes) values (see DetHead).
const ArchSpikeYOLOTiny = "spikeyolo-tiny"

func init() {
	builders[ArchSpikeYOLOTiny] = func(in Shape, classes int, c ArchConfig) []Layer {
		il := func() Layer { return NewILIF(4, 0.25) }
		return []Layer{
			NewConv2d(16, 3, 2, 1, false), NewBatchNorm(), il(), // 32×32
			NewConv2d(32, 3, 2, 1, false), NewBatchNorm(), il(), // 16×16
			NewConv2d(32, 3, 1, 1, false), NewBatchNorm(), il(),
			NewConv2d(64, 3, 2, 1, false), NewBatchNorm(), il(), // 8×8
			NewConv2d(64, 3, 1, 1, false), NewBatchNorm(), il(),
			NewConv2d(DetOutputs(classes), 1, 1, 0, true),
		}
	}
}

// DetHead describes the anchor-free grid head of a detector: the output is
// [DetOutputs(Classes), GH, GW] (channels first); channel 0 of cell (gy, gx)
// is the objectness logit, 5… the class logits, and 1–4 the box. The net
// trains channels 1 and 2 as the box centre's offset in the cell in cells,
// 3 and 4 as the box width and height in image sides; the exported graph
// carries them in pixels instead (offset from the cell's corner, half width,
// half height: scaled by Cell, Cell, Size/2, Size/2 in the head's weights),
// because a chip's readout shares one quantisation step among its channels
// and the box rows would otherwise get a few integer levels beside the much
// larger class rows. Decode reads the exported form. An object is assigned
// to the cell holding its centre.
type DetHead struct {
	Classes, GH, GW, Cell, Size int
}

// DetOutputs returns the channels of a head for classes classes.
func DetOutputs(classes int) int { return 5 + classes }

// detBoxWeight weighs the L1 box loss against the objectness and class
// cross-entropies.
const detBoxWeight = 5

// target fills the assignment of one scene: for each cell the object whose
// centre it holds (the larger one if two), or −1.
func (h DetHead) target(objs []data.Object, cellObj []int) {
	for i := range cellObj {
		cellObj[i] = -1
	}
	for k, o := range objs {
		cx, cy := float64(o.X0+o.X1)/2, float64(o.Y0+o.Y1)/2
		gx, gy := min(int(cx)/h.Cell, h.GW-1), min(int(cy)/h.Cell, h.GH-1)
		i := gy*h.GW + gx
		if j := cellObj[i]; j >= 0 {
			p := objs[j]
			if (p.X1-p.X0)*(p.Y1-p.Y0) >= (o.X1-o.X0)*(o.Y1-o.Y0) {
				continue
			}
		}
		cellObj[i] = k
	}
}

// loss returns the detection loss of one scene's output out (CHW) and writes
// its gradient, scaled by scale, into grad: Σ_cells BCE(objectness) +
// Σ_assigned cells (5·L1(box) + CE(class)). cellObj (GH·GW) and p
// (Classes) are scratch.
func (h DetHead) loss(out, grad []float32, objs []data.Object, cellObj []int, p []float64, scale float32) float64 {
	plane := h.GH * h.GW
	h.target(objs, cellObj)
	clear32(grad)
	var l float64
	for i, k := range cellObj {
		z := float64(out[i])
		t := 0.0
		if k >= 0 {
			t = 1
		}
		// BCE with logits: max(z,0) − z·t + log(1 + e^−|z|)
		l += max(z, 0) - z*t + math.Log1p(math.Exp(-math.Abs(z)))
		grad[i] = float32(1/(1+math.Exp(-z))-t) * scale
		if k < 0 {
			continue
		}
		o := objs[k]
		gx, gy := i%h.GW, i/h.GW
		want := [4]float64{
			float64(o.X0+o.X1)/2/float64(h.Cell) - float64(gx),
			float64(o.Y0+o.Y1)/2/float64(h.Cell) - float64(gy),
			float64(o.X1-o.X0) / float64(h.Size),
			float64(o.Y1-o.Y0) / float64(h.Size),
		}
		for j, w := range want {
			d := float64(out[(1+j)*plane+i]) - w
			l += detBoxWeight * math.Abs(d)
			g := float32(detBoxWeight)
			if d < 0 {
				g = -g
			}
			grad[(1+j)*plane+i] = g * scale
		}
		mx := math.Inf(-1)
		for c := range p {
			p[c] = float64(out[(5+c)*plane+i])
			mx = max(mx, p[c])
		}
		s := 0.0
		for c := range p {
			p[c] = math.Exp(p[c] - mx)
			s += p[c]
		}
		l -= math.Log(p[o.Class] / s)
		for c := range p {
			g := p[c] / s
			if c == o.Class {
				g--
			}
			grad[(5+c)*plane+i] = float32(g) * scale
		}
	}
	return l
}

// Decode turns one scene's exported head output (CHW real values, box in
// pixels) into detections for image: every cell whose score
// σ(objectness)·max softmax(class) is at least minScore gives a box centred
// at (gx·Cell + ox, gy·Cell + oy) of size (2·hw, 2·hh) (clamped at 0); per
// class, non-maximum suppression at IoU 0.5 keeps the best-scoring of
// overlapping boxes.
func (h DetHead) Decode(image int, out []float64, minScore float64) []eval.Detection {
	plane := h.GH * h.GW
	var ds []eval.Detection
	for i := 0; i < plane; i++ {
		obj := 1 / (1 + math.Exp(-out[i]))
		best, mx := 0, math.Inf(-1)
		for c := 0; c < h.Classes; c++ {
			if v := out[(5+c)*plane+i]; v > mx {
				best, mx = c, v
			}
		}
		s := 0.0
		for c := 0; c < h.Classes; c++ {
			s += math.Exp(out[(5+c)*plane+i] - mx)
		}
		score := obj / s
		if score < minScore {
			continue
		}
		gx, gy := i%h.GW, i/h.GW
		cx := float64(gx*h.Cell) + out[plane+i]
		cy := float64(gy*h.Cell) + out[2*plane+i]
		w := 2 * max(out[3*plane+i], 0)
		ht := 2 * max(out[4*plane+i], 0)
		ds = append(ds, eval.Detection{Image: image, Class: best, Score: score,
			Box: eval.Box{X0: cx - w/2, Y0: cy - ht/2, X1: cx + w/2, Y1: cy + ht/2}})
	}
	slices.SortStableFunc(ds, func(a, b eval.Detection) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	var keep []eval.Detection
	for _, d := range ds {
		ok := true
		for _, k := range keep {
			if k.Class == d.Class && eval.IoU(k.Box, d.Box) > 0.5 {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, d)
		}
	}
	return keep
}

// DetMinScore is the score below which Decode drops a cell when the
// detector is evaluated (low, as COCO evaluation expects).
const DetMinScore = 0.01

// Truths returns the ground truth of scenes 0..n−1 of split as eval boxes.
func Truths(split *data.SceneSplit, n int) []eval.Truth {
	var gts []eval.Truth
	for i := 0; i < n; i++ {
		for _, o := range split.Objects[i] {
			gts = append(gts, eval.Truth{Image: i, Class: o.Class,
				Box: eval.Box{X0: float64(o.X0), Y0: float64(o.Y0), X1: float64(o.X1), Y1: float64(o.Y1)}})
		}
	}
	return gts
}

// HeadOf returns the detection head of an exported detector (Meta "head"
// = "yolo-grid") for images of the given side.
func HeadOf(g *models.Graph, out []int) (DetHead, error) {
	if g.Meta["head"] != "yolo-grid" {
		return DetHead{}, errors.New("the model has no detection head (Meta head = yolo-grid)")
	}
	cell, err1 := strconv.Atoi(g.Meta["cell"])
	size, err2 := strconv.Atoi(g.Meta["image_size"])
	if err1 != nil || err2 != nil || len(out) != 3 || out[0] < 6 || cell < 1 {
		return DetHead{}, fmt.Errorf("detection head: cell %q, image size %q, output %v", g.Meta["cell"], g.Meta["image_size"], out)
	}
	return DetHead{Classes: out[0] - 5, GH: out[1], GW: out[2], Cell: cell, Size: size}, nil
}

// EvaluateDetector runs the reference inference of the exported detector g
// on the first limit scenes of split (all if limit ≤ 0) and returns its mAP.
func EvaluateDetector(g *models.Graph, split *data.SceneSplit, limit, workers int) (*eval.DetResult, error) {
	m, err := NewModel(g)
	if err != nil {
		return nil, err
	}
	if m.in != (Shape{split.Size, split.Size, 1}) {
		return nil, fmt.Errorf("scenes are %dx%d, the model takes %v", split.Size, split.Size, m.in)
	}
	on := m.nodes[m.outIdx].shape
	h, err := HeadOf(g, []int{on.C, on.H, on.W})
	if err != nil {
		return nil, err
	}
	n := split.N
	if limit > 0 {
		n = min(n, limit)
	}
	p := newPool(workers)
	defer p.close()
	runners := make([]*runner, p.workers)
	for i := range runners {
		runners[i] = m.newRunner()
	}
	per := make([][]eval.Detection, n)
	const chunk = 32
	p.run((n+chunk-1)/chunk, func(w, c int) {
		r := runners[w]
		out := make([]float64, m.classes)
		for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
			data.Direct(r.x, split.Image(i))
			r.predict(r.x, 0, i)
			for j, v := range r.acc {
				out[j] = float64(v) / float64(m.steps)
			}
			per[i] = h.Decode(i, out, DetMinScore)
		}
	})
	var dets []eval.Detection
	for _, d := range per {
		dets = append(dets, d...)
	}
	return eval.Evaluate(dets, Truths(split, n), h.Classes)
}

// DetTrainResult is the outcome of TrainDetector.
type DetTrainResult struct {
	Net     *Net
	Graph   *models.Graph
	MAP     *eval.DetResult // integer inference on the test scenes
	History []EpochStat     // TestAcc holds mAP@50 where evaluated
	Options Options
}

// TrainDetector trains ArchSpikeYOLOTiny on detection scenes with the loss
// of DetHead (mean over the batch), Adam or SGD as Options say, a
// checkpoint after every epoch, and evaluates the exported graph's mAP on
// the test scenes (every EvalEvery epochs and after the last). Shift, Noise
// and encodings other than direct do not apply.
func TrainDetector(ctx context.Context, sc *data.Scenes, opt Options, progress func(Progress)) (*DetTrainResult, error) {
	opt = opt.Defaults()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if opt.Arch != ArchSpikeYOLOTiny {
		return nil, fmt.Errorf("detection needs arch %s, got %s", ArchSpikeYOLOTiny, opt.Arch)
	}
	if opt.Shift != 0 || opt.Noise != 0 || opt.Encoding != EncodingDirect {
		return nil, errors.New("detection training takes direct input without shift augmentation or weight noise")
	}
	size := sc.Train.Size
	in := Shape{size, size, 1}
	net, err := Build(opt.Arch, in, sc.Classes, ArchConfig{D: opt.D, Steps: opt.Steps})
	if err != nil {
		return nil, err
	}
	if err := net.Init(stream(opt.Seed, "init", 0)); err != nil {
		return nil, err
	}
	if net.Out.C != DetOutputs(sc.Classes) || size%net.Out.H != 0 {
		return nil, fmt.Errorf("detector output %v on %d×%d scenes", net.Out, size, size)
	}
	h := DetHead{Classes: sc.Classes, GH: net.Out.H, GW: net.Out.W, Cell: size / net.Out.H, Size: size}
	params := net.Params()
	op := newOptimizer(opt.Optim, params)
	res := &DetTrainResult{Net: net, Options: opt}
	dsName := fmt.Sprintf("%s/%d/%d/%d", sc.Name, sc.Options.Seed, sc.Options.Train, sc.Options.Test)
	start, hist, err := resumeFrom(opt, func(ck *checkpoint) error { return ck.restore(net, op, opt, dsName) }, nil)
	if err != nil {
		return nil, err
	}
	res.History = hist
	ntrain, batches, total := epochBatches(opt, sc.Train.N)
	p := newPool(opt.Workers)
	defer p.close()
	c := &pass{pool: p, train: true}
	S := in.Size()
	outSz := net.Out.Size()
	x := make([]float32, opt.Steps*opt.Batch*S)
	grad := make([]float32, opt.Batch*outSz)
	cellObj := make([]int, h.GH*h.GW)
	probs := make([]float64, h.Classes)
	export := func() (*models.Graph, error) {
		g, err := net.Export(EncodingDirect)
		if err != nil {
			return nil, err
		}
		if err := h.exportBox(g); err != nil {
			return nil, err
		}
		g.Meta["head"], g.Meta["cell"], g.Meta["image_size"] = "yolo-grid", strconv.Itoa(h.Cell), strconv.Itoa(size)
		g.Meta["dataset"] = sc.Name
		return g, nil
	}
	for ep := start; ep < opt.Epochs; ep++ {
		t0 := time.Now()
		perm := stream(opt.Seed, "shuffle", uint64(ep)).Perm(sc.Train.N)[:ntrain]
		var lossSum float64
		for bi := 0; bi < batches; bi++ {
			if err := ctxErr(ctx); err != nil {
				return nil, err
			}
			idx := perm[bi*opt.Batch : min(ntrain, (bi+1)*opt.Batch)]
			b := len(idx)
			for t := 0; t < opt.Steps; t++ {
				for j, i := range idx {
					data.Direct(x[(t*b+j)*S:(t*b+j+1)*S], sc.Train.Image(i))
				}
			}
			net.zeroGrad()
			out := net.forward(c, x[:opt.Steps*b*S], opt.Steps*b)
			var l float64
			for j, i := range idx {
				l += h.loss(out[j*outSz:(j+1)*outSz], grad[j*outSz:(j+1)*outSz], sc.Train.Objects[i], cellObj, probs, 1/float32(b))
			}
			l /= float64(b)
			if err := divergence(ep, bi, l); err != nil {
				return nil, err
			}
			net.backward(c, grad[:b*outSz])
			op.update(params, opt.Optim.lrAt(ep*batches+bi, total, ep))
			lossSum += l * float64(b)
			if progress != nil {
				progress(Progress{Epoch: ep + 1, Epochs: opt.Epochs, Batch: bi + 1, Batches: batches,
					Loss: lossSum / float64(min(ntrain, (bi+1)*opt.Batch)), Elapsed: time.Since(t0), TestAcc: -1})
			}
		}
		st := EpochStat{Epoch: ep + 1, Loss: lossSum / float64(ntrain), TestAcc: -1, Seconds: time.Since(t0).Seconds()}
		last := ep == opt.Epochs-1
		if evalDue(opt, ep) {
			g, err := export()
			if err != nil {
				return nil, err
			}
			r, err := EvaluateDetector(g, &sc.Test, opt.TestLimit, opt.Workers)
			if err != nil {
				return nil, err
			}
			st.TestAcc = r.MAP50
			if last {
				res.Graph, res.MAP = g, r
			}
		}
		res.History = append(res.History, st)
		if opt.Checkpoint != "" {
			if err := writeCheckpoint(opt.Checkpoint, newCheckpoint(ep+1, net, op, opt, dsName, res.History)); err != nil {
				return nil, err
			}
		}
		if progress != nil {
			progress(epochDone(opt, st, batches, t0))
		}
	}
	if res.Graph == nil {
		g, err := export()
		if err != nil {
			return nil, err
		}
		r, err := EvaluateDetector(g, &sc.Test, opt.TestLimit, opt.Workers)
		if err != nil {
			return nil, err
		}
		res.Graph, res.MAP = g, r
	}
	return res, nil
}

// exportBox rescales the box rows (channels 1–4) of the head, the weight
// layer feeding g's Output, from the training units to pixels (see DetHead).
func (h DetHead) exportBox(g *models.Graph) error {
	outs := g.Outputs()
	if len(outs) != 1 {
		return fmt.Errorf("detector graph with %d outputs", len(outs))
	}
	pre := g.Predecessors(outs[0])
	if len(pre) != 1 || g.Node(pre[0]).Op != models.OpConv2d {
		return errors.New("the detector's output is not fed by one Conv2d head")
	}
	n := g.Node(pre[0])
	w, b := n.Tensor("weight"), n.Tensor("bias")
	per := len(w.F32) / w.Shape[0]
	for c, k := range [4]float64{float64(h.Cell), float64(h.Cell), float64(h.Size) / 2, float64(h.Size) / 2} {
		for i := (c + 1) * per; i < (c+2)*per; i++ {
			w.F32[i] = float32(float64(w.F32[i]) * k)
		}
		b.F32[c+1] = float32(float64(b.F32[c+1]) * k)
	}
	g.Meta["box_units"] = "pixels"
	return nil
}
