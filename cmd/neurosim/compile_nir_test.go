package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A Sinabs NIR export compiles onto the default chip, and so do the
// recurrent CubaLIF braille networks, with and without subgraphs.
func TestCompileNIR(t *testing.T) {
	for _, name := range []string{"cnn_sinabs.nir", "braille_noDelay_bias_zero.nir", "braille_noDelay_bias_zero_subgraph.nir", "braille_noDelay_noBias_subtract.nir"} {
		out := filepath.Join(t.TempDir(), "m.nsp")
		if _, err := run(t, "compile", nirFile(t, name), "-o", out); err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			t.Fatalf("%s: no program written: %v", name, err)
		}
	}
}
