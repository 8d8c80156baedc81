package models

import (
	"fmt"
	"slices"
)

// nodeCheck is the context of one node's shape inference: the node, its feed-forward
// input shapes in edge order, and where to report problems.
type nodeCheck struct {
	n     *Node
	in    []Shape
	probs *ErrorList
}

func (c *nodeCheck) errf(format string, args ...any) {
	c.probs.add(c.n.ID, fmt.Sprintf(format, args...))
}

// input returns the single (summed) input shape.
func (c *nodeCheck) input() Shape { return c.in[0] }

// rank checks that the input has one of the given ranks.
func (c *nodeCheck) rank(layout string, ranks ...int) bool {
	if !slices.Contains(ranks, len(c.in[0])) {
		c.errf("input shape %v, want %s", c.in[0], layout)
		return false
	}
	return true
}

// tensorShape checks the shape of a present tensor against want.
func (c *nodeCheck) tensorShape(name string, want Shape) bool {
	t := c.n.Tensors[name]
	if t == nil {
		return true
	}
	if !slices.Equal(t.Shape, want) {
		c.errf("tensor %s has shape %v, want %v", name, t.Shape, want)
		return false
	}
	return true
}

// intAttr returns an int attribute with default def, checking v ≥ lo.
func (c *nodeCheck) intAttr(name string, def, lo int) (int, bool) {
	v := c.n.Int(name, def)
	if v < lo {
		c.errf("attribute %s = %d, want ≥ %d", name, v, lo)
		return v, false
	}
	return v, true
}

// pair reads an attribute holding one or two ints (H and W, or a scalar used for
// both), with default def and minimum lo.
func (c *nodeCheck) pair(name string, def, lo int) ([2]int, bool) {
	v := c.n.Ints(name)
	var p [2]int
	switch len(v) {
	case 0:
		if _, ok := c.n.Attrs[name]; ok {
			c.errf("attribute %s is empty, want 1 or 2 ints", name)
			return p, false
		}
		p = [2]int{def, def}
	case 1:
		p = [2]int{v[0], v[0]}
	case 2:
		p = [2]int{v[0], v[1]}
	default:
		c.errf("attribute %s has %d values, want 1 or 2", name, len(v))
		return p, false
	}
	if p[0] < lo || p[1] < lo {
		c.errf("attribute %s = %v, want values ≥ %d", name, v, lo)
		return p, false
	}
	return p, true
}

// single reads an attribute holding one int (a list of length 1 is accepted).
func (c *nodeCheck) single(name string, def, lo int) (int, bool) {
	v := c.n.Ints(name)
	switch len(v) {
	case 0:
		if _, ok := c.n.Attrs[name]; ok {
			c.errf("attribute %s is empty, want 1 int", name)
			return 0, false
		}
		return def, true
	case 1:
		if v[0] < lo {
			c.errf("attribute %s = %d, want ≥ %d", name, v[0], lo)
			return 0, false
		}
		return v[0], true
	}
	c.errf("attribute %s has %d values, want 1", name, len(v))
	return 0, false
}

// outLen is the output length of a window of size k (dilated extent ext) sliding with
// stride s over n padded by p on both sides; ok is false if the window does not fit.
func outLen(n, p, ext, s int) (int, bool) {
	span := n + 2*p - ext
	if span < 0 {
		return 0, false
	}
	return span/s + 1, true
}

func inferInput(c *nodeCheck) Shape {
	s := Shape(c.n.Ints("shape"))
	if len(s) == 0 {
		if _, ok := c.n.Attrs["shape"]; ok {
			c.errf("attribute shape is empty")
		}
		return nil
	}
	for _, d := range s {
		if d <= 0 {
			c.errf("attribute shape = %v, want positive dimensions", s)
			return nil
		}
	}
	if s.Numel() < 0 {
		c.errf("attribute shape = %v has too many elements", s)
		return nil
	}
	return slices.Clone(s)
}

func inferSame(c *nodeCheck) Shape { return slices.Clone(c.input()) }

func inferEncoder(c *nodeCheck) Shape {
	if _, ok := c.intAttr("steps", 1, 1); !ok {
		return nil
	}
	if _, ok := c.intAttr("bin_us", 1, 1); !ok {
		return nil
	}
	if g := c.n.Float("gain", 1); !(g > 0 && g <= 1) {
		c.errf("attribute gain = %g, want in (0, 1]", g)
		return nil
	}
	return slices.Clone(c.input())
}

