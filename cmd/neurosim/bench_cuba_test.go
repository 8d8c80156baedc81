package main

import (
	"encoding/json"
	"testing"
)

// TestBenchCubaEvents: under the analytic NoC model, bench cuba computes
// steps at once by default and fires engine events with --events; the
// reports are the same but for the wall time.
func TestBenchCubaEvents(t *testing.T) {
	report := func(extra ...string) map[string]any {
		out, err := run(t, append([]string{"bench", "cuba", "--neurons", "3000", "--duration", "100ms", "--noc", "analytic", "--json"}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if x, ok := m["extra"].(map[string]any); ok {
			delete(x, "wall time")
		}
		return m
	}
	a, b := report(), report("--events")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("batched and event-driven reports differ:\n%s\n%s", ja, jb)
	}
	if a["spikes"] == nil || a["spikes"].(float64) == 0 {
		t.Errorf("no spikes: %s", ja)
	}
}
