package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models/modeltest"
)

// A model larger than one chip spreads over a board; the mapping report sums the
// traffic that crosses between chips and prices it with the board's links.
func TestBoardInterChipReport(t *testing.T) {
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	spec.Chip.Width, spec.Chip.Height = 2, 2 // 4 cores per chip
	spec.Board.ChipsX, spec.Board.ChipsY = 3, 2
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	g := modeltest.ConvNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 64, 10) // 6272 + 784 + … neurons: > 4 cores
	p, err := Compile(g, spec, Options{Seed: 1, Activity: 1})
	if err != nil {
		t.Fatal(err)
	}
	ic := p.Report.InterChip
	if ic.Chips != 6 || ic.UsedChips < 2 {
		t.Fatalf("inter-chip report %+v: want 6 chips, at least 2 used (%d cores)", ic, len(p.Cores))
	}
	var crossings float64
	links := 0
	for _, l := range p.Report.Links {
		if l.InterChip {
			crossings += l.Packets
			links++
		}
	}
	if links == 0 || ic.Links != links || math.Abs(ic.Packets-crossings) > 1e-9 {
		t.Errorf("inter-chip links %d packets %g, report says %d, %g", links, crossings, ic.Links, ic.Packets)
	}
	bits := float64(spec.NoC.SpikePacketBits)
	if ic.Bits != ic.Packets*bits || math.Abs(ic.EnergyPJ-ic.Bits*spec.Energy.InterchipBit.PJ) > 1e-6*ic.EnergyPJ {
		t.Errorf("bits %g energy %g for %g packets", ic.Bits, ic.EnergyPJ, ic.Packets)
	}
	if want := spec.Board.LinkLatencyNS + bits/spec.Board.LinkGbps; ic.CrossingNS != want {
		t.Errorf("crossing %g ns, want %g", ic.CrossingNS, want)
	}
	// The board preset loads and a one-chip spec reports no inter-chip traffic.
	if _, err := arch.Preset("loihi-board-32"); err != nil {
		t.Fatal(err)
	}
	one, _ := arch.Preset("default")
	p1, err := Compile(modeltest.ConvNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 32, 10), one, Options{Seed: 1, Activity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ic := p1.Report.InterChip; ic != (InterChipReport{}) {
		t.Errorf("single chip: %+v", ic)
	}
}

// TestBoardPlacementPricesCrossings: the price of a chip crossing on the
// board preset and on one chip (0), and a model that fits one Loihi chip
// placed on at most two of the board's 32 (by hops alone the default model
// took four).
func TestBoardPlacementPricesCrossings(t *testing.T) {
	spec := mustPreset("loihi-board-32")
	if c := crossHops(&State{Spec: spec}); c != 88 {
		// 32 bits × 10 pJ / mean(3.0, 4.2) pJ = 88.9 → 89 hops, less the one the crossing counts
		t.Errorf("crossHops %d on loihi-board-32, want 88", c)
	}
	if c := crossHops(&State{Spec: mustPreset("loihi")}); c != 0 {
		t.Errorf("crossHops %d on one chip", c)
	}
	g := convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10)
	p, err := Compile(g, spec, Options{Seed: 1, Activity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Report.InterChip.UsedChips > 2 {
		t.Errorf("%d cores placed over %d chips; one chip holds 128", len(p.Cores), p.Report.InterChip.UsedChips)
	}
}
