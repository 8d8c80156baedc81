package compiler

import (
	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

func mustPreset(name string) *arch.Spec {
	s, err := arch.Preset(name)
	if err != nil {
		panic(err)
	}
	return s
}

type archSpec = arch.Spec
type archCore = arch.CoreKind

// tinyNet is a minimal model with every layer kind: conv, spike, pool,
// dense, readout, on a 1×6×6 input.
func tinyNet() *models.Graph {
	g := models.NewGraph()
	g.Add("input", models.OpInput).SetInts("shape", 1, 6, 6)
	g.Add("conv", models.OpConv2d).SetF32("weight", models.Shape{2, 1, 3, 3},
		[]float32{1, -1, 2, 0.5, 0, 1, -2, 1, 1, 0.3, 0.2, -0.1, 1, 2, -1, 0, 1, 1}).
		SetF32("bias", models.Shape{2}, []float32{0.1, -0.2}).SetInts("padding", 1, 1)
	g.Add("spike", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("pool", models.OpSumPool2d).SetInts("kernel_size", 2, 2)
	g.Add("flat", models.OpFlatten)
	w := make([]float32, 3*18)
	for i := range w {
		w[i] = float32(i%7-3) * 0.05
	}
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{3, 18}, w).SetF32("bias", models.Shape{3}, []float32{0, 0.1, -0.1})
	g.Add("output", models.OpOutput)
	g.Chain("input", "conv", "spike", "pool", "flat", "fc", "output")
	return g
}

// The model builders are shared with chip's tests.
var (
	convNet   = modeltest.ConvNet
	lifNet    = modeltest.LIFNet
	randImage = modeltest.RandImage
)
