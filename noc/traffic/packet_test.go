package traffic

import (
	"fmt"
	"math"
	"testing"

	"github.com/neurosim/neurosim/arch"
)

// TestPacketModelUnderLoad compares the packet-level NoC model with the
// cycle-level one under uniform random traffic on the default 8×8 mesh:
// the measured packets, their hop counts and the flit-hops (what the energy
// table prices) are identical, and the mean latency agrees within
// packetTolerance up to 0.1 flits/node/cycle.
func TestPacketModelUnderLoad(t *testing.T) {
	const packetTolerance = 0.05
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	for _, flits := range []int{1, 4} {
		for _, load := range []float64{0.02, 0.05, 0.1} {
			t.Run(fmt.Sprintf("F%d-load%.2f", flits, load), func(t *testing.T) {
				res := map[string]Result{}
				for _, model := range []string{"cycle", "packet"} {
					cfg := Config{NoC: spec.NoC, Width: 8, Height: 8, Pattern: "uniform", Load: load, Flits: flits,
						Warmup: 1000, Measure: 10000, Seed: 1}
					cfg.NoC.Model = model
					r, err := Run(cfg)
					if err != nil {
						t.Fatal(err)
					}
					res[model] = r
				}
				c, p := res["cycle"], res["packet"]
				rel := (p.AvgLatency - c.AvgLatency) / c.AvgLatency
				t.Logf("mean latency: cycle %.3f, packet %.3f (%+.2f %%); p99 %d vs %d", c.AvgLatency, p.AvgLatency, 100*rel, c.P99Latency, p.P99Latency)
				if math.Abs(rel) > packetTolerance {
					t.Errorf("mean latency: cycle %.3f, packet %.3f: %+.2f %% beyond ±%.0f %%", c.AvgLatency, p.AvgLatency, 100*rel, 100*packetTolerance)
				}
				if c.Measured != p.Measured || c.AvgHops != p.AvgHops {
					t.Errorf("measured packets %d vs %d, mean hops %v vs %v: must be identical", c.Measured, p.Measured, c.AvgHops, p.AvgHops)
				}
			})
		}
	}
}
