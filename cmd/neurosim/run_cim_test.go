package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRunCIM runs the embedded default model on prime-40nm, its FC layers on
// the crossbar macros: exact with --cim-noise-off (the run fails on any
// disagreement with the integer model), noisy with the spec's noise (the
// run succeeds and reports the disagreement), and rejects bad overrides.
func TestRunCIM(t *testing.T) {
	needMNIST(t)
	type summary struct {
		Agreement float64 `json:"agreement"`
		Energy    []struct {
			Component string  `json:"component"`
			Count     float64 `json:"count"`
		} `json:"energy"`
		CIM []struct {
			Kind   string `json:"kind"`
			Macros int    `json:"macros"`
			Exact  bool   `json:"exact"`
			Macro  struct {
				ReadNoise float64 `json:"ReadNoise"`
			} `json:"macro"`
		} `json:"cim"`
	}
	parse := func(out string) summary {
		var s summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("--json output: %v\n%s", err, out)
		}
		return s
	}
	out, err := run(t, "run", "--chip", "prime-40nm", "--limit", "8", "--cim-noise-off", "--json", "--no-progress")
	if err != nil {
		t.Fatal(err)
	}
	s := parse(out)
	if s.Agreement != 1 || len(s.CIM) != 1 || !s.CIM[0].Exact || s.CIM[0].Macros != 8 {
		t.Fatalf("noise off: agreement %g, cim %+v", s.Agreement, s.CIM)
	}
	found := false
	for _, e := range s.Energy {
		found = found || (e.Component == "ADC conversion" && e.Count > 0)
	}
	if !found {
		t.Errorf("no ADC conversions in the energy table: %+v", s.Energy)
	}
	out, err = run(t, "run", "--chip", "prime-40nm", "--limit", "8", "--macro", "read_noise=0.3", "--json", "--no-progress")
	if err != nil {
		t.Fatal(err)
	}
	if s := parse(out); len(s.CIM) != 1 || s.CIM[0].Exact || s.CIM[0].Macro.ReadNoise != 0.3 {
		t.Fatalf("noisy: cim %+v", s.CIM)
	}
	for _, bad := range [][]string{
		{"--macro", "rows=3"},
		{"--macro", "read_noise"},
		{"--macro", "read_noise=-1"},
		{"--cim-layers", "pool1"},
	} {
		args := append([]string{"run", "--chip", "prime-40nm", "--limit", "2", "--no-progress"}, bad...)
		if _, err := run(t, args...); err == nil || !strings.Contains(err.Error(), strings.SplitN(strings.TrimPrefix(bad[1], "--"), "=", 2)[0]) {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
	if _, err := run(t, "run", "--limit", "2", "--cim-noise-off", "--no-progress"); err == nil {
		t.Error("--cim-noise-off on a chip without cim cores was accepted")
	}
}
