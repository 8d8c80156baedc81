package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/neurosim/neurosim/models/data"
)

// dfTrainer runs Distance-Forward on a dfNet. Memory plan (the point of
// local learning): blocks are trained one after another within a batch,
// so one gradient buffer, sized for the largest block after the first,
// serves them all (block 1, which reads the pixels, has its weight gradient
// made and applied dfRowBlock rows at a time inside the same buffer);
// the labels are streamed one at a time through the blocks (phase 1
// computes every block's goodness for every label, phase 2 recomputes the
// block's activations label by label and accumulates its weight gradient),
// so activations are held for one label and one block at a time, never for
// the whole stack. Block 1's pixel product W·x + b is shared by all labels
// (the label only adds a weight column), and its weight gradient over the
// pixels is one product with the labels' summed deltas.
type dfTrainer struct {
	net  *dfNet
	acct memAcct
	cap  int // batch capacity

	x    []float32    // B×pixels input batch
	z1x  []float32    // B×H1: block 1's W·x + b (without the label column)
	dacc []float32    // B×H1: Σ_k δ of block 1
	u    [2][]float32 // B×Hmax: block inputs, ping-pong
	z, h []float32    // B×Hmax: pre-activation and activation (h becomes δ in place)
	r    []float64    // B: normalisation factors
	good []float64    // B×K×L goodness
	coef []float64    // B×K: dL/dG of the block being trained, over B
	ghat []float64    // K: one sample's collaborative goodness
	grad []float32    // the shared gradient buffer (the largest block's of 2.., or block 1's pieces)
	lab  []float32    // H1×K in grad: block 1's label-column gradient
	rows []float32    // dfRowBlock×(pixels+K) in grad: block 1's weight gradient, a few rows
}

// dfRowBlock is the number of block-1 weight rows whose gradient exists at
// once: block 1 reads the pixels, so its full gradient would be the largest
// buffer of the trainer; it is computed and applied a few rows at a time.
const dfRowBlock = 32

func newDFTrainer(net *dfNet, batch int) *dfTrainer {
	t := &dfTrainer{net: net, cap: batch}
	hmax, gmax := 0, 0
	for l, b := range net.blocks {
		hmax = max(hmax, b.out)
		if l > 0 {
			gmax = max(gmax, b.out*b.in+b.out)
		}
	}
	h1 := net.blocks[0].out
	a := &t.acct
	t.x = a.acts(batch * net.pixels)
	t.z1x = a.acts(batch * h1)
	t.dacc = a.acts(batch * h1)
	t.u[0], t.u[1] = a.acts(batch*hmax), a.acts(batch*hmax)
	t.z, t.h = a.acts(batch*hmax), a.acts(batch*hmax)
	t.r = make([]float64, batch)
	t.good = make([]float64, batch*net.classes*len(net.blocks))
	t.coef = make([]float64, batch*net.classes)
	t.ghat = make([]float64, net.classes)
	a.Acts += 8 * int64(len(t.r)+len(t.good)+len(t.coef)+len(t.ghat))
	// Block 1's row gradient, label-column gradient and bias gradient are
	// used up by update1 before block 2's gradient is made: they share the
	// buffer.
	b1 := net.blocks[0]
	nr, nl := min(dfRowBlock, h1)*b1.in, h1*net.classes
	t.grad = a.grads(max(gmax, nr+nl+h1))
	t.rows, t.lab = t.grad[:nr], t.grad[nr:nr+nl]
	b1.w.G, b1.b.G = nil, t.grad[nr+nl:nr+nl+h1]
	for l, b := range net.blocks {
		if l > 0 {
			b.w.G = t.grad[:len(b.w.W)]
			b.b.G = t.grad[len(b.w.W) : len(b.w.W)+b.out]
		}
		a.Params += 4 * int64(len(b.w.W)+len(b.b.W))
	}
	return t
}

