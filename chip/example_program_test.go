package chip_test

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
)

// ExampleExec compiles a tiny spiking network for the default chip, runs two
// inputs on the simulated chip and compares them with the software model.
func ExampleExec() {
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

	spec, _ := arch.Preset("default")
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, err := chip.NewExec(spec, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	imgs := [][]uint8{
		{0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0},
		{0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, chip.RunOptions{Workers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, r := range res.Samples {
		fmt.Printf("sample %d: class %d, agrees %v, %d spikes, %d synaptic ops, latency %.2f µs\n",
			i, r.Class, res.Agree[i].OK(), r.Counts.Spikes, r.Counts.SynOps, float64(r.Latency)/1e6)
	}
	// Output:
	// sample 0: class 2, agrees true, 30 spikes, 86 synaptic ops, latency 3.00 µs
	// sample 1: class 1, agrees true, 27 spikes, 67 synaptic ops, latency 2.90 µs
}
