package chip

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
)

// The model builders below are copies of compiler's test helpers (test files
// cannot be imported).

// convNet builds the shape of the default model sfa-convnet as exported by
// models/train (BN folded, MultiSpike norm 1, SumPool with the 1/k² folded):
// Input[1,28,28] → Direct → conv1 3×3 c1 → spike → sumpool 2 → conv2 3×3 c2 →
// spike → sumpool 2 → flatten → fc1 → spike → fc2 (classes) → Output.
// Weights are random with a gain that keeps counts inside [0, D].
func convNet(rng *rand.Rand, c1, c2, fc, classes int) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "sfa-convnet-test"}
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	g.Add("input", models.OpInput).SetInts("shape", 1, 28, 28)
	g.Add("encode", models.OpDirect).SetInt("steps", 1)
	g.Add("conv1", models.OpConv2d).SetF32("weight", models.Shape{c1, 1, 3, 3}, rnd(c1*9, 1.2)).
		SetF32("bias", models.Shape{c1}, rnd(c1, 0.3)).SetInts("stride", 1, 1).SetInts("padding", 1, 1)
	g.Add("spike1", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven).SetFloat("norm", 1)
	g.Add("pool1", models.OpSumPool2d).SetInts("kernel_size", 2, 2).SetInts("stride", 2, 2)
	g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{c2, c1, 3, 3}, rnd(c2*c1*9, 0.9/math.Sqrt(float64(c1*9))/4)).
		SetF32("bias", models.Shape{c2}, rnd(c2, 0.3)).SetInts("stride", 1, 1).SetInts("padding", 1, 1)
	g.Add("spike2", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven).SetFloat("norm", 1)
	g.Add("pool2", models.OpSumPool2d).SetInts("kernel_size", 2, 2).SetInts("stride", 2, 2)
	g.Add("flat", models.OpFlatten)
	nf := c2 * 49
	g.Add("fc1", models.OpAffine).SetF32("weight", models.Shape{fc, nf}, rnd(fc*nf, 1.2/math.Sqrt(float64(nf))/4)).
		SetF32("bias", models.Shape{fc}, rnd(fc, 0.3))
	g.Add("spike3", models.OpMultiSpike).SetInt("D", 4).SetString("rounding", models.RoundHalfEven).SetFloat("norm", 1)
	g.Add("fc2", models.OpAffine).SetF32("weight", models.Shape{classes, fc}, rnd(classes*fc, 1/math.Sqrt(float64(fc)))).
		SetF32("bias", models.Shape{classes}, rnd(classes, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("input", "encode", "conv1", "spike1", "pool1", "conv2", "spike2", "pool2", "flat", "fc1", "spike3", "fc2", "output")
	return g
}

// lifNet is the shape of models/train's lif-convnet export: Poisson input over
// steps, conv → LIF (β = 0.5, v_th = 1, hard reset) → 2×2 avg pool, twice, then
// a dense readout averaged over time.
func lifNet(rng *rand.Rand, c1, c2, classes, steps int) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"arch": "lif-convnet-test", "lif_reset": "hard", "lif_integration": "euler", "lif_dt": "1"}
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	lif := func(id string, shape models.Shape) {
		n := int(shape.Numel())
		full := func(v float32) []float32 {
			f := make([]float32, n)
			for i := range f {
				f[i] = v
			}
			return f
		}
		g.Add(id, models.OpLIF).SetF32("tau", shape, full(2)).SetF32("r", shape, full(2)).
			SetF32("v_leak", shape, full(0)).SetF32("v_threshold", shape, full(1)).SetF32("v_reset", shape, full(0))
	}
	g.Add("input", models.OpInput).SetInts("shape", 1, 28, 28)
	g.Add("encode", models.OpPoisson).SetInt("steps", steps)
	g.Add("conv1", models.OpConv2d).SetF32("weight", models.Shape{c1, 1, 3, 3}, rnd(c1*9, 0.6)).
		SetF32("bias", models.Shape{c1}, rnd(c1, 0.1)).SetInts("padding", 1)
	lif("lif1", models.Shape{c1, 28, 28})
	g.Add("pool1", models.OpAvgPool2d).SetInts("kernel_size", 2)
	g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{c2, c1, 3, 3}, rnd(c2*c1*9, 2.5/math.Sqrt(float64(c1*9)))).
		SetF32("bias", models.Shape{c2}, rnd(c2, 0.1)).SetInts("padding", 1)
	lif("lif2", models.Shape{c2, 14, 14})
	g.Add("pool2", models.OpAvgPool2d).SetInts("kernel_size", 2)
	g.Add("flat", models.OpFlatten)
	nf := c2 * 49
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{classes, nf}, rnd(classes*nf, 3/math.Sqrt(float64(nf)))).
		SetF32("bias", models.Shape{classes}, rnd(classes, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("input", "encode", "conv1", "lif1", "pool1", "conv2", "lif2", "pool2", "flat", "fc", "output")
	return g
}

func randImage(rng *rand.Rand, n int) []uint8 {
	px := make([]uint8, n)
	for i := range px {
		if rng.IntN(3) > 0 {
			px[i] = uint8(rng.IntN(256))
		}
	}
	return px
}

func compileFor(t testing.TB, g *models.Graph, preset string) (*arch.Spec, *compiler.Program) {
	t.Helper()
	spec, err := arch.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return spec, p
}

func images(seed uint64, n, size int) [][]uint8 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([][]uint8, n)
	for i := range out {
		out[i] = randImage(rng, size)
	}
	return out
}

