package models_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/neurosim/neurosim/models"
)

// A two-layer spiking MLP: build, verify, count, save and load.
func Example() {
	g := models.NewGraph()
	g.Add("in", models.OpInput).SetInts("shape", 1, 28, 28)
	g.Add("flat", models.OpFlatten)
	g.Add("fc1", models.OpAffine).
		SetF32("weight", models.Shape{100, 784}, make([]float32, 100*784)).
		SetF32("bias", models.Shape{100}, make([]float32, 100))
	g.Add("spike", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven)
	g.Add("fc2", models.OpLinear).SetF32("weight", models.Shape{10, 100}, make([]float32, 1000))
	g.Add("out", models.OpOutput)
	g.Chain("in", "flat", "fc1", "spike", "fc2", "out")

	if err := models.Verify(g); err != nil {
		fmt.Println(err)
		return
	}
	s, _ := models.Summarize(g, nil)
	for _, r := range s.Nodes {
		fmt.Printf("%-5s %-10s %-10v params %-6d MACs %d\n", r.ID, r.Op, r.Out, r.Params, r.MACs)
	}
	fmt.Println("total params", s.Params, "MACs", s.MACs)

	var buf bytes.Buffer
	if err := models.EncodeNSM(&buf, g); err != nil {
		fmt.Println(err)
		return
	}
	g2, err := models.DecodeNSM(buf.Bytes())
	fmt.Println("reloaded", g2.NumNodes(), "nodes, err", err)
	// Output:
	// in    Input      [1,28,28]  params 0      MACs 0
	// flat  Flatten    [784]      params 0      MACs 0
	// fc1   Affine     [100]      params 78500  MACs 78400
	// spike MultiSpike [100]      params 0      MACs 0
	// fc2   Linear     [10]       params 1000   MACs 1000
	// out   Output     [10]       params 0      MACs 0
	// total params 79500 MACs 79400
	// reloaded 6 nodes, err <nil>
}

// Verify reports every problem at once, sorted by node.
func ExampleVerify() {
	g := models.NewGraph()
	g.Add("in", models.OpInput).SetInts("shape", 8)
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{4, 6}, make([]float32, 24))
	g.Add("lif", models.OpLIF)
	g.Chain("in", "fc", "lif", "out")
	fmt.Println(models.Verify(g))
	// Output:
	// node fc: Affine needs tensor bias (F32)
	// node lif: LIF needs tensor r (F32)
	// node lif: LIF needs tensor tau (F32)
	// node lif: LIF needs tensor v_leak (F32)
	// node lif: LIF needs tensor v_threshold (F32)
	// node lif: edge lif → out: unknown target node "out"
}

// WriteDOT and WriteJSON dump a graph for inspection (the compiler's --dump-after).
func ExampleWriteDOT() {
	g := models.NewGraph()
	g.Add("in", models.OpInput).SetInts("shape", 2)
	g.Add("lif", models.OpLIF)
	g.Add("rec", models.OpLinear)
	g.Chain("in", "lif", "rec")
	g.ConnectRecurrent("rec", "lif")
	models.WriteDOT(os.Stdout, g)
	models.WriteJSON(os.Stdout, g)
	// Output:
	// digraph model {
	//   rankdir=TB;
	//   node [shape=box, fontname="Helvetica"];
	//   "in" [label="in\nInput"];
	//   "lif" [label="lif\nLIF"];
	//   "rec" [label="rec\nLinear"];
	//   "in" -> "lif";
	//   "lif" -> "rec";
	//   "rec" -> "lif" [style=dashed, constraint=false];
	// }
	// {
	//   "nodes": [
	//     {
	//       "id": "in",
	//       "op": "Input",
	//       "attrs": {
	//         "shape": [
	//           2
	//         ]
	//       }
	//     },
	//     {
	//       "id": "lif",
	//       "op": "LIF"
	//     },
	//     {
	//       "id": "rec",
	//       "op": "Linear"
	//     }
	//   ],
	//   "edges": [
	//     {
	//       "from": "in",
	//       "to": "lif"
	//     },
	//     {
	//       "from": "lif",
	//       "to": "rec"
	//     },
	//     {
	//       "from": "rec",
	//       "to": "lif",
	//       "recurrent": true
	//     }
	//   ]
	// }
}
