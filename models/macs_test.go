package models

import "testing"

// MAC counts against the SDT-V3 figures of ../shared/reference/seed-models.md §1.3,
// computed there by instantiating the authors' PyTorch models.
func TestMACsMatchSDTV3(t *testing.T) {
	// Stem of Efficient_Spiking_Transformer_m: conv 7×7 s2 p3, 3 → 24 channels at 224²:
	// 44.3M MACs.
	g := NewGraph()
	g.Add("img", OpInput).SetInts("shape", 3, 224, 224)
	g.Add("stem", OpConv2d).SetF32("weight", Shape{24, 3, 7, 7}, make([]float32, 24*3*49)).
		SetInts("stride", 2, 2).SetInts("padding", 3, 3)
	g.Connect("img", "stem")
	s, err := Summarize(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.MACs; got != 44_255_232 {
		t.Errorf("stem MACs = %d, want 44,255,232 (44.3M)", got)
	}

	// Attention matrix products (q kᵀ) v at 14×14 tokens, v with 4C channels. The
	// paper's _s model has 6 blocks at C=128 and 2 at C=192: 0.2213G; _m has C=192 and
	// C=240: 0.3135G.
	attn := func(c int) int64 {
		g := NewGraph()
		g.Add("q", OpInput).SetInts("shape", c, 14, 14)
		g.Add("k", OpInput).SetInts("shape", c, 14, 14)
		g.Add("v", OpInput).SetInts("shape", 4*c, 14, 14)
		g.Add("a", OpSpikeAttention).SetInt("heads", 8)
		g.Connect("q", "a")
		g.Connect("k", "a")
		g.Connect("v", "a")
		s, err := Summarize(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.MACs
	}
	for _, tc := range []struct {
		name   string
		c3, c4 int
		wantM  float64 // millions, as printed in the reference (4 significant digits)
	}{{"s", 128, 192, 221.3}, {"m", 192, 240, 313.5}} {
		got := float64(6*attn(tc.c3)+2*attn(tc.c4)) / 1e6
		if got < tc.wantM-0.05 || got > tc.wantM+0.05 {
			t.Errorf("%s: attention MACs %.1fM, want %.1fM", tc.name, got, tc.wantM)
		}
	}
}
