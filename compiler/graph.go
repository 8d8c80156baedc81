package compiler

import (
	"slices"

	"github.com/neurosim/neurosim/models"
)

// lowerGraphConv lowers a GraphConv (Y = Â·X·Wᵀ + b over a spike source X
// [nodes, Fin]) to one sparse projection whose synapse from source neuron
// (m, fi) to neuron (n, fo) weighs Σ Â[n][m]·W[fo][fi] over the adjacency
// entries (n, m): the graph's fan-in becomes synaptic fan-in, and nodes that
// are not neighbours have no synapses (E·Fin·Fout of them for E adjacency
// entries). Neurons are numbered node-major like the graph. The population
// it feeds is flat ([nodes·Fout], one "channel" per neuron), because its
// bias and threshold vary along the feature axis, the last one.
func (s *State) lowerGraphConv(n *models.Node, src *value) *value {
	w := n.Tensor("weight")
	fout, fin := w.Shape[0], w.Shape[1]
	if len(src.shape) != 2 || src.shape[1] != fin {
		s.errorf(n.ID, "GraphConv on input %v: want [nodes, %d]", src.shape, fin)
		return nil
	}
	nodes := src.shape[0]
	// Â by column: the rows n each source node m feeds, duplicates summed
	type ent struct {
		row int
		val float64
	}
	cols := make([][]ent, nodes)
	r, c, v := n.Tensor("adj_row").I32, n.Tensor("adj_col").I32, n.Tensor("adj_val").F32
	for k := range v {
		col := int(c[k])
		cols[col] = append(cols[col], ent{int(r[k]), float64(v[k])})
	}
	for m := range cols {
		slices.SortStableFunc(cols[m], func(a, b ent) int { return a.row - b.row })
		out := cols[m][:0]
		for _, e := range cols[m] {
			if len(out) > 0 && out[len(out)-1].row == e.row {
				out[len(out)-1].val += e.val
				continue
			}
			out = append(out, e)
		}
		cols[m] = out
	}
	pr := &Projection{Source: src.layer, Kind: ProjSparse, InShape: chw(src.shape), Cout: nodes * fout,
		SpStart: make([]int32, nodes*fin+1), src: src.scale, node: n.ID}
	for m := 0; m < nodes; m++ {
		for fi := 0; fi < fin; fi++ {
			for _, e := range cols[m] {
				for fo := 0; fo < fout; fo++ {
					pr.SpOut = append(pr.SpOut, int32(e.row*fout+fo))
					pr.real = append(pr.real, e.val*float64(w.F32[fo*fin+fi])*src.scale)
				}
			}
			pr.SpStart[m*fin+fi+1] = int32(len(pr.SpOut))
		}
	}
	pr.NNZ = len(pr.SpOut)
	b := biasOf(n, fout)
	bias := make([]float64, nodes*fout)
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
