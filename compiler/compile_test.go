package compiler

import (
	"math/rand/v2"
	"testing"
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
