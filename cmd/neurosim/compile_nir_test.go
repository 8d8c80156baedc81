package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Sinabs NIR export compiles onto the default chip; a recurrent CubaLIF
// network is refused with errors naming the layer and the operator.
func TestCompileNIR(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cnn.nsp")
	if _, err := run(t, "compile", nirFile(t, "cnn_sinabs.nir"), "-o", out); err != nil {
		t.Fatalf("compile cnn_sinabs.nir: %v", err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Fatalf("no program written: %v", err)
	}
	_, err := run(t, "compile", nirFile(t, "braille_noDelay_bias_zero.nir"), "-o", filepath.Join(t.TempDir(), "b.nsp"))
	if err == nil || !strings.Contains(err.Error(), "operator CubaLIF cannot be lowered") || !strings.Contains(err.Error(), "recurrent edge") {
		t.Fatalf("compile of a recurrent CubaLIF network: %v", err)
	}
}
