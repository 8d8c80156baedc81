package train_test

import (
	"fmt"

	"github.com/neurosim/neurosim/models/train"
)

// SpikeCount is the MultiSpike firing rule: round(clamp(x, 0, D)).
func ExampleSpikeCount() {
	for _, x := range []float32{-0.3, 0.5, 1.5, 2.5, 2.5001, 9} {
		fmt.Println(x, train.SpikeCount(x, 4, train.HalfEven), train.SpikeCount(x, 4, train.HalfUp))
	}
	// Output:
	// -0.3 0 0
	// 0.5 0 1
	// 1.5 2 2
	// 2.5 2 3
	// 2.5001 3 3
	// 9 4 4
}

// Build names an architecture; Init draws its weights; Export writes the
// graph with BatchNorm folded and integer MultiSpike outputs.
func ExampleBuild() {
	net, err := train.Build(train.ArchSFAConvNet, train.Shape{H: 28, W: 28, C: 1}, 10, train.ArchConfig{D: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := net.Init(train.NewRand(1, "init")); err != nil {
		fmt.Println(err)
		return
	}
	n := 0
	for _, p := range net.Params() {
		n += len(p.W)
	}
	fmt.Println("trainable parameters:", n)
	g, err := net.Export(train.EncodingDirect)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, nd := range g.Nodes() {
		fmt.Print(nd.Op, " ")
	}
	fmt.Println()
	// Output:
	// trainable parameters: 421866
	// Input Direct Conv2d MultiSpike SumPool2d Conv2d MultiSpike SumPool2d Flatten Affine MultiSpike Affine Output
}
