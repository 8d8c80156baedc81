package hdf5

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// walkEverything opens every object reachable from the root, decodes every
// dataset and attribute with every reader, and resolves every link
// (including soft links). Errors are expected on malformed input; panics,
// hangs and huge allocations are not.
func walkEverything(f *File) {
	readAttrs := func(attrs []*Attribute) {
		for _, a := range attrs {
			a.Value()
			_ = a.DType().String()
			a.Shape()
		}
	}
	f.Root().Walk(func(path string, g *Group, d *Dataset) error {
		if g != nil {
			readAttrs(g.Attrs())
			for _, m := range g.Members() {
				g.Kind(m)
			}
			return nil
		}
		readAttrs(d.Attrs())
		d.Value()
		d.ReadFloat64s()
		d.ReadFloat32s()
		d.ReadInt64s()
		d.ReadStrings()
		return nil
	})
}

// fuzzSeeds returns the small committed h5py files and, when present, the
// shared NIR files (the large lava-dl file is left out to keep mutation fast).
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	paths, _ := filepath.Glob("testdata/*.h5")
	more, _ := filepath.Glob(filepath.Join(nirDir, "*.nir"))
	for _, p := range append(paths, more...) {
		if b, err := os.ReadFile(p); err == nil && len(b) <= 64<<10 {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

func FuzzOpen(f *testing.F) {
	for _, b := range fuzzSeeds() {
		f.Add(b)
	}
	f.Add(signature)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		walkEverything(file)
	})
}
