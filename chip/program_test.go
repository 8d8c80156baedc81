package chip

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

// The model builders are shared with compiler's tests.
var (
	convNet   = modeltest.ConvNet
	lifNet    = modeltest.LIFNet
	randImage = modeltest.RandImage
)

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
	checkRunAllocs(t, m, images(8, 4, x.InputSize()), 1, 20)
}

// checkRunAllocs warms m with warm passes over imgs, then fails t if a
// sample allocates more often than the NoC statistics snapshot, averaged
// over runs samples.
func checkRunAllocs(t *testing.T, m *Machine, imgs [][]uint8, warm, runs int) {
	t.Helper()
	var r SampleResult
	for range warm { // warm the pools and queues
		for _, im := range imgs {
			if err := m.Run([][]uint8{im}, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	i := 0
	frame := make([][]uint8, 1)
	allocs := testing.AllocsPerRun(runs, func() {
		frame[0] = imgs[i%len(imgs)]
		m.Run(frame, &r)
		i++
	})
	stats := testing.AllocsPerRun(runs, func() { m.net.Stats() })
	if allocs > stats {
		t.Fatalf("Machine.Run allocates %.1f times per sample, the NoC stats snapshot %.1f", allocs, stats)
	}
	t.Logf("%.1f allocations per sample (NoC stats snapshot: %.1f)", allocs, stats)
}
