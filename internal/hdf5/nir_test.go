package hdf5

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const nirDir = "../../../shared/data/nir"

// realFiles lists the NIR and lava-dl files in ../shared/data/nir, skipping
// the test when the directory is absent.
func realFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.nir", "*.net"} {
		m, _ := filepath.Glob(filepath.Join(nirDir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("no NIR files in %s (the shared test data is absent)", nirDir)
	}
	return files
}

func openReal(t *testing.T, name string) *File {
	t.Helper()
	p := filepath.Join(nirDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s absent (shared test data): %v", p, err)
	}
	f, err := OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readAll decodes every dataset and attribute below the root, keyed
// "/path" and "/path@attr" like h5py_tool.py dump.
func readAll(t *testing.T, f *File) map[string]any {
	t.Helper()
	out := map[string]any{}
	addAttrs := func(path string, attrs []*Attribute) {
		for _, a := range attrs {
			v, err := a.Value()
			if err != nil {
				t.Fatalf("%s@%s: %v", path, a.Name, err)
			}
			if path == "/" {
				path = ""
			}
			out[path+"@"+a.Name] = v
		}
	}
	err := f.Root().Walk(func(path string, g *Group, d *Dataset) error {
		if g != nil {
			addAttrs(path, g.Attrs())
			return nil
		}
		v, err := d.Value()
		if err != nil {
			return err
		}
		out[path] = v
		addAttrs(path, d.Attrs())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRealFilesWalk opens every shared NIR / lava-dl file and decodes every
// dataset; each NIR graph must name only its own nodes in its edges.
func TestRealFilesWalk(t *testing.T) {
	for _, p := range realFiles(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			all := readAll(t, f)
			if len(all) < 10 {
				t.Errorf("only %d values", len(all))
			}
			if !strings.HasSuffix(p, ".nir") {
				return
			}
			if v, ok := all["/version"].(string); !ok || !strings.HasPrefix(v, "0.") {
				t.Errorf("/version = %#v", all["/version"])
			}
			checkGraph(t, f.Root(), "node", 0)
		})
	}
}

// checkGraph verifies a NIRGraph group: type, edges naming member nodes,
// recursively for subgraphs.
//
// The edges of the nested graph in braille_noDelay_bias_zero_subgraph.nir
// name "lif" while its node is "lif1": a quirk of that export, which h5py
// reads identically. Subgraph edges are therefore only logged, so the
// models/nir importer can decide how to treat them.
func checkGraph(t *testing.T, parent *Group, name string, depth int) {
	t.Helper()
	g, err := parent.Group(name)
	if err != nil {
		t.Fatal(err)
	}
	typ := readString(t, g, "type")
	if typ != "NIRGraph" {
		t.Fatalf("%s/type = %q", g.Path(), typ)
	}
	nodes, err := g.Group("nodes")
	if err != nil {
		t.Fatal(err)
	}
	e, err := g.Dataset("edges")
	if err != nil {
		t.Fatal(err)
	}
	if s := e.Shape(); len(s) != 2 || s[1] != 2 {
		t.Fatalf("%s shape %v", e.Path(), s)
	}
	edges, err := e.ReadStrings()
	if err != nil {
		t.Fatal(err)
	}
	for _, end := range edges {
		node, _, _ := strings.Cut(end, ".")
		if !nodes.Has(end) && !nodes.Has(node) {
			if depth > 0 {
				t.Logf("%s: edge end %q is not a node of %v (known quirk of this file)", g.Path(), end, nodes.Members())
				continue
			}
			t.Errorf("%s: edge end %q is not a node of %v", g.Path(), end, nodes.Members())
		}
	}
	for _, n := range nodes.Members() {
		sub, err := nodes.Group(n)
		if err != nil {
			t.Fatal(err)
		}
		if readString(t, sub, "type") == "NIRGraph" {
			checkGraph(t, nodes, n, depth+1)
		}
	}
}

func readString(t *testing.T, g *Group, name string) string {
	t.Helper()
	d, err := g.Dataset(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.ReadStrings()
	if err != nil || len(s) != 1 {
		t.Fatalf("%s: %q, %v", d.Path(), s, err)
	}
	return s[0]
}

func readFloats(t *testing.T, g *Group, name string) ([]float64, []int) {
	t.Helper()
	d, err := g.Dataset(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.ReadFloat64s()
	if err != nil {
		t.Fatal(err)
	}
	return v, d.Shape()
}

func readInts(t *testing.T, g *Group, name string) []int64 {
	t.Helper()
	d, err := g.Dataset(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.ReadInt64s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLIFNorse checks the one-neuron Norse export against values derived
// independently from lif_exact.csv (the NIR paper's exact solution, dt 1e-4).
func TestLIFNorse(t *testing.T) {
	f := openReal(t, "lif_norse.nir")
	nodes, err := f.Root().Group("node/nodes")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := nodes.Members(), []string{"0", "1", "input", "output"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("nodes %v, want %v", got, want)
	}
	types := map[string]string{}
	for _, n := range nodes.Members() {
		g, _ := nodes.Group(n)
		types[n] = readString(t, g, "type")
	}
	if want := map[string]string{"0": "Affine", "1": "LIF", "input": "Input", "output": "Output"}; !reflect.DeepEqual(types, want) {
		t.Errorf("types %v, want %v", types, want)
	}
	lif, _ := nodes.Group("1")
	param := func(name string) float64 {
		v, shape := readFloats(t, lif, name)
		if !reflect.DeepEqual(shape, []int{1}) {
			t.Errorf("%s shape %v, want [1]", name, shape)
		}
		return v[0]
	}
	tau, r, leak, thr := param("tau"), param("r"), param("v_leak"), param("v_threshold")
	if r != 1 || leak != 0 {
		t.Errorf("r %v, v_leak %v; want 1, 0", r, leak)
	}

	// From the CSV: with no input the voltage decays by exp(-dt/tau) per step.
	const dt = 1e-4
	rows := readCSV(t, filepath.Join(nirDir, "lif_exact.csv"))
	var decay float64
	for k := 1; k < len(rows); k++ {
		if rows[k][0] == 0 && rows[k][2] == 0 && rows[k-1][1] > 0.01 {
			decay = rows[k][1] / rows[k-1][1]
			break
		}
	}
	csvTau := -dt / math.Log(decay)
	if math.Abs(tau-csvTau) > 1e-6 {
		t.Errorf("tau %v; the CSV's decay gives %v", tau, csvTau)
	}
	if float32(tau) != float32(0.0025) {
		t.Errorf("tau %v, want float32(0.0025)", tau)
	}
	// The threshold lies above every voltage that did not spike and at or
	// below every voltage that did (before its reset).
	jump := 0.0
	for _, row := range rows {
		if row[0] == 1 {
			jump = row[1] // first input from rest
			break
		}
	}
	lo, hi := 0.0, math.Inf(1)
	for k := 1; k < len(rows); k++ {
		if rows[k][2] == 0 {
			lo = math.Max(lo, rows[k][1])
			continue
		}
		hi = math.Min(hi, rows[k-1][1]*decay+jump)
	}
	if !(lo < thr && thr <= hi+1e-9) {
		t.Errorf("v_threshold %v outside (%v, %v] implied by the CSV", thr, lo, hi)
	}
	if float32(thr) != float32(0.1) {
		t.Errorf("v_threshold %v, want float32(0.1)", thr)
	}
	// Rockpool re-exported the same neuron: same tau and threshold.
	rp := openReal(t, "lif_rockpool.nir")
	g, err := rp.Root().Group("node/nodes/1_LIFNeuronTorch")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := readFloats(t, g, "tau"); v[0] != tau {
		t.Errorf("rockpool tau %v != norse %v", v[0], tau)
	}
	if v, _ := readFloats(t, g, "v_threshold"); v[0] != thr {
		t.Errorf("rockpool v_threshold %v != norse %v", v[0], thr)
	}
}

func readCSV(t *testing.T, path string) [][3]float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Skipf("%s absent: %v", path, err)
	}
	defer fh.Close()
	var rows [][3]float64
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ",")
		if len(parts) != 3 {
			t.Fatalf("bad CSV line %q", sc.Text())
		}
		var row [3]float64
		for i, p := range parts {
			if row[i], err = strconv.ParseFloat(p, 64); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// TestCNNSinabsShapes follows the edges of the Sinabs N-MNIST network from
// its 2x34x34 input and checks that every Conv2d, SumPool2d, Flatten,
// Affine and IF node has parameters of the shape its input implies, ending
// in 10 classes.
func TestCNNSinabsShapes(t *testing.T) {
	f := openReal(t, "cnn_sinabs.nir")
	g, err := f.Root().Group("node")
	if err != nil {
		t.Fatal(err)
	}
	edgeDS, _ := g.Dataset("edges")
	edges, err := edgeDS.ReadStrings()
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]string{}
	for i := 0; i+1 < len(edges); i += 2 {
		next[edges[i]] = edges[i+1]
	}
	nodes, _ := g.Group("nodes")
	in, _ := nodes.Group("input")
	shape := readInts(t, in, "shape")
	if !reflect.DeepEqual(shape, []int64{2, 34, 34}) {
		t.Fatalf("input shape %v", shape)
	}
	seen := map[string]bool{}
	counts := map[string]int{}
	for n := next["input"]; n != "output"; n = next[n] {
		if n == "" || seen[n] {
			t.Fatalf("edges do not form a chain to output (at %q)", n)
		}
		seen[n] = true
		node, err := nodes.Group(n)
		if err != nil {
			t.Fatal(err)
		}
		typ := readString(t, node, "type")
		counts[typ]++
		switch typ {
		case "Conv2d":
			_, w := readFloats(t, node, "weight")
			if len(w) != 4 || int64(w[1]) != shape[0] {
				t.Fatalf("node %s: weight %v for input %v", n, w, shape)
			}
			if ish := readInts(t, node, "input_shape"); !reflect.DeepEqual(ish, shape[1:]) {
				t.Errorf("node %s: input_shape %v, flowing shape %v", n, ish, shape)
			}
			s, p, d := readInts(t, node, "stride"), readInts(t, node, "padding"), readInts(t, node, "dilation")
			out := []int64{int64(w[0]), 0, 0}
			for i := 0; i < 2; i++ {
				out[i+1] = (shape[i+1]+2*p[i]-d[i]*(int64(w[i+2])-1)-1)/s[i] + 1
			}
			shape = out
		case "SumPool2d":
			k, s := readInts(t, node, "kernel_size"), readInts(t, node, "stride")
			shape = []int64{shape[0], (shape[1]-k[0])/s[0] + 1, (shape[2]-k[1])/s[1] + 1}
		case "Flatten":
			if it := readInts(t, node, "input_type"); !reflect.DeepEqual(it, shape) {
				t.Errorf("node %s: input_type %v, flowing shape %v", n, it, shape)
			}
			shape = []int64{shape[0] * shape[1] * shape[2]}
		case "Affine":
			_, w := readFloats(t, node, "weight")
			if len(w) != 2 || len(shape) != 1 || int64(w[1]) != shape[0] {
				t.Fatalf("node %s: weight %v for input %v", n, w, shape)
			}
			if _, b := readFloats(t, node, "bias"); b[0] != w[0] {
				t.Errorf("node %s: bias %v for weight %v", n, b, w)
			}
			shape = []int64{int64(w[0])}
		case "IF":
			for _, p := range []string{"r", "v_threshold"} {
				_, s := readFloats(t, node, p)
				got := make([]int64, len(s))
				for i := range s {
					got[i] = int64(s[i])
				}
				if !reflect.DeepEqual(got, shape) {
					t.Errorf("node %s: %s shape %v, flowing shape %v", n, p, s, shape)
				}
			}
		default:
			t.Fatalf("node %s: unexpected type %q", n, typ)
		}
	}
	out, _ := nodes.Group("output")
	if got := readInts(t, out, "shape"); !reflect.DeepEqual(got, shape) || shape[0] != 10 {
		t.Errorf("output shape %v, flowing shape %v (want 10 classes)", got, shape)
	}
	if want := map[string]int{"Conv2d": 3, "SumPool2d": 2, "Flatten": 1, "Affine": 2, "IF": 5}; !reflect.DeepEqual(counts, want) {
		t.Errorf("node types %v, want %v", counts, want)
	}
}

// h5pyTool returns a python3 that imports h5py, or skips.
func h5pyTool(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import h5py").Run() == nil {
			return py
		}
	}
	t.Skip("python3 with h5py not found (apt-get install python3-h5py); skipping the h5py cross-check")
	return ""
}

// TestRealFilesAgainstH5py compares every value this package reads from the
// shared files with what h5py (the HDF5 C library) reads.
func TestRealFilesAgainstH5py(t *testing.T) {
	files := realFiles(t)
	py := h5pyTool(t)
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			compareWithH5py(t, py, p)
		})
	}
}

