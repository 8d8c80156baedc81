package models

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// seq returns deterministic distinct values (exact in float32).
func seq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%97)/64 - 0.75
	}
	return v
}

// convNet builds the SFA conv net of ../shared/bench/torch_sfa_mnist.py.
func convNet() *Graph {
	g := NewGraph()
	g.Add("in", OpInput).SetInts("shape", 1, 28, 28)
	g.Add("conv1", OpConv2d).SetF32("weight", Shape{16, 1, 3, 3}, seq(144)).SetInts("padding", 1, 1)
	g.Add("bn1", OpBatchNorm).SetF32("weight", Shape{16}, ones(16)).SetF32("bias", Shape{16}, seq(16)).
		SetF32("running_mean", Shape{16}, seq(16)).SetF32("running_var", Shape{16}, ones(16)).SetFloat("eps", 1e-5)
	g.Add("spike1", OpMultiSpike).SetInt("D", 4).SetString("rounding", RoundHalfEven)
	g.Add("pool1", OpAvgPool2d).SetInts("kernel_size", 2)
	g.Add("conv2", OpConv2d).SetF32("weight", Shape{32, 16, 3, 3}, seq(32*16*9)).SetInt("padding", 1)
	g.Add("bn2", OpBatchNorm).SetF32("weight", Shape{32}, ones(32)).SetF32("bias", Shape{32}, seq(32)).
		SetF32("running_mean", Shape{32}, seq(32)).SetF32("running_var", Shape{32}, ones(32))
	g.Add("spike2", OpMultiSpike).SetInt("D", 4)
	g.Add("pool2", OpAvgPool2d).SetInts("kernel_size", 2, 2).SetInts("stride", 2, 2)
	g.Add("flat", OpFlatten)
	g.Add("fc", OpAffine).SetF32("weight", Shape{10, 32 * 7 * 7}, seq(10*32*49)).SetF32("bias", Shape{10}, seq(10))
	g.Add("out", OpOutput)
	g.Chain("in", "conv1", "bn1", "spike1", "pool1", "conv2", "bn2", "spike2", "pool2", "flat", "fc", "out")
	return g
}

func TestConvNetShapesAndCounts(t *testing.T) {
	g := convNet()
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Shape{
		"in": {1, 28, 28}, "conv1": {16, 28, 28}, "pool1": {16, 14, 14}, "conv2": {32, 14, 14},
		"pool2": {32, 7, 7}, "flat": {1568}, "fc": {10}, "out": {10},
	}
	for _, r := range s.Nodes {
		if w, ok := want[r.ID]; ok && !slices.Equal(r.Out, w) {
			t.Errorf("%s: shape %v, want %v", r.ID, r.Out, w)
		}
	}
	// PyTorch counts for the same net: conv 144 + bn 32 + conv 4608 + bn 64 + fc 15690.
	if s.Params != 144+32+4608+64+15690 {
		t.Errorf("params = %d, want %d", s.Params, 144+32+4608+64+15690)
	}
	// MACs: 16·784·9 + 32·196·144 + 1568·10.
	if wantM := int64(16*784*9 + 32*196*144 + 1568*10); s.MACs != wantM {
		t.Errorf("MACs = %d, want %d", s.MACs, wantM)
	}
	// A larger input changes the conv MACs, and the dense layer then no longer fits.
	if _, err := Summarize(g, map[string]Shape{"in": {1, 32, 32}}); err == nil || !strings.Contains(err.Error(), "Flatten") {
		t.Errorf("override 32x32: err = %v, want a dense-shape error", err)
	}
}

