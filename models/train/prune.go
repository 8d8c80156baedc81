package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Conductance distributions of the frozen random weights (PruneConfig.Dist).
const (
	DistNormal  = "normal"  // G± ~ N(GMean, GStd), clipped to [GOff, GOn]
	DistUniform = "uniform" // G± ~ U(GOff, GOn)
)

// PruneConfig configures PRIME's edge-popup training (seed-models §7): the
// weights of every Linear layer are frozen random differential pairs
// w = Scale·(G⁺ − G⁻) with G⁺ and G⁻ drawn independently from a conductance
// distribution (µS), as electroforming leaves them on a memristor macro;
// only a score per weight is learned. The forward pass uses
// w·1[|s| among the top Keep fraction of the layer], and the scores get the
// straight-through gradient dL/ds = dL/dw_eff · w · sign(s) (Ramanujan et al.). A
// pruned pair is RESET to the high-resistance state on the chip: both cells
// at GOff, weight 0.
//
// The defaults follow the PRIME code: w ~ N(0, 6.91593)·0.003, written here
// as G± ~ N(20, 6.91593/√2) µS and Scale 0.003 /µS (the difference of two
// independent draws has standard deviation 6.91593), keep 0.5, scores
// initialised Kaiming-uniform.
type PruneConfig struct {
	Keep  float64 // fraction of weights kept per layer; default 0.5
	Dist  string  // "normal" (default) or "uniform"
	GMean float64 // µS; default 20 (normal)
	GStd  float64 // µS; default 6.91593/√2 (normal)
	GOff  float64 // µS, the high-resistance state (lower clip); default 0
	GOn   float64 // µS, the low-resistance state (upper clip); default 40
	Scale float64 // weight per µS; default 0.003
	// Hidden are the hidden widths of --arch prime-mlp (for any learning
	// rule); default 1024.
	Hidden []int
}

func (o Options) pruneDefaults() Options {
	p := &o.Prune
	if p.Keep == 0 {
		p.Keep = 0.5
	}
	if p.Dist == "" {
		p.Dist = DistNormal
	}
	if p.GMean == 0 {
		p.GMean = 20
	}
	if p.GStd == 0 {
		p.GStd = 6.91593 / math.Sqrt2
	}
	if p.GOn == 0 {
		p.GOn = 40
	}
	if p.Scale == 0 {
		p.Scale = 0.003
	}
	return o
}

func (p *PruneConfig) validate() error {
	var errs []error
	if !(p.Keep > 0 && p.Keep <= 1) {
		errs = append(errs, fmt.Errorf("prune: keep %g outside (0, 1]", p.Keep))
	}
	if p.Dist != DistNormal && p.Dist != DistUniform {
		errs = append(errs, fmt.Errorf("prune: conductance distribution %q: want normal or uniform", p.Dist))
	}
	if !(p.GOff >= 0 && p.GOn > p.GOff) || math.IsInf(p.GOn, 0) {
		errs = append(errs, fmt.Errorf("prune: conductance range [%g, %g] µS is empty or negative", p.GOff, p.GOn))
	}
	if !(p.GStd >= 0) || math.IsInf(p.GStd, 0) || math.IsNaN(p.GMean) || math.IsInf(p.GMean, 0) {
		errs = append(errs, fmt.Errorf("prune: bad conductance mean %g or spread %g", p.GMean, p.GStd))
	}
	if !(p.Scale > 0) || math.IsInf(p.Scale, 0) {
		errs = append(errs, fmt.Errorf("prune: weight scale %g must be positive", p.Scale))
	}
	for _, h := range p.Hidden {
		if h < 1 || h > 1<<16 {
			errs = append(errs, fmt.Errorf("prune: hidden width %d outside [1, 65536]", h))
		}
	}
	return errors.Join(errs...)
}

// conductance draws one cell's conductance.
func (p *PruneConfig) conductance(rng *rand.Rand) float64 {
	if p.Dist == DistUniform {
		return p.GOff + (p.GOn-p.GOff)*rng.Float64()
	}
	return min(max(p.GMean+p.GStd*rng.NormFloat64(), p.GOff), p.GOn)
}

