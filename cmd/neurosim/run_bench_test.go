package main

import (
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/internal/assets"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// BenchmarkRunMNIST is the main job of `neurosim run` in miniature: the
// embedded model on the default chip (cycle-level NoC), 64 MNIST test images
// (four lanes) per op on one worker, each checked against the software
// integer model. ns/op ÷ 64 is the CPU time per image of the full run.
func BenchmarkRunMNIST(b *testing.B) {
	for _, model := range []string{"cycle", "packet"} {
		b.Run(model, func(b *testing.B) {
			ds, err := data.Load(data.MNISTName, "")
			if err != nil {
				b.Skipf("MNIST not available: %v", err)
			}
			raw, err := assets.Model()
			if err != nil {
				b.Skip(err)
			}
			g, err := models.DecodeNSM(raw)
			if err != nil {
				b.Fatal(err)
			}
			spec, err := arch.Load("default")
			if err != nil {
				b.Fatal(err)
			}
			prog, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			x, err := chip.NewExec(spec, prog)
			if err != nil {
				b.Fatal(err)
			}
			if err := x.SetNoCModel(model); err != nil {
				b.Fatal(err)
			}
			const n = 64
			label := func(i int) int { return int(ds.Test.Labels[i]) }
			b.ReportAllocs()
			var res *chip.RunResult
			for b.Loop() {
				if res, err = x.RunSamples(n, ds.Test.Image, label, chip.RunOptions{Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
			for i, a := range res.Agree {
				if !a.OK() {
					b.Fatalf("sample %d: chip and software model disagree: %+v", i, a)
				}
			}
			b.ReportMetric(float64(res.Events)/n, "events/image")
		})
	}
}
