package traces

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/sim"
)

// recordRig runs the rig for steps with a recorder writing every format
// into dir, and returns the spikes the cores counted and the end time.
func recordRig(t testing.TB, dir string, steps int64, sel Select) (spikes uint64, end sim.Time) {
	t.Helper()
	r := newRig(t)
	rec, err := OpenDir(dir, r.lay, sel)
	if err != nil {
		t.Fatal(err)
	}
	rec.Attach(r.hookables()...)
	// Membrane potentials come from outside the hooks: feed a made-up,
	// deterministic value for each probe at each step.
	r.bar.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
		if s, ok := ctx.Item.(*core.StepInfo); ok {
			for i, n := range sel.Neurons {
				if err := rec.Membrane(ctx.Now, n, -65+0.25*float64(s.Step)+float64(i)); err != nil {
					t.Error(err)
				}
			}
		}
	}))
	end = r.run(t, steps)
	if err := rec.Close(end); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.cores {
		spikes += c.Counters().SpikesOut
	}
	return spikes, end
}

var allFormats = Select{Formats: []string{"csv", "parquet", "vcd", "chrome", "svg"}, Neurons: []NeuronRef{{Core: 1, Neuron: 0}, {Core: 2, Neuron: 3}}}

func TestRecorderRig(t *testing.T) {
	dir := t.TempDir()
	spikes, end := recordRig(t, dir, 40, allFormats)
	if spikes == 0 {
		t.Fatal("the rig produced no spikes")
	}
	csv, err := os.ReadFile(filepath.Join(dir, "spikes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if lines[0] != "time_ns,chip,core,neuron,layer" || uint64(len(lines)-1) != spikes {
		t.Fatalf("spikes.csv: header %q and %d rows, want %d spikes", lines[0], len(lines)-1, spikes)
	}
	prev := -1.0
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		ts, err := strconv.ParseFloat(f[0], 64)
		if err != nil || ts < prev || float64(end)/1000 < ts {
			t.Fatalf("row %q: time not in order or after the end %v", l, end)
		}
		prev = ts
		c, _ := strconv.Atoi(f[2])
		n, _ := strconv.Atoi(f[3])
		layer, _ := strconv.Atoi(f[4])
		if layer != c/2 || n < (c%2)*rigNeurons || n >= (c%2+1)*rigNeurons {
			t.Fatalf("row %q: neuron/layer do not follow the layout", l)
		}
	}
	pq, err := os.ReadFile(filepath.Join(dir, "spikes.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[parquetSpike](bytes.NewReader(pq), int64(len(pq)))
	if err != nil || len(rows) != len(lines)-1 {
		t.Fatalf("spikes.parquet: %d rows (%v), spikes.csv %d", len(rows), err, len(lines)-1)
	}
	for i, r := range rows {
		if want := fmt.Sprintf(",%d,%d,%d,%d", r.Chip, r.Core, r.Neuron, r.Layer); !strings.HasSuffix(lines[1+i], want) {
			t.Fatalf("parquet row %d %+v, csv %q", i, r, lines[1+i])
		}
	}
	checkChrome(t, filepath.Join(dir, "timeline.json"))
	vcd := checkVCD(t, filepath.Join(dir, "probes.vcd"))
	for _, v := range []string{"busy", "fifo", "n0_spike", "n3_v"} {
		if !strings.Contains(vcd, " "+v+" $end") {
			t.Errorf("VCD declares no %s", v)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "raster.svg")); err != nil || fi.Size() < 1000 {
		t.Fatalf("raster.svg: %v", err)
	}
}

// checkChrome is the schema check: the file is one JSON object whose
// traceEvents each have ph, ts, pid and tid, with ts non-decreasing per
// track (pid, tid; counters: pid, name), and flow events with an id.
func checkChrome(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	last := map[string]float64{}
	kinds := map[string]int{}
	for i, e := range doc.TraceEvents {
		for _, k := range []string{"ph", "ts", "pid", "tid", "name"} {
			if _, ok := e[k]; !ok {
				t.Fatalf("event %d %v: no %s", i, e, k)
			}
		}
		ph := e["ph"].(string)
		kinds[ph]++
		ts := e["ts"].(float64)
		track := fmt.Sprint(e["pid"], "/", e["tid"])
		if ph == "C" {
			track = fmt.Sprint(e["pid"], "/", e["name"])
		}
		if ts < last[track] {
			t.Fatalf("event %d %v: ts %v before %v on track %s", i, e, ts, last[track], track)
		}
		last[track] = ts
		switch ph {
		case "s", "t", "f":
			if _, ok := e["id"]; !ok {
				t.Fatalf("flow event %d without id", i)
			}
		case "X":
			if _, ok := e["dur"]; !ok {
				t.Fatalf("span %d without dur", i)
			}
		}
	}
	for _, ph := range []string{"M", "X", "s", "t", "f", "C", "i"} {
		if kinds[ph] == 0 {
			t.Errorf("no %q events in %v", ph, kinds)
		}
	}
}

// checkVCD checks the structure and time order of a VCD file and, when
// sigrok-cli is installed, that it accepts the file; it returns the text.
func checkVCD(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	head, body, ok := strings.Cut(s, "$enddefinitions $end\n")
	if !ok || !strings.Contains(head, "$timescale 1ps $end") {
		t.Fatalf("%s: no definitions or timescale", path)
	}
	ids := map[string]bool{}
	for _, l := range strings.Split(head, "\n") {
		if f := strings.Fields(l); len(f) == 6 && f[0] == "$var" {
			ids[f[3]] = true
		}
	}
	last := int64(-1)
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#"):
			ts, err := strconv.ParseInt(l[1:], 10, 64)
			if err != nil || ts <= last {
				t.Fatalf("timestamp %q after #%d", l, last)
			}
			last = ts
		case l[0] == '0' || l[0] == '1':
			if !ids[l[1:]] {
				t.Fatalf("change %q of an undeclared id", l)
			}
		case l[0] == 'b' || l[0] == 'r':
			f := strings.Fields(l)
			if len(f) != 2 || !ids[f[1]] {
				t.Fatalf("bad change %q", l)
			}
		default:
			t.Fatalf("unexpected line %q", l)
		}
	}
	wires := strings.Count(head, "$var wire ")
	if sigrok, err := exec.LookPath("sigrok-cli"); err == nil {
		// sigrok-cli 0.7 exits 0 even on files it cannot read, and its VCD
		// input keeps only wires; so check that it found every wire as a
		// channel and produced samples.
		out, err := exec.Command(sigrok, "-I", "vcd:downsample=1000", "-i", path, "-O", "csv").Output()
		if err != nil {
			t.Fatalf("sigrok-cli on %s: %v", path, err)
		}
		want := fmt.Sprintf("; Channels (%d/%d):", wires, wires)
		rows := bytes.Count(out, []byte("\n")) - bytes.Count(out, []byte("\n;")) - 1
		if !bytes.Contains(out, []byte(want)) || rows < 10 {
			t.Fatalf("sigrok-cli read %s as %q... with %d sample rows, want %d channels", path, out[:min(len(out), 300)], rows, wires)
		}
		t.Logf("sigrok-cli -I vcd: %d channels, %d sample rows", wires, rows)
	} else {
		t.Log("sigrok-cli not installed (Debian package sigrok-cli): independent VCD check skipped")
	}
	vcd2fst, err1 := exec.LookPath("vcd2fst")
	fst2vcd, err2 := exec.LookPath("fst2vcd")
	if err1 == nil && err2 == nil {
		// GTKWave's converters: VCD → FST → VCD must keep every change of
		// every variable (wires, integers and reals).
		fst := filepath.Join(t.TempDir(), "x.fst")
		if out, err := exec.Command(vcd2fst, path, fst).CombinedOutput(); err != nil {
			t.Fatalf("vcd2fst %s: %v\n%s", path, err, out)
		}
		back, err := exec.Command(fst2vcd, fst).Output()
		if err != nil {
			t.Fatalf("fst2vcd: %v", err)
		}
		want, got := vcdChanges(t, s), vcdChanges(t, string(back))
		if len(want) == 0 || fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("GTKWave reads other values than written:\nwrote %.600v\nread  %.600v", want, got)
		}
		t.Logf("vcd2fst/fst2vcd round trip: %d variables, changes identical", len(got))
	} else {
		t.Log("vcd2fst/fst2vcd not installed (Debian package gtkwave): second VCD check skipped")
	}
	return s
}

