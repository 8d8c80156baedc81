package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurosim/neurosim/models/data"
)

type runSummary struct {
	Samples   int     `json:"samples"`
	Accuracy  float64 `json:"accuracy"`
	Software  float64 `json:"software_accuracy"`
	Agreement float64 `json:"agreement"`
}

func runJSON(t *testing.T, args ...string) runSummary {
	t.Helper()
	out, err := run(t, append(args, "--json", "--no-progress")...)
	if err != nil {
		t.Fatal(err)
	}
	var s runSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return s
}

// TestSpikformerEndToEnd: a few steps of spikformer-tiny (SpikeAttention
// between MultiSpike q, k, v), compiled and run on the chip, which agrees
// with the software integer model on every sample.
func TestSpikformerEndToEnd(t *testing.T) {
	needMNIST(t)
	model := filepath.Join(t.TempDir(), "s.nsm")
	if _, err := run(t, "train", "--arch", "spikformer-tiny", "--epochs", "1", "--train-limit", "64", "--test-limit", "16",
		"--batch", "32", "--out", model, "--no-progress"); err != nil {
		t.Fatal(err)
	}
	s := runJSON(t, "run", model, "--chip", "loihi", "--limit", "4")
	if s.Samples != 4 || s.Agreement != 1 || s.Accuracy != s.Software {
		t.Fatalf("report %+v", s)
	}
}

// TestSpikformerShipped runs the shipped spikformer-tiny models
// (examples/spikformer-tiny-*.nsm) on the loihi preset (they need 65
// cores, one more than the default chip has): chip = software on every
// sample. By default on the first 12 test images; with NEUROSIM_LONG=1 on
// all 10,000, where the targets must hold (MNIST ≥ 99.0 %,
// Fashion-MNIST ≥ 90 %).
func TestSpikformerShipped(t *testing.T) {
	for _, c := range []struct {
		dataset string
		want    float64
	}{{data.MNISTName, 0.99}, {data.FashionMNISTName, 0.90}} {
		t.Run(c.dataset, func(t *testing.T) {
			model := filepath.Join("..", "..", "examples", "spikformer-tiny-"+c.dataset+".nsm")
			if _, err := os.Stat(model); errors.Is(err, fs.ErrNotExist) {
				t.Skipf("%s not present", model)
			}
			if _, err := data.Load(c.dataset, ""); err != nil {
				t.Skipf("%s not available: %v", c.dataset, err)
			}
			args := []string{"run", model, "--chip", "loihi", "--dataset", c.dataset}
			limit, want := 12, 0.75
			if os.Getenv("NEUROSIM_LONG") == "1" {
				limit, want = 0, c.want
			} else {
				t.Log("12 test images; NEUROSIM_LONG=1 runs all 10,000")
				args = append(args, "--limit", "12")
			}
			s := runJSON(t, args...)
			if (limit > 0 && s.Samples != limit) || s.Agreement != 1 || s.Accuracy != s.Software || s.Accuracy < want {
				t.Fatalf("report %+v, want accuracy ≥ %g and chip = software", s, want)
			}
		})
	}
}
