package chip

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/zoo"
)

// TestZooSpikeformerChipMatchesSimulator compiles e-spikeformer-t (random
// weights, BatchNorm shifts drawn in [0.3, 1.5] so that every block stays
// active, a 32×32 image: 2×2 tokens in its 8 attention layers) onto the
// loihi-board-32 preset (the membrane-shortcut sums and the spatial Mean,
// whose fan-ins exceed Loihi's 4,096 axons, go through partial sums:
// compiler/split.go), runs two images event by event (packet-level NoC timing) and checks every
// output count of every layer against compiler.Simulator.
func TestZooSpikeformerChipMatchesSimulator(t *testing.T) {
	m, err := zoo.Build("e-spikeformer-t", zoo.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zoo.Fold(m.Graph); err != nil {
		t.Fatal(err)
	}
	m.Graph.Node("image").SetInts("shape", 3, 32, 32)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range m.Graph.Nodes() {
		if n.Op == models.OpBatchNorm {
			for i := range n.Tensor("bias").F32 {
				n.Tensor("bias").F32[i] = float32(0.3 + 1.2*rng.Float64())
			}
		}
	}
	spec, err := arch.Preset("loihi-board-32")
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Compile(m.Graph, spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.SetNoCModel("packet"); err != nil { // timing only: the counts do not depend on it
		t.Fatal(err)
	}
	imgs := images(5, 2, x.InputSize())
	res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: 2, LaneSize: 1, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	attn := 0
	for li := range p.Layers {
		if p.Layers[li].Kind != compiler.LayerAttention {
			continue
		}
		attn++
		for i := range res.Samples {
			if res.Samples[i].LayerSpikes[li] == 0 {
				t.Errorf("sample %d: attention layer %s never fired", i, p.Layers[li].Name)
			}
		}
	}
	if attn != 8 {
		t.Fatalf("%d attention layers, want 8", attn)
	}
	for i, a := range res.Agree {
		if !a.OK() {
			t.Fatalf("sample %d: chip and Simulator differ: %+v", i, a)
		}
		if res.Samples[i].Counts.AttnStateAdds == 0 || res.Samples[i].Counts.AttnOutAdds == 0 {
			t.Fatalf("sample %d: no attention events counted", i)
		}
	}
}
