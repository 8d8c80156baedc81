package models

import (
	"fmt"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"math"
	"slices"
)

// A linear chain is a run of Conv2d and BatchNorm nodes with no nonlinearity between
// them, each feeding only the next: re-parameterised blocks such as SpikeYOLO's
// RepConv (1×1 → BNAndPad → depthwise 3×3 → 1×1 → BN) and SepRepConv (BNAndPad →
// 1×1 → depthwise 3×3), or SDT-V3 Large's RepConv (1×1 → BN → 1×1 → BN). At
// inference such a chain is one convolution.
//
// A chain folds exactly when every convolution has stride 1 and dilation 1 and
// zero padding enters only where it commutes with what came before: a conv or a
// padded BatchNorm may pad only if every node before it in the chain is a 1×1
// convolution without bias (so the chain maps a zero border to a zero border). The
// folded conv then pads the chain's input by the sum of those paddings.

// ChainFold describes the single convolution a linear chain folds into.
type ChainFold struct {
	Cin, Cout int // channels of the chain's input and output
	Kernel    int // square kernel: 1 + Σ (k − 1) over the chain's convs
	Padding   int // zero padding of the chain's input
	Convs     int // convolutions in the chain
}

// LinearChains returns every maximal linear chain of g that holds at least two
// convolutions, each in order from its first node, the chains in graph order.
// Leading and trailing BatchNorms belong to the chain. Whether a chain also folds
// is PlanFold's question.
func LinearChains(g *Graph) [][]string {
	linear := func(n *Node) bool { return n != nil && (n.Op == OpConv2d || n.Op == OpBatchNorm) }
	// next returns the single linear successor that continues the chain from id.
	next := func(id string) string {
		succ := g.OutEdges(id)
		if len(succ) != 1 || succ[0].Recurrent {
			return ""
		}
		to := g.Node(succ[0].To)
		if !linear(to) || len(g.InEdges(to.ID)) != 1 {
			return ""
		}
		return to.ID
	}
	starts := func(n *Node) bool {
		in := g.InEdges(n.ID)
		if len(in) != 1 || in[0].Recurrent {
			return true
		}
		return next(in[0].From) != n.ID || !linear(g.Node(in[0].From))
	}
	var chains [][]string
	for _, n := range g.nodes {
		if !linear(n) || !starts(n) {
			continue
		}
		chain := []string{n.ID}
		convs := 0
		if n.Op == OpConv2d {
			convs++
		}
		for id := next(n.ID); id != "" && !slices.Contains(chain, id); id = next(id) {
			chain = append(chain, id)
			if g.Node(id).Op == OpConv2d {
				convs++
			}
		}
		if convs >= 2 {
			chains = append(chains, chain)
		}
	}
	return chains
}

// PlanFold checks that the chain ids (first to last, as LinearChains returns them)
// folds into one convolution and returns its shape. shapes holds the inferred output
// shape of every node (InferShapes) and in the chain input's shape.
func PlanFold(g *Graph, ids []string, in Shape) (ChainFold, error) {
	if len(ids) == 0 {
		return ChainFold{}, fmt.Errorf("models: fold chain: empty chain")
	}
	if len(in) != 3 {
		return ChainFold{}, fmt.Errorf("models: fold chain %s: input %v, want [C,H,W]", ids[0], in)
	}
	f := ChainFold{Cin: in[0], Cout: in[0], Kernel: 1}
	zeroMap := true // everything so far maps a zero input to zero (biasless 1×1 convs only)
	for i, id := range ids {
		n := g.Node(id)
		if n == nil {
			return ChainFold{}, fmt.Errorf("models: fold chain: no node %s", id)
		}
		if i > 0 {
			in := g.InEdges(id)
			if len(in) != 1 || in[0].From != ids[i-1] || in[0].Recurrent {
				return ChainFold{}, fmt.Errorf("models: fold chain: %s is not fed by %s alone", id, ids[i-1])
			}
		}
		if i < len(ids)-1 {
			if out := g.OutEdges(id); len(out) != 1 || out[0].To != ids[i+1] {
				return ChainFold{}, fmt.Errorf("models: fold chain: %s feeds more than %s", id, ids[i+1])
			}
		}
		switch n.Op {
		case OpBatchNorm:
			if p := n.Int("padding", 0); p != 0 {
				if !zeroMap {
					return ChainFold{}, fmt.Errorf("models: fold chain: padded BatchNorm %s follows a node that does not map zero to zero", id)
				}
				f.Padding += p
			}
			zeroMap = false
		case OpConv2d:
			w := n.Tensors["weight"]
			if w == nil || len(w.Shape) != 4 || w.Shape[2] != w.Shape[3] {
				return ChainFold{}, fmt.Errorf("models: fold chain: conv %s needs a square 4-D weight", id)
			}
			if s := n.Ints("stride"); slices.ContainsFunc(s, func(v int) bool { return v != 1 }) {
				return ChainFold{}, fmt.Errorf("models: fold chain: conv %s has stride %v; only stride 1 folds", id, s)
			}
			if d := n.Ints("dilation"); slices.ContainsFunc(d, func(v int) bool { return v != 1 }) {
				return ChainFold{}, fmt.Errorf("models: fold chain: conv %s has dilation %v; only dilation 1 folds", id, d)
			}
			pad := n.Ints("padding")
			p := 0
			if len(pad) > 0 {
				p = pad[0]
				for _, v := range pad {
					if v != p {
						return ChainFold{}, fmt.Errorf("models: fold chain: conv %s pads unevenly %v", id, pad)
					}
				}
			}
			if p != 0 {
				if !zeroMap {
					return ChainFold{}, fmt.Errorf("models: fold chain: conv %s pads after a node that does not map zero to zero", id)
				}
				f.Padding += p
			}
			groups := n.Int("groups", 1)
			if w.Shape[1]*groups != f.Cout {
				return ChainFold{}, fmt.Errorf("models: fold chain: conv %s takes %d channels, the chain carries %d", id, w.Shape[1]*groups, f.Cout)
			}
			f.Cout = w.Shape[0]
			f.Kernel += w.Shape[2] - 1
			f.Convs++
			if w.Shape[2] != 1 || n.Tensors["bias"] != nil {
				zeroMap = false
			}
		default:
			return ChainFold{}, fmt.Errorf("models: fold chain: %s is %s, want Conv2d or BatchNorm", id, n.Op)
		}
	}
	return f, nil
}

