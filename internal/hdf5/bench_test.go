package hdf5

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOpenReadCNN opens cnn_sinabs.nir (270 kB, 15 nodes) and reads
// every dataset, as the NIR importer does.
func BenchmarkOpenReadCNN(b *testing.B) {
	p := filepath.Join(nirDir, "cnn_sinabs.nir")
	data, err := os.ReadFile(p)
	if err != nil {
		b.Skipf("%s absent (shared test data): %v", p, err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := openBytes(data)
		if err != nil {
			b.Fatal(err)
		}
		err = f.Root().Walk(func(path string, g *Group, d *Dataset) error {
			if d != nil {
				_, err := d.Value()
				return err
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadChunkedGzip reads a 16x2x5x5 float32 array stored in
// shuffled, gzip-compressed chunks.
func BenchmarkReadChunkedGzip(b *testing.B) {
	f, err := OpenFile("testdata/v0.h5")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	d, err := f.Root().Dataset("layouts/conv_weight_gzip")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.ReadFloat32s(); err != nil {
			b.Fatal(err)
		}
	}
}
