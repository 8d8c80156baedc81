package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// run executes the CLI with args and returns stdout and the error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestDescribe(t *testing.T) {
	out, err := run(t, "describe", "loihi")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"chip.width", "tiles", "energy.hop_y.pj", "pJ", "SANA-FE"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe loihi output lacks %q", want)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[chip]\nwidht = 2\nheight = 0\ndefault_core = \"nope\"\n"), 0o644)
	_, err = run(t, "describe", bad)
	if err == nil {
		t.Fatal("describe accepted a bad spec")
	}
	for _, want := range []string{"bad.toml:2: chip.widht: unknown key", "chip.height", `"nope" is not defined`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	out, err = run(t, "describe", "--toml", "prime-40nm")
	if err != nil || !strings.Contains(out, "[core.xbar.macro]") {
		t.Fatalf("describe --toml: %v\n%s", err, out)
	}
}

func TestInspect(t *testing.T) {
	g := models.NewGraph()
	g.Add("in", models.OpInput).SetInts("shape", 1, 4, 4)
	w := make([]float32, 2*1*3*3)
	for i := range w {
		w[i] = float32(i) / 10
	}
	g.Add("conv", models.OpConv2d).SetF32("weight", models.Shape{2, 1, 3, 3}, w).SetInts("padding", 1)
	g.Add("flat", models.OpFlatten)
	g.Add("out", models.OpOutput)
	g.Chain("in", "conv", "flat", "out")
	path := filepath.Join(t.TempDir(), "m.nsm")
	if err := models.Save(path, g); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "inspect", path)
	if err != nil {
		t.Fatal(err)
	}
	// conv: 2×1×3×3 = 18 weights; MACs = 18 × 4×4 outputs = 288.
	for _, want := range []string{"Conv2d", "[1,4,4]", "[2,4,4]", "[32]", "18", "288"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "inspect", "--input", "1,8,8", path)
	if err != nil || !strings.Contains(out, "1,152") { // 18 × 64
		t.Errorf("inspect --input 1,8,8: %v\n%s", err, out)
	}
	os.WriteFile(path, []byte("garbage"), 0o644)
	if _, err := run(t, "inspect", path); err == nil {
		t.Error("inspect accepted a corrupt file")
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", in, got, want)
		}
	}
}