// grad1Rows returns block 1's weight gradient for rows [r0, r1): the
// pixel columns Σ_s dacc[s][o]·x[s] (gonum's Sgemm sums every element over
// the samples in order, so a row subset gives the bits of the whole
// product) and the label columns from t.lab.
func (t *dfTrainer) grad1Rows(r0, r1, B int) []float32 {
	n := t.net
	b := n.blocks[0]
	K, H := n.classes, b.out
	g := t.rows[:(r1-r0)*b.in]
	clear32(g)
	gemmTN(g, b.in, t.dacc[r0:], H, t.x, n.pixels, r1-r0, n.pixels, B)
	for o := r0; o < r1; o++ {
		copy(g[(o-r0)*b.in+n.pixels:(o-r0+1)*b.in], t.lab[o*K:(o+1)*K])
	}
	return g
}

// update1 applies block 1's optimiser step, its weight gradient made and
// used dfRowBlock rows at a time.
func (t *dfTrainer) update1(B int, lr float64) {
	b := t.net.blocks[0]
	o := b.op
	o.step++
	for r0 := 0; r0 < b.out; r0 += dfRowBlock {
		r1 := min(b.out, r0+dfRowBlock)
		o.updateRangeGrad(0, b.w, t.grad1Rows(r0, r1, B), lr, r0*b.in, r1*b.in)
	}
	o.updateRange(1, b.b, lr, 0, b.out)
}

// grad1 writes block 1's whole weight gradient into dst (for tests).
func (t *dfTrainer) grad1(dst []float32, B int) {
	b := t.net.blocks[0]
	for r0 := 0; r0 < b.out; r0 += dfRowBlock {
		r1 := min(b.out, r0+dfRowBlock)
		copy(dst[r0*b.in:r1*b.in], t.grad1Rows(r0, r1, B))
	}
}

// pixelProduct computes z1x = W1[:, :pixels]·x + b1 for B samples.
func (t *dfTrainer) pixelProduct(B int) {
	b := t.net.blocks[0]
	z := t.z1x[:B*b.out]
	gemmNT(z, b.out, t.x, t.net.pixels, b.w.W, b.in, B, b.out, t.net.pixels, 0)
	addBias(z, b.b.W, B)
}

func addBias(z, bias []float32, B int) {
	w := len(bias)
	for s := 0; s < B; s++ {
		row := z[s*w : (s+1)*w]
		for i, v := range bias {
			row[i] += v
		}
	}
}

// runLabel runs B samples with label k through blocks 0..last, recording
// their goodness. Afterwards t.z and t.h hold block last's pre-activation
// and activation, and the returned slice is its input (nil for block 0,
// whose input is the pixels and the label).
func (t *dfTrainer) runLabel(k, last, B int) []float32 {
	n := t.net
	K, L := n.classes, len(n.blocks)
	ls := float32(n.cfg.LabelScale)
	var in []float32
	for l := 0; l <= last; l++ {
		b := n.blocks[l]
		H := b.out
		z, h := t.z[:B*H], t.h[:B*H]
		if l == 0 {
			col := n.pixels + k
			for o := 0; o < H; o++ {
				c := ls * b.w.W[o*b.in+col]
				for s := 0; s < B; s++ {
					z[s*H+o] = t.z1x[s*H+o] + c
				}
			}
		} else {
			gemmNT(z, H, in, b.in, b.w.W, b.in, B, H, b.in, 0)
			addBias(z, b.b.W, B)
		}
		n.act(h, z)
		for s := 0; s < B; s++ {
			t.good[(s*K+k)*L+l] = n.goodness(h[s*H : (s+1)*H])
		}
		if l < last {
			next := t.u[l%2][:B*H]
			n.normalize(next, h, t.r, B, H)
			in = next
		}
	}
	return in
}

// blockLoss fills t.coef with dL_l/dG_l(x, k) / B for block l and returns
// the summed loss of the batch.
func (t *dfTrainer) blockLoss(l int, y []int) float64 {
	n := t.net
	K, L := n.classes, len(n.blocks)
	cfg := &n.cfg
	loss := 0.0
	inv := 1 / float64(len(y))
	ghat := t.ghat
	for s, ys := range y {
		for k := 0; k < K; k++ {
			g := t.good[(s*K+k)*L : (s*K+k+1)*L]
			v := g[l]
			for j := range g {
				if j == l {
					continue
				}
				if cfg.Collab == DFCollabAll || (cfg.Collab == DFCollabPrev && j < l) {
					v += cfg.Gamma * g[j]
				}
			}
			ghat[k] = v
		}
		c := t.coef[s*K : (s+1)*K]
		m := 0.0 // max(0, max a_k)
		for k := 0; k < K; k++ {
			if k != ys {
				m = max(m, cfg.Alpha*(ghat[k]-ghat[ys]+cfg.Margin))
			}
		}
		sum := math.Exp(-m)
		for k := 0; k < K; k++ {
			c[k] = 0
			if k != ys {
				e := math.Exp(cfg.Alpha*(ghat[k]-ghat[ys]+cfg.Margin) - m)
				c[k] = e
				sum += e
			}
		}
		loss += m + math.Log(sum)
		tot := 0.0
		for k := 0; k < K; k++ {
			if k != ys {
				c[k] = cfg.Alpha * c[k] / sum * inv
				tot += c[k]
			}
		}
		c[ys] = -tot
	}
	return loss
}

