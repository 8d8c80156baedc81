package sweep

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models/data"
)

func writeSweep(t *testing.T, text string) *Sweep {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"seeds = 2\n", "no [[axis]]"},
		{"seedss = 2\n[[axis]]\npath='noc.flit_bits'\nvalues=[1]\n", `unknown key "seedss" (did you mean "seeds"?)`},
		{"[[axis]]\npath='noc.flit_bits'\nvalus=[1]\n", `unknown key "axis.valus" (did you mean "axis.values"?)`},
		{"seeds = 0\n[[axis]]\npath='a'\nvalues=[1]\n", "seeds 0: want at least 1"},
		{"[[axis]]\npath='a'\nvalues=[1, 1.0]\n", "values[1]: 1 appears twice"},
		{"[[axis]]\npath='a'\nvalues=[1, 2]\nlabels=['x']\n", "1 labels for 2 values"},
		{"[[axis]]\npath='a'\nvalues=[[1]]\n", "want a number, string or boolean"},
		{"[[axis]]\npath='model'\nvalues=[1]\n", "a model axis takes file names"},
		{"[[axis]]\npath='a'\nvalues=[1]\n[[axis]]\npath='a'\nvalues=[2]\n", `path "a" appears twice`},
		{"split = 'dev'\n[[axis]]\npath='a'\nvalues=[1]\n", `split "dev"`},
		{"limit = -1\n[[axis]]\npath='a'\nvalues=[1]\n", "limit -1"},
		{"seeds = 1000000\n[[axis]]\npath='a'\nvalues=[1,2]\n", "more than 1000000 points"},
		{"seeds = \n", "s.toml:1:"},
	} {
		_, err := Parse([]byte(c.text), "s.toml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", c.text, err, c.want)
		}
	}
}

func TestResolveUnknownPath(t *testing.T) {
	for _, c := range []struct{ chip, path, want string }{
		{"default", "noc.bufer_flits", `did you mean "noc.buffer_flits"`},
		{"prime-40nm", "core.cim.macro.prog_sigma", `did you mean "core.xbar.macro.program_variation"`},
		{"prime-40nm", "core.xbar.macro.read_nois", `did you mean "core.xbar.macro.read_noise"`},
	} {
		s, err := Parse([]byte("chip = '"+c.chip+"'\n[[axis]]\npath = '"+c.path+"'\nvalues = [1]\n"), "s.toml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Resolve()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "not a field") {
			t.Errorf("%s on %s: %v, want %q", c.path, c.chip, err, c.want)
		}
	}
	// A value the spec rejects is found before anything runs.
	s, _ := Parse([]byte("[[axis]]\npath = 'noc.buffer_flits'\nvalues = [4, 'deep']\n"), "s.toml")
	if _, err := s.Resolve(); err == nil || !strings.Contains(err.Error(), "noc.buffer_flits") {
		t.Errorf("a string buffer depth was accepted: %v", err)
	}
}

