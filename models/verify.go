package models

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
)

// Problem is one verification finding. Node is empty for graph-level problems.
type Problem struct {
	Node string
	Msg  string
}

// Error formats the problem as "node ID: msg" or "graph: msg".
func (p Problem) Error() string {
	if p.Node == "" {
		return "graph: " + p.Msg
	}
	return "node " + p.Node + ": " + p.Msg
}

// ErrorList is every problem Verify found, sorted by node then message. It is
// returned as an error only when non-empty.
type ErrorList []Problem

func (l *ErrorList) add(node, msg string) { *l = append(*l, Problem{Node: node, Msg: msg}) }

// Error joins all problems, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, p := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

func (l *ErrorList) sortDedup() {
	slices.SortFunc(*l, func(a, b Problem) int {
		if c := strings.Compare(a.Node, b.Node); c != 0 {
			return c
		}
		return strings.Compare(a.Msg, b.Msg)
	})
	*l = slices.Compact(*l)
}

func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// ValidID reports whether s can name a node or a parameter: non-empty, at most 256
// bytes, printable, without spaces or '/' (the file keys tensors "nodes/<id>/<param>").
func ValidID(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if r == '/' || r == unicode.ReplacementChar || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// Verify checks g and returns an ErrorList with every problem found, or nil. It checks
// node IDs (valid, unique), ops (known), parameters (required ones present, no unknown
// names, right dtype and kind, data length equal to the shape, finite values, value
// domains), edges (both ends exist, arity, recurrent edges only into summing ops and
// with matching shapes), cycles (only through recurrent edges) and shapes.
func Verify(g *Graph) error {
	_, probs := analyze(g, nil)
	return probs.err()
}

// InferShapes returns the output shape of every node, keyed by ID. inputs, which may
// be nil, overrides the "shape" attribute of Input nodes (keyed by ID) to evaluate the
// graph at another input size. It fails with an ErrorList if the graph does not verify.
func InferShapes(g *Graph, inputs map[string]Shape) (map[string]Shape, error) {
	a, probs := analyze(g, inputs)
	if len(probs) > 0 {
		return nil, probs
	}
	return a.out, nil
}

// analysis is the result of checking a graph: output shapes and feed-forward input
// shapes per node (nil when unknown).
type analysis struct {
	order []*Node
	out   map[string]Shape
	in    map[string][]Shape
}

func analyze(g *Graph, inputs map[string]Shape) (*analysis, ErrorList) {
	var probs ErrorList
	a := &analysis{out: map[string]Shape{}, in: map[string][]Shape{}}

	seen := map[string]bool{}
	// nodes whose tensors checkParams found usable: paramsUsable reads
	// this instead of scanning every weight a second time
	tensorsOK := map[*Node]bool{}
	for _, n := range g.nodes {
		if !ValidID(n.ID) {
			probs.add(n.ID, fmt.Sprintf("invalid node ID %q (want non-empty, printable, no spaces or '/')", n.ID))
		}
		if seen[n.ID] {
			probs.add(n.ID, "duplicate node ID")
		}
		seen[n.ID] = true
		tensorsOK[n] = checkParams(n, &probs)
	}
	for id := range inputs {
		if n := g.Node(id); n == nil || n.Op != OpInput {
			probs.add(id, "input shape given for a node that is not an Input")
		}
	}

	// Edges.
	nIn := map[string]int{}
	inEdges := map[string][]Edge{}
	for _, e := range g.edges {
		inEdges[e.To] = append(inEdges[e.To], e)
		from, to := g.Node(e.From), g.Node(e.To)
		if from == nil {
			probs.add(e.To, fmt.Sprintf("edge %s → %s: unknown source node %q", e.From, e.To, e.From))
		}
		if to == nil {
			probs.add(e.From, fmt.Sprintf("edge %s → %s: unknown target node %q", e.From, e.To, e.To))
		}
		if from == nil || to == nil {
			continue
		}
		if from.Op == OpOutput {
			probs.add(from.ID, fmt.Sprintf("Output node has an outgoing edge to %s", to.ID))
		}
		spec, known := opSpecs[to.Op]
		if e.Recurrent {
			if known && !spec.SumsInputs {
				probs.add(to.ID, fmt.Sprintf("recurrent edge from %s into %s, which does not sum its inputs", from.ID, to.Op))
			}
			continue
		}
		nIn[to.ID]++
	}
	for _, n := range g.nodes {
		spec, ok := opSpecs[n.Op]
		if !ok {
			continue
		}
		k := nIn[n.ID]
		if k < spec.MinInputs || (spec.MaxInputs >= 0 && k > spec.MaxInputs) {
			probs.add(n.ID, fmt.Sprintf("%s has %d inputs, want %s", n.Op, k, arity(spec)))
		}
	}

	order, cyc := g.topo()
	if len(cyc) > 0 {
		probs.add("", fmt.Sprintf("cycle of non-recurrent edges through %s; mark the edge that closes it Recurrent", strings.Join(cyc, ", ")))
	}
	a.order = order

	// Shapes, in topological order. A node whose inputs are unknown is skipped silently
	// (the cause is reported at its source).
	for _, n := range order {
		spec, ok := opSpecs[n.Op]
		if !ok {
			continue
		}
		var in []Shape
		known := true
		for _, e := range inEdges[n.ID] {
			if e.Recurrent || g.Node(e.From) == nil {
				continue
			}
			s, ok := a.out[e.From]
			if !ok || s == nil {
				known = false
			}
			in = append(in, s)
		}
		k := len(in)
		if !known || k < spec.MinInputs || (spec.MaxInputs >= 0 && k > spec.MaxInputs) {
			a.out[n.ID] = nil
			continue
		}
		usable := tensorsOK[n] // n may be replaced by a clone below
		if n.Op == OpInput {
			if s, ok := inputs[n.ID]; ok {
				n2 := n.Clone()
				n2.SetInts("shape", s...)
				n = n2
			}
		}
		if spec.SumsInputs {
			bad := false
			for i, s := range in[1:] {
				if !slices.Equal(s, in[0]) {
					probs.add(n.ID, fmt.Sprintf("summed inputs differ in shape: input %d is %v, input 0 is %v", i+1, s, in[0]))
					bad = true
				}
			}
			if bad {
				a.out[n.ID] = nil
				continue
			}
		}
		if !usable || !paramsUsable(n, spec) {
			a.out[n.ID] = nil
			continue
		}
		a.in[n.ID] = in
		out := spec.infer(&nodeCheck{n: n, in: in, probs: &probs})
		if out != nil && slices.ContainsFunc(out, func(d int) bool { return d <= 0 }) {
			probs.add(n.ID, fmt.Sprintf("output shape %v has an empty dimension", out))
			out = nil
		}
		a.out[n.ID] = out
	}

	// Recurrent edges deliver into the same summed input.
	for _, e := range g.edges {
		if !e.Recurrent {
			continue
		}
		src := a.out[e.From]
		in := a.in[e.To]
		if src == nil || len(in) == 0 {
			continue
		}
		if !slices.Equal(src, in[0]) {
			probs.add(e.To, fmt.Sprintf("recurrent edge from %s has shape %v, the node's input is %v", e.From, src, in[0]))
		}
	}
	probs.sortDedup()
	return a, probs
}

func arity(s OpSpec) string {
	switch {
	case s.MaxInputs < 0:
		return fmt.Sprintf("at least %d", s.MinInputs)
	case s.MinInputs == s.MaxInputs:
		return fmt.Sprint(s.MinInputs)
	}
	return fmt.Sprintf("%d to %d", s.MinInputs, s.MaxInputs)
}

// checkParams checks a node's tensors and attributes against its op's spec, without
// looking at shapes of other nodes.
//
// It reports whether every tensor is known to the op, non-nil, of its dtype
// and internally consistent (tensorProblem): what paramsUsable needs of
// the tensors.
func checkParams(n *Node, probs *ErrorList) (tensorsOK bool) {
	spec, ok := opSpecs[n.Op]
	if !ok {
		probs.add(n.ID, fmt.Sprintf("unknown op %q", n.Op))
		return false
	}
	tensorsOK = true
	for _, ts := range spec.Tensors {
		if ts.Required && n.Tensors[ts.Name] == nil {
			probs.add(n.ID, fmt.Sprintf("%s needs tensor %s (%s)", n.Op, ts.Name, ts.DType))
		}
	}
	for _, name := range sortedKeys(n.Tensors) {
		t := n.Tensors[name]
		ts, ok := spec.tensorSpec(name)
		switch {
		case !ok:
			probs.add(n.ID, fmt.Sprintf("unknown tensor %q for %s (known: %s)", name, n.Op, tensorNames(spec)))
			tensorsOK = false
			continue
		case t == nil:
			probs.add(n.ID, fmt.Sprintf("tensor %s is nil", name))
			tensorsOK = false
			continue
		case t.DType != ts.DType:
			probs.add(n.ID, fmt.Sprintf("tensor %s has dtype %s, want %s", name, t.DType, ts.DType))
			tensorsOK = false
			continue
		}
		if msg := tensorProblem(t); msg != "" {
			probs.add(n.ID, fmt.Sprintf("tensor %s: %s", name, msg))
			tensorsOK = false
			continue
		}
		for i, v := range t.F32 {
			if ts.Domain == AnyValue {
				break
			}
			if ts.Domain == Positive && !(v > 0) || ts.Domain == NonNegative && !(v >= 0) {
				want := "> 0"
				if ts.Domain == NonNegative {
					want = "≥ 0"
				}
				probs.add(n.ID, fmt.Sprintf("tensor %s[%d] = %g, want %s", name, i, v, want))
				break
			}
		}
	}
	for _, as := range spec.Attrs {
		if _, ok := n.Attrs[as.Name]; as.Required && !ok {
			probs.add(n.ID, fmt.Sprintf("%s needs attribute %s (%s)", n.Op, as.Name, as.Kind))
		}
	}
	for _, name := range sortedKeys(n.Attrs) {
		at := n.Attrs[name]
		as, ok := spec.attrSpec(name)
		if !ok {
			probs.add(n.ID, fmt.Sprintf("unknown attribute %q for %s", name, n.Op))
			continue
		}
		kindOK := at.Kind == as.Kind ||
			as.Kind == AttrInts && at.Kind == AttrInt ||
			as.Kind == AttrFloat && at.Kind == AttrInt
		if !kindOK {
			probs.add(n.ID, fmt.Sprintf("attribute %s is %s, want %s", name, at.Kind, as.Kind))
			continue
		}
		if at.Kind == AttrFloat && (math.IsNaN(at.F) || math.IsInf(at.F, 0)) {
			probs.add(n.ID, fmt.Sprintf("attribute %s = %g, want a finite value", name, at.F))
		}
		if as.Enum != nil && !slices.Contains(as.Enum, at.S) {
			probs.add(n.ID, fmt.Sprintf("attribute %s = %q, want one of %s", name, at.S, strings.Join(as.Enum, ", ")))
		}
	}
	return tensorsOK
}

// tensorProblem checks the internal consistency of a tensor: valid dtype, shape with
// non-negative dimensions, data length equal to the shape, finite float values.
func tensorProblem(t *Tensor) string {
	n := t.Shape.Numel()
	if n < 0 {
		return fmt.Sprintf("invalid shape %v", t.Shape)
	}
	switch t.DType {
	case F32:
		if int64(len(t.F32)) != n || len(t.I32) != 0 {
			return fmt.Sprintf("shape %v needs %d values, has %d", t.Shape, n, len(t.F32))
		}
		if i := firstNonFinite(t.F32); i >= 0 {
			return fmt.Sprintf("element %d is %g; weights must be finite", i, t.F32[i])
		}
	case I32:
		if int64(len(t.I32)) != n || len(t.F32) != 0 {
			return fmt.Sprintf("shape %v needs %d values, has %d", t.Shape, n, len(t.I32))
		}
	default:
		return fmt.Sprintf("unknown dtype %v", t.DType)
	}
	return ""
}

// paramsUsable reports whether the node's parameters are consistent enough for shape
// inference to read them (problems with them are already reported).
//
// Its tensors are checkParams' (which reports whether they are usable, so
// that the weights are scanned once); paramsUsable checks the attributes.
func paramsUsable(n *Node, spec OpSpec) bool {
	for name, at := range n.Attrs {
		as, ok := spec.attrSpec(name)
		if !ok {
			return false
		}
		if at.Kind != as.Kind && !(as.Kind == AttrInts && at.Kind == AttrInt) && !(as.Kind == AttrFloat && at.Kind == AttrInt) {
			return false
		}
	}
	for _, ts := range spec.Tensors {
		if ts.Required && n.Tensors[ts.Name] == nil {
			return false
		}
	}
	for _, as := range spec.Attrs {
		if _, ok := n.Attrs[as.Name]; as.Required && !ok {
			return false
		}
	}
	return true
}

func tensorNames(s OpSpec) string {
	if len(s.Tensors) == 0 {
		return "none"
	}
	names := make([]string, len(s.Tensors))
	for i, t := range s.Tensors {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// firstNonFinite returns the index of the first NaN or ±Inf in x, or −1. It tests
// the exponent bits (all ones), which is cheap enough for models of 10⁸ weights.
func firstNonFinite(x []float32) int {
	const exp = 0x7f800000
	for i, v := range x {
		if math.Float32bits(v)&exp == exp {
			return i
		}
	}
	return -1
}
