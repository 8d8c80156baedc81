package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
)

// smallConvNet is a default-model-shaped graph (conv → spike → sum pool, twice,
// then two dense layers) with deterministic weights.
func smallConvNet() *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "cli-test"}
	fill := func(n int, s float32) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32((i*7919)%13-6) * s
		}
		return w
	}
	g.Add("input", models.OpInput).SetInts("shape", 1, 28, 28)
	g.Add("encode", models.OpDirect)
	g.Add("conv1", models.OpConv2d).SetF32("weight", models.Shape{4, 1, 3, 3}, fill(36, 0.2)).
		SetF32("bias", models.Shape{4}, fill(4, 0.1)).SetInts("padding", 1)
	g.Add("spike1", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("pool1", models.OpSumPool2d).SetInts("kernel_size", 2)
	g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{8, 4, 3, 3}, fill(288, 0.02)).
		SetF32("bias", models.Shape{8}, fill(8, 0.1)).SetInts("padding", 1)
	g.Add("spike2", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("pool2", models.OpSumPool2d).SetInts("kernel_size", 2)
	g.Add("flat", models.OpFlatten)
	g.Add("fc1", models.OpAffine).SetF32("weight", models.Shape{10, 392}, fill(3920, 0.01)).SetF32("bias", models.Shape{10}, fill(10, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("input", "encode", "conv1", "spike1", "pool1", "conv2", "spike2", "pool2", "flat", "fc1", "output")
	return g
}

func TestCompileCommand(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.nsm")
	if err := models.Save(model, smallConvNet()); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "m.nsp")
	png := filepath.Join(dir, "links.png")
	out, err := run(t, "compile", model, "--chip", "loihi", "-o", prog, "--seed", "3", "--verify",
		"--heatmap", png, "--dump-after", "fold-scale", "--dump-format", "dot", "--dump-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"conv1", "pool2", "neuron use", "row-major", "routing xy", "busiest links"} {
		if !strings.Contains(strings.ToLower(out), want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	p, err := compiler.Load(prog)
	if err != nil {
		t.Fatal(err)
	}
	if p.SpecName != "loihi" || p.Layers[0].Neuron != "if" {
		t.Errorf("program for %s with neuron %s", p.SpecName, p.Layers[0].Neuron)
	}
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("heatmap not written: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "after-fold-scale.dot")); err != nil || !bytes.Contains(b, []byte("digraph")) {
		t.Errorf("dump not written: %v", err)
	}
	// The same inputs and seed give the same bytes.
	prog2 := filepath.Join(dir, "m2.nsp")
	if _, err := run(t, "compile", model, "--chip", "loihi", "-o", prog2, "--seed", "3", "--json"); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(prog)
	b, _ := os.ReadFile(prog2)
	if !bytes.Equal(a, b) {
		t.Error("same model, chip and seed gave different programs")
	}
	// A chip too small: an error naming the layer and the limit.
	tiny := filepath.Join(dir, "tiny.toml")
	os.WriteFile(tiny, []byte("base = \"default\"\n[chip]\nwidth = 2\nheight = 1\n[core.digital]\naxons = 20\n"), 0o644)
	_, err = run(t, "compile", model, "--chip", tiny, "-o", filepath.Join(dir, "x.nsp"))
	if err == nil || !strings.Contains(err.Error(), "conv2 (fan-in 36 > 20 axons") || !strings.Contains(err.Error(), "the board has 2") {
		t.Fatalf("tiny chip: %v", err)
	}
}
