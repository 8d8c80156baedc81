package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neurosim/neurosim/models/data"
)

// TestSweepSIGKILLResume runs the built binary, kills it with SIGKILL once
// some points are recorded, and reruns it: the rerun keeps every recorded
// line, runs only the missing points, and leaves no corrupt line.
func TestSweepSIGKILLResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	if _, err := data.Load("mnist", ""); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "neurosim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sw := filepath.Join(dir, "s.toml")
	os.WriteFile(sw, []byte("name = 'kill'\nlimit = 24\nseeds = 4\nlane = 4\n[[axis]]\npath = 'noc.buffer_flits'\nvalues = [2, 4]\n"), 0o644)
	out := filepath.Join(dir, "out")
	results := filepath.Join(out, "points-0of1.jsonl")

	cmd := exec.Command(bin, "sweep", sw, "--out", out, "--workers", "2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		b, _ := os.ReadFile(results)
		if bytes.Count(b, []byte("\n")) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no two points after 2 minutes: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before, _ := os.ReadFile(results)
	complete := before[:bytes.LastIndexByte(before, '\n')+1]
	nBefore := bytes.Count(complete, []byte("\n"))
	if nBefore >= 8 {
		t.Skip("the sweep finished before it was killed; nothing to resume")
	}

	cmd = exec.Command(bin, "sweep", sw, "--out", out, "--workers", "2")
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rerun: %v\n%s", err, stderr.String())
	}
	if want := "already finished"; !strings.Contains(stderr.String(), want) {
		t.Errorf("rerun stderr lacks %q:\n%s", want, stderr.String())
	}
	after, _ := os.ReadFile(results)
	if !bytes.HasPrefix(after, complete) {
		t.Fatal("the rerun changed lines recorded before the kill")
	}
	lines := strings.Split(strings.TrimSuffix(string(after), "\n"), "\n")
	if len(lines) != 8 || !bytes.HasSuffix(after, []byte("\n")) {
		t.Fatalf("%d lines after the rerun (want 8, %d before the kill)", len(lines), nBefore)
	}
	seen := map[int]bool{}
	for i, l := range lines {
		var r struct {
			Index    *int     `json:"index"`
			Accuracy *float64 `json:"accuracy"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Index == nil || r.Accuracy == nil {
			t.Fatalf("line %d is corrupt: %v: %q", i+1, err, l)
		}
		if seen[*r.Index] {
			t.Errorf("point %d recomputed (line %d)", *r.Index, i+1)
		}
		seen[*r.Index] = true
	}
	if _, err := run(t, "merge", out); err != nil {
		t.Fatalf("merge after resume: %v", err)
	}
}

func TestSweepCLIErrors(t *testing.T) {
	dir := t.TempDir()
	sw := filepath.Join(dir, "s.toml")
	os.WriteFile(sw, []byte("[[axis]]\npath = 'core.digital.neurns'\nvalues = [256]\n"), 0o644)
	if _, err := run(t, "sweep", sw); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("sweep without --out: %v", err)
	}
	if _, err := run(t, "sweep", sw, "--out", dir); err == nil || !strings.Contains(err.Error(), `did you mean "core.digital.neurons"`) {
		t.Errorf("unknown path: %v", err)
	}
	os.WriteFile(sw, []byte("[[axis]]\npath = 'core.digital.neurons'\nvalues = [256, 512]\n"), 0o644)
	out, err := run(t, "sweep", sw, "--out", dir, "--shard", "1/2", "--dry-run")
	if err != nil || !strings.Contains(out, "2 points") || !strings.Contains(out, "1\tcore.digital.neurons=512;seed#0") || strings.Contains(out, "0\tcore") {
		t.Errorf("dry run of shard 1/2: %v\n%s", err, out)
	}
	if _, err := run(t, "merge", dir); err == nil || !strings.Contains(err.Error(), "not a sweep results directory") {
		t.Errorf("merge of an empty directory: %v", err)
	}
}

func TestCertifyCLI(t *testing.T) {
	if _, err := data.Load("mnist", ""); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	dir := t.TempDir()
	out, err := run(t, "certify", "--limit", "2", "--n0", "4", "--n", "20", "--alpha", "0.05", "--sigma", "0.05", "--out", dir)
	// 20 of 20 at α = 0.05: p_A = 0.05^(1/20) = 0.8609, radius 0.05·1.0846 = 0.054.
	if err != nil || !strings.Contains(out, "correct 2 (100.00%)") || !strings.Contains(out, "0.054") {
		t.Fatalf("certify: %v\n%s", err, out)
	}
	for _, f := range []string{"certify.csv", "certified.txt", "certified.png", "certified.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := run(t, "certify", "--noise", "laplace"); err == nil || !strings.Contains(err.Error(), "gaussian or poisson") {
		t.Errorf("--noise laplace: %v", err)
	}
	if _, err := run(t, "certify", "--sigma", "0", "--limit", "1"); err == nil || !strings.Contains(err.Error(), "σ = 0") {
		t.Errorf("--sigma 0: %v", err)
	}
}
