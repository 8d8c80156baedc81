package chip

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// cimSpec is prime-40nm with columns 4–7 of cim tiles (32 macros cores), so
// that small test models fit with every weight layer on the macros; edit
// changes its xbar kind.
func cimSpec(t testing.TB, edit func(k *arch.CoreKind)) *arch.Spec {
	t.Helper()
	s, err := arch.Preset("prime-40nm")
	if err != nil {
		t.Fatal(err)
	}
	s.Chip.Tiles[0].X0 = 4
	k := s.Cores["xbar"]
	if edit != nil {
		edit(&k)
	}
	s.Cores["xbar"] = k
	if ps := s.Validate(); ps != nil {
		t.Fatal(ps)
	}
	return s
}

func compileCIM(t testing.TB, g *models.Graph, spec *arch.Spec, layers string) *compiler.Program {
	t.Helper()
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1, CIMLayers: layers})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func exactly(kind string, m *arch.Macro) error { *m = Exactly(*m); return nil }

// TestCIMExactMatchesSimulator: with every non-ideality off and an ideal ADC,
// cim cores reproduce the integer model bit for bit (class, scores, every
// spike count): direct 8-bit input read bit-serially (conv1 on the macros),
// spike counts in thermometer sub-steps, LIF layers with Poisson input over
// several steps, and both cell layouts (differential pairs; one cell per
// weight with positive and negative parts).
func TestCIMExactMatchesSimulator(t *testing.T) {
	cases := []struct {
		name string
		g    *models.Graph
		cpw  int
	}{
		{"sfa-pairs", convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), 2},
		{"sfa-one-cell", convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), 1},
		{"lif-poisson", lifNet(rand.New(rand.NewPCG(3, 4)), 4, 8, 10, 4), 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := cimSpec(t, func(k *arch.CoreKind) { k.Macro.CellsPerWeight = c.cpw })
			p := compileCIM(t, c.g, spec, compiler.CIMAll)
			imgs := images(5, 16, 784)
			s, res, err := Evaluate(spec, p, len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 },
				EvalOptions{RunOptions: RunOptions{Workers: 2, LaneSize: 8, Seed: 9}, Macro: exactly})
			if err != nil {
				t.Fatal(err)
			}
			onCIM := 0
			for _, l := range p.Layers {
				if p.Cores[l.Cores[0]].Kind == "xbar" {
					onCIM++
				}
			}
			if onCIM < 3 || len(s.CIM) != 1 || !s.CIM[0].Exact {
				t.Fatalf("%d layers on the macros, cim lines %+v", onCIM, s.CIM)
			}
			var reads uint64
			for i, a := range res.Agree {
				if !a.OK() {
					t.Fatalf("sample %d: the exact cim chip differs from the integer model: %+v", i, a)
				}
				reads += res.Samples[i].Counts.XbarReads
			}
			if reads == 0 {
				t.Fatal("no macro was read: the test exercises nothing")
			}
		})
	}
}

