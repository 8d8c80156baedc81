package traces

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/sim"
)

func TestCSVSpikes(t *testing.T) {
	var b bytes.Buffer
	w, err := NewSpikeWriter(&b, "x/spikes.CSV")
	if err != nil {
		t.Fatal(err)
	}
	w.WriteSpike(Spike{Time: 1, Chip: 0, Core: 3, Neuron: 17, Layer: 2})
	w.WriteSpike(Spike{Time: 123456789, Chip: 1, Core: 0, Neuron: 0, Layer: 0})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "time_ns,chip,core,neuron,layer\n0.001,0,3,17,2\n123456.789,1,0,0,0\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	for _, name := range []string{"s.parq", "s.txt", "s"} {
		if _, err := NewSpikeWriter(&b, name); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := CreateSpikeFile(filepath.Join(t.TempDir(), "a.json")); err == nil {
		t.Error("CreateSpikeFile accepted .json")
	}
}

// randomEvents returns n N-MNIST-like events in time order.
func randomEvents(n int, seed uint64) []data.Event {
	rng := rand.New(rand.NewPCG(seed, 1))
	ev := make([]data.Event, n)
	var tt int64
	for i := range ev {
		tt += int64(rng.IntN(50))
		ev[i] = data.Event{X: int16(rng.IntN(34)), Y: int16(rng.IntN(34)), T: tt, P: rng.IntN(2) == 1}
	}
	return ev
}

func TestNPYEventsNumpy(t *testing.T) {
	ev := randomEvents(1000, 3)
	path := filepath.Join(t.TempDir(), "ev.npy")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewNPYEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	raw, _ := os.ReadFile(path)
	if hl := 10 + int(raw[8]) | int(raw[9])<<8; hl%64 != 0 || len(raw) != hl+13*len(ev) || !bytes.Contains(raw[:hl], []byte("'shape': (1000,)")) {
		t.Fatalf("header length %d, file %d bytes, header %q", hl, len(raw), raw[:hl])
	}
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3 (Debian python3 with python3-numpy): numpy check skipped")
	}
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skip("numpy not importable by /usr/bin/python3 (Debian package python3-numpy): numpy check skipped")
	}
	script := `import sys, numpy as np
a = np.load(sys.argv[1])
tonic = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)])
assert a.dtype == tonic, a.dtype
print(len(a), int(a["x"].sum()), int(a["y"].sum()), int(a["t"].sum()), int(a["p"].sum()), int(a["t"][-1]))`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var sx, sy, st, sp int64
	for _, e := range ev {
		sx, sy, st = sx+int64(e.X), sy+int64(e.Y), st+e.T
		if e.P {
			sp++
		}
	}
	want := fmt.Sprintln(len(ev), sx, sy, st, sp, ev[len(ev)-1].T)
	if string(out) != want {
		t.Fatalf("numpy read %q, want %q", out, want)
	}
}

func TestNPYEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.npy")
	f, _ := os.Create(path)
	w, err := NewNPYEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	raw, _ := os.ReadFile(path)
	if len(raw)%64 != 0 || !bytes.Contains(raw, []byte("'shape': (0,)")) {
		t.Fatalf("empty file: %q", raw)
	}
}

