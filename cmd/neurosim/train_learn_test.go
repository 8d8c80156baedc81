package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
)

// TestTrainPrune: --learning prune defaults to PRIME's LIF MLP over Poisson
// input, and the saved model says it is a pruned random network.
func TestTrainPrune(t *testing.T) {
	needMNIST(t)
	out := filepath.Join(t.TempDir(), "p.nsm")
	if _, err := run(t, "train", "--learning", "prune", "--keep", "0.25", "--hidden", "16", "--steps", "2",
		"--train-limit", "128", "--test-limit", "32", "--no-progress", "--out", out); err != nil {
		t.Fatal(err)
	}
	g, err := models.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"arch": "prime-mlp", "encoding": "poisson", "pruned_random": "true",
		"prune_keep": "0.25", "prune_kept_weights": "3176/12704"}
	for k, v := range want {
		if g.Meta[k] != v {
			t.Errorf("meta %s = %q, want %q", k, g.Meta[k], v)
		}
	}
	for _, k := range []string{"0", "1.5"} {
		if _, err := run(t, "train", "--learning", "prune", "--keep", k, "--train-limit", "1", "--test-limit", "1", "--out", out); err == nil {
			t.Errorf("--keep %s accepted", k)
		}
	}
}

// TestTrainDF: DF reports its accounted memory below the baseline's, and a
// network with no graph form is not saved.
func TestTrainDF(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	mem := map[string]float64{}
	for _, l := range []string{"df", "df-bp"} {
		s, err := run(t, "train", "--learning", l, "--df-hidden", "32,32,32", "--batch", "16",
			"--train-limit", "64", "--test-limit", "32", "--json", "--no-progress", "--out", filepath.Join(dir, l+".nsm"))
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Model  string                      `json:"model"`
			Memory struct{ Grads, Acts int64 } `json:"memory_bytes"`
			RSS    int64                       `json:"peak_rss_kib"`
		}
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatalf("%s: %v in %s", l, err, s)
		}
		if r.Model != "nothing" || r.Memory.Grads == 0 {
			t.Errorf("%s: model %q, memory %+v", l, r.Model, r.Memory)
		}
		mem[l] = float64(r.Memory.Grads + r.Memory.Acts)
	}
	if mem["df"] >= mem["df-bp"] {
		t.Errorf("df training memory %g B not below df-bp's %g B", mem["df"], mem["df-bp"])
	}
	s, err := run(t, "train", "--learning", "df", "--df-hidden", "8", "--df-act", "multispike", "--df-goodness", "sum",
		"--train-limit", "64", "--test-limit", "32", "--no-progress", "--out", filepath.Join(dir, "chip.nsm"))
	if err != nil || !strings.Contains(s, "summed-goodness test accuracy") {
		t.Fatalf("exportable df: %v\n%s", err, s)
	}
	if _, err := models.Load(filepath.Join(dir, "chip.nsm")); err != nil {
		t.Fatal(err)
	}
}

// TestPrimeBoard2Example: examples/chips/prime-40nm-board2.toml, the chip the
// 2048-neuron pruned network of docs/bench-learn.md ran on, is the
// prime-40nm preset on a two-chip board and nothing else.
func TestPrimeBoard2Example(t *testing.T) {
	got, err := arch.Load(filepath.Join("..", "..", "examples", "chips", "prime-40nm-board2.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := arch.Preset("prime-40nm")
	if err != nil {
		t.Fatal(err)
	}
	if got.Board.ChipsX != 2 {
		t.Errorf("board.chips_x = %d, want 2", got.Board.ChipsX)
	}
	got.Chip.Name, got.Board.ChipsX = want.Chip.Name, want.Board.ChipsX
	if !reflect.DeepEqual(got, want) {
		t.Error("the example differs from the prime-40nm preset in more than its name and board.chips_x")
	}
}
