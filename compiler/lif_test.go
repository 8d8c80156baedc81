package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/neuron"
)

// TestIntegrateIsFixedLIF: the LIF layer rule is neuron.FixedLIF at FracBits 0
// with B = 2^K, Θ = VTh, hard or subtractive reset.
func TestIntegrateIsFixedLIF(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, la := range []float64{0.5, 0.75, 0.9, 1} {
		for _, sub := range []bool{false, true} {
			lp := &LIFParams{LeakA: int64(math.Round(la * 65536)), CoefBits: 16, VTh: []int32{301}, VReset: []int32{-7}, Subtract: sub}
			l := Layer{Kind: LayerLIF, D: 1, LIF: lp}
			tau := math.Inf(1)
			if la < 1 {
				tau = 1 / (1 - la)
			}
			reset := neuron.ResetToValue
			if sub {
				reset = neuron.ResetSubtract
			}
			var m *neuron.LIF
			var err error
			if la == 1 {
				m, err = neuron.NewIF(neuron.IFParams{R: 1, DT: 1, VThreshold: 301, VReset: -7, Reset: reset, Compare: neuron.AtOrAbove})
			} else {
				m, err = neuron.NewLIF(neuron.LIFParams{Tau: tau, R: tau, DT: 1, VThreshold: 301, VReset: -7, Reset: reset, Integration: neuron.Euler, Compare: neuron.AtOrAbove})
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := m.Fixed(neuron.Precision{FracBits: 0, CoefBits: 16})
			if err != nil {
				t.Fatal(err)
			}
			st := f.NewState(1)
			in, out := []int32{0}, []bool{false}
			v := int64(0)
			for k := 0; k < 2000; k++ {
				acc := int64(rng.IntN(400) - 150)
				var fired bool
				v, fired = l.Integrate(0, v, acc)
				in[0] = int32(acc)
				f.Step(st, in, out)
				if fired != out[0] || v != int64(st.V[0]) {
					t.Fatalf("la=%g sub=%v step %d: Integrate (%d,%v), FixedLIF (%d,%v)", la, sub, k, v, fired, st.V[0], out[0])
				}
			}
		}
	}
}

// TestLIFProgram: a lif-convnet-shaped model with Poisson input compiles, its
// integer program follows the float model closely on the same input spikes,
// and the cores reproduce the simulator exactly.
func TestLIFProgram(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	g := lifNet(rng, 8, 16, 10, 4)
	for _, preset := range []string{"default", "loihi"} {
		p, err := Compile(g, mustPreset(preset), Options{Seed: 1, Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.Steps != 4 || p.Input.Encoding != "poisson" || p.Layers[0].Kind != LayerLIF || p.Cores[0].Neuron != "lif" {
			t.Fatalf("%s: steps %d encoding %s kind %s neuron %s", preset, p.Steps, p.Input.Encoding, p.Layers[0].Kind, p.Cores[0].Neuron)
		}
		sim, err := NewSimulator(p)
		if err != nil {
			t.Fatal(err)
		}
		same, total, agree := 0, 0, 0
		const n = 20
		for i := 0; i < n; i++ {
			px := randImage(rng, 784)
			frames := make([][]uint8, p.Steps)
			fr := rand.New(rand.NewPCG(uint64(i), 3))
			for k := range frames {
				frames[k] = make([]uint8, 784)
				EncodePoisson(frames[k], px, p.Input.Gain, fr)
			}
			res, err := sim.RunFrames(frames)
			if err != nil {
				t.Fatal(err)
			}
			// RunPoisson with the same stream draws the same spikes
			res2, _ := NewSimulator(p)
			r2, err := res2.RunPoisson(px, rand.New(rand.NewPCG(uint64(i), 3)))
			if err != nil || !equalI64(r2.Scores, res.Scores) {
				t.Fatalf("RunPoisson differs from RunFrames: %v", err)
			}
			vals, scores := floatSteps(g, frames)
			for li, l := range p.Layers {
				if l.Kind != LayerLIF {
					continue
				}
				for j, c := range res.Counts[li] {
					total++
					if float64(c) == vals[l.Node][j] {
						same++
					}
				}
			}
			if res.Class == argmax(scores) {
				agree++
			}
			la, lc := execCores(p, frames)
			for li, l := range p.Layers {
				for j := range la[li] {
					if la[li][j] != res.Acc[li][j] || (l.Kind != LayerReadout && lc[li][j] != res.Counts[li][j]) {
						t.Fatalf("%s: layer %s neuron %d: cores (%d,%d), simulator (%d,%d)", preset, l.Name, j, la[li][j], lc[li][j], res.Acc[li][j], res.Counts[li][j])
					}
				}
			}
		}
		t.Logf("%s: LIF spike counts identical %.4f, classes agree %d/%d", preset, float64(same)/float64(total), agree, n)
		if float64(same) < 0.97*float64(total) || agree < n*3/4 {
			t.Errorf("%s: integer LIF program too far from the float model", preset)
		}
	}
}