// inferDense handles Affine and Linear: weight [out, in] applied along the last
// dimension of the input.
func inferDense(c *nodeCheck) Shape {
	in := c.input()
	if !c.rank("[..., features]", 1, 2, 3, 4) {
		return nil
	}
	w := c.n.Tensors["weight"]
	if w == nil {
		return nil
	}
	if len(w.Shape) != 2 {
		c.errf("tensor weight has shape %v, want [out, in]", w.Shape)
		return nil
	}
	if w.Shape[1] != in[len(in)-1] {
		c.errf("tensor weight has shape %v: in = %d, but the input's last dimension is %d (input %v; add a Flatten?)",
			w.Shape, w.Shape[1], in[len(in)-1], in)
		return nil
	}
	if !c.tensorShape("bias", Shape{w.Shape[0]}) {
		return nil
	}
	out := slices.Clone(in)
	out[len(out)-1] = w.Shape[0]
	return out
}

func macsDense(n *Node, in []Shape, out Shape) int64 {
	w := n.Tensors["weight"]
	return out.Numel() * int64(w.Shape[1])
}

func inferConv1d(c *nodeCheck) Shape { return inferConv(c, 1) }
func inferConv2d(c *nodeCheck) Shape { return inferConv(c, 2) }

// inferConv infers the output of an nd-dimensional convolution (nd = 1 or
// 2): input [C, spatial...], weight [Cout, Cin/groups, kernel...], optional
// bias [Cout], and stride, padding and dilation given once or per axis.
func inferConv(c *nodeCheck, nd int) Shape {
	if !c.rank([...]string{1: "[C,L]", 2: "[C,H,W]"}[nd], nd+1) {
		return nil
	}
	in := c.input()
	w := c.n.Tensors["weight"]
	if w == nil {
		return nil
	}
	if len(w.Shape) != nd+2 {
		c.errf("tensor weight has shape %v, want %s", w.Shape, [...]string{1: "[Cout, Cin/groups, k]", 2: "[Cout, Cin/groups, kH, kW]"}[nd])
		return nil
	}
	groups, ok1 := c.intAttr("groups", 1, 1)
	stride, ok2 := c.perAxis("stride", nd, 1, 1)
	pad, ok3 := c.perAxis("padding", nd, 0, 0)
	dil, ok4 := c.perAxis("dilation", nd, 1, 1)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil
	}
	cout, cinG := w.Shape[0], w.Shape[1]
	if cinG*groups != in[0] {
		c.errf("tensor weight has shape %v: Cin/groups = %d with groups = %d, but the input has %d channels", w.Shape, cinG, groups, in[0])
		return nil
	}
	if cout%groups != 0 {
		c.errf("output channels %d not divisible by groups %d", cout, groups)
		return nil
	}
	if !c.tensorShape("bias", Shape{cout}) {
		return nil
	}
	out := Shape{cout}
	for i := range nd {
		k := w.Shape[2+i]
		o, ok := outLen(in[1+i], pad[i], dil[i]*(k-1)+1, stride[i])
		if !ok || k < 1 {
			kernel := fmt.Sprint(w.Shape[2])
			padding := fmt.Sprint(pad[0])
			if nd == 2 {
				kernel = fmt.Sprintf("%dx%d", w.Shape[2], w.Shape[3])
				padding = fmt.Sprint(pad)
			}
			c.errf("kernel %s does not fit input %v with padding %s", kernel, in, padding)
			return nil
		}
		out = append(out, o)
	}
	if is := c.n.Ints("input_shape"); is != nil && !slices.Equal(is, in) {
		c.errf("attribute input_shape = %v, but the input is %v", is, in)
		return nil
	}
	return out
}

// perAxis reads a stride/padding/dilation attribute for nd spatial axes:
// one value for every axis or, for nd = 2, one per axis.
func (c *nodeCheck) perAxis(name string, nd, def, lo int) ([]int, bool) {
	if nd == 1 {
		v, ok := c.single(name, def, lo)
		return []int{v}, ok
	}
	p, ok := c.pair(name, def, lo)
	return p[:], ok
}

// macsConv: Cout · spatial out · Cin/groups · kernel volume.
func macsConv(n *Node, in []Shape, out Shape) int64 {
	w := n.Tensors["weight"]
	perOut := int64(1)
	for _, d := range w.Shape[1:] {
		perOut *= int64(d)
	}
	return out.Numel() * perOut
}