func TestDeterministicBytes(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	recordRig(t, a, 30, allFormats)
	recordRig(t, b, 30, allFormats)
	for _, f := range []string{"spikes.csv", "spikes.parquet", "probes.vcd", "timeline.json", "raster.svg"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two equal runs", f)
		}
	}
}

func TestSelection(t *testing.T) {
	dir := t.TempDir()
	sel, err := ParseSelect("layers=1,cores=3,window=20us:,formats=csv,chrome")
	if err != nil {
		t.Fatal(err)
	}
	recordRig(t, dir, 40, sel)
	csv, _ := os.ReadFile(filepath.Join(dir, "spikes.csv"))
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")[1:]
	if len(rows) == 0 {
		t.Fatal("no spikes of core 3 after 20 µs")
	}
	for _, l := range rows {
		f := strings.Split(l, ",")
		ts, _ := strconv.ParseFloat(f[0], 64)
		if f[2] != "3" || ts < 20000 {
			t.Fatalf("row %q outside the selection", l)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "probes.vcd")); err == nil {
		t.Error("probes.vcd written though formats left it out")
	}
	checkChrome(t, filepath.Join(dir, "timeline.json"))

	r := newRig(t)
	for _, s := range []Select{{Cores: []int{4}}, {Layers: []int{2}}, {Neurons: []NeuronRef{{Core: 0, Neuron: rigNeurons}}},
		{Cores: []int{1}, Neurons: []NeuronRef{{Core: 0, Neuron: 0}}}} {
		if _, err := NewRecorder(r.lay, s, Outputs{}); err == nil {
			t.Errorf("selection %+v accepted", s)
		}
	}
	bad := r.lay
	bad.Cores = append([]CoreInfo(nil), bad.Cores...)
	bad.Cores[1].X, bad.Cores[1].Y = 0, 0
	if _, err := NewRecorder(bad, Select{}, Outputs{}); err == nil || !strings.Contains(err.Error(), "share tile") {
		t.Errorf("two cores on one tile: %v", err)
	}
}

