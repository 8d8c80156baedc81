package chip

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/nir"
	"github.com/neurosim/neurosim/neuron"
)

const nirDir = "../../shared/data/nir"

// braille reads one of the recurrent CubaLIF braille graphs (snnTorch
// exports; the noBias file was trained with reset by subtraction) and puts
// an Events encoder of steps frames after its input, so that its 12 input
// channels take one binary frame per step.
func braille(t testing.TB, name string, steps int) *models.Graph {
	t.Helper()
	p := filepath.Join(nirDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("NIR test file %s not available (%v); see ../shared/data/README.md", p, err)
	}
	opt := nir.Options{}
	if name == "braille_noDelay_noBias_subtract.nir" {
		opt.Reset = "subtract"
	}
	g, _, err := nir.Read(p, opt)
	if err != nil {
		t.Fatal(err)
	}
	in := g.Inputs()[0]
	enc := models.NewNode("encoder", models.OpEvents)
	enc.SetInt("steps", steps)
	for _, to := range g.Successors(in) {
		g.Disconnect(in, to, false)
		g.AddNode(enc)
		g.Connect(enc.ID, to)
	}
	g.Connect(in, enc.ID)
	return g
}

// randomSpikes returns n samples of steps binary frames of size inputs, each
// element spiking with probability rate, from a PCG with the given seed.
func randomSpikes(n, steps, inputs int, rate float64, seed uint64) [][]uint8 {
	rng := rand.New(rand.NewPCG(seed, 0x6272))
	out := make([][]uint8, n)
	for i := range out {
		out[i] = make([]uint8, steps*inputs)
		for j := range out[i] {
			if rng.Float64() < rate {
				out[i][j] = 1
			}
		}
	}
	return out
}

var brailleFiles = []string{"braille_noDelay_bias_zero.nir", "braille_noDelay_bias_zero_subgraph.nir", "braille_noDelay_noBias_subtract.nir"}