func TestAEDATEventsRoundTrip(t *testing.T) {
	ev := randomEvents(500, 4)
	for _, f := range []data.AddressFormat{data.FormatDVS128, data.FormatDAVIS} {
		var b bytes.Buffer
		w, err := NewAEDATEvents(&b, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ev {
			if err := w.Write(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		a, err := data.ReadAEDAT(bytes.NewReader(b.Bytes()), data.FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		if a.Format != f || fmt.Sprint(a.Events) != fmt.Sprint(ev) {
			t.Fatalf("%v: read back as %v with %d events", f, a.Format, len(a.Events))
		}
	}
	w, _ := NewAEDATEvents(&bytes.Buffer{}, data.FormatDVS128)
	if err := w.Write(data.Event{X: 200}); err == nil {
		t.Error("x = 200 written as DVS128")
	}
	if err := w.Write(data.Event{T: 1 << 33}); err == nil {
		t.Error("2^33 µs written in 32 bits")
	}
	if _, err := NewAEDATEvents(&bytes.Buffer{}, data.FormatAuto); err == nil {
		t.Error("format auto accepted for writing")
	}
}

// The N-MNIST sample survives .bin → AEDAT 2.0 (DVS128) → reader unchanged.
func TestNMNISTToAEDAT(t *testing.T) {
	p := "../../shared/data/events/sample_nmnist.bin"
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s absent (test data from ../shared/data/events)", p)
	}
	ev, err := data.ReadNMNISTFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, _ := NewAEDATEvents(&b, data.FormatDVS128)
	for _, e := range ev {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	a, err := data.ReadAEDAT(&b, data.FormatAuto)
	if err != nil || fmt.Sprint(a.Events) != fmt.Sprint(ev) {
		t.Fatalf("round trip of %d events: %v", len(ev), err)
	}
}

func TestVCDErrors(t *testing.T) {
	var b bytes.Buffer
	if _, err := NewVCD(&b, []Var{{Name: "a b"}}); err == nil {
		t.Error("name with a space accepted")
	}
	v, err := NewVCD(&b, []Var{{Scope: []string{"s"}, Name: "w"}, {Name: "r", Kind: Real}})
	if err != nil {
		t.Fatal(err)
	}
	v.Set(10, 0, 1)
	if err := v.Set(5, 0, 0); err == nil || !strings.Contains(err.Error(), "before") {
		t.Errorf("time going back: %v", err)
	}
	if err := v.SetReal(20, 0, 1); err == nil {
		t.Error("SetReal on a wire accepted")
	}
	if err := v.Close(30); err == nil {
		t.Error("Close after an error returned nil")
	}
	if got := []string{vcdID(0), vcdID(93), vcdID(94), vcdID(94 + 94*94)}; fmt.Sprint(got) != "[! ~ !! !!!]" {
		t.Errorf("ids %q", got)
	}
	seen := map[string]bool{}
	for i := range 20000 {
		id := vcdID(i)
		if seen[id] || strings.ContainsAny(id, " \t\n") {
			t.Fatalf("id %d = %q repeats or has a blank", i, id)
		}
		seen[id] = true
	}
}

func TestParseSelect(t *testing.T) {
	us := sim.Time(1_000_000)
	for _, tc := range []struct {
		in, want string
	}{
		{"", "{[] [] [] 0 0 []}"},
		{"layers=0,2-3,cores=1", "{[0 2 3] [1] [] 0 0 []}"},
		{"neurons=3:17,3:18,window=10us:2ms", fmt.Sprintf("{[] [] [{3 17} {3 18}] %d %d []}", 10*us, 2000*us)},
		{"window=:500,formats=csv,vcd", "{[] [] [] 0 500000 [csv vcd]}"},
		{"window=1.5ns:", "{[] [] [] 1500 0 []}"},
		{" cores = 4 - 5 , window=2s:3s", fmt.Sprintf("{[] [4 5] [] %d %d []}", 2_000_000*us, 3_000_000*us)},
	} {
		s, err := ParseSelect(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := fmt.Sprint(s.Layers, s.Cores, s.Neurons, uint64(s.Start), uint64(s.End), s.Formats); "{"+got+"}" != tc.want {
			t.Errorf("%q: got {%s}, want %s", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"layer=1", "unknown key"},
		{"5", "want key=value"},
		{"layers=a", "layers"},
		{"cores=3-1", "empty range"},
		{"window=5:2", "not after"},
		{"window=1:2,3", "one START:END"},
		{"window=1xs:2", "unit"},
		{"window=-1:2", "non-negative"},
		{"neurons=3", "core:neuron"},
		{"formats=pdf", "unknown format"},
		{"formats=csv,csv", "twice"},
		{"cores=1,cores=2", "given twice"},
		{"cores=0-99999999", "integer in"},
		{"cores=0-900000,0-900000", "more than 2^20"},
	} {
		if _, err := ParseSelect(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestRasterFormats(t *testing.T) {
	r := NewRaster(3)
	for i := range 5 {
		r.Add(float64(i), i)
	}
	if r.Len() != 3 || r.Dropped() != 2 {
		t.Fatalf("kept %d dropped %d, want 3 and 2", r.Len(), r.Dropped())
	}
	var png, svg bytes.Buffer
	if err := r.WriteTo(&png, "png"); err != nil || !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("png: %v", err)
	}
	if err := r.WriteTo(&svg, ".svg"); err != nil || !bytes.Contains(svg.Bytes(), []byte("2 more not shown")) {
		t.Fatalf("svg: %v", err)
	}
	if err := r.Save(filepath.Join(t.TempDir(), "r.pdf")); err == nil {
		t.Error("pdf accepted")
	}
}

func TestJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"core 3":      `"core 3"`,
		`a"b\c`:       `"a\"b\\c"`,
		"tab\there\n": `"tab\u0009here\u000a"`,
		"µs":          `"µs"`,
		"bad\xffutf8": `"bad\ufffdutf8"`,
	} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("%q → %s, want %s", in, got, want)
		}
	}
}

func TestParquetSpikes(t *testing.T) {
	var b bytes.Buffer
	w, err := NewSpikeWriter(&b, "spikes.Parquet")
	if err != nil {
		t.Fatal(err)
	}
	n := 3*ParquetRowGroup/2 + 7 // two row groups and a partial batch
	for i := range n {
		if err := w.WriteSpike(Spike{Time: sim.Time(i) * 1500, Chip: 1, Core: int32(i % 7), Neuron: int32(i % 100), Layer: int32(i % 3)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range f.Schema().Fields() {
		cols = append(cols, c.Name())
	}
	if got := strings.Join(cols, ","); got != "time_ns,chip,core,neuron,layer" || f.NumRows() != int64(n) || len(f.RowGroups()) != 2 {
		t.Fatalf("columns %s, %d rows in %d row groups", got, f.NumRows(), len(f.RowGroups()))
	}
	rows, err := parquet.Read[parquetSpike](bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		want := parquetSpike{TimeNS: float64(i) * 1.5, Chip: 1, Core: int32(i % 7), Neuron: int32(i % 100), Layer: int32(i % 3)}
		if r != want {
			t.Fatalf("row %d = %+v, want %+v", i, r, want)
		}
	}
	t.Logf("%d spikes in %d bytes of Parquet (%.1f B/spike)", n, b.Len(), float64(b.Len())/float64(n))
}

func FuzzParseSelect(f *testing.F) {
	f.Add("layers=0,2-3,cores=1-4,neurons=3:17,3:18,window=10us:2ms,formats=csv,vcd")
	f.Add("window=:1.5e3ps")
	f.Add("cores=,")
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelect(s)
		if err != nil {
			return
		}
		if sel.End != 0 && sel.End <= sel.Start {
			t.Fatalf("%q: window [%v, %v)", s, sel.Start, sel.End)
		}
		for _, v := range append(append([]int(nil), sel.Layers...), sel.Cores...) {
			if v < 0 || v >= maxIndex {
				t.Fatalf("%q: index %d", s, v)
			}
		}
		for _, f := range sel.Formats {
			if _, ok := Formats[f]; !ok {
				t.Fatalf("%q: format %q", s, f)
			}
		}
	})
}
