package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"github.com/neurosim/neurosim/internal/atomicfile"
	"hash/crc32"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"reflect"
	"time"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// Input encodings.
const (
	EncodingDirect  = "direct"  // pixel/255 into a MAC first layer, every step
	EncodingPoisson = "poisson" // Bernoulli spike per pixel and step with p = pixel/255
)

// Options configures a training run. The zero value of a field means its
// default (see Defaults).
type Options struct {
	Arch    string // architecture (Archs); default sfa-convnet
	Epochs  int    // default 1
	Batch   int    // default 64
	Seed    uint64 // root seed of every random stream
	Workers int    // goroutines; 0 = GOMAXPROCS (results do not depend on it)

	Optim OptimConfig // default Adam, lr 2e-3, constant

	D        int    // MultiSpike levels; default 4
	Rounding string // "half-even" (default) or "half-up"

	// Noise is σ of multiplicative Gaussian weight noise w·(1+σ·N(0,1)) in
	// the training forward pass (PRIME); 0 = off. NoiseMode "absolute"
	// makes it w + σ·max|W_layer|·N(0,1) instead (noise.go); NoiseLayers
	// picks the layers: all, dense or conv ("" = all for multiplicative,
	// dense for absolute).
	Noise       float64
	NoiseMode   string
	NoiseLayers string
	// Encoding is "direct" (default) or "poisson"; Steps is T (default 1 for
	// direct SFA nets; lif-convnet and poisson need T ≥ 2 to make sense).
	Encoding string
	Steps    int
	// Shift is the random-shift augmentation: each training image is moved
	// by up to ±Shift pixels in x and y (zero fill). 0 = off.
	Shift int

	// Checkpoint is a file written after every epoch (atomically); "" = none.
	// With Resume, training continues from it when it exists.
	Checkpoint string
	Resume     bool

	// TrainLimit and TestLimit use only the first N samples (0 = all).
	TrainLimit, TestLimit int
	// EvalEvery runs the integer-inference test evaluation every N epochs
	// (and always after the last); 0 = only after the last.
	EvalEvery int

	// Learning is the learning rule: "bp" (default), "df", "df-bp" or
	// "prune" (df.go, prune.go); DF and Prune configure the last three.
	Learning string
	DF       DFConfig
	Prune    PruneConfig
}

// Defaults returns o with every zero field replaced by its default.
func (o Options) Defaults() Options {
	if o.Arch == "" {
		o.Arch = ArchSFAConvNet
	}
	if o.Epochs == 0 {
		o.Epochs = 1
	}
	if o.Batch == 0 {
		o.Batch = 64
	}
	if o.Optim.Kind == "" {
		o.Optim.Kind = OptAdam
	}
	if o.Optim.LR == 0 {
		o.Optim.LR = 2e-3
	}
	if o.D == 0 {
		o.D = 4
	}
	if o.Rounding == "" {
		o.Rounding = models.RoundHalfEven
	}
	if o.Encoding == "" {
		o.Encoding = EncodingDirect
	}
	if o.Learning == "" {
		o.Learning = LearnBP
	}
	if o.Learning == LearnPrune {
		o = o.pruneDefaults()
	}
	if o.Steps == 0 {
		o.Steps = 1
		if o.Arch == ArchLIFConvNet || IsGraphArch(o.Arch) || o.Encoding == EncodingPoisson {
			o.Steps = 4
		}
	}
	return o
}

