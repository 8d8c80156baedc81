package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
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

	// Sinabs' IAF resets by subtraction, which NIR cannot say: the same
	// class with --nir-reset subtract.
	_, stderr, err = runErr(t, "run", model, "--events", rec, "--nir-reset", "subtract", "--json", "--no-progress")
	if err != nil || !strings.Contains(stderr, "chip class 4, software model class 4") {
		t.Fatalf("--nir-reset subtract: %v\n%s", err, stderr)
	}
	if _, _, err := runErr(t, "run", model, "--events", rec, "--nir-reset", "soft", "--no-progress"); err == nil {
		t.Fatal("--nir-reset soft accepted")
	}

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

// TestTraceEventsLayerIndex traces the Sinabs model on the N-MNIST sample
// and checks spikes.csv against the software model: every (layer, neuron)
// it names — neuron being the index within the layer, also on cores that
// hold part of a channel plane — spiked exactly as often as
// compiler.Simulator says. The timeline has per-layer neuron-update spans.
func TestTraceEventsLayerIndex(t *testing.T) {
	model := nirFile(t, "cnn_sinabs.nir")
	rec := eventFile(t, "sample_nmnist.bin")
	dir := t.TempDir()
	if _, stderr, err := runErr(t, "run", model, "--events", rec, "--time-bins", "20", "--no-progress", "--json",
		"--trace", dir, "--trace-select", "formats=csv,chrome"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	// the same program and frames, in software
	g, err := loadModel(model, 0, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := setEventsEncoding(g, 20, 0, 20); err != nil {
		t.Fatal(err)
	}
	spec, err := arch.Load("default")
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := data.ReadNMNISTFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	o := data.FrameOptions{Width: 34, Height: 34, Bins: 20}
	buf := make([]uint8, o.Frames()*o.FrameSize())
	if _, err := data.EventFrames(buf, ev, o); err != nil {
		t.Fatal(err)
	}
	frames := make([][]uint8, 20)
	for i := range frames {
		frames[i] = buf[i*o.FrameSize() : (i+1)*o.FrameSize()]
	}
	sim, err := compiler.NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.RunFrames(frames)
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]int]int32{}
	b, err := os.ReadFile(filepath.Join(dir, "spikes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, ln := range lines[1:] {
		f := strings.Split(ln, ",")
		if len(f) != 5 {
			t.Fatalf("spikes.csv line %q", ln)
		}
		n, _ := strconv.Atoi(f[3])
		l, _ := strconv.Atoi(f[4])
		got[[2]int{l, n}]++
	}
	want := 0
	for li, c := range res.Counts {
		for n, k := range c {
			if k == 0 {
				continue
			}
			want++
			if got[[2]int{li, n}] != k {
				t.Fatalf("layer %d neuron %d: %d spikes in spikes.csv, the software model %d", li, n, got[[2]int{li, n}], k)
			}
		}
	}
	if want != len(got) || want == 0 {
		t.Fatalf("spikes.csv names %d spiking neurons, the software model %d", len(got), want)
	}
	tl, err := os.ReadFile(filepath.Join(dir, "timeline.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"update layer 0"`, `"update layer 3"`} {
		if !strings.Contains(string(tl), name) {
			t.Fatalf("timeline.json has no %s span", name)
		}
	}
	checkTimelineSchema(t, tl)
}

// checkTimelineSchema: every event has ph, ts, pid and tid (metadata events
// need no ts), and ts never decreases on a track.
func checkTimelineSchema(t *testing.T, b []byte) {
	t.Helper()
	var tl struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &tl); err != nil {
		t.Fatalf("timeline.json: %v", err)
	}
	last := map[[2]float64]float64{}
	for i, e := range tl.TraceEvents {
		ph, _ := e["ph"].(string)
		pid, ok1 := e["pid"].(float64)
		tid, ok2 := e["tid"].(float64)
		if ph == "" || !ok1 || !ok2 {
			t.Fatalf("event %d lacks ph, pid or tid: %v", i, e)
		}
		if ph == "M" {
			continue
		}
		ts, ok := e["ts"].(float64)
		if !ok {
			t.Fatalf("event %d has no ts: %v", i, e)
		}
		k := [2]float64{pid, tid}
		if prev, seen := last[k]; seen && ts < prev {
			t.Fatalf("event %d: ts %v < %v on track %v", i, ts, prev, k)
		}
		last[k] = ts
	}
}
