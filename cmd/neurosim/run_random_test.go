package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A zoo model with attention compiles for another input size onto the
// Loihi board and runs on a random image: the report lists the attention
// unit's events and the chip agrees with the software model.
func TestRunZooAttentionRandomImage(t *testing.T) {
	spec, prog := "loihi-board-32", filepath.Join(t.TempDir(), "t.nsp")
	if _, _, err := runErr(t, "compile", "--zoo", "e-spikeformer-t", "--input", "32", "--chip", spec, "-o", prog); err != nil {
		t.Fatal(err)
	}
	out, _, err := runErr(t, "run", prog, "--chip", spec, "--dataset", "random", "--no-progress")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 random test samples", "chip = software (class, scores, counts) │ 100.00%", "attention state add", "│ attention │"} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := runErr(t, "compile", "x.nsm", "--input", "32"); err == nil || !strings.Contains(err.Error(), "--input needs --zoo") {
		t.Errorf("--input without --zoo: %v", err)
	}
}