func (o *Options) validate() error {
	var errs []error
	switch o.Learning {
	case LearnBP, LearnDF, LearnDFBP, LearnPrune:
	default:
		errs = append(errs, fmt.Errorf("learning rule %q: want bp, df, df-bp or prune", o.Learning))
	}
	if _, ok := builders[o.Arch]; !ok && o.Learning != LearnDF && o.Learning != LearnDFBP {
		errs = append(errs, fmt.Errorf("unknown architecture %q (have %v)", o.Arch, Archs()))
	}
	if o.Epochs < 1 || o.Batch < 1 || o.Steps < 1 {
		errs = append(errs, fmt.Errorf("epochs %d, batch %d and steps %d must be ≥ 1", o.Epochs, o.Batch, o.Steps))
	}
	if o.Rounding != models.RoundHalfEven && o.Rounding != models.RoundHalfUp {
		errs = append(errs, fmt.Errorf("rounding %q: want %s or %s", o.Rounding, models.RoundHalfEven, models.RoundHalfUp))
	}
	if o.Encoding != EncodingDirect && o.Encoding != EncodingPoisson {
		errs = append(errs, fmt.Errorf("encoding %q: want direct or poisson", o.Encoding))
	}
	if !(o.Noise >= 0 && o.Noise < 10) {
		errs = append(errs, fmt.Errorf("noise σ %g outside [0, 10)", o.Noise))
	}
	if err := o.validateNoise(); err != nil {
		errs = append(errs, err)
	}
	if IsGraphArch(o.Arch) && o.Shift != 0 {
		errs = append(errs, fmt.Errorf("shift augmentation moves image pixels; %s samples are graphs", o.Arch))
	}
	if o.Shift < 0 || o.Shift > 8 {
		errs = append(errs, fmt.Errorf("shift %d outside [0, 8]", o.Shift))
	}
	if o.D < 1 || o.D > 255 {
		errs = append(errs, fmt.Errorf("D = %d outside [1, 255]", o.D))
	}
	if err := o.Optim.validate(); err != nil {
		errs = append(errs, err)
	}
	if o.Learning == LearnPrune {
		if err := o.Prune.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Resume && o.Checkpoint == "" {
		errs = append(errs, errors.New("resume needs a checkpoint path"))
	}
	return errors.Join(errs...)
}

// Progress is reported to the callback during training.
type Progress struct {
	Epoch, Epochs  int // 1-based epoch
	Batch, Batches int // batches done in this epoch
	Loss, TrainAcc float64
	Elapsed        time.Duration // since the start of this epoch
	EpochDone      bool          // the epoch ended (and TestAcc is set if evaluated)
	TestAcc        float64       // integer-inference test accuracy, or -1
	Resumed        bool          // this epoch was restored from the checkpoint
}

// EpochStat is the record of one epoch.
type EpochStat struct {
	Epoch    int
	Loss     float64
	TrainAcc float64
	TestAcc  float64 // -1 if not evaluated
	Seconds  float64 // training time (without evaluation)
}

// Result is the outcome of Train.
type Result struct {
	Net     *Net
	Graph   *models.Graph // exported, BN folded, Meta filled
	TestAcc float64       // integer inference on the test split
	History []EpochStat
	Options Options
	// Memory is the accounted training memory (df and df-bp only).
	Memory MemStats
	// Heap is the measured Go heap of the training (df and df-bp only).
	Heap HeapStats
	// DFNet is the trained DF network (df and df-bp); ExportErr says why
	// it has no Graph when its configuration does not map onto graph ops.
	DFNet     *dfNet
	ExportErr error
}

// stream returns the random stream named name (index i) under seed: PCG
// seeded with (seed, FNV-1a(name) ⊕ i·φ). Every use of randomness has its own.
func stream(seed uint64, name string, i uint64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()^(i*0x9E3779B97F4A7C15)))
}

