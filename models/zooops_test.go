package models

import (
	"strings"
	"testing"
)

// BatchNorm padding (SpikeYOLO's BNAndPad) grows H and W; DFL maps [4·bins, A] to
// [4, A] with bins MACs per output.
func TestPaddedBatchNormAndDFL(t *testing.T) {
	g := NewGraph()
	g.Add("x", OpInput).SetInts("shape", 2, 4, 5)
	bn := g.Add("bn", OpBatchNorm).SetInt("padding", 1)
	for _, n := range []string{"weight", "bias", "running_mean", "running_var"} {
		bn.SetF32(n, Shape{2}, []float32{1, 1})
	}
	g.Connect("x", "bn")
	g.Add("b", OpInput).SetInts("shape", 64, 10)
	w := make([]float32, 16)
	g.Add("dfl", OpDFL).SetF32("weight", Shape{1, 16, 1, 1}, w)
	g.Connect("b", "dfl")
	s, err := Summarize(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range s.Nodes {
		switch n.ID {
		case "bn":
			if n.Out.String() != "[2,6,7]" {
				t.Errorf("padded BatchNorm out %v, want [2,6,7]", n.Out)
			}
		case "dfl":
			if n.Out.String() != "[4,10]" || n.MACs != 4*10*16 || n.Params != 16 {
				t.Errorf("DFL out %v MACs %d params %d", n.Out, n.MACs, n.Params)
			}
		}
	}
	// Wrong shapes are errors.
	g.Node("dfl").SetF32("weight", Shape{1, 8, 1, 1}, w[:8])
	bn.SetInt("padding", -1)
	err = Verify(g)
	if err == nil || !strings.Contains(err.Error(), "4 × bins") || !strings.Contains(err.Error(), "padding") {
		t.Errorf("Verify = %v, want the DFL channel and padding problems", err)
	}
}