// PrunedLinear is a Linear layer whose weights are frozen random
// differential pairs and whose trainable parameters are one score per
// weight (see PruneConfig). The wrapped Linear holds the effective weights
// w·mask of the last Forward, so its kernels, noise and export are reused.
type PrunedLinear struct {
	Lin *Linear
	Cfg PruneConfig

	w0    []float32 // frozen random weights
	score *Param
	mag   []float32 // |score| scratch for the top-k threshold
	kept  int

	// The noise-free path (sparse products, see Forward).
	x      []float32 // the last Forward's input
	n      int       // and its sample count
	off    []int32   // sample s's nonzero inputs are idx/val[off[s]:off[s+1]]
	idx    []int32
	val    []float32
	thr    float32 // the last refresh's |score| threshold
	maskFn func(w, t int)
	wt     []float32 // w_eff transposed, In×Out
	gt     []float32 // dL/dw_eff transposed, In×Out
	y, dx  []float32
	dy     []float32
	fast   bool // the last Forward took the noise-free path
	fwdFn  func(w, c int)
	gradFn func(w, t int)
	scFn   func(w, t int)
	dxFn   func(w, c int)
}

// pruneColBlock is the number of outputs one task of the sparse weight
// gradient handles (a fixed partition: results do not depend on workers).
const pruneColBlock = 128

// Init draws the conductance pairs and the scores from rng after the
// wrapped layer's own initialisation.
func (l *PrunedLinear) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if l.Lin == nil {
		return Shape{}, errors.New("pruned linear: no layer")
	}
	if err := l.Cfg.validate(); err != nil {
		return Shape{}, err
	}
	if l.Lin.Bias {
		return Shape{}, errors.New("pruned linear: biases are not random conductances; use a bias-free layer")
	}
	out, err := l.Lin.Init(in, rng)
	if err != nil {
		return Shape{}, err
	}
	n := len(l.Lin.w.W)
	l.w0 = make([]float32, n)
	for i := range l.w0 {
		gp, gm := l.Cfg.conductance(rng), l.Cfg.conductance(rng)
		l.w0[i] = float32(l.Cfg.Scale * (gp - gm))
	}
	l.score = newParam("score", false, l.Lin.w.Shape...)
	kaimingUniform(l.score.W, l.Lin.nin, rng)
	l.mag = make([]float32, n)
	l.kept = int(math.Round(l.Cfg.Keep * float64(n)))
	l.kept = min(max(l.kept, 1), n)
	l.refresh(nil)
	return out, nil
}

// Params returns the scores only: the weights are frozen.
func (l *PrunedLinear) Params() []*Param { return []*Param{l.score} }

// refresh writes w0·mask into the wrapped layer's weights, the mask keeping
// the kept largest |score| (ties at the threshold are kept: a set of
// measure zero for continuous scores). With a pool (the noise-free path) it
// also writes the transposed copy the sparse products use.
func (l *PrunedLinear) refresh(p *pool) {
	for i, s := range l.score.W {
		l.mag[i] = abs32(s)
	}
	l.thr = kthLargest(l.mag, l.kept)
	if p == nil {
		l.maskRows(0, 0, l.Lin.Out)
		return
	}
	l.wt = grow(l.wt, len(l.w0))
	if l.maskFn == nil {
		l.maskFn = func(_, t int) {
			l.maskRows(t, t*pruneRowBlock, min(l.Lin.Out, (t+1)*pruneRowBlock))
		}
	}
	p.run((l.Lin.Out+pruneRowBlock-1)/pruneRowBlock, l.maskFn)
}

// maskRows writes the masked weights of rows [r0, r1), and their transposed
// copy if l.wt is allocated.
func (l *PrunedLinear) maskRows(_, r0, r1 int) {
	out, nin := l.Lin.Out, l.Lin.nin
	w := l.Lin.w.W
	for o := r0; o < r1; o++ {
		for i := o * nin; i < (o+1)*nin; i++ {
			v := float32(0)
			if abs32(l.score.W[i]) >= l.thr {
				v = l.w0[i]
			}
			w[i] = v
		}
	}
	if len(l.wt) != len(w) {
		return
	}
	for i := 0; i < nin; i++ {
		for o := r0; o < r1; o++ {
			l.wt[i*out+o] = w[o*nin+i]
		}
	}
}