// Train trains a network on ds according to opt. progress (may be nil) is
// called from the calling goroutine after every batch and epoch. ctx
// cancellation stops between batches with ctx.Err(); the last checkpoint
// stays valid.
func Train(ctx context.Context, ds *data.Dataset, opt Options, progress func(Progress)) (*Result, error) {
	opt = opt.Defaults()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if ds.Train.N == 0 || ds.Test.N == 0 {
		return nil, fmt.Errorf("dataset %s has an empty split", ds.Name)
	}
	if opt.Learning == LearnDF || opt.Learning == LearnDFBP {
		return trainDF(ctx, ds, opt, progress)
	}
	in := Shape{ds.Train.Rows, ds.Train.Cols, 1}
	round := HalfEven
	if opt.Rounding == models.RoundHalfUp {
		round = HalfUp
	}
	net, err := Build(opt.Arch, in, ds.Classes, ArchConfig{D: opt.D, Round: round, Steps: opt.Steps, Hidden: opt.Prune.Hidden})
	if err != nil {
		return nil, err
	}
	if opt.Learning == LearnPrune {
		if net.Layers, err = prunify(net.Layers, opt.Prune); err != nil {
			return nil, err
		}
	}
	if err := net.Init(stream(opt.Seed, "init", 0)); err != nil {
		return nil, err
	}
	params := net.Params()
	op := newOptimizer(opt.Optim, params)
	res := &Result{Net: net, Options: opt}
	start, hist, err := resumeFrom(opt, func(ck *checkpoint) error { return ck.restore(net, op, opt, ds.Name) }, progress)
	if err != nil {
		return nil, err
	}
	res.History = hist

	ntrain, batches, total := epochBatches(opt, ds.Train.N)
	p := newPool(opt.Workers)
	defer p.close()
	op.pool = p
	c := &pass{pool: p, train: true}
	c.setNoise(&opt)
	b := &batcher{opt: &opt, split: &ds.Train, in: in}
	grad := make([]float32, opt.Batch*ds.Classes)

	for ep := start; ep < opt.Epochs; ep++ {
		t0 := time.Now()
		acc := classEpoch{ep: ep, t0: t0}
		perm := stream(opt.Seed, "shuffle", uint64(ep)).Perm(ds.Train.N)[:ntrain]
		b.aug = stream(opt.Seed, "augment", uint64(ep))
		b.enc = stream(opt.Seed, "encode", uint64(ep))
		c.noiseRNG = stream(opt.Seed, "noise", uint64(ep))
		for bi := 0; bi < batches; bi++ {
			if err := ctxErr(ctx); err != nil {
				return nil, err
			}
			idx := perm[bi*opt.Batch : min(ntrain, (bi+1)*opt.Batch)]
			x, y := b.fill(idx)
			net.zeroGrad()
			out := net.forward(c, x, len(idx)*opt.Steps)
			l, corr := softmaxCE(out, y, ds.Classes, grad[:len(idx)*ds.Classes])
			if err := divergence(ep, bi, l); err != nil {
				return nil, err
			}
			net.backward(c, grad[:len(idx)*ds.Classes])
			op.update(params, opt.Optim.lrAt(ep*batches+bi, total, ep))
			acc.add(l, corr, len(idx), opt, bi, batches, progress)
		}
		st := acc.stat()
		last := ep == opt.Epochs-1
		if evalDue(opt, ep) {
			g, err := net.Export(opt.Encoding)
			if err != nil {
				return nil, err
			}
			ev, err := Evaluate(g, &ds.Test, opt.TestLimit, opt.Seed, opt.Workers)
			if err != nil {
				return nil, err
			}
			st.TestAcc = ev.Accuracy
			if last {
				res.Graph, res.TestAcc = g, ev.Accuracy
			}
		}
		res.History = append(res.History, st)
		if opt.Checkpoint != "" {
			if err := writeCheckpoint(opt.Checkpoint, newCheckpoint(ep+1, net, op, opt, ds.Name, res.History)); err != nil {
				return nil, err
			}
		}
		if progress != nil {
			progress(epochDone(opt, st, batches, t0))
		}
	}
	if res.Graph == nil { // resumed after the last epoch: export and evaluate now
		g, err := net.Export(opt.Encoding)
		if err != nil {
			return nil, err
		}
		ev, err := Evaluate(g, &ds.Test, opt.TestLimit, opt.Seed, opt.Workers)
		if err != nil {
			return nil, err
		}
		res.Graph, res.TestAcc = g, ev.Accuracy
	}
	if opt.Learning == LearnPrune {
		pruneMeta(res.Graph.Meta, net, opt.Prune)
	}
	res.Graph.Meta["dataset"] = ds.Name
	res.Graph.Meta["epochs"] = fmt.Sprint(opt.Epochs)
	res.Graph.Meta["seed"] = fmt.Sprint(opt.Seed)
	res.Graph.Meta["test_accuracy"] = fmt.Sprintf("%.4f", res.TestAcc)
	return res, nil
}

