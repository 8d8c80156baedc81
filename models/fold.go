package models

import (
	"fmt"
	"math"
)

// FoldBatchNorm folds the BatchNorm node bnID into the Conv1d, Conv2d, Affine or
// Linear node feeding it and removes it:
//
//	s = weight / sqrt(running_var + eps)
//	W'[c,…] = W[c,…]·s[c]      b'[c] = (b[c] − running_mean[c])·s[c] + bias[c]
//
// computed in float64 and rounded once to float32. A Linear becomes an Affine and a
// convolution without bias gets one. The producer must feed only bnID, and for dense
// layers the BatchNorm must act on a 1-D feature vector (its channels are the layer's
// outputs). The graph must verify before and does after.
func FoldBatchNorm(g *Graph, bnID string) error {
	shapes, err := InferShapes(g, nil)
	if err != nil {
		return fmt.Errorf("models: fold %s: graph does not verify:\n%w", bnID, err)
	}
	if err := foldBatchNorm(g, bnID, shapes); err != nil {
		return err
	}
	return Verify(g)
}

// foldBatchNorm folds bnID given the verified graph's shapes (which folding does
// not change), without verifying after.
func foldBatchNorm(g *Graph, bnID string, shapes map[string]Shape) error {
	bn := g.Node(bnID)
	if bn == nil || bn.Op != OpBatchNorm {
		return fmt.Errorf("models: fold %s: not a BatchNorm node", bnID)
	}
	if bn.Int("padding", 0) != 0 {
		return fmt.Errorf("models: fold %s: a padded BatchNorm (BNAndPad) does not fold into its producer; fold its whole chain (FoldChain)", bnID)
	}
	preds := g.Predecessors(bnID)
	if len(preds) != 1 || len(g.InEdges(bnID)) != 1 {
		return fmt.Errorf("models: fold %s: needs exactly one input and no recurrent input", bnID)
	}
	p := g.Node(preds[0])
	switch p.Op {
	case OpConv1d, OpConv2d, OpAffine, OpLinear:
	default:
		return fmt.Errorf("models: fold %s: producer %s is %s, want Conv1d, Conv2d, Affine or Linear", bnID, p.ID, p.Op)
	}
	if out := g.OutEdges(p.ID); len(out) != 1 {
		return fmt.Errorf("models: fold %s: producer %s has %d outgoing edges, want only the one into %s", bnID, p.ID, len(out), bnID)
	}
	if (p.Op == OpAffine || p.Op == OpLinear) && len(shapes[p.ID]) != 1 {
		return fmt.Errorf("models: fold %s: producer %s outputs %v; only a 1-D feature vector folds", bnID, p.ID, shapes[p.ID])
	}
	w := p.Tensors["weight"]
	cout := w.Shape[0]
	gamma, beta := bn.Tensors["weight"].F32, bn.Tensors["bias"].F32
	mean, vr := bn.Tensors["running_mean"].F32, bn.Tensors["running_var"].F32
	if len(gamma) != cout {
		return fmt.Errorf("models: fold %s: %d channels, producer %s has %d outputs (BatchNorm over tokens cannot fold)", bnID, len(gamma), p.ID, cout)
	}
	eps := bn.Float("eps", 1e-5)
	per := len(w.F32) / cout
	nw := make([]float32, len(w.F32))
	nb := make([]float32, cout)
	var b []float32
	if t := p.Tensors["bias"]; t != nil {
		b = t.F32
	}
	for c := range cout {
		s := float64(gamma[c]) / math.Sqrt(float64(vr[c])+eps)
		for i := c * per; i < (c+1)*per; i++ {
			nw[i] = float32(float64(w.F32[i]) * s)
		}
		bc := 0.0
		if b != nil {
			bc = float64(b[c])
		}
		nb[c] = float32((bc-float64(mean[c]))*s + float64(beta[c]))
	}
	for i, v := range nw {
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			return fmt.Errorf("models: fold %s: folded weight %d overflows float32", bnID, i)
		}
	}
	p.Tensors["weight"] = NewTensor(w.Shape.clone(), nw)
	p.Tensors["bias"] = NewTensor(Shape{cout}, nb)
	if p.Op == OpLinear {
		p.Op = OpAffine
	}
	return g.Bypass(bnID)
}

// FoldAllBatchNorm folds every BatchNorm that directly follows a convolution or
// dense layer (see FoldBatchNorm) and returns how many it folded. BatchNorms in other
// positions stay. The graph is verified once before and once after (not per fold:
// a 10⁸-weight model has hundreds of BatchNorms).
func FoldAllBatchNorm(g *Graph) (int, error) {
	shapes, err := InferShapes(g, nil)
	if err != nil {
		return 0, fmt.Errorf("models: fold batch norms: graph does not verify:\n%w", err)
	}
	var ids []string
	for _, n := range g.nodes {
		if n.Op != OpBatchNorm || n.Int("padding", 0) != 0 {
			continue
		}
		preds := g.Predecessors(n.ID)
		if len(preds) != 1 {
			continue
		}
		if p := g.Node(preds[0]); p != nil && (p.Op == OpConv1d || p.Op == OpConv2d || p.Op == OpAffine || p.Op == OpLinear) && len(g.OutEdges(p.ID)) == 1 {
			ids = append(ids, n.ID)
		}
	}
	for i, id := range ids {
		if err := foldBatchNorm(g, id, shapes); err != nil {
			return i, err
		}
	}
	return len(ids), Verify(g)
}

func (s Shape) clone() Shape { return append(Shape(nil), s...) }
