package chip

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
)

// TestSplitChipMatchesSimulator runs a program whose layers the compiler
// split into partial sums (cores of 16 axons; fc1 reads 392 inputs, so its
// partial sums form a tree) and checks every sample's class, scores and
// counts (partial sums included) against compiler.Simulator, and that the
// graded packets were sent and charged.
func TestSplitChipMatchesSimulator(t *testing.T) {
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	k := spec.Cores["digital"]
	k.Axons = 16
	spec.Cores["digital"] = k
	spec.Chip.Width, spec.Chip.Height = 48, 48
	p, err := compiler.Compile(convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	psum := -1
	for li := range p.Layers {
		if p.Layers[li].Kind == compiler.LayerPsum {
			psum = li
			break
		}
	}
	if psum < 0 {
		t.Fatal("nothing was split")
	}
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	imgs := images(5, 12, x.InputSize())
	res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: 2, LaneSize: 4, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var graded uint64
	for i, a := range res.Agree {
		if !a.OK() {
			t.Fatalf("sample %d: chip and software model differ: %+v", i, a)
		}
		graded += res.Samples[i].LayerSpikes[psum]
	}
	if graded == 0 {
		t.Fatal("no partial sum was sent")
	}
}