// TestChipMatchesSimulator runs random inputs through the chip and the
// software integer model: multispike cores (default), IF cores (loihi), and a
// LIF model with Poisson input over several steps.
func TestChipMatchesSimulator(t *testing.T) {
	cases := []struct {
		name, preset string
		g            *models.Graph
	}{
		{"sfa-default", "default", convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10)},
		{"sfa-loihi", "loihi", convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10)},
		{"lif-default", "default", lifNet(rand.New(rand.NewPCG(3, 4)), 4, 8, 10, 4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, p := compileFor(t, c.g, c.preset)
			x, err := NewExec(spec, p)
			if err != nil {
				t.Fatal(err)
			}
			imgs := images(5, 40, x.InputSize())
			res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: 2, LaneSize: 8, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			var spikes uint64
			for i, a := range res.Agree {
				if !a.OK() {
					t.Fatalf("sample %d: chip and software model differ: %+v", i, a)
				}
				spikes += res.Samples[i].Counts.Spikes
				if res.Samples[i].Latency == 0 || res.Samples[i].Counts.Packets == 0 {
					t.Fatalf("sample %d: no latency or no packets: %+v", i, res.Samples[i])
				}
			}
			if spikes == 0 {
				t.Fatal("no spikes at all: the test exercises nothing")
			}
		})
	}
}

// TestWorkersDoNotChangeResults: 1 and 2 workers give identical per-sample
// results (lanes, not workers, define what a machine has run before).
func TestWorkersDoNotChangeResults(t *testing.T) {
	spec, p := compileFor(t, convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), "default")
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	imgs := images(6, 24, x.InputSize())
	run := func(w int) *RunResult {
		r, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: w, LaneSize: 5})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := run(1), run(2)
	for i := range a.Samples {
		sa, sb := &a.Samples[i], &b.Samples[i]
		if sa.Latency != sb.Latency || sa.Counts != sb.Counts || sa.Interval != sb.Interval || sa.Class != sb.Class {
			t.Fatalf("sample %d differs between 1 and 2 workers:\n%+v\n%+v", i, sa, sb)
		}
	}
	for i := range a.CoreBusy {
		if a.CoreBusy[i] != b.CoreBusy[i] {
			t.Fatalf("core %d busy time differs: %d vs %d", i, a.CoreBusy[i], b.CoreBusy[i])
		}
	}
}

// TestKernelMatchesSynapseTable: the kernel-form accumulation adds exactly
// the weights the compiler's explicit synapse table lists, for every axon of
// every core.
func TestKernelMatchesSynapseTable(t *testing.T) {
	for _, g := range []*models.Graph{convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), lifNet(rand.New(rand.NewPCG(3, 4)), 4, 8, 10, 4)} {
		spec, p := compileFor(t, g, "default")
		x, err := NewExec(spec, p)
		if err != nil {
			t.Fatal(err)
		}
		for ci := range p.Cores {
			c := &p.Cores[ci]
			xc := &x.cores[ci]
			start, syn := p.SynapseTable(c)
			got := make([]int64, c.Neurons())
			want := make([]int64, c.Neurons())
			for a, ax := range c.Axons {
				clear(got)
				clear(want)
				accumulate(got, x.kern[c.Layer], &xc.region, ax.Source, int(ax.Neuron), 3)
				for _, s := range syn[start[a]:start[a+1]] {
					want[s.Neuron] += 3 * int64(s.Weight)
				}
				for i := range want {
					if got[xc.perm[i]] != want[i] {
						t.Fatalf("core %d axon %d neuron %d: kernel form %d, synapse table %d", ci, a, i, got[xc.perm[i]], want[i])
					}
				}
			}
		}
	}
}

func TestSpecMismatch(t *testing.T) {
	_, p := compileFor(t, convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), "default")
	other, err := arch.Preset("loihi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewExec(other, p); err == nil || !errors.Is(err, ErrSpecMismatch) {
		t.Fatalf("NewExec on another spec: %v, want ErrSpecMismatch", err)
	}
}

func TestWilson(t *testing.T) {
	// 95 % Wilson interval of 81/263 (a textbook example): 0.2553–0.3662
	ci := Wilson(81, 263, 1.959963984540054)
	if math.Abs(ci[0]-0.2553) > 5e-4 || math.Abs(ci[1]-0.3662) > 5e-4 {
		t.Fatalf("Wilson(81, 263) = %v", ci)
	}
}

// TestMachineRunAllocations: once warm, a sample allocates only the NoC's
// statistics snapshot (noc.Network.Stats copies its link table), a fixed
// amount independent of the traffic.
func TestMachineRunAllocations(t *testing.T) {
	spec, p := compileFor(t, convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), "default")
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := x.NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	imgs := images(8, 4, x.InputSize())
	var r SampleResult
	for _, im := range imgs { // warm the pools and queues
		if err := m.Run([][]uint8{im}, &r); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	frame := make([][]uint8, 1)
	allocs := testing.AllocsPerRun(20, func() {
		frame[0] = imgs[i%len(imgs)]
		m.Run(frame, &r)
		i++
	})
	stats := testing.AllocsPerRun(20, func() { m.net.Stats() })
	if allocs > stats {
		t.Fatalf("Machine.Run allocates %.1f times per sample, the NoC stats snapshot %.1f", allocs, stats)
	}
	t.Logf("%.1f allocations per sample (NoC stats snapshot: %.1f)", allocs, stats)
}
