package compiler

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

func TestCompileDefaultModelPresets(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 32, 64, 128, 10)
	for _, preset := range []string{"default", "loihi"} {
		t.Run(preset, func(t *testing.T) {
			p, err := Compile(g, mustPreset(preset), Options{Seed: 1, Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Check(); err != nil {
				t.Fatal(err)
			}
			t.Logf("cores %d placement %+v", len(p.Cores), p.Report.Placement)
			for _, l := range p.Report.Layers {
				t.Logf("%+v", l)
			}
		})
	}
}

// TestPlacementBeatsRowMajor: for the default model on the default chip the
// annealed placement costs at most 0.8 × the row-major one.
func TestPlacementBeatsRowMajor(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 32, 64, 128, 10)
	p, err := Compile(g, mustPreset("default"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	pl := p.Report.Placement
	t.Logf("row-major %d greedy %d annealed %d ratio %.3f", pl.RowMajor, pl.Greedy, pl.Final, pl.Ratio)
	if pl.Final > pl.RowMajor*8/10 {
		t.Errorf("placement %d > 0.8 × row-major %d", pl.Final, pl.RowMajor)
	}
	if pl.Final > pl.Greedy {
		t.Errorf("annealing made the greedy placement worse: %d > %d", pl.Final, pl.Greedy)
	}
	// every core on its own tile
	seen := map[[3]int]bool{}
	for _, c := range p.Cores {
		k := [3]int{c.Chip, c.X, c.Y}
		if seen[k] {
			t.Fatalf("two cores on tile %v", k)
		}
		seen[k] = true
	}
}

func TestDumpAfter(t *testing.T) {
	for _, tc := range []struct{ pass, format, want string }{
		{"fold-bn", "json", `"op": "Conv2d"`},
		{"fold-scale", "dot", "digraph"},
		{"quantize", "json", `"threshold"`},
		{"route", "dot", "input -> l0"},
	} {
		var b strings.Builder
		if _, err := Compile(tinyNet(), mustPreset("default"), Options{Verify: true, DumpAfter: tc.pass, DumpFormat: tc.format, DumpWriter: &b}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("dump after %s (%s) lacks %q:\n%.300s", tc.pass, tc.format, tc.want, b.String())
		}
	}
	if _, err := Compile(tinyNet(), mustPreset("default"), Options{DumpAfter: "nope"}); err == nil || !strings.Contains(err.Error(), "no such pass") {
		t.Errorf("unknown pass: %v", err)
	}
}

// TestCompileDoesNotModifyGraph: Compile works on a clone.
func TestCompileDoesNotModifyGraph(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10)
	g.Node("spike1").SetFloat("norm", 4) // fold-scale rewrites a clone, not g
	var before, after strings.Builder
	models.WriteJSON(&before, g)
	w0 := g.Node("conv2").Tensor("weight").F32[0]
	if _, err := Compile(g, mustPreset("default"), Options{}); err != nil {
		t.Fatal(err)
	}
	models.WriteJSON(&after, g)
	if before.String() != after.String() || g.Node("conv2").Tensor("weight").F32[0] != w0 {
		t.Error("Compile modified its graph")
	}
}

// TestFoldScaleKeepsSemantics: a MultiSpike with norm D (the SDT default) and
// an AvgPool compile to the same integer program as the exported form with
// norm 1, SumPool and the factors in the next weights.
func TestFoldScaleKeepsSemantics(t *testing.T) {
	a := convNet(rand.New(rand.NewPCG(8, 8)), 4, 8, 16, 10)
	b := a.Clone()
	b.Node("spike1").SetFloat("norm", 4)
	b.Node("pool1").Op = models.OpAvgPool2d
	w := b.Node("conv2").Tensor("weight").F32
	for i := range w {
		w[i] = float32(float64(w[i]) * 16)
	}
	pa, err := Compile(a, mustPreset("default"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Compile(b, mustPreset("default"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	px := randImage(rand.New(rand.NewPCG(2, 2)), 784)
	ra, _ := Simulate(pa, px)
	sa := append([]int64(nil), ra.Scores...)
	rb, _ := Simulate(pb, px)
	if !equalI64(sa, rb.Scores) {
		t.Errorf("scores %v vs %v", sa, rb.Scores)
	}
}
