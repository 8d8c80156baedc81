package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Learning rules (Options.Learning).
const (
	LearnBP    = "bp"    // backpropagation through Net (every architecture); the default
	LearnDF    = "df"    // Distance-Forward: block-local goodness losses (DFConfig)
	LearnDFBP  = "df-bp" // the DF blocks with a softmax head, trained by backpropagation: DF's baseline
	LearnPrune = "prune" // PRIME edge-popup: frozen random weights, learned top-k masks (PruneConfig)
)

// DF activation, normalisation, goodness and collaboration choices.
const (
	DFActReLU       = "relu"
	DFActMultiSpike = "multispike"
	DFNormRMS       = "rms"
	DFNormL2        = "l2"
	DFNormNone      = "none"
	DFGoodSumSq     = "sumsq"
	DFGoodSum       = "sum"
	DFCollabNone    = "none"
	DFCollabPrev    = "prev"
	DFCollabAll     = "all"
)

// DFConfig configures Distance-Forward training (seed-models §8). The paper's
// code is not public; the choices marked [recon] are options, defaults given.
//
// The network is a stack of blocks, block l: z = W_l·u_l + b_l, h = act(z).
// Block 1 reads u_1 = [x, LabelScale·onehot(k)] (the label embedded in the
// input); block l+1 reads u_{l+1} = norm(h_l) and no gradient crosses a
// block boundary. Goodness G_l(x, k) = Σ_j h_j² (Goodness "sumsq"). Block l
// minimises the goodness-based N-pair margin loss [recon]
//
//	L_l = log(1 + Σ_{k≠y} exp(α·(Ĝ_l(x,k) − Ĝ_l(x,y) + m)))
//
// over the true label y and all negative labels k, where with layer
// collaboration [recon] Ĝ_l = G_l + γ·Σ_{j∈N(l)} sg(G_j) adds the
// goodness of the other blocks j ("prev": j < l, "all": j ≠ l) as constants.
// Inference picks the label with the largest Σ_{l ≥ InferFrom} G_l.
type DFConfig struct {
	Hidden     []int   // block widths; default 1000, 1000
	Act        string  // "relu" (default) or "multispike" (D levels of Options.D, output s/D, straight-through)
	Norm       string  // between blocks: "rms" (default) h/√(mean h²+1e-8), "l2" h/(‖h‖+1e-8), "none"
	Goodness   string  // "sumsq" (default, Σh²) or "sum" (Σh: linear, exportable to a chip)
	Margin     float64 // m; default 1 [recon]
	Alpha      float64 // α, the loss temperature on goodness differences; default 1 [recon]
	Collab     string  // "none" (default), "prev" or "all" [recon]; none measured best (docs/bench-learn.md)
	Gamma      float64 // γ, weight of the other blocks' goodness; default 1 [recon]
	LabelScale float64 // value of the one-hot label input; default 1
	InferFrom  int     // first block (0-based) whose goodness counts at inference; default 0
}

func (c DFConfig) defaults() DFConfig {
	if len(c.Hidden) == 0 {
		c.Hidden = []int{1000, 1000}
	}
	if c.Act == "" {
		c.Act = DFActReLU
	}
	if c.Norm == "" {
		c.Norm = DFNormRMS
	}
	if c.Goodness == "" {
		c.Goodness = DFGoodSumSq
	}
	if c.Margin == 0 {
		c.Margin = 1
	}
	if c.Alpha == 0 {
		c.Alpha = 1
	}
	if c.Collab == "" {
		c.Collab = DFCollabNone
	}
	if c.Gamma == 0 {
		c.Gamma = 1
	}
	if c.LabelScale == 0 {
		c.LabelScale = 1
	}
	return c
}

func (c *DFConfig) validate(bp bool) error {
	var errs []error
	for _, h := range c.Hidden {
		if h < 1 || h > 1<<16 {
			errs = append(errs, fmt.Errorf("df: block width %d outside [1, 65536]", h))
		}
	}
	if c.Act != DFActReLU && c.Act != DFActMultiSpike {
		errs = append(errs, fmt.Errorf("df: activation %q: want relu or multispike", c.Act))
	}
	if c.Norm != DFNormRMS && c.Norm != DFNormL2 && c.Norm != DFNormNone {
		errs = append(errs, fmt.Errorf("df: norm %q: want rms, l2 or none", c.Norm))
	}
	if c.Goodness != DFGoodSumSq && c.Goodness != DFGoodSum {
		errs = append(errs, fmt.Errorf("df: goodness %q: want sumsq or sum", c.Goodness))
	}
	if c.Collab != DFCollabNone && c.Collab != DFCollabPrev && c.Collab != DFCollabAll {
		errs = append(errs, fmt.Errorf("df: collaboration %q: want none, prev or all", c.Collab))
	}
	if !(c.Alpha > 0) || math.IsInf(c.Alpha, 0) || math.IsNaN(c.Margin) || math.IsInf(c.Margin, 0) ||
		math.IsNaN(c.Gamma) || math.IsInf(c.Gamma, 0) || math.IsNaN(c.LabelScale) || math.IsInf(c.LabelScale, 0) {
		errs = append(errs, fmt.Errorf("df: α %g must be positive and m %g, γ %g, label scale %g finite", c.Alpha, c.Margin, c.Gamma, c.LabelScale))
	}
	if !bp && (c.InferFrom < 0 || c.InferFrom >= len(c.Hidden)) {
		errs = append(errs, fmt.Errorf("df: infer-from %d outside [0, %d)", c.InferFrom, len(c.Hidden)))
	}
	return errors.Join(errs...)
}

