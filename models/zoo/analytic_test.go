package zoo

import (
	"math"
	"testing"

	"github.com/neurosim/neurosim/models"
)

func analyze(t *testing.T, name string, input models.Shape) *Table {
	t.Helper()
	m, err := Build(name, Options{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]models.Shape
	if input != nil {
		in = map[string]models.Shape{"image": input}
	}
	tab, err := Analyze(m.Graph, in)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// Conv+linear MACs, stem MACs, attention matrix-product MACs and spiking outputs
// at 224², against seed-models.md §1.3 (the authors' models instantiated in PyTorch).
func TestSpikeFormerMACs(t *testing.T) {
	for _, tc := range []struct {
		name           string
		convLinG       float64 // G, 4 decimals as published
		stemM          float64 // M, 1 decimal
		attnG          float64 // G
		spikingOutputs int64
	}{
		{"e-spikeformer-s", 1.8778, 29.5, 0.2213, 9_132_224},
		{"e-spikeformer-m", 3.9350, 44.3, 0.3135, 13_303_152},
		{"e-spikeformer-l", 7.2001, 59.0, 0.4333, 18_066_856},
	} {
		tab := analyze(t, tc.name, nil)
		if got := float64(tab.ConvLinear) / 1e9; math.Abs(got-tc.convLinG) > 0.001*tc.convLinG {
			t.Errorf("%s: conv+linear %.4fG, want %.4fG within 0.1%%", tc.name, got, tc.convLinG)
		}
		if got := float64(tab.Layers[0].FLOPs) / 1e6; math.Abs(got-tc.stemM) > 0.05 {
			t.Errorf("%s: stem %.2fM, want %.1fM", tc.name, got, tc.stemM)
		}
		if got := float64(tab.Attention) / 1e9; math.Abs(got-tc.attnG) > 0.00005 {
			t.Errorf("%s: attention %.5fG, want %.4fG", tc.name, got, tc.attnG)
		}
		if tab.SpikingOutputs != tc.spikingOutputs {
			t.Errorf("%s: %d spiking outputs, want %d", tc.name, tab.SpikingOutputs, tc.spikingOutputs)
		}
		if len(tab.Spikes) != 105 {
			t.Errorf("%s: %d MultiSpike layers, want 105", tc.name, len(tab.Spikes))
		}
		if tab.Layers[0].Source != "" || tab.Layers[1].Source == "" {
			t.Errorf("%s: stem source %q (want a MAC layer), next %q (want spikes)", tc.name, tab.Layers[0].Source, tab.Layers[1].Source)
		}
	}
}

// SpikeYOLO-s at 640², folded as power_cal.xlsx folds it (seed-models.md §2.3): 89
// convolutions, the first 240,844,800 FLOPs (which, at the sheet's first-layer rate
// 4.6, is its 0.997 mJ).
func TestSpikeYOLOFLOPs(t *testing.T) {
	tab := analyze(t, "spikeyolo-s", models.Shape{3, 640, 640})
	convs := 0
	for _, l := range tab.Layers {
		if l.Op == models.OpConv2d {
			convs++
		}
	}
	if convs != 89 {
		t.Errorf("%d convolution rows, want 89 as in the sheet", convs)
	}
	if got := tab.Layers[0].FLOPs; got != 240_844_800 {
		t.Errorf("first layer %d FLOPs, want 240,844,800", got)
	}
	first := float64(tab.Layers[0].FLOPs) * 0.9 * 4.6 / 1e9 // mJ
	if math.Abs(first-0.997) > 0.0005 {
		t.Errorf("first layer at the sheet's rate: %.4f mJ, want 0.997", first)
	}
	if tab.ConvLinear != 104_514_355_200 {
		t.Errorf("ΣFLOPs %d", tab.ConvLinear)
	}
}
