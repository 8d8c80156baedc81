package data_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/neurosim/neurosim/models/data"
)

func ExampleReadIDX() {
	// A 1-D IDX label file with three labels.
	b := []byte{0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1}
	x, err := data.ReadIDX(bytes.NewReader(b))
	fmt.Println(x.Dims, x.Data, err)
	// Output: [3] [7 2 1] <nil>
}

func ExampleThermometer() {
	v := []int32{0, 2, 4} // integer spikes of a D=4 MultiSpike layer
	dst := make([]bool, len(v))
	for k := range 4 {
		data.Thermometer(dst, v, k)
		fmt.Println("sub-step", k, dst)
	}
	// Output:
	// sub-step 0 [false true true]
	// sub-step 1 [false true true]
	// sub-step 2 [false false true]
	// sub-step 3 [false false true]
}

func ExampleRate() {
	x := []float32{0.25, 0.5, 1}
	dst := make([]bool, len(x))
	for t := range 4 {
		data.Rate(dst, x, t)
		fmt.Println(dst)
	}
	// Output:
	// [false true true]
	// [true false true]
	// [false true true]
	// [false false true]
}

func ExamplePoisson() {
	rng := rand.New(rand.NewPCG(42, 0)) // a named stream from the caller's root seed
	x := []float32{0, 0.5, 1}
	dst := make([]bool, len(x))
	data.Poisson(dst, x, 1, rng)
	fmt.Println(dst[0], dst[2]) // x=0 never spikes, x=1 always does
	// Output: false true
}

func ExampleLoad() {
	d, err := data.Load(data.MNISTName, "")
	if err != nil {
		fmt.Println("MNIST not available:", err)
		return
	}
	fmt.Println(d.Train.N, d.Test.N, d.Shape(), d.Test.Labels[0])
}
