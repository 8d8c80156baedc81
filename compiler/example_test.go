package compiler_test

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
)

func Example() {
	g := models.NewGraph()
	g.Add("input", models.OpInput).SetInts("shape", 1, 4, 4)
	g.Add("conv", models.OpConv2d).SetF32("weight", models.Shape{2, 1, 3, 3},
		[]float32{1, 0, -1, 1, 0, -1, 1, 0, -1, 0.5, 0.5, 0.5, 0, 0, 0, -0.5, -0.5, -0.5}).
		SetF32("bias", models.Shape{2}, []float32{0.5, 0.5}).SetInts("padding", 1)
	g.Add("spike", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("flat", models.OpFlatten)
	w := make([]float32, 3*32)
	for i := range w {
		w[i] = float32(i%3-1) * 0.25
	}
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{3, 32}, w).SetF32("bias", models.Shape{3}, []float32{0, 0, 0})
	g.Add("output", models.OpOutput)
	g.Chain("input", "conv", "spike", "flat", "fc", "output")

	spec, _ := arch.Preset("default")
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1, Verify: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range p.Layers {
		fmt.Printf("%s: %s %v, D=%d, θ=%v, step %d, %d core(s) of %s\n", l.Name, l.Kind, l.Shape, l.D, l.Threshold, l.Step, len(l.Cores), p.Cores[l.Cores[0]].Kind)
	}
	px := []uint8{0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0}
	res, _ := compiler.Simulate(p, px)
	fmt.Println("class", res.Class, "scores", res.Scores, "counts", res.Counts[0][:8])
	// Output:
	// conv: spike [2 4 4], D=4, θ=[32385 64769], step 1, 1 core(s) of digital
	// fc: readout [3], D=0, θ=[507 507 507], step 2, 1 core(s) of digital
	// class 1 scores [0 127 -127] counts [0 0 2 2 0 0 3 3]
}
