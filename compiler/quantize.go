package compiler

import (
	"math"

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

// quantizePass gives each population an odd integer threshold θ and integer
// weights w = round(W·src·θ) with |w| ≤ 2^(bits−1) − 1, θ as large as that
// allows: θ = the largest odd integer ≤ qmax / max|W·src| (at least 1; weights
// beyond qmax are clipped and counted). Pool layers are exact (θ = 1, w = 1).
// The bias becomes round(b·θ). The error of every weight against the float
// model, |w/(θ·src) − W|, is reported per layer.
func quantizePass(s *State) error {
	p := s.prog
	bits := weightBits(s.Spec)
	p.WeightBits = bits
	qmax := float64(int64(1)<<(bits-1) - 1)
	for li := range p.Layers {
		l := &p.Layers[li]
		if l.Kind == LayerPool {
			l.Threshold, l.Scale = 1, 1
			l.Bias = make([]int32, l.Shape[0])
			l.biasReal = nil
			s.accBound(l)
			continue
		}
		m := 0.0
		for _, pr := range l.Inputs {
			for _, w := range pr.real {
				m = max(m, math.Abs(w))
			}
		}
		theta := 1.0
		if m > 0 {
			theta = math.Floor(qmax / m)
		}
		if theta < 1 {
			theta = 1
		}
		if math.Mod(theta, 2) == 0 {
			theta--
		}
		if theta > 1<<29 {
			theta = 1<<29 + 1
		}
		l.Threshold = int32(theta)
		l.Scale = 1 / theta
		var q QuantStats
		n := 0
		for i := range l.Inputs {
			pr := &l.Inputs[i]
			pr.Weights = make([]int32, len(pr.real))
			for j, w := range pr.real {
				v := math.RoundToEven(w * theta)
				if v > qmax {
					v, q.Clipped = qmax, q.Clipped+1
				} else if v < -qmax {
					v, q.Clipped = -qmax, q.Clipped+1
				}
				pr.Weights[j] = int32(v)
				err := math.Abs(v/theta-w) / pr.src
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
			v := math.RoundToEven(b * theta)
			if math.Abs(v) > math.MaxInt32/2 {
				s.errorf(l.Name, "bias %g at threshold %g does not fit 30 bits; the layer's weights are too small relative to its bias", b, theta)
				v = 0
			}
			l.Bias[c] = int32(v)
		}
		l.biasReal = nil
		s.accBound(l)
	}
	return nil
}

// accBound sets l.AccBound = max over output channels of |bias| + θ + Σ|w|·vmax
// of the sources, and reports layers whose accumulators could leave int32.
func (s *State) accBound(l *Layer) {
	p := s.prog
	c := l.Shape[0]
	sum := make([]float64, c)
	for _, pr := range l.Inputs {
		vmax := 255.0
		if pr.Source >= 0 {
			vmax = float64(p.Layers[pr.Source].D)
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
		b = max(b, sum[co]+bias+float64(l.Threshold))
	}
	l.AccBound = int64(b)
	if b > math.MaxInt32 {
		s.errorf(l.Name, "accumulator bound %.3g exceeds int32; use fewer weight bits", b)
	}
}
