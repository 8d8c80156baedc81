package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The check: SpikeYOLO s at 640×640 prints its FLOP table and analytic
// energy from a rates CSV.
func TestEnergySpikeYOLOFromRatesCSV(t *testing.T) {
	csv := filepath.Join("..", "..", "examples", "spikeyolo-s-rates.csv")
	out, _, err := runErr(t, "energy", "--zoo", "spikeyolo-s", "--input", "640", "--rates", csv, "--mac-rate", "4.6")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"model.1.encode_conv", "MAC", "SOP", "model.26.cv3.2.2.conv", "E_SNN 35.6", "E_ANN 480.7", "ANN/SNN 13.5×"} {
		if !strings.Contains(out, want) {
			t.Errorf("energy output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runErr(t, "inspect", "--zoo", "spikeyolo-s", "--input", "640")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Conv2d (6 folded)", "23,153,024", "104,514,892,800"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect --zoo output lacks %q", want)
		}
	}
	if _, _, err := runErr(t, "energy", "--zoo", "spikeyolo-s"); err == nil || !strings.Contains(err.Error(), "no rate") {
		t.Errorf("energy without rates: %v", err)
	}
	if _, _, err := runErr(t, "inspect", "--zoo", "nope"); err == nil || !strings.Contains(err.Error(), "spikeyolo-s") {
		t.Errorf("unknown zoo model: %v", err)
	}
}

// A zoo model whose operators a chip kind cannot run fails to compile with every
// such node named (here the spike-driven attention and the spatial mean).
func TestCompileZooNamesUnsupportedOps(t *testing.T) {
	_, _, err := runErr(t, "compile", "--zoo", "e-spikeformer-t", "-o", filepath.Join(t.TempDir(), "t.nsp"))
	if err == nil {
		t.Fatal("e-spikeformer-t compiled")
	}
	for _, want := range []string{"block3.0.attn.attn: operator SpikeAttention", "block4.1.attn.attn", "mean: operator Mean"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
