package zoo

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/models"
)

// Eval is the float reference evaluator used to check graph rewrites (FoldChain)
// and the builders: one time step (T = 1, so I-LIF decay never acts) of a
// feed-forward graph, in float64, straightforward loops, no batching. It is meant
// for small inputs; it is not the simulator. inputs maps each Input node to its
// values (row-major, its declared shape); the result maps every node to its output.
// Ops without an evaluation here are an error that names them.
func Eval(g *models.Graph, inputs map[string][]float32) (map[string][]float64, error) {
	return eval(g, inputs, nil)
}

// Calibrate gives random weights sane spike rates: in one forward pass of
// Eval on inputs it sets, in topological order, every BatchNorm's running
// statistics to the per-channel mean and variance of its own input and its
// affine weight and bias to std and mean, so that on these inputs each
// BatchNorm's output has per-channel mean `mean` and standard deviation
// `std` (every later layer sees the calibrated earlier ones). With mean 0 and
// std 1 a MultiSpike (D = 4, threshold ½) reading one BatchNorm fires on
// about 31 % of its inputs, a mean count of about 0.4, near the 0.37 the
// SpikeYOLO energy sheet measures (seed-models.md §2.3); without it the
// zoo's identity statistics leave most layers silent or saturated. A
// membrane-shortcut sum adds several such outputs, so its variance grows
// with depth. It replaces the tensors (it never writes a shared placeholder
// buffer); a channel without variance keeps its statistics. Run it before
// Fold, which absorbs BatchNorms into the convolutions.
func Calibrate(g *models.Graph, inputs map[string][]float32, mean, std float64) error {
	if std <= 0 || math.IsNaN(mean) || math.IsInf(mean, 0) || math.IsInf(std, 0) {
		return fmt.Errorf("zoo: calibrate: want a finite mean and a positive std, got %g and %g", mean, std)
	}
	_, err := eval(g, inputs, func(n *models.Node, x []float64, in models.Shape) {
		C := in[0]
		per := len(x) / C
		mu, vr := make([]float32, C), make([]float32, C)
		gamma, beta := make([]float32, C), make([]float32, C)
		old := n.Tensors["running_var"].F32
		oldMu := n.Tensors["running_mean"].F32
		for c := range C {
			m, v := 0.0, 0.0
			for _, a := range x[c*per : (c+1)*per] {
				m += a
			}
			m /= float64(per)
			for _, a := range x[c*per : (c+1)*per] {
				v += (a - m) * (a - m)
			}
			v /= float64(per)
			gamma[c], beta[c] = float32(std), float32(mean)
			mu[c], vr[c] = float32(m), float32(v)
			if v < 1e-12 {
				mu[c], vr[c] = oldMu[c], old[c]
			}
		}
		sh := models.Shape{C}
		n.SetTensor("running_mean", models.NewTensor(sh, mu))
		n.SetTensor("running_var", models.NewTensor(sh, vr))
		n.SetTensor("weight", models.NewTensor(sh, gamma))
		n.SetTensor("bias", models.NewTensor(sh, beta))
	})
	return err
}

// eval is Eval; calib, if set, is called on every BatchNorm with its input
// before the node is evaluated (Calibrate).
func eval(g *models.Graph, inputs map[string][]float32, calib func(n *models.Node, x []float64, in models.Shape)) (map[string][]float64, error) {
	shapes, err := models.InferShapes(g, nil)
	if err != nil {
		return nil, err
	}
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	val := make(map[string][]float64, len(order))
	for _, n := range order {
		var in [][]float64
		var inShapes []models.Shape
		for _, e := range g.InEdges(n.ID) {
			if e.Recurrent {
				return nil, fmt.Errorf("zoo: eval: %s has a recurrent input; Eval runs feed-forward graphs only", n.ID)
			}
			in = append(in, val[e.From])
			inShapes = append(inShapes, shapes[e.From])
		}
		out := shapes[n.ID]
		spec, _ := models.Spec(n.Op)
		if spec.SumsInputs && len(in) > 1 {
			s := make([]float64, len(in[0]))
			for _, x := range in {
				for i, v := range x {
					s[i] += v
				}
			}
			in = [][]float64{s}
		}
		var y []float64
		switch n.Op {
		case models.OpInput:
			x, ok := inputs[n.ID]
			if !ok || int64(len(x)) != out.Numel() {
				return nil, fmt.Errorf("zoo: eval: input %s needs %d values, have %d", n.ID, out.Numel(), len(x))
			}
			y = make([]float64, len(x))
			for i, v := range x {
				y[i] = float64(v)
			}
		case models.OpOutput:
			y = in[0]
		case models.OpConv2d:
			y = evalConv(n, in[0], inShapes[0], out)
		case models.OpBatchNorm:
			if calib != nil {
				calib(n, in[0], inShapes[0])
			}
			y = evalBatchNorm(n, in[0], inShapes[0], out)
		case models.OpMultiSpike:
			y = evalMultiSpike(n, in[0])
		case models.OpAdd:
			y = make([]float64, len(in[0]))
			for _, x := range in {
				for i, v := range x {
					y[i] += v
				}
			}
		case models.OpScale:
			y = evalScale(n, in[0], out)
		case models.OpConcat:
			y = evalConcat(n, in, inShapes)
		case models.OpUpsample:
			y = evalUpsample(n, in[0], inShapes[0], out)
		case models.OpMaxPool2d:
			y = evalMaxPool(n, in[0], inShapes[0], out)
		case models.OpMean:
			if n.Ints("dims") != nil {
				return nil, fmt.Errorf("zoo: eval: %s: Mean with explicit dims is not evaluated", n.ID)
			}
			per := len(in[0]) / out[0]
			y = make([]float64, out[0])
			for c := range y {
				s := 0.0
				for _, v := range in[0][c*per : (c+1)*per] {
					s += v
				}
				y[c] = s / float64(per)
			}
		case models.OpFlatten:
			y = in[0]
		case models.OpAffine, models.OpLinear:
			y = evalDense(n, in[0], out)
		case models.OpSpikeAttention:
			y = evalAttention(n, in, inShapes)
		case models.OpDFL:
			y = evalDFL(n, in[0], inShapes[0])
		default:
			return nil, fmt.Errorf("zoo: eval: node %s: op %s is not evaluated by the reference evaluator", n.ID, n.Op)
		}
		val[n.ID] = y
	}
	return val, nil
}

