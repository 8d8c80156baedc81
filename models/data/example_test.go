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

func ExampleEventFrames() {
	// Three events on a 2×2 sensor, binned into 2 frames of 10 µs.
	ev := []data.Event{{X: 0, Y: 0, T: 100, P: true}, {X: 1, Y: 1, T: 105}, {X: 1, Y: 1, T: 112}}
	o := data.FrameOptions{Width: 2, Height: 2, BinUS: 10, Steps: 2}
	dst := make([]uint8, o.Frames()*o.FrameSize())
	dropped, err := data.EventFrames(dst, ev, o)
	for t := 0; t < o.Frames(); t++ {
		f := dst[t*o.FrameSize() : (t+1)*o.FrameSize()]
		fmt.Println("frame", t, "OFF", f[:4], "ON", f[4:])
	}
	fmt.Println(dropped, err)
	// Output:
	// frame 0 OFF [0 0 0 1] ON [1 0 0 0]
	// frame 1 OFF [0 0 0 1] ON [0 0 0 0]
	// 0 <nil>
}
