package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models/data"
)

const eventsData = "../../../shared/data/events"

func eventFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(eventsData, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("event recording %s not available (%v); see ../shared/data/README.md", p, err)
	}
	return p
}

// TestRunSinabsNMNIST is issue #9's check: cnn_sinabs.nir compiles onto the
// default preset and classifies the N-MNIST sample binned into 2×34×34
// frames (1 ms windows, 300 steps, event counts), the chip reproducing the
// software integer model exactly. The sample's label is not recorded
// (Tonic uses the file as a stand-in for every digit); drawn, its first
// saccade shows a 4, and the model answers 4 with a wide margin — the class
// is checked as a regression value, not as ground truth.
func TestRunSinabsNMNIST(t *testing.T) {
	model := nirFile(t, "cnn_sinabs.nir")
	rec := eventFile(t, "sample_nmnist.bin")
	out, stderr, err := runErr(t, "run", model, "--events", rec, "--json", "--no-progress")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var s struct {
		Samples   int     `json:"samples"`
		Agreement float64 `json:"agreement"`
		Encoding  string  `json:"encoding"`
		Steps     int     `json:"steps"`
		Chip      string  `json:"chip"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if s.Samples != 1 || s.Agreement != 1 || s.Encoding != "events" || s.Steps != 300 || s.Chip != "default" {
		t.Fatalf("report %+v", s)
	}
	if !strings.Contains(stderr, "chip class 4, software model class 4") {
		t.Fatalf("prediction changed:\n%s", stderr)
	}
	t.Log(stderr)

	// Tonic's n_time_bins binning drives the same model (one frame per step).
	out, stderr, err = runErr(t, "run", model, "--events", rec, "--time-bins", "20", "--frame-mode", "binary", "--json", "--no-progress")
	if err != nil {
		t.Fatalf("--time-bins: %v\n%s", err, stderr)
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Agreement != 1 || s.Steps != 20 {
		t.Fatalf("--time-bins 20: %+v %v", s, err)
	}
}

func TestRunEventsErrors(t *testing.T) {
	model := nirFile(t, "cnn_sinabs.nir")
	dir := t.TempDir()
	_, _, err := runErr(t, "run", model, "--dataset", "nmnist", "--data", dir, "--no-progress")
	if !errors.Is(err, data.ErrNoNMNIST) || !strings.Contains(err.Error(), "Test") {
		t.Fatalf("absent N-MNIST: %v", err)
	}
	for _, args := range [][]string{
		{"--events", "x.bin", "--time-bins", "5", "--bin-us", "10"},
		{"--events", "x.bin", "--frame-mode", "sum"},
		{"--events", "x.bin", "--encoding", "poisson"},
		{"--time-bins", "5"},
	} {
		if _, _, err := runErr(t, append([]string{"run", model, "--no-progress"}, args...)...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	// a broken recording is an error naming it
	bad := filepath.Join(dir, "bad.bin")
	if err := os.WriteFile(bad, []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runErr(t, "run", model, "--events", bad, "--steps", "4", "--no-progress"); err == nil || !strings.Contains(err.Error(), "bad.bin") {
		t.Fatalf("truncated recording: %v", err)
	}
}

// An N-MNIST directory in the dataset's layout runs with labels from the
// digit folders.
func TestRunNMNISTDir(t *testing.T) {
	model := nirFile(t, "cnn_sinabs.nir")
	rec := eventFile(t, "sample_nmnist.bin")
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{"4", "7"} {
		p := filepath.Join(dir, "Test", d, "00001.bin")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := runErr(t, "run", model, "--dataset", "nmnist", "--data", dir, "--steps", "100", "--json", "--no-progress")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var s struct {
		Samples   int     `json:"samples"`
		Agreement float64 `json:"agreement"`
		Accuracy  float64 `json:"accuracy"`
		Dataset   string  `json:"dataset"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	// the same recording under two labels: at most one can be right
	if s.Samples != 2 || s.Agreement != 1 || s.Dataset != "nmnist" || s.Accuracy > 0.5 {
		t.Fatalf("%+v\n%s", s, stderr)
	}
}