// TestCIMNoisyDeterministic: with prime-40nm's noise (read noise 0.2,
// programming variation, stuck-at cells, 8-bit ADC) and drift on, the
// per-sample results are the same for 1 and 2 workers and for two runs, the
// noise changes what the chip computes, and the reads are priced.
func TestCIMNoisyDeterministic(t *testing.T) {
	spec := cimSpec(t, func(k *arch.CoreKind) { k.Macro.DriftNu = 0.05 })
	p := compileCIM(t, convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), spec, "conv2,fc1,fc2")
	imgs := images(6, 16, 784)
	run := func(w int) (*Summary, *RunResult) {
		s, r, err := Evaluate(spec, p, len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 },
			EvalOptions{RunOptions: RunOptions{Workers: w, LaneSize: 6, Seed: 3}, ProgramAgeS: 3600})
		if err != nil {
			t.Fatal(err)
		}
		return s, r
	}
	s1, a := run(1)
	s2, b := run(2)
	_, c := run(2)
	for i := range a.Samples {
		for _, o := range []*RunResult{b, c} {
			sa, sb := &a.Samples[i], &o.Samples[i]
			if sa.Latency != sb.Latency || sa.Counts != sb.Counts || sa.Class != sb.Class || !equalInts(sa.Scores, sb.Scores) {
				t.Fatalf("sample %d differs between runs:\n%+v\n%+v", i, sa, sb)
			}
		}
	}
	s1.WallSeconds, s2.WallSeconds, s1.Workers, s2.Workers = 0, 0, 0, 0
	j1, _ := json.Marshal(s1)
	j2, _ := json.Marshal(s2)
	if string(j1) != string(j2) {
		t.Fatal("the summaries of 1 and 2 workers differ")
	}
	if s1.ScoresAgree == 1 {
		t.Fatal("noisy macros reproduced the integer model's scores on every sample: the noise does nothing")
	}
	var cim float64
	for _, e := range s1.Energy {
		switch e.Component {
		case "xbar row drive", "ADC conversion", "cell read", "partial-sum add":
			if e.Count == 0 || e.Energy.Mean == 0 {
				t.Errorf("%s: count %g, energy %g", e.Component, e.Count, e.Energy.Mean)
			}
			cim += e.Energy.Mean
		}
	}
	if cim == 0 {
		t.Fatal("no cim energy")
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCIMErrors: a program's geometry cannot be changed at run time, a
// machine must be programmed before it runs, and bad overrides are errors.
func TestCIMErrors(t *testing.T) {
	spec := cimSpec(t, nil)
	p := compileCIM(t, convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), spec, compiler.CIMDense)
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := x.Macro("xbar")
	m.Levels = 8
	if err := x.SetMacro("xbar", m); err == nil {
		t.Error("SetMacro accepted new levels")
	}
	if err := x.SetMacro("digital", m); err == nil {
		t.Error("SetMacro accepted a digital kind")
	}
	m, _ = x.Macro("xbar")
	m.ReadNoise = -1
	if err := x.SetMacro("xbar", m); err == nil {
		t.Error("SetMacro accepted a negative read noise")
	}
	if err := SetMacroField(&m, "rows", "3"); err == nil {
		t.Error("SetMacroField changed the geometry")
	}
	if err := SetMacroField(&m, "read_nois", "3"); err == nil {
		t.Error("SetMacroField accepted an unknown key")
	}
	if err := SetMacroField(&m, "adc_bits", "x"); err == nil {
		t.Error("SetMacroField accepted a bad integer")
	}
	if err := SetMacroField(&m, "read_noise", "0.05"); err != nil || m.ReadNoise != 0.05 {
		t.Errorf("SetMacroField read_noise: %v, %g", err, m.ReadNoise)
	}
	if err := x.SetProgramAge(-1); err == nil {
		t.Error("negative program age accepted")
	}
	mc, err := x.NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	var r SampleResult
	if err := mc.Run([][]uint8{images(1, 1, 784)[0]}, &r); err == nil {
		t.Error("an unprogrammed machine ran")
	}
	// a program without its tiling (an older compiler's) is refused
	q := *p
	q.CIMTiles = nil
	if _, err := NewExec(spec, &q); err == nil {
		t.Error("NewExec accepted cim cores without a tiling")
	}
	q.CIMTiles = append([]compiler.CIMTile(nil), p.CIMTiles...)
	q.CIMTiles[0].RowTiles++
	if _, err := NewExec(spec, &q); err == nil {
		t.Error("NewExec accepted a tiling that does not match the macros")
	}
}

// TestCIMMatchesDigitalOnMNIST is the done-when line: with noise off,
// the CIM chip's predictions (the default model on prime-40nm, its dense
// layers on the macros) equal the digital chip's (prime-40nm with digital
// cores on every tile, the same model, every layer on digital cores), image
// by image and score by score, and both equal the integer model. 128 test images by default, the whole test set with
// NEUROSIM_LONG=1 (about 20 minutes on 2 cores).
func TestCIMMatchesDigitalOnMNIST(t *testing.T) {
	path := filepath.Join("..", "internal", "assets", "files", "sfa-convnet-mnist.nsm")
	g, err := models.Load(path)
	if err != nil {
		t.Skipf("no shipped model: %v", err)
	}
	ds, err := data.MNIST("")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	n := 64
	if os.Getenv("NEUROSIM_LONG") == "1" {
		n = ds.Test.N
	}
	spec, err := arch.Preset("prime-40nm")
	if err != nil {
		t.Fatal(err)
	}
	digital := *spec
	digital.Chip.Tiles = nil
	label := func(i int) int { return int(ds.Test.Labels[i]) }
	start := time.Now()
	run := func(spec *arch.Spec, edit func(string, *arch.Macro) error) *RunResult {
		p := compileCIM(t, g, spec, "")
		_, r, err := Evaluate(spec, p, n, ds.Test.Image, label, EvalOptions{RunOptions: RunOptions{Seed: 1}, Macro: edit})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cim := run(spec, exactly)
	dig := run(&digital, nil)
	correct := 0
	for i := range n {
		if !cim.Agree[i].OK() || !dig.Agree[i].OK() {
			t.Fatalf("image %d: agreement with the integer model: cim %+v, digital %+v", i, cim.Agree[i], dig.Agree[i])
		}
		if cim.Samples[i].Class != dig.Samples[i].Class || !equalInts(cim.Samples[i].Scores, dig.Samples[i].Scores) {
			t.Fatalf("image %d: cim class %d scores %v, digital class %d scores %v", i, cim.Samples[i].Class, cim.Samples[i].Scores, dig.Samples[i].Class, dig.Samples[i].Scores)
		}
		if cim.Samples[i].Counts.XbarReads == 0 {
			t.Fatalf("image %d: the macros were never read", i)
		}
		if cim.Samples[i].Class == label(i) {
			correct++
		}
	}
	t.Logf("%d images: cim = digital on every prediction and score; accuracy %.2f%%; %.1f s", n, 100*float64(correct)/float64(n), time.Since(start).Seconds())
}