// String is the configuration in the --df-* flag syntax, for model metadata.
func (c DFConfig) String() string {
	hs := make([]string, len(c.Hidden))
	for i, h := range c.Hidden {
		hs[i] = fmt.Sprint(h)
	}
	return fmt.Sprintf("hidden=%s act=%s norm=%s goodness=%s margin=%g alpha=%g collab=%s gamma=%g label-scale=%g infer-from=%d",
		strings.Join(hs, ","), c.Act, c.Norm, c.Goodness, c.Margin, c.Alpha, c.Collab, c.Gamma, c.LabelScale, c.InferFrom)
}

// dfBlock is one block: z = W·u + b, h = act(z). Weight layout W[o][i].
type dfBlock struct {
	in, out int
	w, b    *Param
	op      *optimizer
}

// dfNet is the DF stack (label inputs in block 1) or, with head set, the
// backpropagation baseline (no label inputs, a linear softmax head).
type dfNet struct {
	cfg     DFConfig
	d       int // MultiSpike levels
	pixels  int // rows·cols
	rows    int
	cols    int
	classes int
	blocks  []*dfBlock
	head    *dfBlock // baseline only
}

func newDFNet(cfg DFConfig, d, pixels, classes int, bp bool, rng *rand.Rand) *dfNet {
	n := &dfNet{cfg: cfg, d: d, pixels: pixels, classes: classes}
	in := pixels
	if !bp {
		in += classes
	}
	for i, h := range cfg.Hidden {
		b := &dfBlock{in: in, out: h,
			w: newParam(fmt.Sprintf("block%d.weight", i), true, h, in),
			b: newParam(fmt.Sprintf("block%d.bias", i), false, h)}
		kaimingUniform(b.w.W, in, rng)
		kaimingUniform(b.b.W, in, rng)
		n.blocks = append(n.blocks, b)
		in = h
	}
	if bp {
		n.head = &dfBlock{in: in, out: classes,
			w: newParam("head.weight", true, classes, in), b: newParam("head.bias", false, classes)}
		kaimingUniform(n.head.w.W, in, rng)
		kaimingUniform(n.head.b.W, in, rng)
	}
	// The trainers point the gradients into buffers of their own (DF: one
	// shared by the blocks); the network itself holds only the parameters.
	for _, p := range n.params() {
		p.G = nil
	}
	return n
}

// params lists every trainable tensor in a fixed order.
func (n *dfNet) params() []*Param {
	var ps []*Param
	for _, b := range n.blocks {
		ps = append(ps, b.w, b.b)
	}
	if n.head != nil {
		ps = append(ps, n.head.w, n.head.b)
	}
	return ps
}

// act writes h = act(z) over z.
func (n *dfNet) act(h, z []float32) {
	if n.cfg.Act == DFActMultiSpike {
		d := float32(n.d)
		for i, v := range z {
			h[i] = SpikeCount(v, n.d, HalfEven) / d
		}
		return
	}
	for i, v := range z {
		h[i] = max(v, 0)
	}
}

// actGrad multiplies g in place by act'(z): the ReLU derivative, or the
// MultiSpike straight-through gain 1/D inside [0, D] (ends included).
func (n *dfNet) actGrad(g, z []float32) {
	if n.cfg.Act == DFActMultiSpike {
		d, inv := float32(n.d), 1/float32(n.d)
		for i, v := range z {
			if v >= 0 && v <= d {
				g[i] *= inv
			} else {
				g[i] = 0
			}
		}
		return
	}
	for i, v := range z {
		if !(v > 0) {
			g[i] = 0
		}
	}
}

// normScale returns the factor r with norm(h) = r·h for one sample.
func (n *dfNet) normScale(h []float32) float64 {
	if n.cfg.Norm == DFNormNone {
		return 1
	}
	s := 0.0
	for _, v := range h {
		s += float64(v) * float64(v)
	}
	if n.cfg.Norm == DFNormL2 {
		return 1 / (math.Sqrt(s) + 1e-8)
	}
	return 1 / math.Sqrt(s/float64(len(h))+1e-8)
}

// normalize writes u = norm(h) for B samples of width w and stores the
// factors in r (len B).
func (n *dfNet) normalize(u, h []float32, r []float64, B, w int) {
	for s := 0; s < B; s++ {
		hs := h[s*w : (s+1)*w]
		f := n.normScale(hs)
		r[s] = f
		us := u[s*w : (s+1)*w]
		for i, v := range hs {
			us[i] = float32(float64(v) * f)
		}
	}
}

// goodness returns G(h) of one sample.
func (n *dfNet) goodness(h []float32) float64 {
	g := 0.0
	if n.cfg.Goodness == DFGoodSum {
		for _, v := range h {
			g += float64(v)
		}
		return g
	}
	for _, v := range h {
		g += float64(v) * float64(v)
	}
	return g
}

// goodGrad writes dG/dh·coef into dst for one sample.
func (n *dfNet) goodGrad(dst, h []float32, coef float64) {
	if n.cfg.Goodness == DFGoodSum {
		c := float32(coef)
		for i := range dst {
			dst[i] = c
		}
		return
	}
	c := float32(2 * coef)
	for i, v := range h {
		dst[i] = c * v
	}
}