func TestSpecOverride(t *testing.T) {
	s, err := Parse([]byte("chip = 'prime-40nm'\n[[axis]]\npath = 'core.xbar.macro.program_variation'\nvalues = [0, 0.3]\n[[axis]]\npath='noc.buffer_flits'\nvalues=[8]\n"), "s.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	pt := s.Point(1)
	spec, err := p.Spec(&pt)
	if err != nil {
		t.Fatal(err)
	}
	if got := spec.Cores["xbar"].Macro.ProgramVariation; got != 0.3 {
		t.Errorf("program_variation = %v, want 0.3", got)
	}
	if spec.NoC.BufferFlits != 8 || spec.Cores["xbar"].Macro.ReadNoise != 0.2 || spec.Chip.Name != "prime-40nm" {
		t.Errorf("override lost the rest of the base: %+v", spec.NoC)
	}
}

func TestPointsAndSeeds(t *testing.T) {
	s, err := Parse([]byte("seed = 7\nseeds = 2\n[[axis]]\npath='a'\nvalues=[1, 2.5]\n[[axis]]\npath='model'\nvalues=['x.nsm','y.nsm']\nlabels=['plain','aware']\n"), "s.toml")
	if err != nil {
		t.Fatal(err)
	}
	if s.NumPoints() != 8 || s.NumGroups() != 4 {
		t.Fatalf("%d points, %d groups", s.NumPoints(), s.NumGroups())
	}
	keys := map[string]bool{}
	seeds := map[uint64]bool{}
	for i := 0; i < 8; i++ {
		p := s.Point(i)
		keys[p.Key], seeds[p.Seed] = true, true
		if p.Seed != DeriveSeed(7, p.Key) {
			t.Errorf("point %d seed not derived from its key", i)
		}
	}
	if len(keys) != 8 || len(seeds) != 8 {
		t.Errorf("points or seeds not distinct: %d keys, %d seeds", len(keys), len(seeds))
	}
	p := s.Point(5) // group 2: a=2.5, model=x.nsm; seed 1
	if p.Key != `a=2.5;model="x.nsm";seed#1` || p.Params[1].Label != "plain" || p.Group != 2 {
		t.Errorf("point 5 = %+v", p)
	}
	// The seed depends on the values and the base seed, not on the position.
	s2, _ := Parse([]byte("seed = 7\nseeds = 2\n[[axis]]\npath='a'\nvalues=[2.5]\n[[axis]]\npath='model'\nvalues=['x.nsm']\n"), "s.toml")
	if q := s2.Point(1); q.Seed != p.Seed {
		t.Errorf("same parameters, different seed: %d vs %d", q.Seed, p.Seed)
	}
	if DeriveSeed(8, p.Key) == p.Seed {
		t.Error("the base seed does not change the point's seed")
	}
}

func TestShardFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		flag  string
		count int
		env   func(string) string
		want  Shard
		err   string
	}{
		{"", 0, env(), All, ""},
		{"2/3", 0, env("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "3"), Shard{2, 3}, ""},
		{"", 0, env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "3"), Shard{1, 3}, ""},
		{"", 0, env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "4", "SLURM_ARRAY_TASK_COUNT", "3"), Shard{1, 3}, ""},
		{"", 0, env("SLURM_ARRAY_TASK_ID", "1"), Shard{}, "SLURM_ARRAY_TASK_COUNT is not"},
		{"", 0, env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "3"), Shard{}, "0 ≤ index < count"},
		{"", 0, env("JOB_COMPLETION_INDEX", "2", "NEUROSIM_SHARDS", "4"), Shard{2, 4}, ""},
		{"", 5, env("JOB_COMPLETION_INDEX", "2", "NEUROSIM_SHARDS", "4"), Shard{2, 5}, ""},
		{"", 0, env("JOB_COMPLETION_INDEX", "2"), Shard{}, "NEUROSIM_SHARDS"},
		{"", 3, env(), Shard{}, "without a shard index"},
		{"3/3", 0, env(), Shard{}, "0 ≤ index < count"},
		{"1-3", 0, env(), Shard{}, "want i/n"},
	} {
		got, _, err := ShardFromEnv(c.flag, c.count, c.env)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.flag, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %v %v, want %v", c.flag, got, err, c.want)
		}
	}
	// Every point belongs to exactly one of n shards.
	for i := 0; i < 20; i++ {
		n := 0
		for k := 0; k < 3; k++ {
			if (Shard{k, 3}).Has(i) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("point %d in %d shards", i, n)
		}
	}
}

func TestMeanCI(t *testing.T) {
	// x = 1..5: mean 3, s = √2.5, t(0.975, 4) = 2.7764451051977987.
	got := MeanCI([]float64{1, 2, 3, 4, 5})
	want := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if got.Mean != 3 || math.Abs(got.CI95-want) > 1e-9 {
		t.Errorf("MeanCI = %+v, want 3 ± %v", got, want)
	}
	// Two values: t(0.975, 1) = 12.706204736174698.
	got = MeanCI([]float64{0.9, 0.8})
	if want := 12.706204736174698 * math.Sqrt(0.005) / math.Sqrt(2); math.Abs(got.CI95-want) > 1e-9 {
		t.Errorf("MeanCI two = %+v, want ± %v", got, want)
	}
	if got := MeanCI([]float64{4}); got.Mean != 4 || !math.IsNaN(got.CI95) {
		t.Errorf("one seed: %+v", got)
	}
}

// fakeEval gives accuracy falling with the axis value and a seed-dependent
// wobble, without simulating anything.
func fakeEval(p *Plan, pt *Point) (Metrics, error) {
	x := toFloat(pt.Params[0].Value)
	acc := 0.95 - 0.1*x - float64(pt.Seed%7)/1000
	return Metrics{Samples: 100, Correct: int(math.Round(acc * 100)), Accuracy: acc, EnergyPJ: 1000 + 10*x, LatencyS: 1e-6 * (1 + x)}, nil
}