// predict writes the label with the largest summed goodness (blocks from
// InferFrom on) for each of B samples, from t.good.
func (t *dfTrainer) predict(pred []int, B int) {
	n := t.net
	K, L := n.classes, len(n.blocks)
	for s := 0; s < B; s++ {
		best, arg := math.Inf(-1), 0
		for k := 0; k < K; k++ {
			v := 0.0
			for l := n.cfg.InferFrom; l < L; l++ {
				v += t.good[(s*K+k)*L+l]
			}
			if v > best {
				best, arg = v, k
			}
		}
		pred[s] = arg
	}
}

// step trains on one batch (already in t.x) and returns the mean loss of
// the last block and the number of correct summed-goodness predictions.
// Blocks are trained in order; block l sees blocks < l already updated.
func (t *dfTrainer) step(y []int, lr float64, pred []int) (float64, int) {
	n := t.net
	B, L := len(y), len(n.blocks)
	t.pixelProduct(B)
	var loss float64
	for l := 0; l < L; l++ {
		loss = t.blockGrad(l, y, pred)
		if l == 0 {
			t.update1(B, lr)
			t.pixelProduct(B)
			continue
		}
		b := n.blocks[l]
		b.op.update([]*Param{b.w, b.b}, lr)
	}
	correct := 0
	for s, p := range pred[:B] {
		if p == y[s] {
			correct++
		}
	}
	return loss, correct
}

// blockLossOnly runs phase 1 for block l and returns its mean loss.
func (t *dfTrainer) blockLossOnly(l int, y []int) float64 {
	n := t.net
	last := l
	if n.cfg.Collab == DFCollabAll {
		last = len(n.blocks) - 1
	}
	for k := 0; k < n.classes; k++ {
		t.runLabel(k, last, len(y))
	}
	return t.blockLoss(l, y) / float64(len(y))
}

// blockGrad computes block l's loss and writes its gradient into the
// block's G (the shared buffer). t.z1x must be current. At the last block
// it also writes the summed-goodness predictions into pred.
func (t *dfTrainer) blockGrad(l int, y []int, pred []int) float64 {
	n := t.net
	B, K, L := len(y), n.classes, len(n.blocks)
	b := n.blocks[l]
	H := b.out
	last1 := l
	if n.cfg.Collab == DFCollabAll || l == L-1 {
		last1 = L - 1
	}
	for k := 0; k < K; k++ {
		t.runLabel(k, last1, B)
	}
	if l == L-1 {
		t.predict(pred, B)
	}
	loss := t.blockLoss(l, y) / float64(B)
	clear32(b.b.G)
	if l == 0 {
		clear32(t.dacc[:B*H])
		clear32(t.lab)
	} else {
		clear32(b.w.G)
	}
	for k := 0; k < K; k++ {
		in := t.runLabel(k, l, B)
		z, d := t.z[:B*H], t.h[:B*H]
		for s := 0; s < B; s++ {
			n.goodGrad(d[s*H:(s+1)*H], d[s*H:(s+1)*H], t.coef[s*K+k])
		}
		n.actGrad(d, z)
		colSum(b.b.G, d, B)
		if l == 0 {
			ls := float32(n.cfg.LabelScale)
			for s := 0; s < B; s++ {
				acc := t.dacc[s*H : (s+1)*H]
				for o, v := range d[s*H : (s+1)*H] {
					acc[o] += v
				}
			}
			for o := 0; o < H; o++ {
				cs := float32(0)
				for s := 0; s < B; s++ {
					cs += d[s*H+o]
				}
				t.lab[o*K+k] += ls * cs
			}
		} else {
			gemmTN(b.w.G, b.in, d, H, in, b.in, H, b.in, B)
		}
	}
	// Block 1's weight gradient is made a few rows at a time by update1.
	return loss
}