func inferPool(c *nodeCheck) Shape {
	if !c.rank("[C,H,W]", 3) {
		return nil
	}
	in := c.input()
	k, ok1 := c.pair("kernel_size", 1, 1)
	if !ok1 {
		return nil
	}
	stride, ok2 := k, true // stride defaults to the kernel size
	if _, set := c.n.Attrs["stride"]; set {
		stride, ok2 = c.pair("stride", 1, 1)
	}
	pad, ok3 := c.pair("padding", 0, 0)
	if !ok2 || !ok3 {
		return nil
	}
	out := Shape{in[0], 0, 0}
	for i := range 2 {
		o, ok := outLen(in[1+i], pad[i], k[i], stride[i])
		if !ok {
			c.errf("pool kernel %v does not fit input %v with padding %v", k, in, pad)
			return nil
		}
		out[1+i] = o
	}
	return out
}

func inferFlatten(c *nodeCheck) Shape {
	in := c.input()
	r := len(in)
	s := c.n.Int("start_dim", 0)
	e := c.n.Int("end_dim", -1)
	if s < 0 {
		s += r
	}
	if e < 0 {
		e += r
	}
	if s < 0 || e >= r || s > e {
		c.errf("start_dim %d, end_dim %d out of range for input %v", c.n.Int("start_dim", 0), c.n.Int("end_dim", -1), in)
		return nil
	}
	out := slices.Clone(in[:s])
	out = append(out, int(Shape(in[s:e+1]).Numel()))
	return append(out, in[e+1:]...)
}

