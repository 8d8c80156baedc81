package zoo

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// The published parameter counts, computed by the reference (seed-models.md §1.3,
// §1.4, §2.2) by instantiating the authors' PyTorch models.
func TestParamCounts(t *testing.T) {
	want := map[string]int64{
		"e-spikeformer-t":         2_702_048,
		"e-spikeformer-s":         5_105_608,
		"e-spikeformer-m":         10_023_112,
		"e-spikeformer-l":         18_987_504,
		"e-spikeformer-large-512": 83_015_952,
		"e-spikeformer-large-768": 171_740_714,
		"spikeyolo-n":             13_271_632,
		"spikeyolo-s":             23_153_024,
		"spikeyolo-m":             47_841_856,
		"spikeyolo-l":             68_478_400,
	}
	if len(Names()) != len(want) {
		t.Errorf("zoo has %d models %v, the table %d", len(Names()), Names(), len(want))
	}
	for name, w := range want {
		m, err := Build(name, Options{Placeholder: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := models.ParamCount(m.Graph); got != w {
			t.Errorf("%s: %d parameters, want %d (off by %d)", name, got, w, got-w)
		}
	}
}

// Build is deterministic, and a saved model given back as Options.From rebuilds
// bit for bit; a weights file of another shape is an error naming the tensor.
func TestBuildDeterministicAndFrom(t *testing.T) {
	a, err := Build("e-spikeformer-t", Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build("e-spikeformer-t", Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var ea, eb bytes.Buffer
	if err := models.EncodeNSM(&ea, a.Graph); err != nil {
		t.Fatal(err)
	}
	if err := models.EncodeNSM(&eb, b.Graph); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ea.Bytes(), eb.Bytes()) {
		t.Fatal("two builds with one seed differ")
	}
	saved, err := models.DecodeNSM(ea.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Build("e-spikeformer-t", Options{From: saved})
	if err != nil {
		t.Fatal(err)
	}
	var ec bytes.Buffer
	if err := models.EncodeNSM(&ec, c.Graph); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ea.Bytes(), ec.Bytes()) {
		t.Error("rebuilding from the saved weights changed the model")
	}
	other, err := Build("e-spikeformer-t", Options{Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	if w0, w1 := a.Graph.Node("head").Tensors["weight"].F32, other.Graph.Node("head").Tensors["weight"].F32; w0[0] == w1[0] && w0[1] == w1[1] {
		t.Error("seeds 5 and 6 give the same head weights")
	}
	if _, err := Build("e-spikeformer-s", Options{From: saved}); err == nil || !strings.Contains(err.Error(), "tensor weight") {
		t.Errorf("weights of t into s: %v", err)
	}
	if _, err := Build("nope", Options{}); err == nil || !strings.Contains(err.Error(), "spikeyolo-n") {
		t.Errorf("unknown name: %v", err)
	}
}