const fakeSweep = "name = 'fake'\nseeds = 3\nlimit = 5\n[[axis]]\npath = 'noc.buffer_flits'\nvalues = [1, 2, 4]\n[[axis]]\npath='model'\nvalues=['default']\nlabels=['plain']\n"

func outputs(t *testing.T, m *Merged, dir string) map[string][]byte {
	t.Helper()
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, n := range []string{ResultsCSV, SummaryCSV, SummaryTxt, PlotPNG, PlotSVG} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

func sameOutputs(t *testing.T, a, b map[string][]byte, what string) {
	t.Helper()
	for n := range a {
		if !bytes.Equal(a[n], b[n]) {
			t.Errorf("%s: %s differs", what, n)
		}
	}
}

func TestResumeRepairAndMergeErrors(t *testing.T) {
	s := writeSweep(t, fakeSweep)
	p, err := s.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ran, err := Run(context.Background(), p, dir, Options{Shard: Shard{0, 2}, Workers: 2, Eval: fakeEval})
	if err != nil || ran != 5 {
		t.Fatalf("shard 0/2 ran %d: %v", ran, err)
	}
	if _, err := Merge(dir); err == nil || !strings.Contains(err.Error(), "4 of 9 points missing") {
		t.Errorf("merge of half a sweep: %v", err)
	}
	// A kill in the middle of a write leaves a prefix of a line.
	f1 := filepath.Join(dir, "points-1of2.jsonl")
	if err := os.WriteFile(f1, []byte(`{"sweep":"fake","config_hash":"`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Merge(dir)
	if err == nil || m != nil {
		t.Fatal("merge accepted a sweep with missing points")
	}
	var cut int64
	calls := 0
	ran, err = Run(context.Background(), p, dir, Options{Shard: Shard{1, 2}, Workers: 1, Eval: func(p *Plan, pt *Point) (Metrics, error) {
		calls++
		return fakeEval(p, pt)
	}, Started: func(_, _ int, c int64) { cut = c }})
	if err != nil || ran != 4 || calls != 4 || cut != 31 {
		t.Fatalf("shard 1/2 after a kill: ran %d (%d evaluations), cut %d: %v", ran, calls, cut, err)
	}
	// Everything is done: a rerun runs nothing.
	ran, err = Run(context.Background(), p, dir, Options{Eval: func(*Plan, *Point) (Metrics, error) { return Metrics{}, errors.New("recomputed") }})
	if err != nil || ran != 0 {
		t.Fatalf("rerun of a finished sweep ran %d: %v", ran, err)
	}
	m, err = Merge(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Groups) != 3 || m.Groups[0].Seeds != 3 || !(m.Groups[0].Accuracy.Mean > m.Groups[2].Accuracy.Mean) {
		t.Errorf("groups: %+v", m.Groups)
	}
	ref := outputs(t, m, t.TempDir())

	// The same points in per-shard directories, written in another order,
	// merge to the same bytes.
	var dirs []string
	for k := 2; k >= 0; k-- {
		d := t.TempDir()
		if _, err := Run(context.Background(), p, d, Options{Shard: Shard{k, 3}, Workers: 3, Eval: fakeEval}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	m3, err := Merge(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, ref, outputs(t, m3, t.TempDir()), "3 shard directories")

	// A point present twice, a foreign config hash and a corrupt line are
	// all reported.
	b, _ := os.ReadFile(filepath.Join(dirs[0], "points-2of3.jsonl"))
	first := b[:bytes.IndexByte(b, '\n')+1]
	os.WriteFile(filepath.Join(dirs[1], "points-9of10.jsonl"), first, 0o644)
	if _, err := Merge(dirs...); err == nil || !strings.Contains(err.Error(), "present 2 times") || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate point: %v", err)
	}
	os.WriteFile(filepath.Join(dirs[1], "points-9of10.jsonl"), bytes.Replace(first, []byte(p.ConfigHash), []byte("0123456789abcdef"), 1), 0o644)
	if _, err := Merge(dirs...); err == nil || !strings.Contains(err.Error(), "mismatched config hash") {
		t.Errorf("foreign config hash: %v", err)
	}
	os.WriteFile(filepath.Join(dirs[1], "points-9of10.jsonl"), []byte("{not json}\n"), 0o644)
	if _, err := Merge(dirs...); err == nil || !strings.Contains(err.Error(), "corrupt results line") {
		t.Errorf("corrupt line: %v", err)
	}
	// A directory of another sweep is refused by both run and merge.
	other := writeSweep(t, strings.Replace(fakeSweep, "seeds = 3", "seeds = 2", 1))
	op, err := other.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), op, dir, Options{Eval: fakeEval}); err == nil || !strings.Contains(err.Error(), "another sweep configuration") {
		t.Errorf("run into another sweep's directory: %v", err)
	}
	od := t.TempDir()
	Run(context.Background(), op, od, Options{Eval: fakeEval})
	if _, err := Merge(dir, od); err == nil || !strings.Contains(err.Error(), "different sweeps") {
		t.Errorf("merge of two sweeps: %v", err)
	}
}

func TestEvaluatorErrorStopsRun(t *testing.T) {
	s := writeSweep(t, fakeSweep)
	p, _ := s.Resolve()
	dir := t.TempDir()
	_, err := Run(context.Background(), p, dir, Options{Workers: 1, Eval: func(p *Plan, pt *Point) (Metrics, error) {
		if pt.Index == 2 {
			return Metrics{}, errors.New("boom")
		}
		return fakeEval(p, pt)
	}})
	if err == nil || !strings.Contains(err.Error(), "point 2") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	ran, err := Run(context.Background(), p, dir, Options{Workers: 1, Eval: fakeEval})
	if err != nil || ran != 7 {
		t.Fatalf("resume after an error ran %d: %v", ran, err)
	}
}

// TestShardedChipRunMatchesUnsharded runs a small real sweep on the chip as
// three shards and unsharded: the merged files are byte-identical.
func TestShardedChipRunMatchesUnsharded(t *testing.T) {
	if _, err := data.Load("mnist", ""); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	s := writeSweep(t, "name = 'small'\nlimit = 4\nseeds = 2\nlane = 2\n[[axis]]\npath = 'noc.buffer_flits'\nvalues = [2, 8]\n")
	p, err := s.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	one := t.TempDir()
	if _, err := Run(context.Background(), p, one, Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	shared := t.TempDir()
	for k := 0; k < 3; k++ {
		if _, err := Run(context.Background(), p, shared, Options{Shard: Shard{k, 3}, Workers: 1}); err != nil {
			t.Fatal(err)
		}
	}
	m1, err := Merge(one)
	if err != nil {
		t.Fatal(err)
	}
	m3, err := Merge(shared)
	if err != nil {
		t.Fatal(err)
	}
	if m1.Records[0].Samples != 4 || m1.Records[0].ProgramHash == m1.Records[1].ProgramHash {
		t.Errorf("points do not look like real runs with their own seeds: %+v", m1.Records[:2])
	}
	sameOutputs(t, outputs(t, m1, t.TempDir()), outputs(t, m3, t.TempDir()), "3 shards vs unsharded")
}

func TestConfigHashCoversSettings(t *testing.T) {
	base := "limit = 5\n[[axis]]\npath = 'noc.buffer_flits'\nvalues = [1, 2]\n"
	hash := func(text string) string {
		s, err := Parse([]byte(text), "s.toml")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		return p.ConfigHash
	}
	h := hash(base)
	if hash(base) != h {
		t.Fatal("the config hash is not deterministic")
	}
	for _, change := range []string{"cim_layers = 'all'\n", "seed = 2\n", "limit = 6\n", "chip = 'loihi'\n", "seeds = 2\n", "split = 'train'\n"} {
		text := change + strings.Replace(base, "limit = 5\n", "", 1)
		if change != "limit = 6\n" {
			text = change + base
		}
		if hash(text) == h {
			t.Errorf("%q does not change the config hash", strings.TrimSpace(change))
		}
	}
	// The data directory is a location, not a setting.
	if hash("data = '/elsewhere'\n"+base) != h {
		t.Error("the data directory changes the config hash")
	}
}

// TestShippedExamples parses and resolves every example sweep: their chip
// files, models and axis paths exist.
func TestShippedExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/sweeps/*.toml")
	n := 0
	for _, f := range files {
		s, err := ParseFile(f)
		if err != nil {
			if strings.Contains(err.Error(), `unknown key "base"`) {
				continue // a chip spec beside the sweeps
			}
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := s.Resolve(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		n++
	}
	if n < 3 {
		t.Errorf("found %d example sweeps, want at least 3", n)
	}
}
