package train

import (
	"fmt"
	"math"
)

// Optimizer kinds.
const (
	OptAdam = "adam"
	OptSGD  = "sgd"
)

// Schedule kinds for the learning rate.
const (
	SchedConstant = "constant"
	SchedCosine   = "cosine" // lr·(1+cos(π·t/T))/2 over all steps
	SchedStep     = "step"   // lr·Gamma^floor(epoch/StepEvery)
)

// OptimConfig configures the optimiser and its learning-rate schedule.
type OptimConfig struct {
	Kind     string  // "adam" (default) or "sgd"
	LR       float64 // base learning rate
	Momentum float64 // SGD momentum (0 = plain SGD)
	Beta1    float64 // Adam β1 (default 0.9)
	Beta2    float64 // Adam β2 (default 0.999)
	Eps      float64 // Adam ε (default 1e-8)
	// WeightDecay is the L2 coefficient for parameters with Decay set. With
	// Decoupled (AdamW) it shrinks weights by lr·wd directly instead of
	// being added to the gradient.
	WeightDecay float64
	Decoupled   bool
	Schedule    string  // "constant" (default), "cosine", "step"
	StepEvery   int     // epochs between decays for "step"
	Gamma       float64 // decay factor for "step" (default 0.1)
}

func (o *OptimConfig) validate() error {
	if o.Kind == "" {
		o.Kind = OptAdam
	}
	if o.Schedule == "" {
		o.Schedule = SchedConstant
	}
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
	if o.Gamma == 0 {
		o.Gamma = 0.1
	}
	switch {
	case o.Kind != OptAdam && o.Kind != OptSGD:
		return fmt.Errorf("optimiser %q: want adam or sgd", o.Kind)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("learning rate %g must be positive", o.LR)
	case o.Momentum < 0 || o.Momentum >= 1:
		return fmt.Errorf("momentum %g outside [0, 1)", o.Momentum)
	case o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1:
		return fmt.Errorf("adam betas %g, %g outside [0, 1)", o.Beta1, o.Beta2)
	case o.WeightDecay < 0:
		return fmt.Errorf("weight decay %g is negative", o.WeightDecay)
	}
	switch o.Schedule {
	case SchedConstant, SchedCosine:
	case SchedStep:
		if o.StepEvery <= 0 {
			return fmt.Errorf("step schedule needs StepEvery > 0")
		}
	default:
		return fmt.Errorf("schedule %q: want constant, cosine or step", o.Schedule)
	}
	return nil
}

// lrAt returns the learning rate for global step t (0-based) of total, in epoch e.
func (o *OptimConfig) lrAt(t, total, epoch int) float64 {
	switch o.Schedule {
	case SchedCosine:
		if total <= 1 {
			return o.LR
		}
		return o.LR * (1 + math.Cos(math.Pi*float64(t)/float64(total))) / 2
	case SchedStep:
		return o.LR * math.Pow(o.Gamma, float64(epoch/o.StepEvery))
	}
	return o.LR
}

// optimizer holds per-parameter state (moments) in parameter order.
type optimizer struct {
	cfg  OptimConfig
	step int         // number of updates applied (Adam bias correction)
	m, v [][]float32 // Adam moments, or SGD velocity in m

	// pool, when set, spreads update over its workers in blocks of
	// optBlock values. Every value is updated by the same arithmetic
	// whichever worker runs its block, so the result does not depend on it.
	pool   *pool
	blocks []optRange
	ps     []*Param
	lr     float64
	blkFn  func(w, i int)
}

// optBlock is the number of parameter values one parallel update task covers.
const optBlock = 2048

type optRange struct{ k, lo, hi int }

func newOptimizer(cfg OptimConfig, ps []*Param) *optimizer {
	o := &optimizer{cfg: cfg}
	for _, p := range ps {
		o.m = append(o.m, make([]float32, len(p.W)))
		if cfg.Kind == OptAdam {
			o.v = append(o.v, make([]float32, len(p.W)))
		}
	}
	o.blkFn = o.block
	return o
}

// update applies one step with learning rate lr to every parameter.
func (o *optimizer) update(ps []*Param, lr float64) {
	o.step++
	if o.pool == nil || o.pool.workers == 1 {
		for k, p := range ps {
			o.updateRange(k, p, lr, 0, len(p.W))
		}
		return
	}
	if len(o.blocks) == 0 || len(o.ps) != len(ps) || o.ps[0] != ps[0] {
		o.blocks = o.blocks[:0]
		for k, p := range ps {
			for lo := 0; lo < len(p.W); lo += optBlock {
				o.blocks = append(o.blocks, optRange{k, lo, min(lo+optBlock, len(p.W))})
			}
		}
	}
	o.ps, o.lr = ps, lr
	o.pool.run(len(o.blocks), o.blkFn)
}

func (o *optimizer) block(_, i int) {
	b := o.blocks[i]
	o.updateRange(b.k, o.ps[b.k], o.lr, b.lo, b.hi)
}

// updateRange updates values [lo, hi) of parameter k.
func (o *optimizer) updateRange(k int, p *Param, lr float64, lo, hi int) {
	o.updateRangeGrad(k, p, p.G[lo:hi], lr, lo, hi)
}

// updateRangeGrad updates values [lo, hi) of parameter k with the gradient
// grad of those values (len hi−lo), without advancing the step: a trainer
// that produces a parameter's gradient a few rows at a time calls it per
// range after advancing o.step once.
func (o *optimizer) updateRangeGrad(k int, p *Param, grad []float32, lr float64, lo, hi int) {
	c := &o.cfg
	wd := 0.0
	if p.Decay {
		wd = c.WeightDecay
	}
	m := o.m[k][lo:hi]
	W := p.W[lo:hi]
	switch c.Kind {
	case OptAdam:
		v := o.v[k][lo:hi]
		b1, b2 := c.Beta1, c.Beta2
		bc1 := 1 - math.Pow(b1, float64(o.step))
		bc2 := 1 - math.Pow(b2, float64(o.step))
		stepSize := lr / bc1
		sq := math.Sqrt(bc2)
		for i, g := range grad[:hi-lo] {
			gd := float64(g)
			w := float64(W[i])
			if wd != 0 {
				if c.Decoupled {
					w -= lr * wd * w
				} else {
					gd += wd * w
				}
			}
			mi := b1*float64(m[i]) + (1-b1)*gd
			vi := b2*float64(v[i]) + (1-b2)*gd*gd
			m[i], v[i] = float32(mi), float32(vi)
			w -= stepSize * mi / (math.Sqrt(vi)/sq + c.Eps)
			W[i] = float32(w)
		}
	case OptSGD:
		for i, g := range grad[:hi-lo] {
			gd := float64(g)
			w := float64(W[i])
			if wd != 0 {
				if c.Decoupled {
					w -= lr * wd * w
				} else {
					gd += wd * w
				}
			}
			if c.Momentum != 0 {
				mi := c.Momentum*float64(m[i]) + gd
				m[i] = float32(mi)
				gd = mi
			}
			W[i] = float32(w - lr*gd)
		}
	}
}
