package zoo

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// TestCalibrateSpikeRates builds e-spikeformer-t with random weights at
// 32×32, calibrates its BatchNorms on one random image and checks that
// every MultiSpike layer of the float model, on another image, neither dies
// (mean count ≥ 0.02) nor saturates (mean count ≤ 2 of D = 4), where the
// uncalibrated model has layers that do one or the other.
func TestCalibrateSpikeRates(t *testing.T) {
	img := func(seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 7))
		x := make([]float32, 3*32*32)
		for i := range x {
			x[i] = rng.Float32()
		}
		return map[string][]float32{"image": x}
	}
	rates := func(g *models.Graph) (lo, hi float64, bad int) {
		v, err := Eval(g, img(2))
		if err != nil {
			t.Fatal(err)
		}
		lo, hi = 1e9, 0
		for _, n := range g.Nodes() {
			if n.Op != models.OpMultiSpike {
				continue
			}
			norm := n.Float("norm", float64(n.Int("D", 4)))
			m := 0.0
			for _, s := range v[n.ID] {
				m += s * norm
			}
			m /= float64(len(v[n.ID]))
			lo, hi = min(lo, m), max(hi, m)
			if m < 0.02 || m > 2 {
				bad++
			}
		}
		return lo, hi, bad
	}
	build := func() *models.Graph {
		m, err := Build("e-spikeformer-t", Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		m.Graph.Node(m.Graph.Inputs()[0]).SetInts("shape", 3, 32, 32)
		return m.Graph
	}
	g := build()
	lo0, hi0, bad0 := rates(g)
	if err := Calibrate(g, img(1), 0, 1); err != nil {
		t.Fatal(err)
	}
	lo, hi, bad := rates(g)
	t.Logf("mean count per layer: uncalibrated %.3g…%.3g (%d dead or saturated), calibrated %.3g…%.3g", lo0, hi0, bad0, lo, hi)
	if bad0 == 0 {
		t.Error("the uncalibrated model has no dead or saturated layer: the test shows nothing")
	}
	if bad != 0 {
		t.Errorf("%d calibrated layers dead or saturated (mean counts %.3g…%.3g)", bad, lo, hi)
	}
	if err := Calibrate(build(), img(1), 0, 0); err == nil {
		t.Error("std 0 accepted")
	}
}