// TestBrailleChipMatchesSoftware compiles the braille graphs (recurrent
// CubaLIF, with and without subgraphs) onto the default preset and runs them
// on the chip with deterministic random input spikes: every sample's class,
// scores and spike counts equal compiler.Simulator's, and both layers and
// the recurrent projection carry spikes.
func TestBrailleChipMatchesSoftware(t *testing.T) {
	const steps, n = 64, 6
	for _, name := range brailleFiles {
		t.Run(name, func(t *testing.T) {
			g := braille(t, name, steps)
			spec := preset(t, "default")
			p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			rec := 0
			for _, l := range p.Layers {
				if l.Kind != compiler.LayerCuba {
					t.Fatalf("layer %s is %s, want cuba", l.Name, l.Kind)
				}
				for _, pr := range l.Inputs {
					if pr.Recurrent {
						rec++
					}
				}
			}
			if len(p.Layers) != 2 || rec != 1 {
				t.Fatalf("%d layers, %d recurrent projections; want 2 and 1", len(p.Layers), rec)
			}
			x, err := NewExec(spec, p)
			if err != nil {
				t.Fatal(err)
			}
			in := randomSpikes(n, steps, 12, 0.3, 7)
			res, err := x.RunSamples(n, func(i int) []uint8 { return in[i] }, func(int) int { return 0 }, RunOptions{Workers: 2, LaneSize: 2, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			var spikes [2]uint64
			for i, a := range res.Agree {
				if !a.OK() {
					t.Fatalf("sample %d: chip and software model disagree: %+v", i, a)
				}
				spikes[0] += res.Samples[i].LayerSpikes[0]
				spikes[1] += res.Samples[i].LayerSpikes[1]
			}
			if spikes[0] == 0 || spikes[1] == 0 {
				t.Fatalf("layer spikes %v: the test drives nothing", spikes)
			}
			t.Logf("%s: %d samples × %d steps agree; spikes per layer %v; classes %v", name, n, steps, spikes, res.RefClass)
		})
	}
}

// floatBraille runs the imported graph in float64 with neuron.CubaLIF (the
// reference the compiler lowers), one frame per step; recurrent edges read
// the previous step. It returns each CubaLIF node's spike count per neuron.
func floatBraille(t *testing.T, g *models.Graph, frames []uint8, steps int) map[string][]int {
	t.Helper()
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := models.InferShapes(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	dt, _ := strconv.ParseFloat(g.Meta["lif_dt"], 64)
	integ := map[string]neuron.Integration{"exact": neuron.Exact, "euler": neuron.Euler}[g.Meta["lif_integration"]]
	reset := map[string]neuron.Reset{"hard": neuron.ResetToValue, "subtract": neuron.ResetSubtract}[g.Meta["lif_reset"]]
	cur, prev := map[string][]float64{}, map[string][]float64{}
	models1 := map[string][]*neuron.CubaLIF{}
	states := map[string][]*neuron.CubaState{}
	counts := map[string][]int{}
	par := func(n *models.Node, name string) []float32 {
		v, err := models.BroadcastTo(n.Tensor(name), shapes[n.ID])
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, n := range order {
		if n.Op != models.OpCubaLIF {
			continue
		}
		ts, tm, r, vl, vt, vr, wi := par(n, "tau_syn"), par(n, "tau_mem"), par(n, "r"), par(n, "v_leak"), par(n, "v_threshold"), par(n, "v_reset"), par(n, "w_in")
		for i := range ts {
			m, err := neuron.NewCubaLIF(neuron.CubaLIFParams{TauSyn: float64(ts[i]), TauMem: float64(tm[i]), R: float64(r[i]), VLeak: float64(vl[i]),
				VThreshold: float64(vt[i]), VReset: float64(vr[i]), WIn: float64(wi[i]), DT: dt, Integration: integ, Reset: reset})
			if err != nil {
				t.Fatal(err)
			}
			models1[n.ID] = append(models1[n.ID], m)
			states[n.ID] = append(states[n.ID], &neuron.CubaState{I: []float64{0}, V: []float64{0}})
		}
		counts[n.ID] = make([]int, len(ts))
	}
	for st := 0; st < steps; st++ {
		for _, n := range order {
			size := int(shapes[n.ID].Numel())
			var in [][]float64
			for _, e := range g.InEdges(n.ID) {
				if e.Recurrent {
					if p := prev[e.From]; p != nil {
						in = append(in, p)
					} else {
						in = append(in, make([]float64, int(shapes[e.From].Numel())))
					}
				} else {
					in = append(in, cur[e.From])
				}
			}
			var sum []float64
			if len(in) > 0 {
				sum = make([]float64, len(in[0]))
			}
			for _, x := range in {
				for i := range sum {
					sum[i] += x[i]
				}
			}
			out := make([]float64, size)
			switch n.Op {
			case models.OpInput:
				for i := range out {
					out[i] = float64(frames[st*size+i])
				}
			case models.OpEvents, models.OpOutput:
				copy(out, sum)
			case models.OpAffine, models.OpLinear:
				w := n.Tensor("weight")
				x := sum
				inN := w.Shape[1]
				for o := range out {
					for i := 0; i < inN; i++ {
						out[o] += float64(w.F32[o*inN+i]) * x[i]
					}
					if b := n.Tensor("bias"); b != nil {
						out[o] += float64(b.F32[o])
					}
				}
			case models.OpCubaLIF:
				for i := range out {
					var f [1]bool
					models1[n.ID][i].Step(states[n.ID][i], []float64{sum[i]}, f[:])
					if f[0] {
						out[i] = 1
						counts[n.ID][i]++
					}
				}
			default:
				t.Fatalf("float reference: op %s", n.Op)
			}
			cur[n.ID] = out
		}
		for id, v := range cur {
			prev[id] = v
		}
		cur = map[string][]float64{}
	}
	return counts
}

// TestBrailleFixedVsFloat compares the compiled integer model (weights at
// the default preset's 8 bits, CubaLIF state and coefficients in fixed
// point) with the float graph driven by the same random spikes. Recurrent
// spiking networks amplify any difference once one spike moves, so the
// check is statistical: over every neuron of both layers and every sample,
// the spike counts differ by at most 10 % of the float model's total, and
// the output layer's arg-max agrees on at least 5 of 6 samples. (Measured:
// see docs/bench-nir.md.)
func TestBrailleFixedVsFloat(t *testing.T) {
	const steps, n = 64, 6
	for _, name := range brailleFiles {
		t.Run(name, func(t *testing.T) {
			g := braille(t, name, steps)
			p, err := compiler.Compile(g, preset(t, "default"), compiler.Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			sim, err := compiler.NewSimulator(p)
			if err != nil {
				t.Fatal(err)
			}
			in := randomSpikes(n, steps, 12, 0.3, 7)
			var diff, total, argmax int
			frames := make([][]uint8, steps)
			for s := 0; s < n; s++ {
				for st := range frames {
					frames[st] = in[s][st*12 : (st+1)*12]
				}
				r, err := sim.RunFrames(frames)
				if err != nil {
					t.Fatal(err)
				}
				ref := floatBraille(t, g, in[s], steps)
				for li, l := range p.Layers {
					fc := ref[l.Node]
					for i, c := range r.Counts[li] {
						diff += int(math.Abs(float64(int(c) - fc[i])))
						total += fc[i]
					}
				}
				out := ref[p.Layers[p.Output.Layer].Node]
				best := 0
				for i, c := range out {
					if c > out[best] {
						best = i
					}
				}
				if best == r.Class {
					argmax++
				}
			}
			frac := float64(diff) / float64(max(total, 1))
			t.Logf("%s: Σ|Δcount| = %d of %d float spikes (%.2f %%); arg-max agrees on %d/%d", name, diff, total, 100*frac, argmax, n)
			if total == 0 || frac > 0.10 || argmax < n-1 {
				t.Fatalf("fixed point strays from float: Σ|Δcount| %d of %d, arg-max %d/%d", diff, total, argmax, n)
			}
		})
	}
}

// TestCubaIntegerTracksFloat drives one cuba neuron with random input and
// checks the integer state against neuron.CubaLIF step by step (no spikes:
// high threshold): |v_int/(θ·2^F) − v| stays within 2 LSB + the coefficient
// error bound.
func TestCubaIntegerTracksFloat(t *testing.T) {
	for _, integ := range []neuron.Integration{neuron.Euler, neuron.Exact} {
		par := neuron.CubaLIFParams{TauSyn: 2.222e-4, TauMem: 1e-3, R: 10, WIn: 2.222, VThreshold: 1e9, DT: 1e-4, Integration: integ}
		m, err := neuron.NewCubaLIF(par)
		if err != nil {
			t.Fatal(err)
		}
		co := m.Coefficients()
		const theta, frac, k = 127, 8, 16
		q := func(x float64) int64 { return int64(math.RoundToEven(x * (1 << k))) }
		l := &compiler.Layer{Cuba: &compiler.CubaParams{CoefBits: k, FracBits: frac, AII: []int64{q(co.AII)}, BI: []int64{q(co.BI)},
			AVV: []int64{q(co.AVV)}, AVI: []int64{q(co.AVI)}, BV: []int64{q(co.BV)}, CV: []int32{0}, VTh: []int32{math.MaxInt32}, VReset: []int32{0}}}
		st := m.NewState(1)
		var i, v int64
		rng := rand.New(rand.NewPCG(3, 4))
		unit := float64(theta << frac)
		worst := 0.0
		for s := 0; s < 2000; s++ {
			acc := int64(rng.IntN(401) - 200)
			var f [1]bool
			m.Step(st, []float64{float64(acc) / theta}, f[:])
			i, v, _ = l.IntegrateCuba(0, i, v, acc)
			worst = max(worst, math.Abs(float64(v)/unit-st.V[0]))
		}
		// the float membrane reaches |v| ≈ 30 here; 16-bit coefficients and
		// 1/(127·256) state steps keep the integer one within 1e-3 of it
		if worst > 1e-3 {
			t.Fatalf("integration %d: max |Δv| %.3g", integ, worst)
		}
		t.Logf("integration %d: max |Δv| = %.3g over 2000 steps", integ, worst)
	}
}