// FoldChain replaces the linear chain ids by one Conv2d that computes the same
// function (up to float rounding: the composition is done in float64 and rounded
// once). The new conv takes the first node's ID; the chain's consumers read it.
func FoldChain(g *Graph, ids []string) error {
	return FoldChains(g, [][]string{ids})
}

// FoldChains folds every chain of chains (disjoint, as LinearChains returns them)
// like FoldChain, verifying the graph once before and once after.
func FoldChains(g *Graph, chains [][]string) error {
	shapes, err := InferShapes(g, nil)
	if err != nil {
		return fmt.Errorf("models: fold chain: graph does not verify:\n%w", err)
	}
	for _, ids := range chains {
		if err := foldChain(g, ids, shapes); err != nil {
			return err
		}
	}
	return Verify(g)
}

// foldChain folds one chain given the shapes of the verified graph, and updates
// them: the folded conv, under the chain's first ID, outputs the chain's output.
func foldChain(g *Graph, ids []string, shapes map[string]Shape) error {
	if len(ids) == 0 {
		return fmt.Errorf("models: fold chain: empty chain")
	}
	preds := g.Predecessors(ids[0])
	if len(preds) != 1 {
		return fmt.Errorf("models: fold chain: %s needs exactly one input", ids[0])
	}
	plan, err := PlanFold(g, ids, shapes[preds[0]])
	if err != nil {
		return err
	}
	// The running composite: a dense kernel [cout, cin, k, k] and a bias.
	cin := plan.Cin
	cout, k := cin, 1
	w := make([]float64, cin*cin) // identity
	for c := range cin {
		w[c*cin+c] = 1
	}
	b := make([]float64, cin)
	identity := true // w is still the identity: a first conv just expands
	for _, id := range ids {
		n := g.Node(id)
		if identity && n.Op == OpConv2d {
			w, b, cout, k = expandConv(n, cin)
			identity = false
			continue
		}
		identity = false
		switch n.Op {
		case OpBatchNorm:
			gamma, beta := n.Tensors["weight"].F32, n.Tensors["bias"].F32
			mean, vr := n.Tensors["running_mean"].F32, n.Tensors["running_var"].F32
			eps := n.Float("eps", 1e-5)
			per := cin * k * k
			for c := range cout {
				s := float64(gamma[c]) / math.Sqrt(float64(vr[c])+eps)
				for i := c * per; i < (c+1)*per; i++ {
					w[i] *= s
				}
				b[c] = (b[c]-float64(mean[c]))*s + float64(beta[c])
			}
		case OpConv2d:
			w, b, cout, k = composeConv(n, w, b, cout, cin, k)
		}
	}
	nw := make([]float32, len(w))
	for i, v := range w {
		nw[i] = float32(v)
		if math.IsInf(float64(nw[i]), 0) || math.IsNaN(float64(nw[i])) {
			return fmt.Errorf("models: fold chain %s: folded weight %d overflows float32", ids[0], i)
		}
	}
	nb := make([]float32, len(b))
	for i, v := range b {
		nb[i] = float32(v)
	}
	first := g.Node(ids[0])
	conv := NewNode(first.ID, OpConv2d)
	conv.SetF32("weight", Shape{cout, cin, k, k}, nw).SetF32("bias", Shape{cout}, nb)
	if plan.Padding != 0 {
		conv.SetInts("padding", plan.Padding, plan.Padding)
	}
	last := ids[len(ids)-1]
	for i := range g.edges {
		if g.edges[i].From == last {
			g.edges[i].From = first.ID
		}
	}
	for _, id := range ids[1:] {
		g.RemoveNode(id)
	}
	g.nodes[g.index[first.ID]] = conv
	shapes[first.ID] = shapes[last] // the folded conv outputs what the chain did
	return nil
}

