package compiler

import (
	"math"
	"slices"

	"github.com/neurosim/neurosim/arch"
)

// weightBits is the signed width of stored weights: the smallest WeightBits of
// the chip's digital core kinds (so any digital core can hold any layer), or, on
// an all-cim chip, 1 + ceil(log2(levels)) (a differential pair gives ± levels).
func weightBits(spec *arch.Spec) int {
	bits := 0
	for _, k := range spec.Cores {
		if k.Type == arch.Digital && (bits == 0 || k.WeightBits < bits) {
			bits = k.WeightBits
		}
	}
	if bits == 0 {
		for _, k := range spec.Cores {
			b := 1 + int(math.Ceil(math.Log2(float64(max(k.Macro.Levels, 2)))))
			if bits == 0 || b < bits {
				bits = b
			}
		}
	}
	return min(max(bits, 2), 31)
}

// quantizePass gives each channel c of a population an odd integer threshold θ_c
// and integer weights w = round(W·src·θ_c) with |w| ≤ 2^(bits−1) − 1, θ_c as
// large as that allows: the largest odd integer ≤ qmax / max_c|W·src| over the
// channel's weights in every projection (at least 1; weights beyond qmax are
// clipped and counted). Per-channel thresholds follow folded BatchNorms, whose
// scales differ per channel. A readout layer uses the smallest θ_c for every
// channel so that its scores compare directly. Pool layers are exact (θ = 1,
// w = 1). The bias becomes round(b·θ_c). The error of every weight against the
// float model, |w/(θ_c·src) − W|, is reported per layer.
func quantizePass(s *State) error {
	p := s.prog
	bits := weightBits(s.Spec)
	p.WeightBits = bits
	qmax := float64(int64(1)<<(bits-1) - 1)
	for li := range p.Layers {
		l := &p.Layers[li]
		C := l.Shape[0]
		l.Threshold = make([]int32, C)
		if l.Kind == LayerPool || (l.Kind == LayerPsum && presetWeights(l)) {
			for c := range l.Threshold {
				l.Threshold[c] = 1
			}
			l.Scale = 1
			l.Bias = make([]int32, C)
			l.biasReal = nil
			s.accBound(l)
			continue
		}
		m := make([]float64, C)
		for _, pr := range l.Inputs {
			per := pr.weightsPer(len(pr.real))
			for k, w := range pr.real {
				c := pr.chanOf(k, per)
				m[c] = max(m[c], math.Abs(w))
			}
		}
		theta := make([]float64, C)
		for c := range theta {
			theta[c] = oddTheta(qmax, m[c])
		}
		if l.Kind == LayerPsum && l.theta > 0 {
			for c := range theta {
				theta[c] = l.theta // consumers already read it at 1/θ (psum.go)
			}
			l.Scale = 1 / l.theta
		}
		if l.Kind == LayerReadout {
			lo := slices.Min(theta)
			for c := range theta {
				theta[c] = lo
			}
			l.Scale = 1 / lo
		}
		for c := range theta {
			l.Threshold[c] = int32(theta[c])
		}
		var q QuantStats
		n := 0
		for i := range l.Inputs {
			pr := &l.Inputs[i]
			per := pr.weightsPer(len(pr.real))
			pr.Weights = make([]int32, len(pr.real))
			for j, w := range pr.real {
				th := theta[pr.chanOf(j, per)]
				v := math.RoundToEven(w * th)
				if v > qmax {
					v, q.Clipped = qmax, q.Clipped+1
				} else if v < -qmax {
					v, q.Clipped = -qmax, q.Clipped+1
				}
				pr.Weights[j] = int32(v)
				err := math.Abs(v/th-w) / pr.src
				q.MaxAbsErr = max(q.MaxAbsErr, err)
				q.MeanAbsErr += err
				q.MaxAbsW = max(q.MaxAbsW, math.Abs(w)/pr.src)
				n++
			}
			pr.real = nil
		}
		if n > 0 {
			q.MeanAbsErr /= float64(n)
		}
		l.Quant = q
		l.Bias = make([]int32, len(l.biasReal))
		for c, b := range l.biasReal {
			v := math.RoundToEven(b * theta[c])
			if math.Abs(v) > math.MaxInt32/2 {
				s.errorf(l.Name, "bias %g at threshold %g does not fit 30 bits; the layer's weights are too small relative to its bias", b, theta[c])
				v = 0
			}
			l.Bias[c] = int32(v)
		}
		l.biasReal = nil
		s.accBound(l)
		if l.lif != nil {
			s.quantizeLIF(l)
		}
		if l.cuba != nil {
			s.quantizeCuba(l)
		}
	}
	return nil
}

