package compiler

import (
	"github.com/neurosim/neurosim/models"
)

// lowerMean lowers a spatial mean (models.OpMean over every dimension but the
// channels, of a [C, H, W] or [C, N] tensor) to an exact integer scheme:
//
//   - of spike counts: a pool population of C neurons, each summing its
//     channel's H·W counts (a grouped projection whose kernel is the whole
//     plane, weight 1: sum-pool-like accumulation); the population's counts
//     carry the scale 1/(H·W), which the next weight layer folds into its
//     weights (the threshold of the neuron that reads the mean is scaled,
//     not the sums), exactly as AvgPool2d;
//   - of a real-valued expression (a membrane-shortcut sum of projections, as
//     E-SpikeFormer's last block): every term, a convolution from some spike
//     population, is averaged over its output positions into one projection
//     whose kernel is the source's whole plane (Cin/groups · H · W weights
//     per output channel, weight w·(number of output positions that read the
//     input position)/(Ho·Wo)); the bias is unchanged. The result is the same
//     linear map, so the neuron that reads the mean integrates the exact
//     mean. Its fan-in is Σ (Cin/groups)·H·W over the terms: when it exceeds
//     every core kind's axons the error names the node, the limit and the
//     amount over, before any weight is built.
func (s *State) lowerMean(n *models.Node, v *value, shape models.Shape) *value {
	id := n.ID
	if v == nil || v.poisoned {
		return nil
	}
	if n.Ints("dims") != nil && !spatialDims(n.Ints("dims"), len(v.shape)) {
		s.errorf(id, "Mean over dims %v of %v: the compiler maps the spatial mean (every dimension but the channels) only", n.Ints("dims"), v.shape)
		return nil
	}
	c := chw(v.shape)
	plane := c[1] * c[2]
	if v.graded {
		return s.meanOfSum(id, v, shape)
	}
	if v.spike {
		if v.layer < 0 {
			s.errorf(id, "Mean of the raw input is not supported: the pixel sums would need %d sub-steps", 255*plane)
			return nil
		}
		pr := &Projection{Source: v.layer, Kind: ProjConv, InShape: c, Cout: c[0], KH: c[1], KW: c[2], Stride: 1, Groups: c[0]}
		pr.Weights = make([]int32, c[0]*plane)
		for i := range pr.Weights {
			pr.Weights[i] = 1
		}
		li := s.addLayer(id, LayerPool, shape, plane*v.vmax, &value{terms: []*Projection{pr}, bias: make([]float64, c[0])})
		return &value{spike: true, layer: li, scale: v.scale / float64(plane), vmax: plane * v.vmax}
	}
	// real-valued expression: average every term
	fanIn := 0
	for _, t := range v.terms {
		if t.Kind != ProjConv || t.Recurrent || t.NNZ > 0 || t.real == nil {
			s.errorf(id, "Mean of an expression with a %s projection (from %s) cannot be lowered: only convolutions are averaged", t.Kind, t.node)
			return nil
		}
		fanIn += t.InShape[0] / t.Groups * t.InShape[1] * t.InShape[2]
	}
	limit, kind := 0, ""
	for name, k := range s.Spec.Cores {
		if k.Axons > limit || (k.Axons == limit && name < kind) {
			limit, kind = k.Axons, name
		}
	}
	if fanIn > limit && limit > 0 && fanIn > axonLimit(s.Spec) {
		// materialise the sum once, then sum its planes (psum.go)
		sum := s.materialize(id+".in", v, v.shape)
		if sum == nil {
			return nil
		}
		sum.shape = v.shape
		return s.meanOfSum(id, sum, shape)
	}
	if fanIn > limit {
		s.errorf(id, "Mean of a real-valued sum of %d projections (the membrane shortcut): averaging them gives each of the %d output neurons a fan-in of %d axons (Σ Cin/groups·H·W), core kind %s takes at most %d (over by %d); the mean cannot be taken on this chip without quantising the sum into spikes first",
			len(v.terms), c[0], fanIn, kind, limit, fanIn-limit)
		return nil
	}
	out := &value{bias: append([]float64(nil), v.bias...)}
	for _, t := range v.terms {
		out.terms = append(out.terms, averageConv(t, c))
	}
	return out
}

// spatialDims reports whether dims (possibly negative) are exactly 1…rank−1.
func spatialDims(dims []int, rank int) bool {
	seen := make([]bool, rank)
	for _, d := range dims {
		if d < 0 {
			d += rank
		}
		if d < 1 || d >= rank || seen[d] {
			return false
		}
		seen[d] = true
	}
	return len(dims) == rank-1
}

// averageConv returns conv projection t averaged over its output plane out
// ([C, Ho, Wo]): a projection with the same groups whose kernel is t's whole
// input plane and whose single output position is the mean of t's outputs.
func averageConv(t *Projection, out []int) *Projection {
	in := t.InShape
	h, w := in[1], in[2]
	ho, wo := out[1], out[2]
	cig := in[0] / t.Groups
	k := 1 / float64(ho*wo)
	real := make([]float64, t.Cout*cig*h*w)
	for o := 0; o < t.Cout; o++ {
		for ci := 0; ci < cig; ci++ {
			src := t.real[(o*cig+ci)*t.KH*t.KW:]
			dst := real[(o*cig+ci)*h*w:]
			for ky := 0; ky < t.KH; ky++ {
				for kx := 0; kx < t.KW; kx++ {
					wt := src[ky*t.KW+kx] * k
					if wt == 0 {
						continue
					}
					for oy := 0; oy < ho; oy++ {
						y := oy*t.Stride + ky - t.Pad
						if y < 0 || y >= h {
							continue
						}
						for ox := 0; ox < wo; ox++ {
							x := ox*t.Stride + kx - t.Pad
							if x >= 0 && x < w {
								dst[y*w+x] += wt
							}
						}
					}
				}
			}
		}
	}
	return &Projection{Source: t.Source, Kind: ProjConv, InShape: in, Cout: t.Cout, KH: h, KW: w, Stride: 1, Groups: t.Groups,
		real: real, src: t.src, node: t.node}
}
