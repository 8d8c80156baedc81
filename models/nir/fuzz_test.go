package nir

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// addSeeds adds every shared NIR and .net file as a seed when present.
func addSeeds(f *testing.F) {
	for _, pat := range []string{"*.nir", "*.net"} {
		files, _ := filepath.Glob(filepath.Join(dataDir, pat))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\x89HDF\r\n\x1a\n"))
}

// FuzzDecode: the NIR importer never panics, and whatever it accepts
// verifies.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		g, _, err := Decode(bytes.NewReader(b), int64(len(b)), Options{})
		if err != nil {
			return
		}
		if err := models.Verify(g); err != nil {
			t.Fatalf("accepted a graph that does not verify: %v", err)
		}
	})
}

// FuzzDecodeNet: the same for lava-dl netx files.
func FuzzDecodeNet(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		g, _, err := DecodeNet(bytes.NewReader(b), int64(len(b)), Options{})
		if err != nil {
			return
		}
		if err := models.Verify(g); err != nil {
			t.Fatalf("accepted a graph that does not verify: %v", err)
		}
	})
}
