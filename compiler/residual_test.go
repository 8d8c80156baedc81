package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// resNet has a membrane shortcut (two conv branches summed before a
// MultiSpike: a multi-source population), an identity shortcut from a spike
// tensor, and spike counts as the output (Output.Mode "count").
//
//	input → conv0 → s0 ─┬→ convA ─┐
//	                    ├→ convB ─┴→ add1 → s1 ─┬──────────┐
//	                    │                       └→ convC ──┴→ add2 → s2 → output
func resNet(rng *rand.Rand) *models.Graph {
	g := models.NewGraph()
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	conv := func(id string, cin, cout int, std float64) {
		g.Add(id, models.OpConv2d).SetF32("weight", models.Shape{cout, cin, 3, 3}, rnd(cout*cin*9, std)).
			SetF32("bias", models.Shape{cout}, rnd(cout, 0.2)).SetInts("padding", 1)
	}
	spike := func(id string) { g.Add(id, models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1) }
	g.Add("input", models.OpInput).SetInts("shape", 1, 12, 12)
	conv("conv0", 1, 4, 1.5)
	spike("s0")
	conv("convA", 4, 4, 0.15)
	conv("convB", 4, 4, 0.15)
	g.Add("add1", models.OpAdd)
	spike("s1")
	conv("convC", 4, 4, 0.15)
	g.Add("add2", models.OpAdd)
	spike("s2")
	g.Add("output", models.OpOutput)
	g.Chain("input", "conv0", "s0", "convA", "add1", "s1", "convC", "add2", "s2", "output")
	g.Chain("s0", "convB", "add1")
	g.Connect("s1", "add2")
	return g
}

func TestResidualMultiSource(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	g := resNet(rng)
	if err := models.Verify(g); err != nil {
		t.Fatal(err)
	}
	p, err := Compile(g, mustPreset("default"), Options{Seed: 1, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Output.Mode != "count" || len(p.Layers) != 3 || len(p.Layers[1].Inputs) != 2 || len(p.Layers[2].Inputs) != 2 {
		t.Fatalf("lowered to %d layers, output %s, inputs %d and %d", len(p.Layers), p.Output.Mode, len(p.Layers[1].Inputs), len(p.Layers[2].Inputs))
	}
	sim, _ := NewSimulator(p)
	same, total := 0, 0
	for i := 0; i < 10; i++ {
		px := randImage(rng, 144)
		res, err := sim.Run(px)
		if err != nil {
			t.Fatal(err)
		}
		// teacher forcing: each layer's float value computed from the integer
		// counts of its sources isolates that layer's quantisation
		force := map[string][]float64{}
		for li, l := range p.Layers {
			f := make([]float64, len(res.Counts[li]))
			for j, c := range res.Counts[li] {
				f[j] = float64(c)
			}
			force[l.Node] = f
		}
		vals, _ := floatStep(g, px, nil, 1/255.0, force)
		for li, l := range p.Layers {
			for j, c := range res.Counts[li] {
				total++
				if d := math.Abs(float64(c) - vals[l.Node][j]); d == 0 {
					same++
				} else if d > 1 {
					t.Fatalf("layer %s neuron %d: integer %d, float %g", l.Name, j, c, vals[l.Node][j])
				}
			}
		}
		la, lc := execCores(p, [][]uint8{px})
		for li := range p.Layers {
			for j := range la[li] {
				if la[li][j] != res.Acc[li][j] || lc[li][j] != res.Counts[li][j] {
					t.Fatalf("layer %d neuron %d: cores differ from the simulator", li, j)
				}
			}
		}
		for j, sc := range res.Scores {
			if sc != int64(res.Counts[2][j]) {
				t.Fatalf("count output %d: score %d, count %d", j, sc, res.Counts[2][j])
			}
		}
	}
	t.Logf("counts identical to the teacher-forced float model: %d/%d", same, total)
	if float64(same) < 0.97*float64(total) {
		t.Errorf("only %d/%d counts match the float model", same, total)
	}
}
