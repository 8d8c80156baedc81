package models

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Op names a node's operation. The string values are the names used in the .nsm file
// and follow NIR where NIR has the op.
type Op string

// The ops of the IR. OpSpecs describes the parameters of each.
const (
	OpInput     Op = "Input"     // graph input; attr shape
	OpOutput    Op = "Output"    // graph output; passes its input through
	OpAffine    Op = "Affine"    // y = W x + b along the last dimension
	OpLinear    Op = "Linear"    // y = W x along the last dimension
	OpConv1d    Op = "Conv1d"    // 1-D convolution over [C,L]
	OpConv2d    Op = "Conv2d"    // 2-D convolution over [C,H,W]
	OpSumPool2d Op = "SumPool2d" // sum pooling over [C,H,W]
	OpAvgPool2d Op = "AvgPool2d" // average pooling over [C,H,W]
	OpFlatten   Op = "Flatten"   // merges dimensions start_dim..end_dim
	OpScale     Op = "Scale"     // y = scale ⊙ x
	OpThreshold Op = "Threshold" // y = 1[x > threshold]
	OpDelay     Op = "Delay"     // y(t) = x(t - delay)
	OpI         Op = "I"         // integrator
	OpIF        Op = "IF"        // integrate-and-fire
	OpLI        Op = "LI"        // leaky integrator
	OpLIF       Op = "LIF"       // leaky integrate-and-fire
	OpCubaLI    Op = "CubaLI"    // current-based leaky integrator
	OpCubaLIF   Op = "CubaLIF"   // current-based LIF

	OpMultiSpike      Op = "MultiSpike"      // SFA / I-LIF integer neuron, spikes in [0, D]
	OpBatchNorm       Op = "BatchNorm"       // per-channel affine normalisation (folded by the compiler)
	OpAdd             Op = "Add"             // element-wise sum of ≥2 inputs (membrane shortcut)
	OpConcat          Op = "Concat"          // concatenation along attr axis
	OpUpsample        Op = "Upsample"        // nearest-neighbour upsampling of [C,H,W]
	OpMaxPool2d       Op = "MaxPool2d"       // max pooling over [C,H,W]
	OpMean            Op = "Mean"            // mean over attr dims (removed)
	OpSpikeAttention  Op = "SpikeAttention"  // spike-driven self-attention on (q, k, v)
	OpLinearAttention Op = "LinearAttention" // gated linear recurrence with matrix state on (q, k, v[, g])
	OpGraphConv       Op = "GraphConv"       // sparse normalised adjacency aggregation Â X Wᵀ + b
	OpDFL             Op = "DFL"             // YOLOv8 box integral: softmax over bins, then expectation

	OpDirect  Op = "Direct"  // encoder: real values go straight into the first layer
	OpRate    Op = "Rate"    // encoder: deterministic rate code over steps
	OpPoisson Op = "Poisson" // encoder: Bernoulli spike per step with probability x
	OpEvents  Op = "Events"  // encoder: event-camera stream binned into frames
)

// Shape is a tensor shape without batch and time dimensions, e.g. [C,H,W] or [N].
type Shape []int

// Numel returns the number of elements, or -1 if a dimension is negative or the
// product overflows int64.
func (s Shape) Numel() int64 {
	n := int64(1)
	for _, d := range s {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt64/int64(d) {
			return -1
		}
		n *= int64(d)
	}
	return n
}

// String formats the shape as [a,b,c].
func (s Shape) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

// DType is a tensor element type. Its String is the safetensors dtype name.
type DType uint8

// Tensor element types.
const (
	F32 DType = iota + 1 // float32, stored in Tensor.F32
	I32                  // int32, stored in Tensor.I32 (e.g. sparse indices)
)

