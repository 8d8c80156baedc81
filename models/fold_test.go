package models

import (
	"math"
	"strings"
	"testing"
)

// bnRef applies an unfolded BatchNorm to y for channel c.
func bnRef(y float64, c int, bn *Node) float64 {
	g, b := float64(bn.Tensors["weight"].F32[c]), float64(bn.Tensors["bias"].F32[c])
	m, v := float64(bn.Tensors["running_mean"].F32[c]), float64(bn.Tensors["running_var"].F32[c])
	return (y-m)/math.Sqrt(v+bn.Float("eps", 1e-5))*g + b
}

func addBN(g *Graph, id string, c int) *Node {
	vr := make([]float32, c)
	for i := range vr {
		vr[i] = 0.5 + float32(i)/4
	}
	return g.Add(id, OpBatchNorm).SetF32("weight", Shape{c}, seq(c)).SetF32("bias", Shape{c}, seq(c + 3)[3:]).
		SetF32("running_mean", Shape{c}, seq(c + 7)[7:]).SetF32("running_var", Shape{c}, vr).SetFloat("eps", 1e-3)
}

func TestFoldBatchNormDense(t *testing.T) {
	for _, op := range []Op{OpLinear, OpAffine} {
		g := NewGraph()
		g.Add("in", OpInput).SetInts("shape", 5)
		fc := g.Add("fc", op).SetF32("weight", Shape{3, 5}, seq(15))
		if op == OpAffine {
			fc.SetF32("bias", Shape{3}, seq(4)[1:])
		}
		bn := addBN(g, "bn", 3)
		g.Add("out", OpOutput)
		g.Chain("in", "fc", "bn", "out")
		x := []float64{0.3, -1, 2, 0.5, -0.25}
		want := make([]float64, 3)
		for c := range 3 {
			y := 0.0
			for i := range 5 {
				y += float64(fc.Tensors["weight"].F32[c*5+i]) * x[i]
			}
			if op == OpAffine {
				y += float64(fc.Tensors["bias"].F32[c])
			}
			want[c] = bnRef(y, c, bn)
		}
		if n, err := FoldAllBatchNorm(g); err != nil || n != 1 {
			t.Fatalf("%s: folded %d, err %v", op, n, err)
		}
		if g.Node("bn") != nil || g.Node("fc").Op != OpAffine {
			t.Fatalf("%s: bn not removed or fc not Affine", op)
		}
		if p := g.Predecessors("out"); len(p) != 1 || p[0] != "fc" {
			t.Fatalf("out fed by %v", p)
		}
		for c := range 3 {
			y := float64(fc.Tensors["bias"].F32[c])
			for i := range 5 {
				y += float64(fc.Tensors["weight"].F32[c*5+i]) * x[i]
			}
			if math.Abs(y-want[c]) > 1e-5*math.Max(1, math.Abs(want[c])) {
				t.Errorf("%s channel %d: folded %g, unfolded %g", op, c, y, want[c])
			}
		}
	}
}

func TestFoldBatchNormConv(t *testing.T) {
	g := convNet()
	conv := g.Node("conv1")
	w0 := append([]float32(nil), conv.Tensors["weight"].F32...)
	bn := g.Node("bn1").Clone()
	if n, err := FoldAllBatchNorm(g); err != nil || n != 2 {
		t.Fatalf("folded %d, err %v", n, err)
	}
	// Channel c of a conv scales every weight of filter c by the same factor.
	for c := range 16 {
		for i := range 9 {
			want := bnRef(float64(w0[c*9+i]), c, bn) - bnRef(0, c, bn)
			if got := float64(conv.Tensors["weight"].F32[c*9+i]); math.Abs(got-want) > 1e-6 {
				t.Fatalf("weight %d,%d: %g, want %g", c, i, got, want)
			}
		}
		if got, want := float64(conv.Tensors["bias"].F32[c]), bnRef(0, c, bn); math.Abs(got-want) > 1e-6 {
			t.Errorf("bias %d: %g, want %g", c, got, want)
		}
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
}

func TestFoldBatchNormRefuses(t *testing.T) {
	g := convNet()
	g.Add("tap", OpOutput)
	g.Connect("conv1", "tap") // conv1 feeds two nodes
	if err := FoldBatchNorm(g, "bn1"); err == nil || !strings.Contains(err.Error(), "outgoing edges") {
		t.Errorf("err = %v", err)
	}
	if err := FoldBatchNorm(g, "conv2"); err == nil || !strings.Contains(err.Error(), "not a BatchNorm") {
		t.Errorf("err = %v", err)
	}
}
