package nir

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/neurosim/neurosim/internal/hdf5"
	"github.com/neurosim/neurosim/models"
)

// genScript writes a NIR-layout graph gzip-chunked and uncompressed with h5py.
const genScript = "../../internal/hdf5/testdata/gen_nir_gzip.py"

// TestGzipNIRReadsLikePlain runs gen_nir_gzip.py (Debian's python3-h5py)
// and checks that its gzip-chunked NIR file (several chunk shapes, levels,
// shuffle; chunked variable-length edge strings; a nested recurrent
// subgraph) imports to exactly the graph of its uncompressed twin.
func TestGzipNIRReadsLikePlain(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import h5py, numpy").Run(); err != nil {
		t.Skipf("%s with h5py and numpy not available (%v): apt-get install python3-h5py to run the gzip NIR check", py, err)
	}
	dir := t.TempDir()
	if out, err := exec.Command(py, genScript, dir).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", genScript, err, out)
	}
	gz, plain := filepath.Join(dir, "nir_gzip.nir"), filepath.Join(dir, "nir_plain.nir")
	// the compressed file really is chunked and deflated, the twin is not
	count := func(path string) (chunked, deflated int) {
		f, err := hdf5.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		err = f.Root().Walk(func(_ string, _ *hdf5.Group, d *hdf5.Dataset) error {
			if d != nil && d.Chunked() {
				chunked++
				for _, id := range d.Filters() {
					if id == 1 { // deflate
						deflated++
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return chunked, deflated
	}
	if c, d := count(gz); c < 20 || d != c {
		t.Fatalf("%s: %d chunked, %d deflated datasets; want every array (≥ 20) gzip-chunked", gz, c, d)
	}
	if c, _ := count(plain); c != 0 {
		t.Fatalf("%s: %d chunked datasets, want none", plain, c)
	}
	enc := func(path string) ([]byte, []Warning) {
		g, ws, err := Read(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var b bytes.Buffer
		if err := models.EncodeNSM(&b, g); err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), ws
	}
	a, wa := enc(gz)
	b, wb := enc(plain)
	if !bytes.Equal(a, b) || len(wa) != len(wb) {
		t.Fatalf("gzip and plain files import differently (%d vs %d bytes of .nsm, warnings %v vs %v)", len(a), len(b), wa, wb)
	}
	g, _, _ := Read(gz, Options{})
	rec := 0
	for _, e := range g.Edges() {
		if e.Recurrent {
			rec++
		}
	}
	if g.NumNodes() != 11 || rec != 1 {
		t.Fatalf("%d nodes, %d recurrent edges; want 11 and 1", g.NumNodes(), rec)
	}
	t.Logf("both files import to the same %d-byte .nsm encoding (%d nodes)", len(a), g.NumNodes())
}