// stream drives a recorder with a synthetic hook sequence of n steps on the
// rig's layout, without the simulator, so that only traces' memory counts.
type discard struct{ n int64 }

func (d *discard) Write(b []byte) (int, error) { d.n += int64(len(b)); return len(b), nil }

var _ io.Writer = (*discard)(nil)

// vcdChanges reads a VCD into, per variable (scope path and name), its value
// changes "time=value" (the last value at each time; repeats dropped).
func vcdChanges(t *testing.T, text string) map[string][]string {
	t.Helper()
	names := map[string]string{}
	var scope []string
	ch := map[string][]string{}
	var now string
	set := func(id, v string) {
		name, ok := names[id]
		if !ok {
			t.Fatalf("change of undeclared id %q", id)
		}
		l := ch[name]
		if n := len(l); n > 0 && strings.HasPrefix(l[n-1], now+"=") {
			l = l[:n-1]
		}
		if n := len(l); n > 0 && strings.SplitN(l[n-1], "=", 2)[1] == v {
			ch[name] = l
			return
		}
		ch[name] = append(l, now+"="+v)
	}
	for _, tok := range strings.Split(text, "\n") {
		f := strings.Fields(tok)
		switch {
		case len(f) == 0 || f[0] == "$end" || f[0] == "$dumpvars":
		case f[0] == "$scope":
			scope = append(scope, f[2])
		case f[0] == "$upscope":
			scope = scope[:len(scope)-1]
		case f[0] == "$var":
			names[f[3]] = strings.Join(scope, ".") + "." + f[4]
		case strings.HasPrefix(f[0], "#"):
			now = f[0][1:]
		case f[0][0] == 'b' && len(f) == 2:
			v, err := strconv.ParseUint(f[0][1:], 2, 64)
			if err != nil {
				t.Fatalf("bad vector %q", tok)
			}
			set(f[1], strconv.FormatUint(v, 10))
		case f[0][0] == 'r' && len(f) == 2:
			v, err := strconv.ParseFloat(f[0][1:], 64)
			if err != nil {
				t.Fatalf("bad real %q", tok)
			}
			set(f[1], strconv.FormatFloat(v, 'g', -1, 64))
		case (f[0][0] == '0' || f[0][0] == '1') && len(f) == 1 && now != "":
			set(f[0][1:], f[0][:1])
		}
	}
	return ch
}

// Two runs on fresh engines (both starting at 0) recorded end to end.
func TestOffsetTwoRuns(t *testing.T) {
	dir := t.TempDir()
	r1 := newRig(t)
	rec, err := OpenDir(dir, r1.lay, Select{Formats: []string{"csv", "vcd", "chrome"}})
	if err != nil {
		t.Fatal(err)
	}
	rec.Attach(r1.hookables()...)
	end1 := r1.run(t, 20)
	r2 := newRig(t)
	rec.Attach(r2.hookables()...)
	rec.SetOffset(end1)
	end2 := r2.run(t, 20)
	if err := rec.Close(end1 + end2); err != nil {
		t.Fatal(err)
	}
	checkChrome(t, filepath.Join(dir, "timeline.json"))
	checkVCD(t, filepath.Join(dir, "probes.vcd"))
	csv, _ := os.ReadFile(filepath.Join(dir, "spikes.csv"))
	var n1, n2 uint64
	for _, c := range r1.cores {
		n1 += c.Counters().SpikesOut
	}
	for _, c := range r2.cores {
		n2 += c.Counters().SpikesOut
	}
	if rows := uint64(strings.Count(string(csv), "\n") - 1); rows != n1+n2 {
		t.Fatalf("%d rows, want %d + %d", rows, n1, n2)
	}
}

// Under the packet NoC model hops are reported at injection with future
// times; the recorder queues them and the timeline stays in time order.
func TestPacketNoCModel(t *testing.T) {
	var counts [2]int
	for i, model := range []string{"cycle", "packet"} {
		dir := t.TempDir()
		r := newRigModel(t, model)
		rec, err := OpenDir(dir, r.lay, Select{Formats: []string{"chrome"}})
		if err != nil {
			t.Fatal(err)
		}
		rec.Attach(r.hookables()...)
		if err := rec.Close(r.run(t, 30)); err != nil {
			t.Fatalf("%s model: %v", model, err)
		}
		path := filepath.Join(dir, "timeline.json")
		checkChrome(t, path)
		b, _ := os.ReadFile(path)
		counts[i] = strings.Count(string(b), `"name":"hop `)
	}
	if counts[0] == 0 || counts[0] != counts[1] {
		t.Fatalf("hop spans: cycle model %d, packet model %d; want the same, nonzero", counts[0], counts[1])
	}
}