// kthLargest returns the k-th largest value of v (1-based), reordering v.
func kthLargest(v []float32, k int) float32 {
	// Quickselect with a deterministic middle pivot and three-way partition.
	target := len(v) - k // index in ascending order
	lo, hi := 0, len(v)
	for hi-lo > 1 {
		p := v[lo+(hi-lo)/2]
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch {
			case v[i] < p:
				v[lt], v[i] = v[i], v[lt]
				lt++
				i++
			case v[i] > p:
				gt--
				v[gt], v[i] = v[i], v[gt]
			default:
				i++
			}
		}
		switch {
		case target < lt:
			hi = lt
		case target >= gt:
			lo = gt
		default:
			return p
		}
	}
	return v[lo]
}

// Forward computes y = x·w_effᵀ for n samples. Without training weight
// noise it runs over each sample's nonzero inputs only, adding rows of the
// transposed effective weights: PRIME's inputs are rate-coded pixels and its
// hidden inputs LIF spikes, mostly zeros, and a Linear's dense weight
// gradient, reduced from per-chunk partials the size of the layer, costs
// more than the products for PRIME's wide random layers. Every output and
// gradient element is summed by one task in a fixed order, so the result
// does not depend on the number of workers. With noise it is the wrapped
// Linear, which draws the noise.
func (l *PrunedLinear) Forward(c *pass, x []float32, n int) []float32 {
	l.fast = !c.noisy(false)
	if !l.fast {
		l.refresh(nil)
		return l.Lin.Forward(c, x, n)
	}
	l.refresh(c.pool)
	out, nin := l.Lin.Out, l.Lin.nin
	if len(l.off) < n+1 {
		l.off = make([]int32, n+1)
	}
	l.idx, l.val = l.idx[:0], l.val[:0]
	for s := 0; s < n; s++ {
		l.off[s] = int32(len(l.idx))
		for i, v := range x[s*nin : (s+1)*nin] {
			if v != 0 {
				l.idx = append(l.idx, int32(i))
				l.val = append(l.val, v)
			}
		}
	}
	l.off[n] = int32(len(l.idx))
	l.y = grow(l.y, n*out)
	l.x, l.n = x, n
	if l.fwdFn == nil {
		l.fwdFn, l.gradFn, l.scFn, l.dxFn = l.forwardChunk, l.gradCols, l.scoreRows, l.inputGradChunk
	}
	c.pool.run(numChunks(n), l.fwdFn)
	return l.y
}

func (l *PrunedLinear) forwardChunk(_, ch int) {
	out := l.Lin.Out
	lo, hi := chunkRange(ch, l.n)
	for s := lo; s < hi; s++ {
		y := l.y[s*out : (s+1)*out]
		clear32(y)
		for k := l.off[s]; k < l.off[s+1]; k++ {
			i := int(l.idx[k])
			axpy(l.val[k], l.wt[i*out:(i+1)*out], y)
		}
	}
}

// Backward passes the gradient of the effective weights straight through
// the mask to the scores' magnitudes: dL/ds = dL/dw_eff · w0 · sign(s), the
// gradient edge-popup's autograd computes through mask(|s|).
func (l *PrunedLinear) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	if !l.fast {
		clear32(l.Lin.w.G)
		dx := l.Lin.Backward(c, dy, n, needDX)
		for i, g := range l.Lin.w.G {
			l.score.G[i] += l.scoreGrad(i, g)
		}
		return dx
	}
	if n != l.n {
		panic(fmt.Sprintf("pruned linear: backward of %d samples after a forward of %d", n, l.n))
	}
	out := l.Lin.Out
	l.gt = grow(l.gt, len(l.w0))
	l.dy = dy
	c.pool.run((out+pruneColBlock-1)/pruneColBlock, l.gradFn)
	c.pool.run((out+pruneRowBlock-1)/pruneRowBlock, l.scFn)
	var dx []float32
	if needDX {
		l.dx = grow(l.dx, n*l.Lin.nin)
		c.pool.run(numChunks(n), l.dxFn)
		dx = l.dx
	}
	l.x, l.dy = nil, nil
	return dx
}

func (l *PrunedLinear) scoreGrad(i int, g float32) float32 {
	d := g * l.w0[i]
	if l.score.W[i] < 0 {
		d = -d
	}
	return d
}

