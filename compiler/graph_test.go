package compiler

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

// graphFloat runs a modeltest.GraphNet in float64 over steps of the same
// input: GraphConv = Â·X·Wᵀ + b, Euler LIF (τ 2: h = v/2 + x, hard reset at
// V_th 1), scores summed over the steps. It returns the LIF spike counts and
// the scores [nodes][classes].
func graphFloat(g *models.Graph, px []uint8, steps int) (counts, scores []float64) {
	gconv := func(n *models.Node, x []float64) []float64 {
		w := n.Tensor("weight")
		fout, fin := w.Shape[0], w.Shape[1]
		nodes := len(x) / fin
		y := make([]float64, nodes*fout)
		for m := 0; m < nodes; m++ {
			for fo := 0; fo < fout; fo++ {
				y[m*fout+fo] = float64(n.Tensor("bias").F32[fo])
			}
		}
		r, c, v := n.Tensor("adj_row").I32, n.Tensor("adj_col").I32, n.Tensor("adj_val").F32
		for k := range v {
			for fo := 0; fo < fout; fo++ {
				s := 0.0
				for fi := 0; fi < fin; fi++ {
					s += float64(w.F32[fo*fin+fi]) * x[int(c[k])*fin+fi]
				}
				y[int(r[k])*fout+fo] += float64(v[k]) * s
			}
		}
		return y
	}
	x := make([]float64, len(px))
	for i, p := range px {
		x[i] = float64(p) / 255
	}
	var v []float64
	for range steps {
		h := gconv(g.Node("gconv1"), x)
		if v == nil {
			v, counts = make([]float64, len(h)), make([]float64, len(h))
		}
		s := make([]float64, len(h))
		for i := range h {
			u := v[i]/2 + h[i]
			if u >= 1 {
				s[i], u = 1, 0
				counts[i]++
			}
			v[i] = u
		}
		o := gconv(g.Node("gconv2"), s)
		if scores == nil {
			scores = make([]float64, len(o))
		}
		for i := range o {
			scores[i] += o[i]
		}
	}
	return counts, scores
}

// TestGraphConvProgram: a spiking GNN compiles (GraphConv as synaptic fan-in
// over the graph, flat populations), the integer program follows the float
// model up to quantisation, and the cores reproduce the simulator exactly.
func TestGraphConvProgram(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const nodes, fin, hidden, classes, steps = 9, 3, 5, 2, 4
	g := modeltest.GraphNet(rng, nodes, fin, hidden, classes, steps)
	p, err := Compile(g, mustPreset("default"), Options{Seed: 1, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Layers) != 2 || p.Layers[0].Kind != LayerLIF || p.Layers[1].Kind != LayerReadout ||
		p.Layers[0].Size() != nodes*hidden || len(p.Layers[0].Threshold) != nodes*hidden || p.Output.Classes != nodes*classes {
		t.Fatalf("layers %+v output %+v", p.Layers, p.Output)
	}
	// a sparse projection: node 0's features reach nodes 0, 1, 3, 6 and 8
	// only (its neighbours on the ring and the chords), every hidden feature
	// of each, in target order.
	pr := p.Layers[0].Inputs[0]
	if pr.Kind != ProjSparse || pr.NNZ != len(pr.Weights) || pr.NNZ != nodes*5*fin*hidden {
		t.Fatalf("projection %s with %d synapses", pr.Kind, pr.NNZ)
	}
	for fi := 0; fi < fin; fi++ {
		var got []int
		for k := pr.SpStart[fi]; k < pr.SpStart[fi+1]; k++ {
			if o := int(pr.SpOut[k]); o%hidden == 0 {
				got = append(got, o/hidden)
			}
		}
		if !slices.Equal(got, []int{0, 1, 3, 6, 8}) {
			t.Fatalf("source (0, %d) reaches nodes %v", fi, got)
		}
	}
	sim, err := NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	same, total, agree, cmp := 0, 0, 0, 0
	for i := 0; i < 20; i++ {
		px := randImage(rng, nodes*fin)
		res, err := sim.Run(px)
		if err != nil {
			t.Fatal(err)
		}
		fc, fs := graphFloat(g, px, steps)
		for j, c := range res.Counts[0] {
			total++
			if float64(c) == fc[j] {
				same++
			}
		}
		for n := 0; n < nodes; n++ {
			a, b := res.Scores[n*classes:(n+1)*classes], fs[n*classes:(n+1)*classes]
			if (a[1] > a[0]) == (b[1] > b[0]) {
				agree++
			}
			cmp++
		}
		frames := make([][]uint8, p.Steps)
		for k := range frames {
			frames[k] = px
		}
		la, lc := execCores(p, frames)
		for li, l := range p.Layers {
			for j := range la[li] {
				if la[li][j] != res.Acc[li][j] || (l.Kind != LayerReadout && lc[li][j] != res.Counts[li][j]) {
					t.Fatalf("layer %s neuron %d: cores (%d,%d), simulator (%d,%d)", l.Name, j, la[li][j], lc[li][j], res.Acc[li][j], res.Counts[li][j])
				}
			}
		}
	}
	t.Logf("LIF spike counts identical %.4f, node classes agree %d/%d", float64(same)/float64(total), agree, cmp)
	if float64(same) < 0.97*float64(total) || agree < cmp*9/10 {
		t.Errorf("integer GNN program too far from the float model")
	}
}

// TestSparseNSPRoundTrip: a program with sparse projections survives the
// .nsp file, and a corrupted synapse list is rejected.
func TestSparseNSPRoundTrip(t *testing.T) {
	g := modeltest.GraphNet(rand.New(rand.NewPCG(3, 9)), 8, 2, 4, 2, 2)
	p, err := Compile(g, mustPreset("default"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	q, err := Decode(encode(t, p))
	if err != nil {
		t.Fatal(err)
	}
	for li := range p.Layers {
		a, b := p.Layers[li].Inputs[0], q.Layers[li].Inputs[0]
		if a.Kind != b.Kind || !slices.Equal(a.Weights, b.Weights) || !slices.Equal(a.SpStart, b.SpStart) || !slices.Equal(a.SpOut, b.SpOut) {
			t.Fatalf("layer %d: projection changed in the file", li)
		}
	}
	q.Layers[0].Inputs[0].SpOut[3] = int32(q.Layers[0].Inputs[0].Cout)
	if _, err := Decode(encode(t, q)); err == nil {
		t.Error("a synapse to a neuron out of range was accepted")
	}
}
