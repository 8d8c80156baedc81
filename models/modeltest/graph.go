package modeltest

import (
	"math"
	"math/rand/v2"

	"github.com/neurosim/neurosim/models"
)

// GraphNet builds the shape of sgnn-karate as exported by models/train (STFN
// folded into the GraphConv weights): Input [nodes, fin] → Direct (steps) →
// gconv1 (hidden) → LIF (τ 2, V_th 1, hard reset) → gconv2 (classes, bias)
// → Output [nodes, classes], on a ring of nodes with chords i–(i+3), the
// adjacency normalised as D̃^−½(A+I)D̃^−½. nodes must be at least 7 (so
// that no edge repeats).
func GraphNet(rng *rand.Rand, nodes, fin, hidden, classes, steps int) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "sgnn-test", "lif_reset": "hard", "lif_integration": "euler"}
	deg := make([]float64, nodes)
	type e struct{ r, c int32 }
	var es []e
	for i := 0; i < nodes; i++ {
		es = append(es, e{int32(i), int32(i)})
		for _, d := range []int{1, 3} {
			j := (i + d) % nodes
			es = append(es, e{int32(i), int32(j)}, e{int32(j), int32(i)})
		}
	}
	for _, x := range es {
		deg[x.r]++
	}
	row, col, val := make([]int32, len(es)), make([]int32, len(es)), make([]float32, len(es))
	for k, x := range es {
		row[k], col[k] = x.r, x.c
		val[k] = float32(1 / math.Sqrt(deg[x.r]*deg[x.c]))
	}
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	adj := func(n *models.Node) *models.Node {
		ne := len(row)
		return n.SetTensor("adj_row", models.NewIntTensor(models.Shape{ne}, row)).
			SetTensor("adj_col", models.NewIntTensor(models.Shape{ne}, col)).
			SetF32("adj_val", models.Shape{ne}, val)
	}
	g.Add("input", models.OpInput).SetInts("shape", nodes, fin)
	g.Add("encode", models.OpDirect).SetInt("steps", steps)
	adj(g.Add("gconv1", models.OpGraphConv).SetF32("weight", models.Shape{hidden, fin}, rnd(hidden*fin, 1.5)).
		SetF32("bias", models.Shape{hidden}, rnd(hidden, 0.3)))
	full := func(v float32) []float32 { return []float32{v} }
	g.Add("lif1", models.OpLIF).SetF32("tau", models.Shape{1}, full(2)).SetF32("r", models.Shape{1}, full(2)).
		SetF32("v_leak", models.Shape{1}, full(0)).SetF32("v_threshold", models.Shape{1}, full(1)).
		SetF32("v_reset", models.Shape{1}, full(0))
	adj(g.Add("gconv2", models.OpGraphConv).SetF32("weight", models.Shape{classes, hidden}, rnd(classes*hidden, 0.8)).
		SetF32("bias", models.Shape{classes}, rnd(classes, 0.1)))
	g.Add("output", models.OpOutput)
	g.Chain("input", "encode", "gconv1", "lif1", "gconv2", "output")
	return g
}
