package chip

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
)

// analyticLatencyTol bounds |analytic − cycle| / cycle of a sample's
// latency on the test programs below (measured: 0.00 %, the test
// programs' links are lightly loaded; e-spikeformer-m's are in
// docs/bench-zoo.md "Analytic NoC for programs").
const analyticLatencyTol = 0.05

// TestAnalyticProgramMatchesCycle runs the same programs under the cycle
// and the analytic NoC model (one chip, and the tiny board with and
// without multicast): every functional figure — class, scores, every count
// (packets, deliveries, hops, inter-chip packets and bits), spikes and
// synaptic ops per layer, the per-link flits — is identical, chip and
// software agree, and each sample's latency is within analyticLatencyTol.
func TestAnalyticProgramMatchesCycle(t *testing.T) {
	board, err := arch.Load("testdata/tiny-board.toml")
	if err != nil {
		t.Fatal(err)
	}
	unicast := *board
	unicast.NoC.Multicast = false
	one, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		spec *arch.Spec
	}{{"default", one}, {"tiny-board", board}, {"tiny-board-unicast", &unicast}} {
		t.Run(c.name, func(t *testing.T) {
			g := convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10)
			p, err := compiler.Compile(g, c.spec, compiler.Options{Seed: 1, Activity: 1})
			if err != nil {
				t.Fatal(err)
			}
			run := func(model string) (*Exec, *RunResult) {
				x, err := NewExec(c.spec, p)
				if err != nil {
					t.Fatal(err)
				}
				if err := x.SetNoCModel(model); err != nil {
					t.Fatal(err)
				}
				imgs := images(5, 12, x.SampleSize())
				r, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: 2, LaneSize: 4})
				if err != nil {
					t.Fatal(err)
				}
				return x, r
			}
			_, rc := run("cycle")
			xa, ra := run("analytic")
			if xa.NoCModel() != "analytic" {
				t.Fatalf("NoC model %q", xa.NoCModel())
			}
			var worst float64
			for i := range rc.Samples {
				a, b := &ra.Samples[i], &rc.Samples[i]
				if !ra.Agree[i].OK() {
					t.Errorf("sample %d: analytic run disagrees with the software model: %+v", i, ra.Agree[i])
				}
				la, lc := a.Counts.InterChipLinkTime, b.Counts.InterChipLinkTime
				ca, cc := a.Counts, b.Counts
				ca.InterChipLinkTime, cc.InterChipLinkTime = 0, 0 // timing, not a count
				if a.Class != b.Class || !slices.Equal(a.Scores, b.Scores) || ca != cc ||
					!slices.Equal(a.LayerSpikes, b.LayerSpikes) || !slices.Equal(a.LayerSynOps, b.LayerSynOps) {
					t.Errorf("sample %d: analytic %d %v %+v, cycle %d %v %+v", i, a.Class, a.Scores, a.Counts, b.Class, b.Scores, b.Counts)
				}
				if (la == 0) != (lc == 0) {
					t.Errorf("sample %d: board link time %d analytic, %d cycle", i, la, lc)
				}
				d := float64(a.Latency-b.Latency) / float64(b.Latency)
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
			}
			t.Logf("worst latency difference %.2f %%", 100*worst)
			if worst > analyticLatencyTol {
				t.Errorf("latency differs by up to %.2f %% from the cycle model's, want ≤ %.0f %%", 100*worst, 100*analyticLatencyTol)
			}
			if !slices.Equal(ra.LinkFlits, rc.LinkFlits) {
				t.Error("per-link flits differ between the analytic and the cycle model")
			}
			if !slices.Equal(ra.BoardLinks, rc.BoardLinks) {
				t.Error("board-link packets differ between the analytic and the cycle model")
			}
		})
	}
}

// TestAnalyticTreesMatchWalks: sending a program's spikes along cached
// trees gives exactly what walking every packet under the analytic model
// gives (same timing, counts and per-link flits).
func TestAnalyticTreesMatchWalks(t *testing.T) {
	board, err := arch.Load("testdata/tiny-board.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Compile(convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), board, compiler.Options{Seed: 1, Activity: 1})
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExec(board, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.SetNoCModel("analytic"); err != nil {
		t.Fatal(err)
	}
	img := images(7, 1, x.SampleSize())[0]
	run := func(trees bool) (SampleResult, []uint64) {
		m, err := x.NewMachine()
		if err != nil {
			t.Fatal(err)
		}
		if !trees {
			m.trees = nil
		}
		var r SampleResult
		for range 3 { // warm trees are reused
			if err := m.Run([][]uint8{img}, &r); err != nil {
				t.Fatal(err)
			}
		}
		if trees {
			n := 0
			for _, ts := range m.trees {
				for _, tr := range ts {
					if tr != nil {
						n++
					}
				}
			}
			if n == 0 {
				t.Fatal("no tree was made")
			}
		}
		var flits []uint64
		for _, l := range m.net.Stats().Links {
			flits = append(flits, l.Flits)
		}
		return r, flits
	}
	a, fa := run(true)
	b, fb := run(false)
	if a.Counts != b.Counts || a.Latency != b.Latency || a.Interval != b.Interval {
		t.Errorf("with trees %+v %v %v, walked %+v %v %v", a.Counts, a.Latency, a.Interval, b.Counts, b.Latency, b.Interval)
	}
	if !slices.Equal(fa, fb) {
		t.Error("per-link flits differ between trees and walks")
	}
	if a.Counts.Packets == 0 {
		t.Fatal("no packets: the test exercises nothing")
	}
}