func TestVerifyProblems(t *testing.T) {
	tests := []struct {
		name  string
		build func(g *Graph)
		want  []string // substrings, one per expected problem, in sorted order
	}{
		{"ok", func(g *Graph) {}, nil},
		{"unknown op", func(g *Graph) { g.Add("x", "Conv3d"); g.Connect("in", "x") }, []string{`node x: unknown op "Conv3d"`}},
		{"dangling edge", func(g *Graph) { g.Connect("fc", "nowhere") }, []string{`node fc: edge fc → nowhere: unknown target node "nowhere"`}},
		{"dangling source", func(g *Graph) { g.Connect("ghost", "fc") }, []string{`node fc: edge ghost → fc: unknown source node "ghost"`}},
		{"duplicate id", func(g *Graph) { g.Add("fc", OpOutput) }, []string{"node fc: duplicate node ID"}},
		{"bad id", func(g *Graph) { g.Add("a/b", OpOutput); g.Connect("lif", "a/b") }, []string{`node a/b: invalid node ID`}},
		{"missing tensor", func(g *Graph) { delete(g.Node("fc").Tensors, "bias") }, []string{"node fc: Affine needs tensor bias (F32)"}},
		{"wrong dtype", func(g *Graph) { g.Node("fc").SetTensor("bias", NewIntTensor(Shape{3}, []int32{1, 2, 3})) }, []string{"node fc: tensor bias has dtype I32, want F32"}},
		{"wrong length", func(g *Graph) { g.Node("fc").SetF32("bias", Shape{3}, ones(2)) }, []string{"node fc: tensor bias: shape [3] needs 3 values, has 2"}},
		{"nan weight", func(g *Graph) { g.Node("fc").Tensors["weight"].F32[4] = float32(math.NaN()) }, []string{"node fc: tensor weight: element 4 is NaN"}},
		{"bad bias shape", func(g *Graph) { g.Node("fc").SetF32("bias", Shape{4}, ones(4)) }, []string{"node fc: tensor bias has shape [4], want [3]"}},
		{"dense mismatch", func(g *Graph) { g.Node("in").SetInts("shape", 5) }, []string{"node fc: tensor weight has shape [3,4]: in = 4, but the input's last dimension is 5"}},
		{"unknown attr", func(g *Graph) { g.Node("lif").SetInt("bogus", 1) }, []string{`node lif: unknown attribute "bogus" for LIF`}},
		{"attr kind", func(g *Graph) { g.Node("in").SetString("shape", "4") }, []string{"node in: attribute shape is string, want ints"}},
		{"negative tau", func(g *Graph) { g.Node("lif").Tensors["tau"].F32[1] = -1 }, []string{"node lif: tensor tau[1] = -1, want > 0"}},
		{"cycle", func(g *Graph) { g.Connect("lif", "fc") }, []string{"graph: cycle of non-recurrent edges through fc, lif"}},
		{"recurrent ok", func(g *Graph) {
			g.Add("rec", OpLinear).SetF32("weight", Shape{3, 3}, ones(9))
			g.Connect("lif", "rec")
			g.ConnectRecurrent("rec", "lif")
		}, nil},
		{"recurrent shape", func(g *Graph) {
			g.Add("rec", OpLinear).SetF32("weight", Shape{2, 3}, ones(6))
			g.Connect("lif", "rec")
			g.ConnectRecurrent("rec", "lif")
			g.Add("sink", OpOutput)
			g.Connect("rec", "sink")
		}, []string{"node lif: recurrent edge from rec has shape [2], the node's input is [3]"}},
		{"recurrent into add", func(g *Graph) {
			g.Add("sum", OpAdd)
			g.Connect("fc", "sum")
			g.Connect("fc", "sum")
			g.ConnectRecurrent("lif", "sum")
			g.Add("o2", OpOutput)
			g.Connect("sum", "o2")
		}, []string{"node sum: recurrent edge from lif into Add, which does not sum its inputs"}},
		{"arity", func(g *Graph) { g.Add("sum", OpAdd); g.Connect("fc", "sum") }, []string{"node sum: Add has 1 inputs, want at least 2"}},
		{"output with successor", func(g *Graph) { g.Add("o2", OpOutput); g.Connect("out", "o2") }, []string{"node out: Output node has an outgoing edge to o2"}},
		{"multispike D", func(g *Graph) {
			g.Add("ms", OpMultiSpike).SetInt("D", 0).SetString("rounding", "nearest")
			g.Connect("fc", "ms")
		}, []string{"node ms: attribute D = 0, want ≥ 1", "node ms: attribute rounding = \"nearest\", want one of half-even, half-up"}},
		{"missing attr", func(g *Graph) { g.Add("ms", OpMultiSpike); g.Connect("fc", "ms") }, []string{"node ms: MultiSpike needs attribute D (int)"}},
		{"several problems", func(g *Graph) {
			g.Connect("zzz", "out")
			delete(g.Node("lif").Tensors, "r")
		}, []string{"node lif: LIF needs tensor r", "node out: edge zzz → out: unknown source node"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph()
			g.Add("in", OpInput).SetInts("shape", 4)
			g.Add("fc", OpAffine).SetF32("weight", Shape{3, 4}, seq(12)).SetF32("bias", Shape{3}, seq(3))
			g.Add("lif", OpLIF).SetF32("tau", Shape{3}, ones(3)).SetF32("r", Shape{3}, ones(3)).
				SetF32("v_leak", Shape{1}, []float32{0}).SetF32("v_threshold", Shape{3}, ones(3))
			g.Add("out", OpOutput)
			g.Chain("in", "fc", "lif", "out")
			tc.build(g)
			err := Verify(g)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				return
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			if len(list) < len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(list), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(list[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q\nall:\n%v", i, list[i].Error(), w, err)
				}
			}
			if len(list) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(list), len(tc.want), err)
			}
		})
	}
}