// inferElementwise handles Scale, Threshold, Delay and the NIR neurons: every tensor
// parameter either broadcasts to the input shape by NumPy rules (so [] or [1] is a
// scalar, [C,1,1] is per channel of [C,H,W], [F] is per feature of [N,F]) or has as
// many elements as the input (NIR's flattened per-neuron arrays).
func inferElementwise(c *nodeCheck) Shape {
	in := c.input()
	ok := true
	for _, name := range sortedKeys(c.n.Tensors) {
		t := c.n.Tensors[name]
		if t.Shape.Numel() != in.Numel() && !Broadcasts(t.Shape, in) {
			c.errf("tensor %s has shape %v, which neither broadcasts to the input %v nor has %d elements", name, t.Shape, in, in.Numel())
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return slices.Clone(in)
}

// Broadcasts reports whether a tensor of shape p broadcasts to shape to by NumPy rules
// without growing to: aligned from the last dimension, each dimension of p equals the
// one of to or is 1, and p has no more dimensions than to.
func Broadcasts(p, to Shape) bool {
	if len(p) > len(to) {
		return false
	}
	for i := 1; i <= len(p); i++ {
		d := p[len(p)-i]
		if d != 1 && d != to[len(to)-i] {
			return false
		}
	}
	return true
}

func inferMultiSpike(c *nodeCheck) Shape {
	d, ok := c.intAttr("D", 1, 1)
	if !ok {
		return nil
	}
	if v := c.n.Float("decay", 0); !(v >= 0 && v <= 1) {
		c.errf("attribute decay = %g, want in [0, 1]", v)
		return nil
	}
	if v := c.n.Float("norm", float64(d)); !(v > 0) {
		c.errf("attribute norm = %g, want > 0", v)
		return nil
	}
	return slices.Clone(c.input())
}

func inferBatchNorm(c *nodeCheck) Shape {
	in := c.input()
	ch := Shape{in[0]} // channels first; features for a rank-1 input
	ok := true
	for _, name := range []string{"weight", "bias", "running_mean", "running_var"} {
		ok = c.tensorShape(name, ch) && ok
	}
	if eps := c.n.Float("eps", 1e-5); !(eps > 0) {
		c.errf("attribute eps = %g, want > 0", eps)
		ok = false
	}
	if !ok {
		return nil
	}
	pad, ok := c.intAttr("padding", 0, 0)
	if !ok {
		return nil
	}
	if pad == 0 {
		return slices.Clone(in)
	}
	// BNAndPad (SpikeYOLO RepConv): the input is zero-padded on both sides of H and
	// W before normalising, so the border holds each channel's value at zero input.
	if len(in) != 3 {
		c.errf("attribute padding = %d needs a [C,H,W] input, have %v", pad, in)
		return nil
	}
	return Shape{in[0], in[1] + 2*pad, in[2] + 2*pad}
}

// inferDFL: the distribution-focal-loss integral of YOLOv8's box head. Input
// [4·bins, anchors]; each of the 4 box sides is a softmax over bins, and the output
// [4, anchors] is its expectation under the fixed weight [1, bins, 1, 1]
// (weight[i] = i in the authors' model).
func inferDFL(c *nodeCheck) Shape {
	in := c.input()
	if len(in) != 2 {
		c.errf("input %v, want [4·bins, anchors]", in)
		return nil
	}
	w := c.n.Tensors["weight"]
	if w == nil {
		return nil
	}
	if len(w.Shape) != 4 || w.Shape[0] != 1 || w.Shape[2] != 1 || w.Shape[3] != 1 || w.Shape[1] < 1 {
		c.errf("tensor weight has shape %v, want [1, bins, 1, 1]", w.Shape)
		return nil
	}
	if in[0] != 4*w.Shape[1] {
		c.errf("input has %d channels, want 4 × bins = %d", in[0], 4*w.Shape[1])
		return nil
	}
	return Shape{4, in[1]}
}

// macsDFL: one multiply-accumulate per bin per side and anchor.
func macsDFL(n *Node, in []Shape, out Shape) int64 {
	return out.Numel() * int64(n.Tensors["weight"].Shape[1])
}

func inferAdd(c *nodeCheck) Shape {
	for i, s := range c.in[1:] {
		if !slices.Equal(s, c.in[0]) {
			c.errf("input %d has shape %v, input 0 has %v; Add needs equal shapes", i+1, s, c.in[0])
			return nil
		}
	}
	return slices.Clone(c.in[0])
}

func inferConcat(c *nodeCheck) Shape {
	r := len(c.in[0])
	axis := c.n.Int("axis", 0)
	a := axis
	if a < 0 {
		a += r
	}
	if a < 0 || a >= r {
		c.errf("axis %d out of range for input %v", axis, c.in[0])
		return nil
	}
	out := slices.Clone(c.in[0])
	for i, s := range c.in[1:] {
		if len(s) != r {
			c.errf("input %d has shape %v, input 0 has %v; Concat needs equal ranks", i+1, s, c.in[0])
			return nil
		}
		for j := range r {
			if j != a && s[j] != out[j] {
				c.errf("input %d has shape %v, input 0 has %v; Concat needs equal sizes except on axis %d", i+1, s, c.in[0], axis)
				return nil
			}
		}
		out[a] += s[a]
	}
	return out
}

func inferUpsample(c *nodeCheck) Shape {
	if !c.rank("[C,H,W]", 3) {
		return nil
	}
	f, ok := c.intAttr("scale_factor", 1, 1)
	if !ok {
		return nil
	}
	in := c.input()
	out := Shape{in[0], in[1] * f, in[2] * f}
	if out.Numel() < 0 {
		c.errf("attribute scale_factor = %d too large", f)
		return nil
	}
	return out
}

// inferMean removes the dims averaged over; by default every dimension but the first
// (a spatial mean: [C,H,W] → [C]).
func inferMean(c *nodeCheck) Shape {
	in := c.input()
	r := len(in)
	dims := c.n.Ints("dims")
	if dims == nil {
		if r < 2 {
			c.errf("input %v has no dimension to average beyond the first; set attribute dims", in)
			return nil
		}
		dims = make([]int, 0, r-1)
		for i := 1; i < r; i++ {
			dims = append(dims, i)
		}
	}
	drop := make([]bool, r)
	for _, d := range dims {
		a := d
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r || drop[a] {
			c.errf("attribute dims = %v invalid for input %v", dims, in)
			return nil
		}
		drop[a] = true
	}
	out := Shape{}
	for i, d := range in {
		if !drop[i] {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = Shape{1}
	}
	return out
}

// inferSpikeAttention: inputs q, k [C, spatial…] and v [Cv, spatial…]; output
// [Cv, spatial…]. Tokens are the spatial positions.
func inferSpikeAttention(c *nodeCheck) Shape {
	q, k, v := c.in[0], c.in[1], c.in[2]
	if len(q) < 2 {
		c.errf("input q has shape %v, want [C, tokens…]", q)
		return nil
	}
	if !slices.Equal(q, k) {
		c.errf("inputs q %v and k %v differ in shape", q, k)
		return nil
	}
	if len(v) != len(q) || !slices.Equal(v[1:], q[1:]) {
		c.errf("input v has shape %v, want [Cv%v] to match q %v", v, q[1:], q)
		return nil
	}
	h, ok := c.intAttr("heads", 1, 1)
	if !ok {
		return nil
	}
	if q[0]%h != 0 || v[0]%h != 0 {
		c.errf("heads %d does not divide channels q %d, v %d", h, q[0], v[0])
		return nil
	}
	return slices.Clone(v)
}

func macsSpikeAttention(n *Node, in []Shape, out Shape) int64 {
	c, cv := int64(in[0][0]), int64(in[2][0])
	tokens := in[0].Numel() / c
	if n.Str("order", "qk_v") == "q_kv" {
		return 2 * tokens * c * cv / int64(n.Int("heads", 1))
	}
	return tokens * tokens * (c + cv)
}

// inferLinearAttention: inputs q, k [N, dk], v [N, dv] and an optional decay gate
// g [N, dk] with values in (0,1); output [N, dv]. Without g, attribute decay gives a
// constant decay.
func inferLinearAttention(c *nodeCheck) Shape {
	q, k, v := c.in[0], c.in[1], c.in[2]
	if len(q) != 2 || len(v) != 2 {
		c.errf("inputs q %v, v %v: want [tokens, features]", q, v)
		return nil
	}
	if !slices.Equal(q, k) || (len(c.in) == 4 && !slices.Equal(q, c.in[3])) {
		c.errf("inputs q %v, k %v and gate must have the same shape", q, k)
		return nil
	}
	if v[0] != q[0] {
		c.errf("input v has %d tokens, q has %d", v[0], q[0])
		return nil
	}
	h, ok := c.intAttr("heads", 1, 1)
	if !ok {
		return nil
	}
	if q[1]%h != 0 || v[1]%h != 0 {
		c.errf("heads %d does not divide dk %d and dv %d", h, q[1], v[1])
		return nil
	}
	if d := c.n.Float("decay", 1); !(d > 0 && d <= 1) {
		c.errf("attribute decay = %g, want in (0, 1]", d)
		return nil
	}
	return slices.Clone(v)
}

// macsLinearAttention: per token and head, a rank-1 state update and a readout, each
// dk/H × dv/H.
func macsLinearAttention(n *Node, in []Shape, out Shape) int64 {
	tokens, dk, dv := int64(in[0][0]), int64(in[0][1]), int64(in[2][1])
	return 2 * tokens * dk * dv / int64(n.Int("heads", 1))
}

// inferGraphConv: input X [nodes, Fin]; Â in COO form (adj_row, adj_col, adj_val, all
// [E]); weight [Fout, Fin], bias [Fout]; output [nodes, Fout].
func inferGraphConv(c *nodeCheck) Shape {
	if !c.rank("[nodes, features]", 2) {
		return nil
	}
	in := c.input()
	w, r, col, val := c.n.Tensors["weight"], c.n.Tensors["adj_row"], c.n.Tensors["adj_col"], c.n.Tensors["adj_val"]
	if w == nil || r == nil || col == nil || val == nil {
		return nil
	}
	if len(w.Shape) != 2 || w.Shape[1] != in[1] {
		c.errf("tensor weight has shape %v, want [Fout, %d]", w.Shape, in[1])
		return nil
	}
	if !c.tensorShape("bias", Shape{w.Shape[0]}) {
		return nil
	}
	if len(r.Shape) != 1 || !slices.Equal(r.Shape, col.Shape) || !slices.Equal(r.Shape, val.Shape) {
		c.errf("adjacency tensors adj_row %v, adj_col %v, adj_val %v: want equal shapes [E]", r.Shape, col.Shape, val.Shape)
		return nil
	}
	if r.DType != I32 || col.DType != I32 {
		return nil // reported by the dtype check
	}
	for i := range r.I32 {
		if r.I32[i] < 0 || int(r.I32[i]) >= in[0] || col.I32[i] < 0 || int(col.I32[i]) >= in[0] {
			c.errf("adjacency entry %d = (%d, %d) out of range for %d graph nodes", i, r.I32[i], col.I32[i], in[0])
			return nil
		}
	}
	return Shape{in[0], w.Shape[0]}
}

func macsGraphConv(n *Node, in []Shape, out Shape) int64 {
	e := int64(n.Tensors["adj_row"].Shape[0])
	fin := int64(in[0][1])
	return e*fin + out.Numel()*fin
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
