package models

// NodeSummary is one row of `neurosim inspect`: a node with its shapes and costs.
type NodeSummary struct {
	ID     string
	Op     Op
	In     []Shape // feed-forward input shapes in input order (nil for Input)
	Out    Shape
	Params int64 // trainable parameters (NodeParams)
	MACs   int64 // multiply-accumulates per time step (NodeMACs)
}

// Summary is the result of Summarize: one row per node in topological order, and
// the totals.
type Summary struct {
	Nodes  []NodeSummary
	Params int64
	MACs   int64
}

// NodeParams counts the trainable parameters of n: the elements of its float32
// tensors that are not buffers (BatchNorm running statistics and sparse adjacency are
// buffers, as in PyTorch's parameter count).
func NodeParams(n *Node) int64 {
	spec, ok := opSpecs[n.Op]
	var total int64
	for name, t := range n.Tensors {
		if t == nil || t.DType != F32 {
			continue
		}
		if ok {
			if ts, found := spec.tensorSpec(name); found && ts.Buffer {
				continue
			}
		}
		total += int64(len(t.F32))
	}
	return total
}

// ParamCount returns the trainable parameters of the whole graph.
func ParamCount(g *Graph) int64 {
	var total int64
	for _, n := range g.nodes {
		total += NodeParams(n)
	}
	return total
}

// NodeMACs returns the multiply-accumulates of n for one time step given its
// feed-forward input shapes and output shape, as the SDT/SpikeYOLO energy sheets count
// them: convolutions Cout·Hout·Wout·Cin/groups·k², dense layers in·out per row,
// attention matrix products, graph aggregation. Element-wise ops, pools, norms and
// neurons count zero. n must have passed Verify.
func NodeMACs(n *Node, in []Shape, out Shape) int64 {
	spec, ok := opSpecs[n.Op]
	if !ok || spec.macs == nil || out == nil {
		return 0
	}
	return spec.macs(n, in, out)
}

// Summarize verifies g, infers shapes (inputs overrides Input shapes as in
// InferShapes) and returns one row per node in topological order with the totals.
// It is the data behind `neurosim inspect`.
func Summarize(g *Graph, inputs map[string]Shape) (Summary, error) {
	a, probs := analyze(g, inputs)
	if len(probs) > 0 {
		return Summary{}, probs
	}
	s := Summary{Nodes: make([]NodeSummary, 0, len(a.order))}
	for _, n := range a.order {
		row := NodeSummary{ID: n.ID, Op: n.Op, In: a.in[n.ID], Out: a.out[n.ID], Params: NodeParams(n)}
		row.MACs = NodeMACs(n, row.In, row.Out)
		s.Params += row.Params
		s.MACs += row.MACs
		s.Nodes = append(s.Nodes, row)
	}
	return s, nil
}
