package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/internal/assets"
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

// A zoo model with spike-driven attention lowers it (compiler/attention.go):
// whatever else stops e-spikeformer-t from fitting the default chip, its
// attention nodes are not named as unsupported.
func TestCompileZooLowersAttention(t *testing.T) {
	_, _, err := runErr(t, "compile", "--zoo", "e-spikeformer-t", "-o", filepath.Join(t.TempDir(), "t.nsp"))
	if err != nil && strings.Contains(err.Error(), "SpikeAttention") {
		t.Errorf("attention named in the compile error:\n%v", err)
	}
}

// energy --run prices a model with the spike counts a run measured: every conv and
// dense layer gets the SOPs the run's own analytic estimate gives it (the run also
// charges the sum-pool layers, which the SDT/SpikeYOLO methodology leaves out).
func TestEnergyFromRun(t *testing.T) {
	needMNIST(t)
	g, err := assets.Model()
	if errors.Is(err, assets.ErrMissing) {
		t.Skip("the default model is not embedded in this build (internal/assets/files)")
	}
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "m.nsm")
	if err := os.WriteFile(model, g, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runErr(t, "run", model, "--limit", "2", "--no-progress", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Layers []struct {
			Name string  `json:"name"`
			SOPs float64 `json:"analytic_sops"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	runPath := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(runPath, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	eout, _, err := runErr(t, "energy", model, "--run", runPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Layers []struct {
			Node string  `json:"node"`
			Ops  float64 `json:"ops"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(eout), &e); err != nil {
		t.Fatal(err)
	}
	ops := map[string]float64{}
	for _, l := range e.Layers {
		ops[l.Node] = l.Ops
	}
	matched := 0
	for _, l := range rep.Layers {
		v, ok := ops[l.Name]
		if !ok {
			continue
		}
		matched++
		if math.Abs(v-l.SOPs) > 1e-6*math.Max(1, l.SOPs) {
			t.Errorf("layer %s: energy prices %g ops, the run %g", l.Name, v, l.SOPs)
		}
	}
	if matched < 3 {
		t.Errorf("only %d layers in common between\n%s\nand\n%s", matched, out, eout)
	}
}
