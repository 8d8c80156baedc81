package hdf5

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// expectation is one entry of testdata/expected.json, written by gen.py from
// the numpy values h5py stored.
type expectation struct {
	Kind    string    `json:"kind"`
	Shape   []int     `json:"shape"`
	DType   string    `json:"dtype"`
	Floats  []float64 `json:"floats"`
	Ints    []int64   `json:"ints"`
	Strings []string  `json:"strings"`
}

func loadExpected(t *testing.T) map[string]map[string]expectation {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]expectation
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestGeneratedFiles reads every dataset and attribute h5py wrote into
// testdata/*.h5 and compares shape, type and values with numpy's.
func TestGeneratedFiles(t *testing.T) {
	for file, entries := range loadExpected(t) {
		f, err := OpenFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, path := range sortedKeys(entries) {
			want := entries[path]
			t.Run(file+":"+path, func(t *testing.T) {
				var (
					shape []int
					dt    DType
					value any
					err   error
				)
				if obj, name, ok := strings.Cut(path, "@"); ok {
					var attrs []*Attribute
					if g, gerr := f.Root().Group(obj); gerr == nil {
						attrs = g.Attrs()
					} else if d, derr := f.Root().Dataset(obj); derr == nil {
						attrs = d.Attrs()
					} else {
						t.Fatalf("%s: %v / %v", obj, gerr, derr)
					}
					a := findAttr(attrs, name)
					if a == nil {
						t.Fatalf("no attribute %q on %s", name, obj)
					}
					shape, dt = a.Shape(), a.DType()
					value, err = a.Value()
				} else {
					d, derr := f.Root().Dataset(path)
					if derr != nil {
						t.Fatal(derr)
					}
					shape, dt = d.Shape(), d.DType()
					value, err = d.Value()
					checkTypedReads(t, d, want)
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(shape, want.Shape) && !(len(shape) == 0 && len(want.Shape) == 0) {
					t.Errorf("shape %v, want %v", shape, want.Shape)
				}
				if want.DType != "" && dt.String() != want.DType {
					t.Errorf("dtype %s, want %s", dt, want.DType)
				}
				checkValue(t, value, want)
			})
		}
	}
}

func checkValue(t *testing.T, value any, want expectation) {
	t.Helper()
	switch v := value.(type) {
	case float64:
		value = []float64{v}
	case int64:
		value = []int64{v}
	case string:
		value = []string{v}
	}
	switch v := value.(type) {
	case []float64:
		if len(v) != len(want.Floats) {
			t.Fatalf("got %d floats, want %d", len(v), len(want.Floats))
		}
		for i := range v {
			// numpy's values were widened to float64 by json; a float32
			// dataset must round to the same float32.
			if v[i] != want.Floats[i] && float32(v[i]) != float32(want.Floats[i]) {
				t.Errorf("[%d] = %v, want %v", i, v[i], want.Floats[i])
			}
		}
	case []int64:
		if !reflect.DeepEqual(v, want.Ints) && !(len(v) == 0 && len(want.Ints) == 0) {
			t.Errorf("got %v, want %v", v, want.Ints)
		}
	case []string:
		if !reflect.DeepEqual(v, want.Strings) {
			t.Errorf("got %q, want %q", v, want.Strings)
		}
	default:
		t.Fatalf("unexpected value type %T", value)
	}
}

// checkTypedReads exercises the typed readers against the same expectation.
func checkTypedReads(t *testing.T, d *Dataset, want expectation) {
	t.Helper()
	switch {
	case want.Strings != nil:
		s, err := d.ReadStrings()
		if err != nil || !reflect.DeepEqual(s, want.Strings) {
			t.Errorf("ReadStrings = %q, %v", s, err)
		}
		if _, err := d.ReadFloat64s(); err == nil {
			t.Errorf("ReadFloat64s on strings succeeded")
		}
	case want.Ints != nil:
		v, err := d.ReadInt64s()
		if err != nil || (len(v) > 0 && !reflect.DeepEqual(v, want.Ints)) {
			t.Errorf("ReadInt64s = %v, %v", v, err)
		}
		fv, err := d.ReadFloat64s()
		if err != nil {
			t.Fatal(err)
		}
		for i := range fv {
			if fv[i] != float64(want.Ints[i]) {
				t.Errorf("ReadFloat64s[%d] = %v, want %d", i, fv[i], want.Ints[i])
			}
		}
	case want.Floats != nil:
		v, err := d.ReadFloat32s()
		if err != nil || len(v) != len(want.Floats) {
			t.Fatalf("ReadFloat32s = %v, %v", v, err)
		}
		for i := range v {
			if v[i] != float32(want.Floats[i]) {
				t.Errorf("ReadFloat32s[%d] = %v, want %v", i, v[i], want.Floats[i])
			}
		}
		if _, err := d.ReadInt64s(); err == nil {
			t.Errorf("ReadInt64s on floats succeeded")
		}
		if _, err := d.ReadStrings(); err == nil {
			t.Errorf("ReadStrings on floats succeeded")
		}
	}
}

func TestGeneratedStructure(t *testing.T) {
	f, err := OpenFile("testdata/v0.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v := f.SuperblockVersion(); v != 0 {
		t.Errorf("v0.h5 superblock version %d", v)
	}
	root := f.Root()
	if got, want := root.Members(), []string{"layouts", "links", "numbers", "strings"}; !reflect.DeepEqual(got, want) {
		t.Errorf("root members %v, want %v", got, want)
	}
	// Soft link resolves to its target.
	d, err := root.Dataset("strings/soft")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.ReadInt64s(); err != nil || v[0] != -6 {
		t.Errorf("soft link read %v, %v", v, err)
	}
	// The hard link back to the root is a cycle: Walk visits each object once.
	n := 0
	paths := map[string]bool{}
	err = root.Walk(func(path string, g *Group, d *Dataset) error {
		n++
		if paths[path] {
			t.Errorf("visited %s twice", path)
		}
		paths[path] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !paths["/layouts/chunked_gzip"] || paths["/numbers/parent"] {
		t.Errorf("walk paths %v", paths)
	}
	g, err := root.Group("numbers/parent/numbers")
	if err != nil || g.Path() != "/numbers/parent/numbers" {
		t.Errorf("path through cycle: %v, %v", g, err)
	}
	if k, err := root.Kind("numbers"); k != "group" || err != nil {
		t.Errorf("Kind(numbers) = %q, %v", k, err)
	}
	if k, err := root.Kind("numbers/f4_le"); k != "dataset" || err != nil {
		t.Errorf("Kind(numbers/f4_le) = %q, %v", k, err)
	}
	if _, err := root.Group("numbers/f4_le"); err == nil {
		t.Error("opened a dataset as a group")
	}
	if _, err := root.Dataset("numbers"); err == nil {
		t.Error("opened a group as a dataset")
	}
	if _, err := root.Dataset("nope"); err == nil {
		t.Error("opened a missing member")
	}
	c, err := root.Dataset("layouts/conv_weight_gzip")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Chunked() || !reflect.DeepEqual(c.Filters(), []int{filterShuffle, filterDeflate}) {
		t.Errorf("conv_weight_gzip chunked=%v filters=%v", c.Chunked(), c.Filters())
	}
	if n := headerChunks(t, root, "layouts/chunked_gzip"); n < 2 {
		t.Errorf("chunked_gzip header has %d chunks; gen.py meant to force a continuation", n)
	}
	links, err := root.Group("links")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := links.Members(), []string{"dangling", "ext", "hard", "loop_a", "loop_b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("links members %v, want %v", got, want)
	}
	if h, _, _ := links.resolve(""); h.first(msgLink) == nil {
		t.Error("/links is not a new-style group; gen.py meant to force link messages")
	}
	if d, err := links.Dataset("hard"); err != nil {
		t.Error(err)
	} else if v, err := d.ReadInt64s(); err != nil || v[0] != -6 {
		t.Errorf("/links/hard = %v, %v", v, err)
	}
	if _, err := links.Kind("loop_a"); err == nil || !strings.Contains(err.Error(), "soft links followed") {
		t.Errorf("soft-link loop: %v", err)
	}
	if _, err := links.Kind("dangling"); err == nil || !strings.Contains(err.Error(), "no member") {
		t.Errorf("dangling soft link: %v", err)
	}
	if _, err := links.Kind("ext"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("external link: %v", err)
	}
	if u, err := root.Dataset("numbers/u8_big"); err != nil {
		t.Fatal(err)
	} else if v, err := u.ReadInt64s(); err != nil || v[0] != math.MaxInt64 {
		t.Errorf("u8_big = %v, %v", v, err)
	}
}

func TestLatestFormat(t *testing.T) {
	f, err := OpenFile("testdata/latest.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v := f.SuperblockVersion(); v < 2 {
		t.Errorf("latest.h5 superblock version %d, want >= 2", v)
	}
	if got := f.Root().Members(); !reflect.DeepEqual(got, []string{"node", "unsupported"}) {
		t.Errorf("root members %v", got)
	}
	if n := headerChunks(t, f.Root(), "node/big_be"); n < 2 {
		t.Errorf("big_be header has %d chunks; gen.py meant to force an OCHK continuation", n)
	}
	_, err = f.Root().Dataset("unsupported/chunked")
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("v4 chunked layout: err %v, want ErrUnsupported", err)
	}
	_, err = f.Root().Group("unsupported/dense")
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("dense group: err %v, want ErrUnsupported", err)
	}
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset <= 0 {
		t.Errorf("dense group error %v lacks an offset", err)
	}
}

func headerChunks(t *testing.T, g *Group, path string) int {
	t.Helper()
	h, _, err := g.resolve(path)
	if err != nil {
		t.Fatal(err)
	}
	return h.chunks
}