// lifCoefBits is the fraction width of the LIF leak factor.
const lifCoefBits = 16

// quantizeLIF turns the float LIF step of l into integers at the layer's
// per-channel scale θ_c: VTh = round(v_th·θ_c), VReset = round(v_reset·θ_c),
// LeakA = round(la·2^16).
func (s *State) quantizeLIF(l *Layer) {
	r := l.lif
	lp := &LIFParams{LeakA: int64(math.RoundToEven(r.la * (1 << lifCoefBits))), CoefBits: lifCoefBits, Subtract: r.subtract}
	for _, th := range l.Threshold {
		vth := math.RoundToEven(r.vth * float64(th))
		if vth < 1 {
			s.errorf(l.Name, "threshold %g at scale %d rounds to %g; the chip's integer threshold must be ≥ 1", r.vth, th, vth)
		}
		lp.VTh = append(lp.VTh, int32(vth))
		lp.VReset = append(lp.VReset, int32(math.RoundToEven(r.vreset*float64(th))))
	}
	l.LIF, l.lif = lp, nil
	// the membrane is bounded by the input bound over the leak's memory
	memory := float64(s.prog.Steps)
	if r.la < 1 {
		memory = min(memory, 1/(1-r.la))
	}
	if b := float64(l.AccBound)*memory + float64(slices.Max(lp.VTh)); b > math.MaxInt32 {
		s.errorf(l.Name, "membrane bound %.3g exceeds int32; use fewer weight bits", b)
	}
}

// oddTheta is the largest odd integer ≤ qmax/m, at least 1 and at most 2^29+1.
func oddTheta(qmax, m float64) float64 {
	theta := 1.0
	if m > 0 {
		theta = math.Floor(qmax / m)
	}
	theta = min(max(theta, 1), 1<<29+1)
	if math.Mod(theta, 2) == 0 {
		theta--
	}
	return theta
}

// accBound sets l.AccBound = max over output channels of |bias| + θ + Σ|w|·vmax
// of the sources, and reports layers whose accumulators could leave int32.
func (s *State) accBound(l *Layer) {
	p := s.prog
	if l.Kind == LayerAttention {
		b := p.attnAccBound(l)
		l.AccBound = int64(b)
		if b > math.MaxInt32 {
			s.errorf(l.Name, "attention accumulator bound %.3g exceeds int32; use fewer weight bits or fewer tokens", b)
		}
		return
	}
	c := l.Shape[0]
	sum := make([]float64, c)
	for _, pr := range l.Inputs {
		vmax := 255.0
		if pr.Source >= 0 {
			vmax = float64(p.Layers[pr.Source].D)
			if src := &p.Layers[pr.Source]; src.Kind == LayerPsum {
				vmax = float64(src.AccBound>>src.Shift) + 1 // a graded value (split.go, psum.go)
			}
		}
		if pr.Kind == ProjSparse {
			for k, w := range pr.Weights {
				sum[pr.SpOut[k]] += math.Abs(float64(w)) * vmax
			}
			continue
		}
		per := len(pr.Weights) / pr.Cout
		for co := 0; co < pr.Cout; co++ {
			t := 0.0
			for _, w := range pr.Weights[co*per : (co+1)*per] {
				t += math.Abs(float64(w))
			}
			sum[co] += t * vmax
		}
	}
	b := 0.0
	for co := 0; co < c; co++ {
		bias := 0.0
		if co < len(l.Bias) {
			bias = math.Abs(float64(l.Bias[co]))
		}
		b = max(b, sum[co]+bias+float64(l.Threshold[co]))
	}
	l.AccBound = int64(b)
	if b > math.MaxInt32 {
		s.errorf(l.Name, "accumulator bound %.3g exceeds int32; use fewer weight bits", b)
	}
}

// presetWeights reports whether l's weights were set at lowering (unit
// weights of pools and a mean's psum layer) rather than quantised here.
func presetWeights(l *Layer) bool {
	for _, pr := range l.Inputs {
		if pr.real != nil || pr.Weights == nil {
			return false
		}
	}
	return len(l.Inputs) > 0
}
