package sweep_test

import (
	"fmt"

	"github.com/neurosim/neurosim/chip/sweep"
)

// A 2 × 2 grid with 2 seeds: 8 points, numbered with the first axis
// outermost and the seed innermost; shard 1 of 3 takes points 1, 4 and 7.
func ExampleParse() {
	s, err := sweep.Parse([]byte(`
name = "demo"
seed = 1
seeds = 2
[[axis]]
path = "core.xbar.macro.program_variation"
values = [0.0, 0.1]
[[axis]]
path = "model"
values = ["default", "aware.nsm"]
labels = ["plain", "noise-aware"]
`), "demo.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	sh, _ := sweep.ParseShard("1/3")
	fmt.Println(s.NumPoints(), "points,", s.NumGroups(), "grid values")
	for i := 0; i < s.NumPoints(); i++ {
		if sh.Has(i) {
			p := s.Point(i)
			fmt.Println(i, p.Params[0].Label, p.Params[1].Label, "seed", p.SeedIndex)
		}
	}
	// Output:
	// 8 points, 4 grid values
	// 1 0 plain seed 1
	// 4 0.1 plain seed 0
	// 7 0.1 noise-aware seed 1
}