func compareWithH5py(t *testing.T, py, path string) {
	t.Helper()
	out, err := exec.Command(py, "testdata/h5py_tool.py", "dump", path).Output()
	if err != nil {
		t.Fatalf("h5py_tool dump: %v", err)
	}
	var want map[string]expectation
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := readAll(t, f)
	if len(got) != len(want) {
		t.Errorf("read %d values, h5py %d", len(got), len(want))
	}
	for _, k := range sortedKeys(want) {
		v, ok := got[k]
		if !ok {
			t.Errorf("%s: missing", k)
			continue
		}
		checkValue(t, v, want[k])
	}
}

// TestGzipCopiesReadIdentically rewrites each shared NIR file with h5py so
// every array is chunked, shuffled and gzip-compressed, and checks the copy
// reads exactly like the original.
func TestGzipCopiesReadIdentically(t *testing.T) {
	files := realFiles(t)
	py := h5pyTool(t)
	dir := t.TempDir()
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			dst := filepath.Join(dir, filepath.Base(p))
			if out, err := exec.Command(py, "testdata/h5py_tool.py", "regzip", p, dst).CombinedOutput(); err != nil {
				t.Fatalf("regzip: %v\n%s", err, out)
			}
			orig, err := OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			defer orig.Close()
			cp, err := OpenFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			defer cp.Close()
			chunked := 0
			err = cp.Root().Walk(func(path string, g *Group, d *Dataset) error {
				if d != nil && d.Chunked() && reflect.DeepEqual(d.Filters(), []int{filterShuffle, filterDeflate}) {
					chunked++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if chunked == 0 {
				t.Fatal("the copy has no gzip-chunked dataset")
			}
			a, b := readAll(t, orig), readAll(t, cp)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("copy differs from the original")
			}
			t.Logf("%d values, %d gzip-chunked datasets", len(a), chunked)
		})
	}
}