// String returns "F32" or "I32" (safetensors names).
func (d DType) String() string {
	switch d {
	case F32:
		return "F32"
	case I32:
		return "I32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Tensor is a dense row-major tensor. Exactly one of F32 and I32 holds the data,
// according to DType, and its length equals Shape.Numel().
type Tensor struct {
	DType DType
	Shape Shape
	F32   []float32
	I32   []int32
}

// NewTensor returns a float32 tensor with the given shape sharing data.
func NewTensor(shape Shape, data []float32) *Tensor {
	return &Tensor{DType: F32, Shape: shape, F32: data}
}

// NewIntTensor returns an int32 tensor with the given shape sharing data.
func NewIntTensor(shape Shape, data []int32) *Tensor {
	return &Tensor{DType: I32, Shape: shape, I32: data}
}

// Len returns the number of stored elements.
func (t *Tensor) Len() int {
	if t.DType == I32 {
		return len(t.I32)
	}
	return len(t.F32)
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{DType: t.DType, Shape: slices.Clone(t.Shape), F32: slices.Clone(t.F32), I32: slices.Clone(t.I32)}
}

// AttrKind is the type of an attribute value.
type AttrKind uint8

// Attribute kinds.
const (
	AttrInt AttrKind = iota + 1
	AttrFloat
	AttrString
	AttrInts
)

// String names the kind as in messages and the file: int, float, string, ints.
func (k AttrKind) String() string {
	switch k {
	case AttrInt:
		return "int"
	case AttrFloat:
		return "float"
	case AttrString:
		return "string"
	case AttrInts:
		return "ints"
	}
	return fmt.Sprintf("AttrKind(%d)", uint8(k))
}

// Attr is a typed scalar attribute; Kind says which field holds the value.
type Attr struct {
	Kind AttrKind
	I    int64
	F    float64
	S    string
	Ints []int
}

// Node is one operation of the graph. Build it with NewNode and the Set methods.
type Node struct {
	ID      string
	Op      Op
	Tensors map[string]*Tensor
	Attrs   map[string]Attr
}

// NewNode returns a node with empty parameter maps.
func NewNode(id string, op Op) *Node {
	return &Node{ID: id, Op: op, Tensors: map[string]*Tensor{}, Attrs: map[string]Attr{}}
}

// SetTensor sets tensor name and returns n for chaining.
func (n *Node) SetTensor(name string, t *Tensor) *Node {
	if n.Tensors == nil {
		n.Tensors = map[string]*Tensor{}
	}
	n.Tensors[name] = t
	return n
}

// SetF32 sets a float32 tensor sharing data and returns n.
func (n *Node) SetF32(name string, shape Shape, data []float32) *Node {
	return n.SetTensor(name, NewTensor(shape, data))
}

func (n *Node) setAttr(name string, a Attr) *Node {
	if n.Attrs == nil {
		n.Attrs = map[string]Attr{}
	}
	n.Attrs[name] = a
	return n
}

// SetInt sets an int attribute and returns n.
func (n *Node) SetInt(name string, v int) *Node {
	return n.setAttr(name, Attr{Kind: AttrInt, I: int64(v)})
}

// SetFloat sets a float attribute and returns n.
func (n *Node) SetFloat(name string, v float64) *Node {
	return n.setAttr(name, Attr{Kind: AttrFloat, F: v})
}

// SetString sets a string attribute and returns n.
func (n *Node) SetString(name, v string) *Node {
	return n.setAttr(name, Attr{Kind: AttrString, S: v})
}

// SetInts sets an int-list attribute (e.g. a shape or a stride pair) and returns n.
func (n *Node) SetInts(name string, v ...int) *Node {
	return n.setAttr(name, Attr{Kind: AttrInts, Ints: slices.Clone(v)})
}

// Tensor returns the named tensor or nil.
func (n *Node) Tensor(name string) *Tensor { return n.Tensors[name] }

// Int returns the named int attribute, or def if it is absent or not an int.
func (n *Node) Int(name string, def int) int {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrInt {
		return int(a.I)
	}
	return def
}

// Float returns the named float attribute, or def if it is absent. An int attribute
// is converted.
func (n *Node) Float(name string, def float64) float64 {
	if a, ok := n.Attrs[name]; ok {
		switch a.Kind {
		case AttrFloat:
			return a.F
		case AttrInt:
			return float64(a.I)
		}
	}
	return def
}

// Str returns the named string attribute, or def if it is absent or not a string.
func (n *Node) Str(name, def string) string {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrString {
		return a.S
	}
	return def
}

// Ints returns the named int-list attribute (an int attribute becomes a one-element
// list), or nil if absent. The result must not be modified.
func (n *Node) Ints(name string) []int {
	if a, ok := n.Attrs[name]; ok {
		switch a.Kind {
		case AttrInts:
			return a.Ints
		case AttrInt:
			return []int{int(a.I)}
		}
	}
	return nil
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	c := NewNode(n.ID, n.Op)
	for k, t := range n.Tensors {
		c.Tensors[k] = t.Clone()
	}
	for k, a := range n.Attrs {
		a.Ints = slices.Clone(a.Ints)
		c.Attrs[k] = a
	}
	return c
}

// Edge carries a node's output to another node's input. A Recurrent edge delivers the
// value of the previous time step and may close a cycle.
type Edge struct {
	From, To  string
	Recurrent bool
}

// Graph is the SNN graph. The zero value is not usable; call NewGraph.
//
// Nodes and edges keep their insertion order, which fixes the order of a node's
// inputs and makes every traversal deterministic.
type Graph struct {
	nodes []*Node
	index map[string]int // ID → position of its first node in nodes
	edges []Edge

	// Meta holds free-form string metadata saved with the model (for example the
	// dataset, the architecture name, the test accuracy).
	Meta map[string]string
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{index: map[string]int{}, Meta: map[string]string{}}
}

// AddNode appends n and returns it. A duplicate or malformed ID is not rejected here;
// Verify reports it. A node's ID must not change after it is added.
func (g *Graph) AddNode(n *Node) *Node {
	if g.index == nil {
		g.index = map[string]int{}
	}
	if _, ok := g.index[n.ID]; !ok {
		g.index[n.ID] = len(g.nodes)
	}
	g.nodes = append(g.nodes, n)
	return n
}

// Add is shorthand for AddNode(NewNode(id, op)).
func (g *Graph) Add(id string, op Op) *Node { return g.AddNode(NewNode(id, op)) }

// Connect adds a feed-forward edge from → to. Unknown endpoints are reported by Verify.
func (g *Graph) Connect(from, to string) {
	g.edges = append(g.edges, Edge{From: from, To: to})
}

// ConnectRecurrent adds a recurrent edge from → to (previous time step).
func (g *Graph) ConnectRecurrent(from, to string) {
	g.edges = append(g.edges, Edge{From: from, To: to, Recurrent: true})
}

// Chain connects ids[0] → ids[1] → … → ids[len-1] with feed-forward edges.
func (g *Graph) Chain(ids ...string) {
	for i := 1; i < len(ids); i++ {
		g.Connect(ids[i-1], ids[i])
	}
}

// Node returns the node with the given ID, or nil.
func (g *Graph) Node(id string) *Node {
	if i, ok := g.index[id]; ok {
		return g.nodes[i]
	}
	return nil
}

// Nodes returns the nodes in insertion order. The slice must not be modified.
func (g *Graph) Nodes() []*Node { return g.nodes }

// Edges returns the edges in insertion order. The slice must not be modified.
func (g *Graph) Edges() []Edge { return g.edges }

// NumNodes returns the number of nodes.
func (g *Graph) NumNodes() int { return len(g.nodes) }

// InEdges returns the edges into id (feed-forward and recurrent) in insertion order.
func (g *Graph) InEdges(id string) []Edge {
	var es []Edge
	for _, e := range g.edges {
		if e.To == id {
			es = append(es, e)
		}
	}
	return es
}

// OutEdges returns the edges out of id in insertion order.
func (g *Graph) OutEdges(id string) []Edge {
	var es []Edge
	for _, e := range g.edges {
		if e.From == id {
			es = append(es, e)
		}
	}
	return es
}

// Predecessors returns the sources of the feed-forward edges into id, in input order.
// Recurrent edges are left out; use InEdges for them.
func (g *Graph) Predecessors(id string) []string {
	var ps []string
	for _, e := range g.edges {
		if e.To == id && !e.Recurrent {
			ps = append(ps, e.From)
		}
	}
	return ps
}

// Successors returns the targets of the feed-forward edges out of id, in edge order.
func (g *Graph) Successors(id string) []string {
	var ss []string
	for _, e := range g.edges {
		if e.From == id && !e.Recurrent {
			ss = append(ss, e.To)
		}
	}
	return ss
}

// TopoOrder returns the nodes so that every feed-forward edge goes from an earlier to a
// later node; recurrent edges are ignored. Ties are broken by insertion order, so the
// result is deterministic. It fails if feed-forward edges form a cycle, an edge names
// an unknown node, or IDs are duplicated.
func (g *Graph) TopoOrder() ([]*Node, error) {
	order, rest := g.topo()
	if len(rest) > 0 {
		return nil, fmt.Errorf("models: cycle of non-recurrent edges through %s", strings.Join(rest, ", "))
	}
	if len(g.index) != len(g.nodes) {
		return nil, fmt.Errorf("models: duplicate node IDs")
	}
	for _, e := range g.edges {
		if g.Node(e.From) == nil || g.Node(e.To) == nil {
			return nil, fmt.Errorf("models: edge %s → %s names an unknown node", e.From, e.To)
		}
	}
	return order, nil
}

// topo runs Kahn's algorithm over the feed-forward edges between known nodes (first
// node of each ID). It returns the ordered nodes and the IDs left on cycles, sorted.
func (g *Graph) topo() ([]*Node, []string) {
	n := len(g.nodes)
	indeg := make([]int, n)
	succ := make([][]int, n)
	for _, e := range g.edges {
		if e.Recurrent {
			continue
		}
		a, okA := g.index[e.From]
		b, okB := g.index[e.To]
		if !okA || !okB {
			continue
		}
		succ[a] = append(succ[a], b)
		indeg[b]++
	}
	// Take the lowest-index ready node each round: insertion order breaks ties.
	// O(V²), fine for graphs of a few thousand nodes.
	done := make([]bool, n)
	for i := range n {
		if g.index[g.nodes[i].ID] != i { // a duplicate ID: not part of the graph proper
			done[i] = true
		}
	}
	order := make([]*Node, 0, n)
	for {
		i := -1
		for j := range n {
			if !done[j] && indeg[j] == 0 {
				i = j
				break
			}
		}
		if i < 0 {
			break
		}
		done[i] = true
		order = append(order, g.nodes[i])
		for _, s := range succ[i] {
			indeg[s]--
		}
	}
	var rest []string
	for i := range n {
		if !done[i] {
			rest = append(rest, g.nodes[i].ID)
		}
	}
	slices.Sort(rest)
	return order, rest
}

// RemoveNode deletes the node with the given ID and every edge touching it. It reports
// whether a node was removed.
func (g *Graph) RemoveNode(id string) bool {
	i, ok := g.index[id]
	if !ok {
		return false
	}
	g.nodes = slices.Delete(g.nodes, i, i+1)
	g.edges = slices.DeleteFunc(g.edges, func(e Edge) bool { return e.From == id || e.To == id })
	g.reindex()
	return true
}

// Disconnect deletes every edge from → to with the given recurrent flag and reports
// how many were deleted.
func (g *Graph) Disconnect(from, to string, recurrent bool) int {
	before := len(g.edges)
	g.edges = slices.DeleteFunc(g.edges, func(e Edge) bool {
		return e.From == from && e.To == to && e.Recurrent == recurrent
	})
	return before - len(g.edges)
}

// Bypass removes a node with exactly one feed-forward input and reconnects its
// outgoing edges to that input, keeping edge positions (so input order is preserved).
// The compiler uses it to drop folded nodes such as BatchNorm.
func (g *Graph) Bypass(id string) error {
	preds := g.Predecessors(id)
	if len(preds) != 1 {
		return fmt.Errorf("models: bypass %s: need exactly one input, have %d", id, len(preds))
	}
	for _, e := range g.edges {
		if e.To == id && e.Recurrent {
			return fmt.Errorf("models: bypass %s: node has a recurrent input", id)
		}
	}
	for i := range g.edges {
		if g.edges[i].From == id {
			g.edges[i].From = preds[0]
		}
	}
	g.RemoveNode(id)
	return nil
}

func (g *Graph) reindex() {
	clear(g.index)
	for i, n := range g.nodes {
		if _, ok := g.index[n.ID]; !ok {
			g.index[n.ID] = i
		}
	}
}

// Clone returns a deep copy of g.
func (g *Graph) Clone() *Graph {
	c := NewGraph()
	for _, n := range g.nodes {
		c.AddNode(n.Clone())
	}
	c.edges = slices.Clone(g.edges)
	for k, v := range g.Meta {
		c.Meta[k] = v
	}
	return c
}

// Inputs returns the IDs of the Input nodes in insertion order.
func (g *Graph) Inputs() []string { return g.idsOf(OpInput) }

// Outputs returns the IDs of the Output nodes in insertion order.
func (g *Graph) Outputs() []string { return g.idsOf(OpOutput) }

func (g *Graph) idsOf(op Op) []string {
	var ids []string
	for _, n := range g.nodes {
		if n.Op == op {
			ids = append(ids, n.ID)
		}
	}
	return ids
}