// evaluate returns the summed-goodness accuracy on the first limit samples
// of split (0 = all).
func (t *dfTrainer) evaluate(split *data.Split, limit int) float64 {
	n := split.N
	if limit > 0 && limit < n {
		n = limit
	}
	sz := t.net.pixels
	pred := make([]int, t.cap)
	correct := 0
	for lo := 0; lo < n; lo += t.cap {
		B := min(t.cap, n-lo)
		for j := 0; j < B; j++ {
			data.Direct(t.x[j*sz:(j+1)*sz], split.Image(lo+j))
		}
		t.pixelProduct(B)
		for k := 0; k < t.net.classes; k++ {
			t.runLabel(k, len(t.net.blocks)-1, B)
		}
		t.predict(pred, B)
		for j := 0; j < B; j++ {
			if pred[j] == int(split.Labels[lo+j]) {
				correct++
			}
		}
	}
	return float64(correct) / float64(n)
}

// trainDF is Train for LearnDF and LearnDFBP.
func trainDF(ctx context.Context, ds *data.Dataset, opt Options, progress func(Progress)) (*Result, error) {
	bp := opt.Learning == LearnDFBP
	opt.DF = opt.DF.defaults()
	if err := opt.DF.validate(bp); err != nil {
		return nil, err
	}
	if opt.Encoding != EncodingDirect || opt.Steps != 1 || opt.Noise != 0 {
		return nil, fmt.Errorf("%s trains a static MLP: direct encoding, 1 step, no weight noise", opt.Learning)
	}
	pixels := ds.Train.Rows * ds.Train.Cols
	heap := newHeapSampler()
	net := newDFNet(opt.DF, opt.D, pixels, ds.Classes, bp, stream(opt.Seed, "init", 0))
	net.rows, net.cols = ds.Train.Rows, ds.Train.Cols
	heap.model()
	// The optimiser state before the trainer's buffers, so that the heap
	// shows the two apart.
	var tr dfRunner
	if bp {
		op := newOptimizer(opt.Optim, net.params())
		heap.optim()
		tr = newBPTrainerOpt(net, opt.Batch, op)
	} else {
		for _, b := range net.blocks {
			b.op = newOptimizer(opt.Optim, []*Param{b.w, b.b})
		}
		heap.optim()
		t := newDFTrainer(net, opt.Batch)
		for _, b := range net.blocks {
			t.acct.OptState += optBytes(b.op)
		}
		tr = t
	}
	res := &Result{Options: opt}
	heap.setup()
	start, hist, err := resumeFrom(opt, func(ck *checkpoint) error { return ck.restoreDF(net, opt, ds.Name) }, progress)
	if err != nil {
		return nil, err
	}
	res.History = hist
	ntrain, batches, total := epochBatches(opt, ds.Train.N)
	in := Shape{ds.Train.Rows, ds.Train.Cols, 1}
	bt := &batcher{opt: &opt, split: &ds.Train, in: in}
	pred := make([]int, opt.Batch)
	x := tr.input()
	for ep := start; ep < opt.Epochs; ep++ {
		t0 := time.Now()
		acc := classEpoch{ep: ep, t0: t0}
		perm := stream(opt.Seed, "shuffle", uint64(ep)).Perm(ds.Train.N)[:ntrain]
		bt.aug = stream(opt.Seed, "augment", uint64(ep))
		for bi := 0; bi < batches; bi++ {
			if err := ctxErr(ctx); err != nil {
				return nil, err
			}
			idx := perm[bi*opt.Batch : min(ntrain, (bi+1)*opt.Batch)]
			xb, y := bt.fill(idx)
			copy(x, xb)
			l, corr := tr.step(y, opt.Optim.lrAt(ep*batches+bi, total, ep), pred)
			heap.sample()
			if err := divergence(ep, bi, l); err != nil {
				return nil, err
			}
			acc.add(l, corr, len(idx), opt, bi, batches, progress)
		}
		st := acc.stat()
		if evalDue(opt, ep) {
			st.TestAcc = tr.evaluate(&ds.Test, opt.TestLimit)
		}
		res.History = append(res.History, st)
		if opt.Checkpoint != "" {
			if err := writeCheckpoint(opt.Checkpoint, newDFCheckpoint(ep+1, net, opt, ds.Name, res.History)); err != nil {
				return nil, err
			}
		}
		if progress != nil {
			progress(epochDone(opt, st, batches, t0))
		}
	}
	if n := len(res.History); n > 0 && res.History[n-1].TestAcc >= 0 && res.History[n-1].Epoch == opt.Epochs {
		res.TestAcc = res.History[n-1].TestAcc
	} else {
		res.TestAcc = tr.evaluate(&ds.Test, opt.TestLimit)
	}
	res.Memory = tr.memory()
	res.Heap = heap.stats()
	res.DFNet = net
	g, err := net.export(opt, ds.Name)
	if err != nil {
		res.ExportErr = err
	} else {
		res.Graph = g
		g.Meta["test_accuracy"] = fmt.Sprintf("%.4f", res.TestAcc)
	}
	return res, nil
}