func TestOpShapes(t *testing.T) {
	tests := []struct {
		name string
		in   []Shape
		node func() *Node
		want Shape
	}{
		{"conv2d stride", []Shape{{3, 224, 224}}, func() *Node {
			return NewNode("x", OpConv2d).SetF32("weight", Shape{16, 3, 7, 7}, seq(16*3*49)).SetInts("stride", 2).SetInts("padding", 3)
		}, Shape{16, 112, 112}},
		{"conv2d depthwise dilated", []Shape{{8, 10, 10}}, func() *Node {
			return NewNode("x", OpConv2d).SetF32("weight", Shape{8, 1, 3, 3}, seq(72)).SetInt("groups", 8).SetInt("dilation", 2)
		}, Shape{8, 6, 6}},
		{"conv1d", []Shape{{4, 20}}, func() *Node {
			return NewNode("x", OpConv1d).SetF32("weight", Shape{6, 4, 5}, seq(120)).SetInt("stride", 3)
		}, Shape{6, 6}},
		{"sumpool", []Shape{{2, 34, 34}}, func() *Node { return NewNode("x", OpSumPool2d).SetInts("kernel_size", 2, 2) }, Shape{2, 17, 17}},
		{"maxpool pad stride1", []Shape{{4, 9, 9}}, func() *Node {
			return NewNode("x", OpMaxPool2d).SetInt("kernel_size", 5).SetInt("stride", 1).SetInt("padding", 2)
		}, Shape{4, 9, 9}},
		{"flatten partial", []Shape{{2, 3, 4}}, func() *Node { return NewNode("x", OpFlatten).SetInt("start_dim", 1) }, Shape{2, 12}},
		{"affine tokens", []Shape{{196, 8}}, func() *Node {
			return NewNode("x", OpAffine).SetF32("weight", Shape{5, 8}, seq(40)).SetF32("bias", Shape{5}, seq(5))
		}, Shape{196, 5}},
		{"upsample", []Shape{{3, 5, 6}}, func() *Node { return NewNode("x", OpUpsample).SetInt("scale_factor", 2) }, Shape{3, 10, 12}},
		{"mean default", []Shape{{7, 4, 4}}, func() *Node { return NewNode("x", OpMean) }, Shape{7}},
		{"mean dims", []Shape{{7, 4, 5}}, func() *Node { return NewNode("x", OpMean).SetInts("dims", -1) }, Shape{7, 4}},
		{"concat", []Shape{{2, 5, 5}, {3, 5, 5}, {1, 5, 5}}, func() *Node { return NewNode("x", OpConcat) }, Shape{6, 5, 5}},
		{"add", []Shape{{2, 5}, {2, 5}}, func() *Node { return NewNode("x", OpAdd) }, Shape{2, 5}},
		{"neuron per channel", []Shape{{3, 2, 2}}, func() *Node {
			return NewNode("x", OpIF).SetF32("r", Shape{3, 1, 1}, ones(3)).SetF32("v_threshold", Shape{3, 2, 2}, ones(12)).SetF32("v_reset", Shape{12}, ones(12))
		}, Shape{3, 2, 2}},
		{"neuron bad param", []Shape{{3, 2, 2}}, func() *Node {
			return NewNode("x", OpIF).SetF32("r", Shape{3}, ones(3)).SetF32("v_threshold", Shape{1}, ones(1))
		}, nil},
		{"spike attention", []Shape{{16, 14, 14}, {16, 14, 14}, {64, 14, 14}}, func() *Node {
			return NewNode("x", OpSpikeAttention).SetInt("heads", 8)
		}, Shape{64, 14, 14}},
		{"linear attention gated", []Shape{{10, 8}, {10, 8}, {10, 16}, {10, 8}}, func() *Node {
			return NewNode("x", OpLinearAttention).SetInt("heads", 2)
		}, Shape{10, 16}},
		{"graphconv", []Shape{{4, 3}}, func() *Node {
			return NewNode("x", OpGraphConv).SetF32("weight", Shape{2, 3}, seq(6)).
				SetTensor("adj_row", NewIntTensor(Shape{5}, []int32{0, 1, 2, 3, 0})).
				SetTensor("adj_col", NewIntTensor(Shape{5}, []int32{0, 1, 2, 3, 3})).
				SetF32("adj_val", Shape{5}, ones(5))
		}, Shape{4, 2}},
		{"graphconv bad index", []Shape{{4, 3}}, func() *Node {
			return NewNode("x", OpGraphConv).SetF32("weight", Shape{2, 3}, seq(6)).
				SetTensor("adj_row", NewIntTensor(Shape{1}, []int32{4})).
				SetTensor("adj_col", NewIntTensor(Shape{1}, []int32{0})).
				SetF32("adj_val", Shape{1}, ones(1))
		}, nil},
		{"conv too small", []Shape{{1, 2, 2}}, func() *Node { return NewNode("x", OpConv2d).SetF32("weight", Shape{1, 1, 3, 3}, seq(9)) }, nil},
		{"conv channel mismatch", []Shape{{2, 8, 8}}, func() *Node { return NewNode("x", OpConv2d).SetF32("weight", Shape{1, 1, 3, 3}, seq(9)) }, nil},
		{"attention heads", []Shape{{6, 4}, {6, 4}, {6, 4}}, func() *Node { return NewNode("x", OpSpikeAttention).SetInt("heads", 4) }, nil},
		{"conv empty output", []Shape{{1, 4, 4}}, func() *Node { return NewNode("x", OpConv2d).SetF32("weight", Shape{0, 1, 3, 3}, nil) }, nil},
		{"attention empty channels", []Shape{{0, 4}, {0, 4}, {0, 4}}, func() *Node { return NewNode("x", OpSpikeAttention).SetInt("heads", 1) }, nil},
		{"poisson", []Shape{{1, 28, 28}}, func() *Node { return NewNode("x", OpPoisson).SetInt("steps", 8).SetFloat("gain", 0.5) }, Shape{1, 28, 28}},
		{"poisson bad gain", []Shape{{1, 28, 28}}, func() *Node { return NewNode("x", OpPoisson).SetInt("steps", 8).SetFloat("gain", 2) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph()
			var ids []string
			for i, s := range tc.in {
				id := string(rune('a' + i))
				g.Add(id, OpInput).SetInts("shape", s...)
				ids = append(ids, id)
			}
			g.AddNode(tc.node())
			for _, id := range ids {
				g.Connect(id, "x")
			}
			shapes, err := InferShapes(g, nil)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("no error, shape %v", shapes["x"])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shapes["x"], tc.want) {
				t.Errorf("shape %v, want %v", shapes["x"], tc.want)
			}
		})
	}
}