func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

// batcher turns sample indices into an input batch (time-major over steps)
// and labels, reusing its buffers.
type batcher struct {
	opt      *Options
	split    *data.Split
	in       Shape
	aug, enc *rand.Rand
	img, sh  []float32
	x        []float32
	y        []int
}

func (b *batcher) fill(idx []int) ([]float32, []int) {
	sz := b.in.Size()
	B, T := len(idx), b.opt.Steps
	b.x = grow(b.x, T*B*sz)
	b.img = grow(b.img, sz)
	b.sh = grow(b.sh, sz)
	if cap(b.y) < B {
		b.y = make([]int, B)
	}
	b.y = b.y[:B]
	for j, i := range idx {
		data.Direct(b.img, b.split.Image(i))
		src := b.img
		if s := b.opt.Shift; s > 0 {
			dx, dy := b.aug.IntN(2*s+1)-s, b.aug.IntN(2*s+1)-s
			shift(b.sh, b.img, b.in.H, b.in.W, dx, dy)
			src = b.sh
		}
		b.y[j] = int(b.split.Labels[i])
		for t := 0; t < T; t++ {
			dst := b.x[(t*B+j)*sz : (t*B+j+1)*sz]
			if b.opt.Encoding == EncodingPoisson {
				data.PoissonF32(dst, src, 1, b.enc)
			} else {
				copy(dst, src)
			}
		}
	}
	return b.x, b.y
}

// shift writes img moved by (dx, dy) pixels into dst, filling with zeros.
func shift(dst, img []float32, h, w, dx, dy int) {
	for y := 0; y < h; y++ {
		row := dst[y*w : (y+1)*w]
		sy := y - dy
		if sy < 0 || sy >= h {
			clear32(row)
			continue
		}
		for x := range row {
			sx := x - dx
			if sx < 0 || sx >= w {
				row[x] = 0
			} else {
				row[x] = img[sy*w+sx]
			}
		}
	}
}

// checkpointVersion is bumped when the checkpoint layout changes.
const checkpointVersion = 1

// checkpoint is everything needed to continue training bit-identically
// after a completed epoch (random streams are derived per epoch).
type checkpoint struct {
	Version int
	Epoch   int // epochs completed
	Dataset string
	Options Options
	Params  [][]float32
	BN      [][]float32 // running mean and variance of each BatchNorm, in order
	OptStep int
	OptM    [][]float32
	OptV    [][]float32
	History []EpochStat
}

func batchNorms(ls []Layer) []*BatchNorm {
	var out []*BatchNorm
	for _, l := range ls {
		switch l := l.(type) {
		case *BatchNorm:
			out = append(out, l)
		case *STFN:
			out = append(out, &l.BatchNorm)
		case *Residual:
			out = append(out, batchNorms(l.Body)...)
		case *SpikeAttention:
			for _, br := range l.branches() {
				out = append(out, batchNorms(br)...)
			}
		}
	}
	return out
}

func newCheckpoint(epoch int, net *Net, op *optimizer, opt Options, ds string, hist []EpochStat) *checkpoint {
	ck := &checkpoint{Version: checkpointVersion, Epoch: epoch, Dataset: ds, Options: opt,
		OptStep: op.step, OptM: op.m, OptV: op.v, History: hist}
	for _, p := range net.Params() {
		ck.Params = append(ck.Params, p.W)
	}
	for _, bn := range batchNorms(net.Layers) {
		ck.BN = append(ck.BN, bn.RunMean, bn.RunVar)
	}
	return ck
}

// compatible reports whether a checkpoint written with a may continue as b:
// everything but Epochs, Workers, Checkpoint, Resume and EvalEvery must match.
func compatible(a, b Options) bool {
	a.Epochs, a.Workers, a.Checkpoint, a.Resume, a.EvalEvery = 0, 0, "", false, 0
	b.Epochs, b.Workers, b.Checkpoint, b.Resume, b.EvalEvery = 0, 0, "", false, 0
	return reflect.DeepEqual(a, b)
}