// gradCols computes dL/dw_eff (transposed) for block t of pruneColBlock
// outputs: row i of gt gets Σ_s x[s][i]·dy[s][block], in sample order.
func (l *PrunedLinear) gradCols(_, t int) {
	out, nin := l.Lin.Out, l.Lin.nin
	c0, c1 := t*pruneColBlock, min(out, (t+1)*pruneColBlock)
	for i := 0; i < nin; i++ {
		clear32(l.gt[i*out+c0 : i*out+c1])
	}
	for s := 0; s < l.n; s++ {
		d := l.dy[s*out+c0 : s*out+c1]
		for k := l.off[s]; k < l.off[s+1]; k++ {
			i := int(l.idx[k])
			axpy(l.val[k], d, l.gt[i*out+c0:i*out+c1])
		}
	}
}

// pruneRowBlock is the number of score rows one task of the score update
// handles.
const pruneRowBlock = 16

// scoreRows adds the straight-through gradient to block t of score rows.
func (l *PrunedLinear) scoreRows(_, t int) {
	out, nin := l.Lin.Out, l.Lin.nin
	r0, r1 := t*pruneRowBlock, min(out, (t+1)*pruneRowBlock)
	for i := 0; i < nin; i++ {
		g := l.gt[i*out : (i+1)*out]
		for o := r0; o < r1; o++ {
			j := o*nin + i
			l.score.G[j] += l.scoreGrad(j, g[o])
		}
	}
}

// inputGradChunk computes dL/dx = dy·w_eff for a chunk of samples.
func (l *PrunedLinear) inputGradChunk(_, ch int) {
	out, nin := l.Lin.Out, l.Lin.nin
	lo, hi := chunkRange(ch, l.n)
	for s := lo; s < hi; s++ {
		dx := l.dx[s*nin : (s+1)*nin]
		clear32(dx)
		accumRows(dx, l.dy[s*out:(s+1)*out], l.Lin.w.W, nin)
	}
}

// Kept returns how many weights the mask keeps.
func (l *PrunedLinear) Kept() int { return l.kept }

// prunify replaces every Linear of ls by a PrunedLinear; other layers with
// weights are refused, since their weights would be trained or rescaled.
func prunify(ls []Layer, cfg PruneConfig) ([]Layer, error) {
	out := make([]Layer, len(ls))
	for i, l := range ls {
		switch l := l.(type) {
		case *Linear:
			l.Bias = false
			out[i] = &PrunedLinear{Lin: l, Cfg: cfg}
		case *Conv2d, *BatchNorm, *Residual, *SpikeAttention:
			return nil, fmt.Errorf("prune: layer %d (%T) is not supported; prune trains Linear layers of random weights (use --arch prime-mlp or mlp without BatchNorm)", i, l)
		default:
			out[i] = l
		}
	}
	return out, nil
}

// ArchPrimeMLP is PRIME's classifier shape as an MLP: rate-coded pixels,
// bias-free Linear layers with LIF neurons (τ-decay 0.25, threshold 0.2,
// hard reset, rectangular surrogate a = 0.5), and a Linear readout averaged
// over the T steps. Hidden widths from ArchConfig.Hidden (default 1024).
const ArchPrimeMLP = "prime-mlp"

func init() {
	builders[ArchPrimeMLP] = func(in Shape, classes int, c ArchConfig) []Layer {
		hidden := c.Hidden
		if len(hidden) == 0 {
			hidden = []int{1024}
		}
		ls := []Layer{&Flatten{}}
		for _, h := range hidden {
			ls = append(ls, NewLinear(h, false), NewLIF(0.25, 0.2))
		}
		return append(ls, NewLinear(classes, false))
	}
}

// pruneMeta records in g's metadata that it is a pruned random network.
func pruneMeta(meta map[string]string, net *Net, p PruneConfig) {
	kept, total := 0, 0
	for _, l := range net.Layers {
		if pl, ok := l.(*PrunedLinear); ok {
			kept += pl.kept
			total += len(pl.w0)
		}
	}
	meta["learning"] = LearnPrune
	meta["pruned_random"] = "true"
	meta["prune_keep"] = strconv.FormatFloat(p.Keep, 'g', -1, 64)
	meta["prune_kept_weights"] = fmt.Sprintf("%d/%d", kept, total)
	meta["conductance_dist"] = p.Dist
	meta["conductance_uS"] = fmt.Sprintf("mean=%g std=%g off=%g on=%g", p.GMean, p.GStd, p.GOff, p.GOn)
	meta["weight_per_uS"] = strconv.FormatFloat(p.Scale, 'g', -1, 64)
	meta["pruned_pair"] = "both cells at g_off (high-resistance state): weight 0"
}
