package compiler

import "github.com/neurosim/neurosim/models"

// lowerGraphConv lowers a GraphConv (Y = Â·X·Wᵀ + b over a spike source X
// [nodes, Fin]) to one projection whose synapse from source neuron
// (m, fi) to neuron (n, fo) has the weight Σ Â[n][m]·W[fo][fi] over the
// adjacency entries (n, m): the graph's fan-in becomes synaptic fan-in. It
// is a dense projection (row-major [nodes·Fout, nodes·Fin], neurons
// numbered node-major like the graph) that is zero wherever n and m are not
// neighbours; the chip counts synaptic operations only for nonzero
// synapses. The population it feeds is flat ([nodes·Fout], one "channel"
// per neuron), because its bias and threshold vary along the feature axis,
// the last one.
func (s *State) lowerGraphConv(n *models.Node, src *value) *value {
	w := n.Tensor("weight")
	fout, fin := w.Shape[0], w.Shape[1]
	in := chw(src.shape)
	if len(src.shape) != 2 || src.shape[1] != fin {
		s.errorf(n.ID, "GraphConv on input %v: want [nodes, %d]", src.shape, fin)
		return nil
	}
	nodes := src.shape[0]
	nin, nout := nodes*fin, nodes*fout
	big := make([]float32, nout*nin)
	r, c, v := n.Tensor("adj_row").I32, n.Tensor("adj_col").I32, n.Tensor("adj_val").F32
	for k := range v {
		row, col, a := int(r[k]), int(c[k]), v[k]
		for fo := 0; fo < fout; fo++ {
			dst := big[(row*fout+fo)*nin+col*fin:][:fin]
			for fi, wv := range w.F32[fo*fin : (fo+1)*fin] {
				dst[fi] += a * wv
			}
		}
	}
	pr := &Projection{Source: src.layer, Kind: ProjDense, InShape: in, Cout: nout}
	pr.setReal(big, src.scale)
	pr.node = n.ID
	b := biasOf(n, fout)
	bias := make([]float64, nout)
	for i := range bias {
		bias[i] = b[i%fout]
	}
	return &value{terms: []*Projection{pr}, bias: bias, flat: true}
}

// popShape is the shape of the population an expression becomes: the graph
// shape, or flat for an expression whose bias is per element (GraphConv).
func popShape(e *value, shape models.Shape) models.Shape {
	if e.flat {
		return models.Shape{int(shape.Numel())}
	}
	return shape
}

// encoderSteps returns the time steps the graph's encoder asks for (the
// largest "steps" of its Direct, Poisson and Rate nodes; 1 without one).
func encoderSteps(g *models.Graph) int {
	t := 1
	for _, n := range g.Nodes() {
		switch n.Op {
		case models.OpDirect, models.OpPoisson, models.OpRate:
			t = max(t, n.Int("steps", 1))
		}
	}
	return t
}
