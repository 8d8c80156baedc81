package chip_test

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
)

// ExampleEvaluate compiles a tiny network for prime-40nm with its dense layer
// on the crossbar macros, then evaluates the same program with the macros
// exact and with 30 % read noise, without recompiling: what a sweep over a
// noise field does per point.
func ExampleEvaluate() {
	g := models.NewGraph()
	g.Add("input", models.OpInput).SetInts("shape", 1, 4, 4)
	g.Add("conv", models.OpConv2d).SetF32("weight", models.Shape{2, 1, 3, 3},
		[]float32{1, -1, 2, 0.5, 0, 1, -2, 1, 1, 0.3, 0.2, -0.1, 1, 2, -1, 0, 1, 1}).SetInts("padding", 1)
	g.Add("spike", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("flat", models.OpFlatten)
	w := make([]float32, 3*32)
	for i := range w {
		w[i] = float32(i%7-3) / 4
	}
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{3, 32}, w).SetF32("bias", models.Shape{3}, []float32{0, 0, 0})
	g.Add("output", models.OpOutput)
	g.Chain("input", "conv", "spike", "flat", "fc", "output")

	spec, _ := arch.Preset("prime-40nm")
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1, CIMLayers: compiler.CIMDense})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fc on %s cores: %d macro(s)\n", p.Cores[p.Layers[1].Cores[0]].Kind, p.Report.Layers[1].Macros)
	imgs := [][]uint8{
		{0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0},
		{0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for _, noise := range []float64{-1, 0.3} {
		edit := func(kind string, m *arch.Macro) error {
			*m = chip.Exactly(*m)
			if noise >= 0 {
				m.ReadNoise = noise
			}
			return nil
		}
		s, res, err := chip.Evaluate(spec, p, len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 1 },
			chip.EvalOptions{RunOptions: chip.RunOptions{Workers: 1, Seed: 7}, Macro: edit})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("read noise %.1f: exact %v, scores = integer model on %.0f%% of samples, macro reads %d\n",
			max(noise, 0), s.CIM[0].Exact, 100*s.ScoresAgree, res.Samples[0].Counts.XbarReads+res.Samples[1].Counts.XbarReads)
	}
	// Output:
	// fc on xbar cores: 1 macro(s)
	// read noise 0.0: exact true, scores = integer model on 100% of samples, macro reads 7
	// read noise 0.3: exact false, scores = integer model on 0% of samples, macro reads 7
}
