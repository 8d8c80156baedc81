package chip_test

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models/modeltest"
)

// TestGraphConvOnChip: a spiking GNN (GraphConv → LIF → GraphConv readout
// over 4 steps) runs on the chip and agrees with the software integer model
// (class, every score, every spike count) on every sample, on a chip with
// multispike/lif digital cores and on Loihi-like cores.
func TestGraphConvOnChip(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	g := modeltest.GraphNet(rng, 12, 4, 8, 3, 4)
	imgs := make([][]uint8, 12)
	for i := range imgs {
		imgs[i] = modeltest.RandImage(rng, 12*4)
	}
	for _, preset := range []string{"default", "loihi"} {
		spec, err := arch.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		x, err := chip.NewExec(spec, p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, chip.RunOptions{Workers: 2, LaneSize: 5})
		if err != nil {
			t.Fatal(err)
		}
		spikes := uint64(0)
		for i, a := range res.Agree {
			if !a.OK() {
				t.Errorf("%s: sample %d: chip and software disagree: %+v", preset, i, a)
			}
			spikes += res.Samples[i].Counts.Spikes
		}
		if spikes == 0 {
			t.Errorf("%s: no spikes: the test says nothing", preset)
		}
	}
}