func TestTopoOrderAndTraversal(t *testing.T) {
	g := NewGraph()
	for _, id := range []string{"in", "b", "a", "sum", "out"} {
		op := OpScale
		switch id {
		case "in":
			op = OpInput
		case "sum":
			op = OpAdd
		case "out":
			op = OpOutput
		}
		g.Add(id, op)
	}
	g.Connect("in", "a")
	g.Connect("in", "b")
	g.Connect("b", "sum")
	g.Connect("a", "sum")
	g.Connect("sum", "out")
	g.ConnectRecurrent("sum", "a")
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range order {
		ids = append(ids, n.ID)
	}
	if want := []string{"in", "b", "a", "sum", "out"}; !slices.Equal(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
	if !slices.Equal(g.Inputs(), []string{"in"}) || !slices.Equal(g.Outputs(), []string{"out"}) {
		t.Errorf("inputs %v outputs %v", g.Inputs(), g.Outputs())
	}
	if p := g.Predecessors("sum"); !slices.Equal(p, []string{"b", "a"}) {
		t.Errorf("predecessors %v", p)
	}
	if s := g.Successors("in"); !slices.Equal(s, []string{"a", "b"}) {
		t.Errorf("successors %v", s)
	}
	if len(g.InEdges("a")) != 2 || len(g.OutEdges("sum")) != 2 {
		t.Errorf("in/out edges wrong: %v %v", g.InEdges("a"), g.OutEdges("sum"))
	}
	g.Connect("out", "in")
	if _, err := g.TopoOrder(); err == nil {
		t.Error("cycle not detected")
	}
	g.Disconnect("out", "in", false)
	if err := g.Bypass("b"); err != nil {
		t.Fatal(err)
	}
	if p := g.Predecessors("sum"); !slices.Equal(p, []string{"in", "a"}) {
		t.Errorf("after bypass predecessors %v", p)
	}
	if !g.RemoveNode("a") || g.Node("a") != nil || len(g.InEdges("sum")) != 1 {
		t.Errorf("remove failed: %v", g.Edges())
	}
}
