package main

import (
	"math/rand/v2"

	"github.com/neurosim/neurosim/chip"
)

// randomName is the --dataset of seeded random images.
const randomName = "random"

// randomSource returns --limit (default 1) random images of the program's
// input shape: image i draws from a PCG stream of (--seed, i), a third of
// its values 0 and the rest uniform in [0, 255], so a sample does not depend
// on the others or on the worker that runs it. Every label is 0: the run
// measures the chip (energy, latency, agreement with the software model),
// not accuracy.
func randomSource(f *runFlags, x *chip.Exec) *source {
	n := f.limit
	if n == 0 {
		n = 1
	}
	size, seed := x.InputSize(), f.seed
	return &source{name: randomName, n: n,
		image: func(i int) []uint8 {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			px := make([]uint8, size)
			for j := range px {
				if rng.IntN(3) > 0 {
					px[j] = uint8(rng.IntN(256))
				}
			}
			return px
		},
		label: func(int) int { return 0 },
		err:   func() error { return nil }}
}