// expandConv returns conv n (on c0 input channels) as a dense composite
// [cout, c0, k, k] with its bias.
func expandConv(n *Node, c0 int) ([]float64, []float64, int, int) {
	wt := n.Tensors["weight"]
	cout, cg, k := wt.Shape[0], wt.Shape[1], wt.Shape[2]
	perGroup := cout / n.Int("groups", 1)
	w := make([]float64, cout*c0*k*k)
	for o := range cout {
		g0 := (o / perGroup) * cg
		for j := range cg {
			src := wt.F32[(o*cg+j)*k*k : (o*cg+j+1)*k*k]
			dst := w[(o*c0+g0+j)*k*k:]
			for i, v := range src {
				dst[i] = float64(v)
			}
		}
	}
	b := make([]float64, cout)
	if t := n.Tensors["bias"]; t != nil {
		for i, v := range t.F32 {
			b[i] = float64(v)
		}
	}
	return w, b, cout, k
}

// composeConv applies conv n after the composite (w [c1, c0, ka, ka], bias b) and
// returns the new composite [c2, c0, ka+kb−1, …].
func composeConv(n *Node, w, b []float64, c1, c0, ka int) ([]float64, []float64, int, int) {
	wt := n.Tensors["weight"]
	c2, cg, kb := wt.Shape[0], wt.Shape[1], wt.Shape[2]
	groups := n.Int("groups", 1)
	outPerGroup := c2 / groups
	k := ka + kb - 1
	nw := make([]float64, c2*c0*k*k)
	nb := make([]float64, c2)
	var bias []float32
	if t := n.Tensors["bias"]; t != nil {
		bias = t.F32
	}
	if kb == 1 && groups == 1 {
		// A dense 1×1 conv after the composite (RepConv's chains): the new
		// composite is the matrix product W·w, [c2, c1]·[c1, c0·ka²]. Done as
		// one blocked Gemm: each output block is summed along c1 in order by
		// one worker, so the result does not depend on GOMAXPROCS; the
		// row-by-row axpy below it streamed w once per output row and took
		// 22 s of Large-768's compile (docs/bench-zoo.md).
		wm := make([]float64, c2*cg)
		for i, v := range wt.F32 {
			wm[i] = float64(v)
		}
		kk := c0 * ka * ka
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas64.General{Rows: c2, Cols: cg, Stride: cg, Data: wm},
			blas64.General{Rows: cg, Cols: kk, Stride: kk, Data: w[:cg*kk]}, 0,
			blas64.General{Rows: c2, Cols: kk, Stride: kk, Data: nw})
		for o := range c2 {
			acc := 0.0
			if bias != nil {
				acc = float64(bias[o])
			}
			for j, bw := range wm[o*cg : (o+1)*cg] {
				acc += bw * b[j]
			}
			nb[o] = acc
		}
		return nw, nb, c2, k
	}
	for o := range c2 {
		g0 := (o / outPerGroup) * cg
		acc := 0.0
		if bias != nil {
			acc = float64(bias[o])
		}
		dst := nw[o*c0*k*k : (o+1)*c0*k*k]
		if kb == 1 {
			// A 1×1 conv after the composite: row o is a weighted sum of the
			// composite's rows (k = ka), one contiguous axpy per input channel.
			for j := range cg {
				mid := g0 + j
				bw := float64(wt.F32[o*cg+j])
				if bw == 0 {
					continue
				}
				acc += bw * b[mid]
				src := w[mid*c0*ka*ka : (mid+1)*c0*ka*ka]
				for i, v := range src {
					dst[i] += bw * v
				}
			}
			nb[o] = acc
			continue
		}
		for j := range cg {
			mid := g0 + j
			src := w[mid*c0*ka*ka : (mid+1)*c0*ka*ka]
			for i := range kb {
				for jj := range kb {
					bw := float64(wt.F32[((o*cg+j)*kb+i)*kb+jj])
					if bw == 0 {
						continue
					}
					acc += bw * b[mid]
					for c := range c0 {
						for u := range ka {
							row := dst[(c*k+u+i)*k+jj:]
							s := src[(c*ka+u)*ka:]
							for v := range ka {
								row[v] += bw * s[v]
							}
						}
					}
				}
			}
		}
		nb[o] = acc
	}
	return nw, nb, c2, k
}
