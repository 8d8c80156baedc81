package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/neuron"
	"github.com/neurosim/neurosim/sim"
)

func smallStats(t *testing.T) *chip.Stats {
	t.Helper()
	st := sim.NewStreams(1)
	net, err := chip.CUBANetwork(300, st.For("n"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	c, err := chip.Build(spec, net, chip.Options{NeuronsPerCore: 100}, st)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Run(200)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTable checks that the table shows every energy component as
// count × pJ = total, the totals, and the NoC figures, and that rendering is
// deterministic.
func TestTable(t *testing.T) {
	s := smallStats(t)
	var a, b bytes.Buffer
	opt := Options{Extra: []Row{{"mean rate", "5 Hz"}}, Cores: -1}
	if err := Table(&a, s, opt); err != nil {
		t.Fatal(err)
	}
	if err := Table(&b, smallStats(t), opt); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("two renderings of the same run differ")
	}
	out := a.String()
	for _, e := range s.Energy {
		if !strings.Contains(out, e.Component) || !strings.Contains(out, formatPJ(e.TotalPJ)) {
			t.Errorf("energy line %q (%s) missing", e.Component, formatPJ(e.TotalPJ))
		}
	}
	for _, want := range []string{"pJ each", "synaptic events", "raster hash", s.RasterHash, "mean rate", "5 Hz",
		"flit-hops x / y", "busiest link", "(1,0)", "total"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if got := strings.Count(out, "\n"); got < 30 {
		t.Errorf("table has %d lines", got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := smallStats(t)
	var buf bytes.Buffer
	if err := JSON(&buf, s, []Row{{"wall time", "1 s"}}); err != nil {
		t.Fatal(err)
	}
	var back struct {
		chip.Stats
		Extra map[string]string `json:"extra"`
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.RasterHash != s.RasterHash || back.Spikes != s.Spikes || back.EnergyPJ != s.EnergyPJ ||
		len(back.Energy) != len(s.Energy) || back.Extra["wall time"] != "1 s" || back.NoC != s.NoC {
		t.Errorf("JSON round trip lost data: %+v", back)
	}
}

// TestJSONSilentRun: a run without spikes has no NoC latency to average;
// the JSON must still encode (no NaN).
func TestJSONSilentRun(t *testing.T) {
	net := &chip.Network{Populations: []chip.Population{{Name: "in", N: 2, Model: chip.ModelInput},
		{Name: "p", N: 2, Model: chip.ModelCUBA, CUBA: neuron.DefaultCUBA, V0: []float32{-60, -60}}},
		Projections: []chip.Projection{{Pre: 0, Post: 1, Start: []int32{0, 1, 1}, Targets: []int32{0}, Weight: 1}}}
	spec, _ := arch.Preset("default")
	c, err := chip.Build(spec, net, chip.Options{}, sim.NewStreams(1))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Run(10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Spikes != 0 {
		t.Fatalf("%d spikes in a silent run", s.Spikes)
	}
	var buf bytes.Buffer
	if err := JSON(&buf, s, nil); err != nil {
		t.Fatalf("JSON of a silent run: %v", err)
	}
	if err := Table(&buf, s, Options{Cores: -1}); err != nil {
		t.Fatal(err)
	}
}

func TestFormatPJ(t *testing.T) {
	for _, c := range []struct {
		pj   float64
		want string
	}{{0, "0 pJ"}, {12.5, "12.5 pJ"}, {3.2e3, "3.2 nJ"}, {2.5e7, "25 µJ"}, {4e9, "4 mJ"}, {-3e12, "-3 J"}} {
		if got := formatPJ(c.pj); got != c.want {
			t.Errorf("formatPJ(%g) = %q, want %q", c.pj, got, c.want)
		}
	}
}

func TestPerChipNamesAtMostEightChips(t *testing.T) {
	if got, want := perChip([]int{18, 0, 1}), "chip 0: 18, chip 2: 1"; got != want {
		t.Errorf("perChip = %q, want %q", got, want)
	}
	cores := make([]int, 20)
	for i := range cores {
		cores[i] = i // chip 0 holds none: chips 1..19 hold some
	}
	got := perChip(cores)
	want := "chip 1: 1, chip 2: 2, chip 3: 3, chip 4: 4, chip 5: 5, chip 6: 6, chip 7: 7, chip 8: 8, … and 11 more chips: cores_per_chip in --json"
	if got != want {
		t.Errorf("perChip = %q, want %q", got, want)
	}
}