// dfRunner is what trainDF needs from the DF and baseline trainers.
type dfRunner interface {
	input() []float32 // the batch buffer step reads
	step(y []int, lr float64, pred []int) (loss float64, correct int)
	evaluate(split *data.Split, limit int) float64
	memory() MemStats
}

func (t *dfTrainer) input() []float32 { return t.x }
func (t *dfTrainer) memory() MemStats { return t.acct.MemStats }

func optBytes(o *optimizer) int64 {
	n := 0
	for _, m := range o.m {
		n += len(m)
	}
	for _, v := range o.v {
		n += len(v)
	}
	return 4 * int64(n)
}

func newDFCheckpoint(epoch int, net *dfNet, opt Options, ds string, hist []EpochStat) *checkpoint {
	ck := &checkpoint{Version: checkpointVersion, Epoch: epoch, Dataset: ds, Options: opt, History: hist}
	for _, p := range net.params() {
		ck.Params = append(ck.Params, p.W)
	}
	for _, o := range net.optimizers() {
		ck.OptStep = o.step
		ck.OptM = append(ck.OptM, o.m...)
		ck.OptV = append(ck.OptV, o.v...)
	}
	return ck
}

func (ck *checkpoint) restoreDF(net *dfNet, opt Options, ds string) error {
	if ck.Version != checkpointVersion {
		return fmt.Errorf("checkpoint version %d, want %d", ck.Version, checkpointVersion)
	}
	if ck.Dataset != ds {
		return fmt.Errorf("checkpoint is for dataset %s, not %s", ck.Dataset, ds)
	}
	if !compatible(ck.Options, opt) {
		return fmt.Errorf("checkpoint options %+v differ from %+v", ck.Options, opt)
	}
	ps := net.params()
	var ms, vs [][]float32
	ops := net.optimizers()
	for _, o := range ops {
		ms = append(ms, o.m...)
		vs = append(vs, o.v...)
	}
	if len(ck.Params) != len(ps) || len(ck.OptM) != len(ms) || len(ck.OptV) != len(vs) {
		return errors.New("checkpoint does not match the network")
	}
	for i, p := range ps {
		if len(ck.Params[i]) != len(p.W) || len(ck.OptM[i]) != len(ms[i]) || (len(vs) > 0 && len(ck.OptV[i]) != len(vs[i])) {
			return fmt.Errorf("checkpoint tensor %d has the wrong size", i)
		}
		copy(p.W, ck.Params[i])
		copy(ms[i], ck.OptM[i])
		if len(vs) > 0 {
			copy(vs[i], ck.OptV[i])
		}
	}
	for _, o := range ops {
		o.step = ck.OptStep
	}
	return nil
}

// optimizers lists the optimisers in parameter order: one per block (DF)
// or one for the whole network (baseline, held by the head).
func (n *dfNet) optimizers() []*optimizer {
	if n.head != nil {
		return []*optimizer{n.head.op}
	}
	var ops []*optimizer
	for _, b := range n.blocks {
		ops = append(ops, b.op)
	}
	return ops
}
