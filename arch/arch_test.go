package arch_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
)

func TestPresetsLoadAndCarrySources(t *testing.T) {
	names := arch.Presets()
	for _, want := range []string{"default", "loihi", "truenorth", "prime-40nm"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Fatalf("preset %q missing; have %v", want, names)
		}
	}
	for _, name := range names {
		s, err := arch.Preset(name)
		if err != nil {
			t.Fatalf("preset %s: %v", name, err)
		}
		if s.Chip.Name != name {
			t.Errorf("preset %s names itself %q", name, s.Chip.Name)
		}
		for _, f := range arch.Fields(s) {
			if f.Source == "" {
				t.Errorf("preset %s: %s has no source", name, f.Path)
			}
		}
	}
}

func TestPresetFigures(t *testing.T) {
	l, _ := arch.Preset("loihi")
	if l.Chip.NumTiles() != 128 || l.Cores["neurocore"].Neurons*l.Chip.NumTiles() != 131072 {
		t.Errorf("loihi: %d tiles × %d neurons, want 128 × 1024 = 131072", l.Chip.NumTiles(), l.Cores["neurocore"].Neurons)
	}
	if l.Energy.SynapticOp.PJ != 35.5 || l.Energy.HopX.PJ != 3.0 || l.Energy.HopY.PJ != 4.2 {
		t.Errorf("loihi energies differ from SANA-FE's table: %+v", l.Energy)
	}
	// Barrier fit to {1: 0.6, 2: 1.0, 4: 1.4, 29: 1.8} µs.
	for _, c := range []struct {
		cores int
		ns    float64
	}{{1, 600}, {2, 1000}, {4, 1400}, {29, 1800}} {
		if got := l.Chip.BarrierNS(c.cores); got != c.ns {
			t.Errorf("loihi barrier for %d cores = %g ns, want %g", c.cores, got, c.ns)
		}
	}
	tn, _ := arch.Preset("truenorth")
	if tn.Chip.NumTiles() != 4096 || tn.Cores["core"].Neurons != 256 || tn.Cores["core"].Axons != 256 {
		t.Errorf("truenorth: want 4096 cores of 256 neurons × 256 axons")
	}
	p, _ := arch.Preset("prime-40nm")
	m := p.Cores["xbar"].Macro
	if m.Rows*m.Cols != 256*1024 || p.Chip.ProcessNM != 40 || m.ReadNoise != 0.2 {
		t.Errorf("prime-40nm macro %d×%d at %d nm, read noise %g; want 256 Kb at 40 nm with σ 0.2", m.Rows, m.Cols, p.Chip.ProcessNM, m.ReadNoise)
	}
	if got := p.Chip.CoreAt(7, 3); got != "xbar" {
		t.Errorf("prime-40nm tile (7,3) holds %q, want xbar", got)
	}
	if got := p.Chip.CoreAt(0, 0); got != "digital" {
		t.Errorf("prime-40nm tile (0,0) holds %q, want digital", got)
	}
}

func TestAnnotatedRoundTrip(t *testing.T) {
	for _, name := range arch.Presets() {
		s, _ := arch.Preset(name)
		text := arch.AnnotatedTOML(s)
		back, err := arch.Parse(text, name+"-annotated.toml")
		if err != nil {
			t.Fatalf("%s: annotated TOML does not parse: %v\n%s", name, err, text)
		}
		if !reflect.DeepEqual(s, back) {
			t.Errorf("%s: annotated TOML does not round-trip:\n got %+v\nwant %+v", name, back, s)
		}
		if !bytes.Contains(text, []byte("# mesh width; each tile holds one core and one router [tiles] (default 4)")) {
			t.Errorf("%s: annotated TOML lacks field documentation", name)
		}
	}
}

func TestBaseOverride(t *testing.T) {
	s, err := arch.Parse([]byte(`base = "loihi"
[chip]
width = 4
[core.neurocore]
neurons = 512
`), "small.toml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Chip.Width != 4 || s.Chip.Height != 8 || s.Cores["neurocore"].Neurons != 512 || s.Cores["neurocore"].Axons != 4096 {
		t.Fatalf("override lost base fields: %+v", s.Chip)
	}
	l, _ := arch.Preset("loihi")
	if l.Cores["neurocore"].Neurons != 1024 {
		t.Fatal("overriding a based spec changed the preset")
	}
}

