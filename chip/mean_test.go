package chip

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
)

// TestMeanRunsOnChip: both lowerings of a spatial Mean (of spike counts, and
// of a convolution's real-valued output; compiler/mean.go) run on the chip
// exactly as the software integer model; so does the materialised mean
// (compiler/psum.go) that cores of 100 axons need (576 inputs averaged).
func TestMeanRunsOnChip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	rnd := func(n int) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * 0.4)
		}
		return w
	}
	for _, c := range []struct {
		expr  bool
		axons int
	}{{false, 0}, {true, 0}, {true, 100}} {
		expr := c.expr
		g := models.NewGraph()
		g.Add("input", models.OpInput).SetInts("shape", 1, 12, 12)
		g.Add("conv", models.OpConv2d).SetF32("weight", models.Shape{4, 1, 3, 3}, rnd(36)).SetInts("padding", 1, 1)
		g.Add("spike", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
		g.Add("mean", models.OpMean)
		g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{5, 4}, rnd(20)).SetF32("bias", models.Shape{5}, rnd(5))
		g.Add("output", models.OpOutput)
		if expr {
			g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{4, 4, 3, 3}, rnd(144)).SetInts("padding", 1, 1).SetInts("stride", 2, 2)
			g.Add("spike2", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
			g.Chain("input", "conv", "spike", "conv2", "mean", "spike2", "fc", "output")
		} else {
			g.Chain("input", "conv", "spike", "mean", "fc", "output")
		}
		spec, p := compileFor(t, g, "default")
		if c.axons > 0 {
			k := spec.Cores["digital"]
			k.Axons = c.axons
			spec.Cores["digital"] = k
			var err error
			if p, err = compiler.Compile(g, spec, compiler.Options{Seed: 1}); err != nil {
				t.Fatal(err)
			}
		}
		shifted := false
		for li := range p.Layers {
			shifted = shifted || p.Layers[li].Kind == compiler.LayerPsum && p.Layers[li].Shift > 0
		}
		if shifted != (c.axons > 0) {
			t.Fatalf("axons %d: materialised mean %v", c.axons, shifted)
		}
		x, err := NewExec(spec, p)
		if err != nil {
			t.Fatal(err)
		}
		imgs := images(3, 8, x.SampleSize())
		res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range res.Agree {
			if !a.OK() {
				t.Errorf("expr %v sample %d: chip and software model disagree %+v", expr, i, a)
			}
		}
		if l := &p.Layers[len(p.Layers)-2]; c.axons == 0 && expr && (l.Kind != compiler.LayerSpike || l.Inputs[0].KH != 12) || !expr && p.Layers[1].Kind != compiler.LayerPool {
			t.Errorf("expr %v: unexpected lowering (%d layers)", expr, len(p.Layers))
		}
		var spk uint64
		for _, s := range res.Samples {
			spk += s.Counts.Spikes
		}
		if spk == 0 {
			t.Errorf("expr %v: no spikes at all", expr)
		}
	}
}
