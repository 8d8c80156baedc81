package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A zoo model with attention compiles for another input size on a chip spec
// file and runs on a random image: the report lists the attention unit's
// events and the chip agrees with the software model. The spec widens
// Loihi's cores (fan-ins of the membrane-shortcut sums over 4,096 axons).
func TestRunZooAttentionRandomImage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "arch", "presets", "loihi.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "axons = 4096", "axons = 65536", 1)
	s = strings.Replace(s, "synapse_memory_bytes = 131072", "synapse_memory_bytes = 4194304", 1)
	s = strings.Replace(s, `name = "loihi"`, `name = "loihi-wide"`, 1)
	s = strings.Replace(s, "width = 16", "width = 32", 1)
	s = strings.Replace(s, "height = 8", "height = 16", 1)
	dir := t.TempDir()
	spec, prog := filepath.Join(dir, "wide.toml"), filepath.Join(dir, "t.nsp")
	if err := os.WriteFile(spec, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
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
