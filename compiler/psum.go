package compiler

import (
	"math"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
)

// Materialised sums (lowering; the split pass's psum layers are in split.go).
//
// A real-valued expression (a sum of projections, as a membrane-shortcut
// residual stream) is normally not a population: every neuron that reads it
// recomputes the whole sum from the spike sources. When an Add's sum is read
// by more than one node (a residual stream: the next block's neuron and the
// next Add) and one neuron of it would read more inputs than the largest
// digital core has axons, the split pass would have every reader recompute
// the whole stream from partial sums, so the cores grow with the square of
// the depth. Instead the compiler materialises it once as a psum population S (the expression's
// projections and bias, quantised at one threshold θ_S for every channel,
// chosen at lowering as large as the largest |weight| allows and small
// enough that the worst-case value, every source at its largest count, times
// max(qmax, 256) stays within int32, so that a reader with a weight up to
// qmax, or a Mean over up to 256 positions, cannot overflow the
// accumulators AccBound guards): its neurons send their
// accumulators, acc = round(E·θ_S) up to the weight rounding, as graded
// values, and every later reader takes S as a source whose unit is 1/θ_S (a
// next residual Add adds it back through a unit depthwise projection, so the
// stream is quantised once per materialisation rather than per reader).
// This changes numbers only by that quantisation (reported in S's Quant);
// the chip and Simulator agree bit for bit as always.
//
// A spatial Mean of such a sum (E-SpikeFormer's last stage before the head)
// becomes a second psum population M of C neurons, each adding its channel's
// H·W values of S with unit weights and sending round(Σ/2^Shift): the shift
// brings the sum back to about 1/64 of a real unit, or coarser where the
// worst case of a dense reader over the C means (weights up to qmax) would
// leave int32, so that the layers that
// read the mean (a MultiSpike, or Large's head Linear directly) get ordinary
// weights. M's unit is 2^Shift/(θ_S·H·W).

// psumTarget is the real value of one unit of a mean's output: fine enough
// that rounding costs at most 1/128 of a spike level, coarse enough that the
// weights reading it stay within 8 bits.
const psumTarget = 1.0 / 64

// axonLimit returns the largest axon count of the spec's digital core kinds
// (0 without one).
func axonLimit(spec *arch.Spec) int {
	a := 0
	for _, k := range spec.Cores {
		if k.Type == arch.Digital {
			a = max(a, k.Axons)
		}
	}
	return a
}

// exprFanIn is an upper bound of the inputs one neuron of expression e reads.
func exprFanIn(e *value) int {
	f := 0
	for _, t := range e.terms {
		switch t.Kind {
		case ProjDense:
			f += numel(t.InShape)
		case ProjSparse:
			f += numel(t.InShape)
		default:
			f += t.InShape[0] / max(t.Groups, 1) * min(t.KH, t.InShape[1]) * min(t.KW, t.InShape[2])
		}
	}
	return f
}

// materialize turns expression e (of graph shape shape) into a psum
// population and returns it as a graded source.
func (s *State) materialize(id string, e *value, shape models.Shape) *value {
	for _, t := range e.terms {
		if t.Recurrent || t.Kind == ProjSparse || t.real == nil {
			s.errorf(id, "a sum with a %s projection (from %s) cannot be materialised as a partial sum", t.Kind, t.node)
			return nil
		}
	}
	qmax := float64(int64(1)<<(weightBits(s.Spec)-1) - 1)
	m := 0.0
	for _, t := range e.terms {
		for _, w := range t.real {
			m = max(m, math.Abs(w))
		}
	}
	// The worst-case |value| in real units (every source at its largest
	// count), per channel: θ is also capped so that a reader adding the
	// value with a weight up to qmax, or a Mean adding up to sumReaders of
	// them, stays within int32.
	bound := make([]float64, len(e.bias))
	for c, b := range e.bias {
		bound[c] = math.Abs(b)
	}
	for _, t := range e.terms {
		vmax := s.countBound(t.Source)
		per := t.weightsPer(len(t.real))
		for k, w := range t.real {
			if c := t.chanOf(k, per); c < len(bound) {
				bound[c] += math.Abs(w) * vmax
			}
		}
	}
	b := 0.0
	for _, x := range bound {
		b = max(b, x)
	}
	theta := oddTheta(qmax, m)
	if b > 0 {
		theta = min(theta, oddTheta(math.MaxInt32, b*max(qmax, sumReaders)*1.05))
	}
	li := s.addLayer(id, LayerPsum, popShape(e, shape), 1, e)
	l := &s.prog.Layers[li]
	l.Name, l.theta = id+".sum", theta
	l.cntBound = theta*b*1.05 + 1
	return &value{spike: true, graded: true, layer: li, scale: 1 / theta, vmax: 1}
}

// sumReaders bounds the unit-weight inputs a reader of a materialised sum
// adds per neuron (a Mean's plane: 196 at E-SpikeFormer's 14×14 stage);
// with the weight bits' qmax it caps the sum's threshold.
const sumReaders = 256

// countBound is the largest count (or graded value) source li sends: D of a
// firing layer, a psum layer's bound, 2^ValueBits − 1 for the input.
func (s *State) countBound(li int) float64 {
	if li < 0 {
		return float64(int64(1)<<max(s.prog.Input.ValueBits, 1) - 1)
	}
	l := &s.prog.Layers[li]
	if l.Kind == LayerPsum {
		return l.cntBound
	}
	return float64(max(l.D, 1))
}

// meanOfSum lowers the spatial mean of graded source v ([C, H, W]) to a psum
// layer of C neurons that sums each channel's plane with unit weights and
// shifts the sum right to about psumTarget per unit.
func (s *State) meanOfSum(id string, v *value, shape models.Shape) *value {
	c := chw(v.shape)
	plane := c[1] * c[2]
	pr := &Projection{Source: v.layer, Kind: ProjConv, InShape: c, Cout: c[0], KH: c[1], KW: c[2], Stride: 1, Groups: c[0], node: id}
	pr.Weights = make([]int32, c[0]*plane)
	for i := range pr.Weights {
		pr.Weights[i] = 1
	}
	unit := v.scale / float64(plane) // real value of one unit of the plain sum
	shift := 0                       // the largest with unit·2^shift ≤ psumTarget
	for shift < 30 && unit*float64(int64(1)<<(shift+1)) <= psumTarget {
		shift++
	}
	// a reader of the mean (a dense head over the C channels, weights up
	// to qmax) must stay within int32 at the mean's largest value
	qmax := float64(int64(1)<<(weightBits(s.Spec)-1) - 1)
	sum := float64(plane) * s.countBound(v.layer)
	for shift < 30 && sum/float64(int64(1)<<shift)*qmax*float64(c[0])*1.05 > math.MaxInt32 {
		shift++
	}
	li := s.addLayer(id, LayerPsum, shape, 1, &value{terms: []*Projection{pr}, bias: make([]float64, c[0])})
	l := &s.prog.Layers[li]
	l.Shift, l.theta = shift, 1
	l.cntBound = sum/float64(int64(1)<<shift) + 1
	return &value{spike: true, graded: true, layer: li, scale: unit * float64(int64(1)<<shift), vmax: 1}
}

// PsumValue is the value a psum neuron with accumulator acc sends:
// round(acc / 2^Shift), halves up (acc itself when Shift is 0).
func (l *Layer) PsumValue(acc int64) int64 {
	if l.Shift == 0 {
		return acc
	}
	return (acc + int64(1)<<(l.Shift-1)) >> l.Shift
}