func TestBadSpecs(t *testing.T) {
	cases := []struct {
		name string
		toml string
		want []string // every substring must appear
	}{
		{"unknown key", "[chip]\nwidht = 4\n", []string{"bad.toml:2: chip.widht: unknown key (did you mean \"chip.width\"?)"}},
		{"unknown table", "[chipp]\nwidth = 4\n", []string{"chipp: unknown key"}},
		{"wrong type", "[chip]\nwidth = \"four\"\n", []string{"bad.toml:2: chip.width: want an integer, got string \"four\""}},
		{"zero mesh", "[chip]\nwidth = 0\nheight = 0\n[core.digital]\n", []string{"chip.width: 0 out of range", "chip.height: 0 out of range"}},
		{"undefined core kind", "[chip]\ndefault_core = \"fast\"\n[core.digital]\n", []string{`chip.default_core: core kind "fast" is not defined (defined: digital)`}},
		{"no core kinds", "[chip]\n", []string{`core kind "digital" is not defined (no [core.NAME] tables)`}},
		{"region outside mesh", "[chip]\ntiles = [{core = \"digital\", x0 = 0, x1 = 9, y0 = 0, y1 = 0}]\n[core.digital]\n", []string{"chip.tiles[0]: region x 0..9"}},
		{"all problems together", "[chip]\nwidth = 0\nbogus = 1\nclock_mhz = \"fast\"\n[noc]\ntopology = \"ring\"\n", []string{
			"chip.bogus: unknown key", "chip.clock_mhz: want a number"}},
		{"validation after decode", "[chip]\nwidth = 0\n[noc]\ntopology = \"ring\"\n[core.digital]\nweight_bits = 0\n", []string{
			"chip.width: 0 out of range", `noc.topology: "ring" is not one of mesh, torus`, "core.digital.weight_bits: 0 out of range", "3 problems"}},
		{"unknown noc model", "[core.digital]\n[noc]\nmodel = \"flit\"\n", []string{`noc.model: "flit" is not one of cycle, packet, analytic`}},
		{"cim field on digital core", "[core.digital]\n[core.digital.macro]\nrows = 4\n", []string{"core.digital.macro: applies only to cim cores"}},
		{"unknown neuron model", "[core.digital]\nneuron_models = [\"hh\"]\n", []string{`unknown neuron model "hh"`}},
		{"syntax error", "[chip\nwidth = 4\n", []string{"bad.toml:", "to end table name"}},
		{"bad base", "base = \"nope\"\n", []string{`base: arch: unknown preset "nope"`}},
		{"cim macro checks", "[core.digital]\n[core.x]\ntype = \"cim\"\n[core.x.macro]\ng_on_us = 1.0\ng_off_us = 2.0\nstuck_on_rate = 1.5\n", []string{
			"core.x.macro.g_on_us: g_on_us (1) must exceed g_off_us (2)", "core.x.macro.stuck_on_rate: must be a fraction"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := arch.Parse([]byte(c.toml), "bad.toml")
			if err == nil {
				t.Fatalf("accepted:\n%s", c.toml)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadPresetByName(t *testing.T) {
	if _, err := arch.Load("loihi"); err != nil {
		t.Fatal(err)
	}
	if _, err := arch.Load("no-such-chip"); err == nil || !strings.Contains(err.Error(), "neither a file nor a preset") {
		t.Fatalf("Load of an unknown name: %v", err)
	}
	if _, err := arch.Load("/nonexistent/chip.toml"); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range arch.Presets() {
		b, _ := arch.PresetTOML(name)
		f.Add(b)
	}
	f.Add([]byte("base = \"loihi\"\n[chip]\nwidth = 2\n"))
	f.Add([]byte("[core.x]\ntype = \"cim\"\n[core.x.macro]\nrows = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := arch.Parse(data, "fuzz.toml")
		if err != nil {
			return
		}
		if p := s.Validate(); p != nil {
			t.Fatalf("Parse returned a spec that fails Validate: %v", p)
		}
		arch.Fields(s)
		back, err := arch.Parse(arch.AnnotatedTOML(s), "again.toml")
		if err != nil {
			t.Fatalf("annotated TOML of a valid spec does not parse: %v", err)
		}
		if !reflect.DeepEqual(back.Chip, s.Chip) || !reflect.DeepEqual(back.NoC, s.NoC) {
			t.Fatalf("round trip changed the spec")
		}
	})
}

func TestNoCModel(t *testing.T) {
	for _, name := range arch.Presets() {
		s, err := arch.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.NoC.Model != "cycle" {
			t.Errorf("preset %s: noc.model %q, want the default cycle", name, s.NoC.Model)
		}
	}
	for _, m := range []string{"packet", "analytic"} {
		s, err := arch.Parse([]byte("base = \"default\"\n[noc]\nmodel = \""+m+"\"\n"), m+".toml")
		if err != nil {
			t.Fatal(err)
		}
		if s.NoC.Model != m {
			t.Errorf("noc.model %q, want %s", s.NoC.Model, m)
		}
	}
}
