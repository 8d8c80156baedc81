package chip

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
)

// TestBoardRunMatchesOneChip forces a small model across the chips of a tiny
// board (testdata/tiny-board.toml: 3×2 chips of 2×2 tiles) and checks that
// it predicts and spikes exactly as on one chip and as the software model,
// that packets crossed board links, and that the links the run used are
// the inter-chip links of the compiler's mapping report, each carrying at
// most steps × D × its estimated packets at activity 1 (the report counts
// one packet per neuron; a multispike neuron sends up to D per step).
func TestBoardRunMatchesOneChip(t *testing.T) {
	for _, c := range []struct {
		name      string
		routing   string
		multicast bool
	}{{"xy-multicast", "xy", true}, {"yx-multicast", "yx", true}, {"xy-unicast", "xy", false}} {
		t.Run(c.name, func(t *testing.T) {
			board, err := arch.Load("testdata/tiny-board.toml")
			if err != nil {
				t.Fatal(err)
			}
			board.NoC.Routing, board.NoC.Multicast = c.routing, c.multicast
			boardMatchesOneChip(t, board)
		})
	}
}

func boardMatchesOneChip(t *testing.T, board *arch.Spec) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10)
	pb, err := compiler.Compile(g, board, compiler.Options{Seed: 1, Activity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if pb.Report.InterChip.UsedChips < 2 {
		t.Fatalf("the model uses %d chip(s), want several", pb.Report.InterChip.UsedChips)
	}
	one, p1 := compileFor(t, g, "default")
	xb, err := NewExec(board, pb)
	if err != nil {
		t.Fatal(err)
	}
	x1, err := NewExec(one, p1)
	if err != nil {
		t.Fatal(err)
	}
	imgs := images(5, 6, xb.SampleSize())
	img := func(i int) []uint8 { return imgs[i] }
	lab := func(int) int { return 0 }
	rb, err := xb.RunSamples(len(imgs), img, lab, RunOptions{Workers: 2, LaneSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	r1, err := x1.RunSamples(len(imgs), img, lab, RunOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	rw, err := xb.RunSamples(len(imgs), img, lab, RunOptions{Workers: 1, LaneSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range imgs {
		if rw.Samples[i].Counts != rb.Samples[i].Counts || rw.Samples[i].Latency != rb.Samples[i].Latency {
			t.Errorf("sample %d: 1 worker gives %+v, %v; 2 workers %+v, %v", i, rw.Samples[i].Counts, rw.Samples[i].Latency, rb.Samples[i].Counts, rb.Samples[i].Latency)
		}
	}
	for i := range imgs {
		if !rb.Agree[i].OK() {
			t.Errorf("sample %d: board run disagrees with the software model: %+v", i, rb.Agree[i])
		}
		b, o := &rb.Samples[i], &r1.Samples[i]
		if b.Class != o.Class || b.Counts.Spikes != o.Counts.Spikes || b.Counts.SynOps != o.Counts.SynOps {
			t.Errorf("sample %d: board class %d spikes %d syn ops %d, one chip %d %d %d", i, b.Class, b.Counts.Spikes, b.Counts.SynOps, o.Class, o.Counts.Spikes, o.Counts.SynOps)
		}
		for li := range b.LayerSpikes {
			if b.LayerSpikes[li] != o.LayerSpikes[li] {
				t.Errorf("sample %d layer %d: %d spikes on the board, %d on one chip", i, li, b.LayerSpikes[li], o.LayerSpikes[li])
			}
		}
		if b.Counts.InterChipPackets == 0 || b.Counts.InterChipBits != b.Counts.InterChipPackets*uint64(board.NoC.SpikePacketBits) || b.Counts.InterChipLinkTime <= 0 {
			t.Errorf("sample %d: inter-chip counts %d packets %d bits %d ps", i, b.Counts.InterChipPackets, b.Counts.InterChipBits, b.Counts.InterChipLinkTime)
		}
		if o.Counts.InterChipPackets != 0 {
			t.Errorf("sample %d: %d inter-chip packets on one chip", i, o.Counts.InterChipPackets)
		}
	}
	s := xb.Summarise(rb)
	if s.Board == nil || s.Board.UsedChips != pb.Report.InterChip.UsedChips || s.Board.Cores != len(pb.Cores) {
		t.Fatalf("board summary %+v; report %+v, %d cores", s.Board, pb.Report.InterChip, len(pb.Cores))
	}
	if s1 := x1.Summarise(r1); s1.Board != nil {
		t.Errorf("one chip's summary has a board section %+v", s1.Board)
	}
	est := map[[3]int]float64{}
	for _, l := range pb.Report.Links {
		if l.InterChip {
			est[[3]int{l.X, l.Y, l.Dir}] = l.Packets
		}
	}
	maxD := 1
	for i := range pb.Layers {
		maxD = max(maxD, pb.Layers[i].D)
	}
	var sum float64
	for _, l := range s.Board.Links {
		e, ok := est[[3]int{l.X, l.Y, l.Dir}]
		if !ok {
			t.Errorf("board link (%d,%d) dir %d carried %g packets; the mapping report has no such inter-chip link", l.X, l.Y, l.Dir, l.Packets)
		}
		if l.Packets > e*float64(xb.steps*maxD)+1e-9 {
			t.Errorf("board link (%d,%d) dir %d: %g packets per inference, more than the report's %g × %d steps × D %d", l.X, l.Y, l.Dir, l.Packets, e, xb.steps, maxD)
		}
		sum += l.Packets
	}
	if d := sum - s.Board.Packets; d > 1e-6 || d < -1e-6 {
		t.Errorf("board links sum to %g packets, the summary says %g", sum, s.Board.Packets)
	}
	if len(s.Board.Links) == 0 {
		t.Error("no board link used")
	}
	if e := s.EnergyTotal.Mean; e <= 0 {
		t.Errorf("energy %g", e)
	}
}

// BenchmarkBoardRun times one inference of the test model spread over the
// tiny board's chips (beside BenchMachineRun's one chip); the board links add
// no allocation per spike once the pending-packet pool is warm.
func BenchmarkBoardRun(b *testing.B) {
	board, err := arch.Load("testdata/tiny-board.toml")
	if err != nil {
		b.Fatal(err)
	}
	p, err := compiler.Compile(convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), board, compiler.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	x, err := NewExec(board, p)
	if err != nil {
		b.Fatal(err)
	}
	m, err := x.NewMachine()
	if err != nil {
		b.Fatal(err)
	}
	imgs := images(8, 16, x.InputSize())
	frame := make([][]uint8, 1)
	var r SampleResult
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		frame[0] = imgs[i%len(imgs)]
		if err := m.Run(frame, &r); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(r.Counts.InterChipPackets), "interchip-packets/op")
}
