package compiler

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

// checkCounts compares SynapseCounter's count of every axon of every core of
// p with the length of its expanded synapse list.
func checkCounts(t *testing.T, name string, p *Program) {
	t.Helper()
	var sc SynapseCounter
	var cnt []int32
	var syn []Synapse
	nonzero := 0
	for i := range p.Cores {
		c := &p.Cores[i]
		cnt = sc.Counts(cnt, p, c)
		if len(cnt) != c.NumAxons {
			t.Fatalf("%s core %d: %d counts for %d axons", name, i, len(cnt), c.NumAxons)
		}
		for a := range c.NumAxons {
			syn = p.Synapses(syn[:0], c, a)
			if int(cnt[a]) != len(syn) {
				t.Fatalf("%s core %d (layer %s, region %v) axon %d %+v: count %d, Synapses %d", name, i, p.Layers[c.Layer].Name, c.Region, a, p.axonAt(c, a), cnt[a], len(syn))
			}
			nonzero += len(syn)
		}
	}
	if nonzero == 0 {
		t.Fatalf("%s: no synapses at all: the test compares nothing", name)
	}
}

// TestSynapseCountsMatchSynapses: the counts equal len(Synapses) for every
// axon of programs with conv, dense, sparse, split (InLo/InHi), attention
// and recurrent projections.
func TestSynapseCountsMatchSynapses(t *testing.T) {
	cases := []struct {
		name string
		g    *models.Graph
		spec *archSpec
	}{
		{"tiny", tinyNet(), mustPreset("default")},
		{"convnet-split", convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), smallAxonSpec(16)},
		{"residual-split", resNet(rand.New(rand.NewPCG(12, 12))), smallAxonSpec(20)},
		{"attention", modeltest.AttnNet(rand.New(rand.NewPCG(7, 1)), 8, 2, 2, 3, 4, "q_kv"), mustPreset("default")},
		{"recurrent", recurrentNet(4), mustPreset("default")},
		{"graph", modeltest.GraphNet(rand.New(rand.NewPCG(11, 12)), 9, 3, 5, 2, 4), mustPreset("default")},
		{"mean", meanNet(true, 3), mustPreset("default")},
	}
	for _, c := range cases {
		p, err := Compile(c.g, c.spec, Options{Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkCounts(t, c.name, p)
	}
}

// TestSynapseCountsConvRegions: strided, padded, grouped and wide kernels
// over regions cut out of the middle of a layer, with zero weights.
func TestSynapseCountsConvRegions(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, c := range []struct{ cin, cout, h, k, stride, pad, groups int }{
		{1, 8, 9, 3, 1, 1, 1}, {4, 6, 8, 3, 2, 1, 2}, {6, 6, 7, 2, 2, 0, 6}, {2, 4, 10, 5, 3, 2, 2}, {2, 3, 36, 34, 1, 1, 1},
	} {
		pr := Projection{Source: -1, Kind: ProjConv, InShape: []int{c.cin, c.h, c.h}, Cout: c.cout, KH: c.k, KW: c.k, Stride: c.stride, Pad: c.pad, Groups: c.groups}
		pr.Weights = make([]int32, pr.weightLen())
		for i := range pr.Weights {
			pr.Weights[i] = int32(rng.IntN(7) - 3)
		}
		oh := (c.h+2*c.pad-c.k)/c.stride + 1
		l := Layer{Shape: []int{c.cout, oh, oh}, Inputs: []Projection{pr}}
		p := &Program{Input: Input{Shape: pr.InShape}, Layers: []Layer{l}}
		for _, r := range []Region{
			{C0: c.cout / 3, C1: c.cout, Y0: oh / 4, Y1: oh - oh/4, X0: min(1, oh-1), X1: oh},
			{C0: 0, C1: c.cout, Y0: 0, Y1: oh, X0: 0, X1: oh},
		} {
			ax := axonList(&l, r)
			p.Cores = []Core{{Layer: 0, Region: r, Axons: ax, NumAxons: len(ax)}}
			checkCounts(t, "conv", p)
		}
	}
}
