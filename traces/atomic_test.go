package traces

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// Trace files appear under their names only once Close succeeds; until then
// (and after a failed recording) only temporary names exist, and a failure
// leaves nothing behind.
func TestOpenDirAtomic(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t)
	rec, err := OpenDir(dir, r.lay, Select{Formats: []string{"csv", "vcd", "chrome", "png"}})
	if err != nil {
		t.Fatal(err)
	}
	rec.Attach(r.hookables()...)
	end := r.run(t, 5)
	for _, n := range dirNames(t, dir) {
		if _, ok := map[string]bool{"spikes.csv": true, "probes.vcd": true, "timeline.json": true, "raster.png": true}[n]; ok {
			t.Fatalf("%s exists before Close", n)
		}
	}
	if err := rec.Close(end); err != nil {
		t.Fatal(err)
	}
	got := dirNames(t, dir)
	want := []string{"probes.vcd", "raster.png", "spikes.csv", "timeline.json"}
	if len(got) != len(want) {
		t.Fatalf("after Close: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after Close: %v, want %v", got, want)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "spikes.csv")); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("spikes.csv: %v %v", st, err)
	}

	// a recording that failed leaves no file
	dir2 := t.TempDir()
	rec, err = OpenDir(dir2, r.lay, Select{Formats: []string{"csv", "chrome"}})
	if err != nil {
		t.Fatal(err)
	}
	rec.fail(errors.New("disk full"))
	if err := rec.Close(0); err == nil {
		t.Fatal("Close after a write error returned nil")
	}
	if n := dirNames(t, dir2); len(n) != 0 {
		t.Fatalf("a failed recording left %v", n)
	}

	// CreateSpikeFile
	p := filepath.Join(dir2, "s.parquet")
	w, err := CreateSpikeFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("%s exists before Close: %v", p, err)
	}
	if err := w.WriteSpike(Spike{Time: 1000, Core: 1, Neuron: 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := dirNames(t, dir2); len(n) != 1 || n[0] != "s.parquet" {
		t.Fatalf("after Close: %v", n)
	}
}