func pair(n *models.Node, name string, def int) [2]int {
	v := n.Ints(name)
	switch len(v) {
	case 1:
		return [2]int{v[0], v[0]}
	case 2:
		return [2]int{v[0], v[1]}
	}
	return [2]int{def, def}
}

func evalConv(n *models.Node, x []float64, in, out models.Shape) []float64 {
	w := n.Tensors["weight"]
	cout, cg, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	groups := n.Int("groups", 1)
	st, pd, dl := pair(n, "stride", 1), pair(n, "padding", 0), pair(n, "dilation", 1)
	H, W := in[1], in[2]
	Ho, Wo := out[1], out[2]
	y := make([]float64, cout*Ho*Wo)
	var bias []float32
	if t := n.Tensors["bias"]; t != nil {
		bias = t.F32
	}
	perGroup := cout / groups
	for o := range cout {
		g0 := (o / perGroup) * cg
		for oh := range Ho {
			for ow := range Wo {
				s := 0.0
				if bias != nil {
					s = float64(bias[o])
				}
				for j := range cg {
					for i := range kh {
						h := oh*st[0] - pd[0] + i*dl[0]
						if h < 0 || h >= H {
							continue
						}
						for jj := range kw {
							ww := ow*st[1] - pd[1] + jj*dl[1]
							if ww < 0 || ww >= W {
								continue
							}
							s += float64(w.F32[((o*cg+j)*kh+i)*kw+jj]) * x[((g0+j)*H+h)*W+ww]
						}
					}
				}
				y[(o*Ho+oh)*Wo+ow] = s
			}
		}
	}
	return y
}

func evalBatchNorm(n *models.Node, x []float64, in, out models.Shape) []float64 {
	gamma, beta := n.Tensors["weight"].F32, n.Tensors["bias"].F32
	mean, vr := n.Tensors["running_mean"].F32, n.Tensors["running_var"].F32
	eps := n.Float("eps", 1e-5)
	p := n.Int("padding", 0)
	C := in[0]
	per := len(x) / C
	y := make([]float64, out.Numel())
	operPer := len(y) / C
	for c := range C {
		s := float64(gamma[c]) / math.Sqrt(float64(vr[c])+eps)
		at := func(v float64) float64 { return (v-float64(mean[c]))*s + float64(beta[c]) }
		if p == 0 {
			for i := range per {
				y[c*per+i] = at(x[c*per+i])
			}
			continue
		}
		H, W := in[1], in[2]
		Wo := W + 2*p
		for i := range operPer {
			y[c*operPer+i] = at(0)
		}
		for h := range H {
			for w := range W {
				y[c*operPer+(h+p)*Wo+w+p] = at(x[(c*H+h)*W+w])
			}
		}
	}
	return y
}

func evalMultiSpike(n *models.Node, x []float64) []float64 {
	d := float64(n.Int("D", 1))
	norm := n.Float("norm", d)
	halfUp := n.Str("rounding", models.RoundHalfEven) == models.RoundHalfUp
	y := make([]float64, len(x))
	for i, v := range x {
		v = math.Min(math.Max(v, 0), d)
		if halfUp {
			v = math.Floor(v + 0.5)
		} else {
			v = math.RoundToEven(v)
		}
		y[i] = v / norm
	}
	return y
}

