package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunTrace: run --trace writes the selected files, non-empty and
// well-formed, and the same seed gives the same bytes.
func TestRunTrace(t *testing.T) {
	needMNIST(t)
	files := []string{"spikes.csv", "probes.vcd", "timeline.json"}
	trace := func() map[string][]byte {
		dir := filepath.Join(t.TempDir(), "trace")
		if _, err := run(t, "run", "--limit", "4", "--no-progress", "--json", "--seed", "3",
			"--trace", dir, "--trace-select", "formats=csv,vcd,chrome"); err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			got[f] = b
		}
		if ents, _ := os.ReadDir(dir); len(ents) != len(files) {
			t.Fatalf("%d files in the trace directory, want %d", len(ents), len(files))
		}
		return got
	}
	a := trace()
	csv := strings.Split(strings.TrimSpace(string(a["spikes.csv"])), "\n")
	if csv[0] != "time_ns,chip,core,neuron,layer" || len(csv) < 2 {
		t.Fatalf("spikes.csv: header %q and %d rows", csv[0], len(csv)-1)
	}
	vcd := string(a["probes.vcd"])
	if !strings.Contains(vcd, "$enddefinitions") || !strings.Contains(vcd, "\n#") {
		t.Fatalf("probes.vcd has no definitions or no time steps:\n%.300s", vcd)
	}
	var tl struct {
		TraceEvents []struct {
			Ph string `json:"ph"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(a["timeline.json"], &tl); err != nil {
		t.Fatalf("timeline.json: %v", err)
	}
	spans := 0
	for _, e := range tl.TraceEvents {
		if e.Ph == "X" {
			spans++
		}
	}
	if spans == 0 {
		t.Fatal("timeline.json has no spans")
	}
	b := trace()
	for _, f := range files {
		if !bytes.Equal(a[f], b[f]) {
			t.Errorf("%s differs between two runs of the same seed", f)
		}
	}
}

// TestRunTraceErrors: bad tracing flags fail with an error that names them.
func TestRunTraceErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trace")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace", dir, "--trace-select", "colour=red"}, "colour"},
		{[]string{"--trace", dir, "--trace-select", "formats=gif"}, "gif"},
		{[]string{"--trace", dir, "--trace-select", "window=5:x"}, "window"},
	} {
		_, err := run(t, append([]string{"run", "--limit", "1", "--no-progress"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a bad selector still created the trace directory")
	}
	needMNIST(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace", dir, "--trace-sample", "4"}, "--trace-sample"},
		{[]string{"--trace-select", "formats=csv"}, "--trace"},
	} {
		_, err := run(t, append([]string{"run", "--limit", "2", "--no-progress"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %q", c.args, err, c.want)
		}
	}
}

// TestRunBoard: the default model on a 32-chip board runs, agrees with the
// software model, prints the chips and board traffic, and traces.
func TestRunBoard(t *testing.T) {
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "trace")
	out, err := run(t, "run", "--chip", "loihi-board-32", "--limit", "2", "--no-progress", "--noc-model", "packet",
		"--trace", dir, "--trace-select", "formats=csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"chips used", "inter-chip traffic", "inter-chip bit", "100.00% (class 100.00%"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "spikes.csv")); err != nil {
		t.Error(err)
	}
}
