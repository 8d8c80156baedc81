package traffic_test

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/noc/traffic"
)

// Uniform random traffic at 0.1 flits/node/cycle on the default chip's 8×8 mesh.
func ExampleRun() {
	spec, _ := arch.Preset("default")
	res, err := traffic.Run(traffic.Config{NoC: spec.NoC, Width: 8, Height: 8, Pattern: "uniform",
		Load: 0.1, Flits: 1, Warmup: 1000, Measure: 5000, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("accepted %.2f flits/node/cycle, mean hops %.1f, saturated %v\n", res.Accepted, res.AvgHops, res.Saturated)
	// Output:
	// accepted 0.10 flits/node/cycle, mean hops 5.3, saturated false
}