func (ck *checkpoint) restore(net *Net, op *optimizer, opt Options, ds string) error {
	if ck.Version != checkpointVersion {
		return fmt.Errorf("checkpoint version %d, want %d", ck.Version, checkpointVersion)
	}
	if ck.Dataset != ds {
		return fmt.Errorf("checkpoint is for dataset %s, not %s", ck.Dataset, ds)
	}
	if !compatible(ck.Options, opt) {
		return fmt.Errorf("checkpoint options %+v differ from %+v", ck.Options, opt)
	}
	ps := net.Params()
	bns := batchNorms(net.Layers)
	if len(ck.Params) != len(ps) || len(ck.BN) != 2*len(bns) || len(ck.OptM) != len(ps) ||
		(op.v != nil && len(ck.OptV) != len(ps)) {
		return errors.New("checkpoint does not match the network")
	}
	for i, p := range ps {
		if len(ck.Params[i]) != len(p.W) || len(ck.OptM[i]) != len(p.W) || (op.v != nil && len(ck.OptV[i]) != len(p.W)) {
			return fmt.Errorf("checkpoint tensor %d has the wrong size", i)
		}
		copy(p.W, ck.Params[i])
		copy(op.m[i], ck.OptM[i])
		if op.v != nil {
			copy(op.v[i], ck.OptV[i])
		}
	}
	for i, bn := range bns {
		if len(ck.BN[2*i]) != len(bn.RunMean) || len(ck.BN[2*i+1]) != len(bn.RunVar) {
			return fmt.Errorf("checkpoint batchnorm %d has the wrong size", i)
		}
		copy(bn.RunMean, ck.BN[2*i])
		copy(bn.RunVar, ck.BN[2*i+1])
	}
	op.step = ck.OptStep
	return nil
}

// Checkpoint file layout: the magic "NSCKPT01", the payload length
// (uint64, little-endian), the CRC-32 (IEEE) of the payload (uint32), then
// the payload, a gob-encoded checkpoint. The checksum is checked before the
// payload is decoded, so a truncated or damaged file is rejected cheaply.
const ckMagic = "NSCKPT01"

// writeCheckpoint writes ck to path atomically: a temporary file in the same
// directory, synced, then renamed over path.
func writeCheckpoint(path string, ck *checkpoint) error {
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(ck); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	b := make([]byte, 0, len(ckMagic)+12+payload.Len())
	b = append(b, ckMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(payload.Len()))
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(payload.Bytes()))
	b = append(b, payload.Bytes()...)
	return writeAtomic(path, b)
}

func writeAtomic(path string, b []byte) error {
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

func readCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeCheckpoint(path, b)
}

func decodeCheckpoint(path string, b []byte) (*checkpoint, error) {
	const head = len(ckMagic) + 12
	if len(b) < head || string(b[:len(ckMagic)]) != ckMagic {
		return nil, fmt.Errorf("checkpoint %s: not a neurosim checkpoint", path)
	}
	n := binary.LittleEndian.Uint64(b[len(ckMagic):])
	sum := binary.LittleEndian.Uint32(b[len(ckMagic)+8:])
	payload := b[head:]
	if n != uint64(len(payload)) {
		return nil, fmt.Errorf("checkpoint %s is truncated or damaged: payload %d bytes, header says %d", path, len(payload), n)
	}
	if crc32.ChecksumIEEE(payload) != sum {
		return nil, fmt.Errorf("checkpoint %s is damaged: checksum mismatch", path)
	}
	var ck checkpoint
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&ck); err != nil {
		return nil, fmt.Errorf("checkpoint %s is corrupt: %w", path, err)
	}
	return &ck, nil
}

// NewRand returns the PCG stream name of seed, as Train derives its own:
// for callers that build and initialise a Net themselves.
func NewRand(seed uint64, name string) *rand.Rand { return stream(seed, name, 0) }