func evalScale(n *models.Node, x []float64, out models.Shape) []float64 {
	s := n.Tensors["scale"]
	y := make([]float64, len(x))
	// Broadcast by NumPy rules: the scale's shape aligns with the trailing dims.
	off := len(out) - len(s.Shape)
	coord := make([]int, len(out))
	for i := range x {
		r := i
		for d := len(out) - 1; d >= 0; d-- {
			coord[d] = r % out[d]
			r /= out[d]
		}
		idx := 0
		for d, sd := range s.Shape {
			c := 0
			if sd != 1 {
				c = coord[off+d]
			}
			idx = idx*sd + c
		}
		y[i] = x[i] * float64(s.F32[idx])
	}
	return y
}

func evalConcat(n *models.Node, in [][]float64, shapes []models.Shape) []float64 {
	r := len(shapes[0])
	axis := n.Int("axis", 0)
	if axis < 0 {
		axis += r
	}
	outer := 1
	for _, d := range shapes[0][:axis] {
		outer *= d
	}
	var y []float64
	for o := range outer {
		for i, x := range in {
			inner := 1
			for _, d := range shapes[i][axis:] {
				inner *= d
			}
			y = append(y, x[o*inner:(o+1)*inner]...)
		}
	}
	return y
}

func evalUpsample(n *models.Node, x []float64, in, out models.Shape) []float64 {
	f := n.Int("scale_factor", 1)
	y := make([]float64, out.Numel())
	for c := range out[0] {
		for h := range out[1] {
			for w := range out[2] {
				y[(c*out[1]+h)*out[2]+w] = x[(c*in[1]+h/f)*in[2]+w/f]
			}
		}
	}
	return y
}

func evalMaxPool(n *models.Node, x []float64, in, out models.Shape) []float64 {
	k := pair(n, "kernel_size", 1)
	st := k
	if _, ok := n.Attrs["stride"]; ok {
		st = pair(n, "stride", 1)
	}
	pd := pair(n, "padding", 0)
	y := make([]float64, out.Numel())
	for c := range out[0] {
		for oh := range out[1] {
			for ow := range out[2] {
				m := math.Inf(-1)
				for i := range k[0] {
					h := oh*st[0] - pd[0] + i
					if h < 0 || h >= in[1] {
						continue
					}
					for j := range k[1] {
						w := ow*st[1] - pd[1] + j
						if w < 0 || w >= in[2] {
							continue
						}
						m = math.Max(m, x[(c*in[1]+h)*in[2]+w])
					}
				}
				y[(c*out[1]+oh)*out[2]+ow] = m
			}
		}
	}
	return y
}

func evalDense(n *models.Node, x []float64, out models.Shape) []float64 {
	w := n.Tensors["weight"]
	o, k := w.Shape[0], w.Shape[1]
	rows := len(x) / k
	y := make([]float64, rows*o)
	var bias []float32
	if t := n.Tensors["bias"]; t != nil {
		bias = t.F32
	}
	for r := range rows {
		for i := range o {
			s := 0.0
			if bias != nil {
				s = float64(bias[i])
			}
			for j := range k {
				s += float64(w.F32[i*k+j]) * x[r*k+j]
			}
			y[r*o+i] = s
		}
	}
	return y
}

// evalAttention: per head h, q_h, k_h [N, d] and v_h [N, dv] read from channels
// h·d … (h+1)·d − 1 of [C, tokens]; the output channel h·dv + j at token n is
// ((q_h k_hᵀ) v_h)[n, j]·scale, or (q_h (k_hᵀ v_h))[n, j]·scale (the same value in
// exact arithmetic; the order only changes the cost).
func evalAttention(n *models.Node, in [][]float64, shapes []models.Shape) []float64 {
	q, k, v := in[0], in[1], in[2]
	C, Cv := shapes[0][0], shapes[2][0]
	N := len(q) / C
	heads := n.Int("heads", 1)
	d, dv := C/heads, Cv/heads
	scale := n.Float("scale", 1/math.Sqrt(float64(d)))
	y := make([]float64, Cv*N)
	kv := make([]float64, d*dv)
	for h := range heads {
		clear(kv)
		for a := range d {
			for b := range dv {
				s := 0.0
				for t := range N {
					s += k[(h*d+a)*N+t] * v[(h*dv+b)*N+t]
				}
				kv[a*dv+b] = s
			}
		}
		for t := range N {
			for b := range dv {
				s := 0.0
				for a := range d {
					s += q[(h*d+a)*N+t] * kv[a*dv+b]
				}
				y[(h*dv+b)*N+t] = s * scale
			}
		}
	}
	return y
}

func evalDFL(n *models.Node, x []float64, in models.Shape) []float64 {
	w := n.Tensors["weight"].F32
	bins := len(w)
	A := in[1]
	y := make([]float64, 4*A)
	p := make([]float64, bins)
	for side := range 4 {
		for a := range A {
			m := math.Inf(-1)
			for i := range bins {
				p[i] = x[(side*bins+i)*A+a]
				m = math.Max(m, p[i])
			}
			z := 0.0
			for i := range p {
				p[i] = math.Exp(p[i] - m)
				z += p[i]
			}
			s := 0.0
			for i := range p {
				s += float64(w[i]) * p[i] / z
			}
			y[side*A+a] = s
		}
	}
	return y
}
