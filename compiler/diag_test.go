package compiler

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
)

func tinySpec(t *testing.T, edit func(k *arch.CoreKind, s *arch.Spec)) *arch.Spec {
	t.Helper()
	s := mustPreset("default")
	s.Chip.Width, s.Chip.Height = 2, 2
	k := s.Cores["digital"]
	edit(&k, s)
	s.Cores["digital"] = k
	if ps := s.Validate(); ps != nil {
		t.Fatal(ps)
	}
	return s
}

func wantDiag(t *testing.T, err error, parts ...string) {
	t.Helper()
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("want Diagnostics, got %v", err)
	}
	msg := err.Error()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("diagnostic %q lacks %q", msg, p)
		}
	}
}

func TestTooLargeModelNamesLayerAndLimit(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 32, 64, 128, 10)
	_, err := Compile(g, tinySpec(t, func(k *arch.CoreKind, s *arch.Spec) {}), Options{})
	wantDiag(t, err, "needs", "cores of kind digital but the board has 4", "over by", "conv1 28", "larger mesh")

	_, err = Compile(g, tinySpec(t, func(k *arch.CoreKind, s *arch.Spec) { k.Axons = 200 }), Options{})
	wantDiag(t, err, "the board has 4", "conv2.psum", "split into partial sums", "conv2 (fan-in 288 in chunks of 100 inputs, fewer cores: 3 partial sums)")
	// a neuron whose single input channel exceeds the axons cannot be split
	_, err = Compile(g, tinySpec(t, func(k *arch.CoreKind, s *arch.Spec) { k.Axons = 8 }), Options{})
	wantDiag(t, err, "layer conv2: fan-in 288 > core axons 8 on digital cores (over by 280)", "split channels")

	_, err = Compile(g, tinySpec(t, func(k *arch.CoreKind, s *arch.Spec) { k.SynapseMemoryBytes = 4096 }), Options{})
	wantDiag(t, err, "layer fc1: synapse memory for one neuron", "> 4096 bytes")
}

func TestDiagnosticsSortedAndComplete(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10)
	g.Node("pool1").Op = models.OpMaxPool2d
	g.Node("spike3").SetFloat("decay", 0.25) // I-LIF over 2 steps keeps state
	g.Node("encode").SetInt("steps", 2)
	_, err := Compile(g, mustPreset("default"), Options{})
	wantDiag(t, err, "layer pool1: operator MaxPool2d cannot be lowered", "layer spike3: MultiSpike with decay")
	if i, j := strings.Index(err.Error(), "pool1"), strings.Index(err.Error(), "spike3"); i > j {
		t.Errorf("diagnostics not sorted: %v", err)
	}
}

func TestNeuronModelNotOnChip(t *testing.T) {
	g := tinyNet()
	s := tinySpec(t, func(k *arch.CoreKind, s *arch.Spec) { k.NeuronModels = []string{"lif"} })
	_, err := Compile(g, s, Options{})
	wantDiag(t, err, "layer conv:", "not implemented by any core kind", "digital: lif")
}

func TestPrime40nm(t *testing.T) {
	// A default-shaped model at half width fits the 32 digital tiles.
	g := convNet(rand.New(rand.NewPCG(1, 2)), 16, 32, 64, 10)
	if _, err := Compile(g, mustPreset("prime-40nm"), Options{Seed: 1, Verify: true}); err != nil {
		t.Fatal(err)
	}
	// With only 24 digital tiles the default placement (dense layers on the
	// macros) does not fit; putting conv2 on the macros too does, and the
	// program still runs exactly.
	s := mustPreset("prime-40nm")
	s.Chip.Tiles[0].X0 = 3
	_, err := Compile(g, s, Options{Seed: 1})
	wantDiag(t, err, "cores of kind digital", "over by")
	p, err := Compile(g, s, Options{Seed: 1, Verify: true, CIMLayers: "conv2, fc1,fc2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Layers {
		if onX := p.Cores[l.Cores[0]].Kind == "xbar"; onX != (l.Name == "conv2" || l.Name == "fc1" || l.Name == "fc2") {
			t.Errorf("layer %s on %s cores", l.Name, p.Cores[l.Cores[0]].Kind)
		}
	}
	kinds := map[string]int{}
	for _, c := range p.Cores {
		kinds[c.Kind]++
	}
	if kinds["xbar"] == 0 {
		t.Errorf("no layer was placed on the cim tiles: %v", kinds)
	}
	px := randImage(rand.New(rand.NewPCG(9, 9)), 784)
	res, _ := Simulate(p, px)
	la, _ := execCores(p, [][]uint8{px})
	o := p.Output.Layer
	for j := range la[o] {
		if la[o][j] != res.Acc[o][j] {
			t.Fatalf("score %d: cores %d, simulator %d", j, la[o][j], res.Acc[o][j])
		}
	}
	// The full default model fits (56 digital cores and 8 macros), and one with
	// twice the first layer's channels does not: a diagnostic naming the core kind.
	if _, err := Compile(convNet(rand.New(rand.NewPCG(1, 2)), 32, 64, 128, 10), mustPreset("prime-40nm"), Options{Seed: 1}); err != nil {
		t.Fatalf("default-model shape on prime-40nm: %v", err)
	}
	_, err = Compile(convNet(rand.New(rand.NewPCG(1, 2)), 64, 64, 128, 10), mustPreset("prime-40nm"), Options{Seed: 1})
	wantDiag(t, err, "cores of kind", "over by")
}

func TestCIMLayersDiagnostics(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 32, 64, 128, 10)
	spec := mustPreset("prime-40nm")
	for _, c := range []struct {
		sel  string
		want []string
	}{
		{"fc9", []string{"no layer \"fc9\"", "layers: conv1"}},
		{"pool1", []string{"layer pool1:", "no stored weights"}},
		{"all", []string{"cores of kind xbar", "over by"}},
	} {
		_, err := Compile(g, spec, Options{Seed: 1, CIMLayers: c.sel})
		wantDiag(t, err, c.want...)
	}
	// One macro per core cannot hold fc1's 3136 rows.
	small := mustPreset("prime-40nm")
	k := small.Cores["xbar"]
	k.Macros = 4
	small.Cores["xbar"] = k
	_, err := Compile(g, small, Options{Seed: 1})
	wantDiag(t, err, "layer fc1:", "needs 7 macros of 512 rows", "has 4 (over by 3)")
	// A chip without cim cores ignores the default and rejects names.
	if _, err := Compile(tinyNet(), tinySpec(t, func(*arch.CoreKind, *arch.Spec) {}), Options{CIMLayers: "all"}); err != nil {
		t.Errorf("all on a digital chip: %v", err)
	}
	_, err = Compile(tinyNet(), tinySpec(t, func(*arch.CoreKind, *arch.Spec) {}), Options{CIMLayers: "conv"})
	wantDiag(t, err, "layer conv:", "has no cim core kind")
}
