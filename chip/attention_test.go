package chip

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

func attnNet(order string) *models.Graph {
	return modeltest.AttnNet(rand.New(rand.NewPCG(7, 1)), 8, 2, 2, 3, 4, order)
}

// smallCores returns the preset with cores of 16 neurons on a 16×16 mesh, so
// that the attention layer is split into heads and token boxes.
func smallCores(t testing.TB, preset string) *arch.Spec {
	spec, err := arch.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	for n, k := range spec.Cores {
		k.Neurons = 16
		spec.Cores[n] = k
	}
	spec.Chip.Width, spec.Chip.Height = 16, 16
	return spec
}

// naiveAttn is (q·kᵀ)·v per head through the N×N score matrix.
func naiveAttn(q, k, v []int32, a *compiler.AttnParams) []int64 {
	n := a.Tokens
	out := make([]int64, a.Heads*a.DV*n)
	for h := range a.Heads {
		for t := range n {
			for u := range n {
				var s int64
				for i := range a.DK {
					s += int64(q[(h*a.DK+i)*n+t]) * int64(k[(h*a.DK+i)*n+u])
				}
				for j := range a.DV {
					out[(h*a.DV+j)*n+t] += s * int64(v[(h*a.DV+j)*n+u])
				}
			}
		}
	}
	return out
}

// TestAttentionChipMatchesSimulator runs an attention block event by event
// (multispike cores, Loihi's IF cores, and cores so small that the layer is
// split by heads and tokens) and checks every count against
// compiler.Simulator, the attention layer against a naive (q·kᵀ)·v loop, and
// the unit's event counts against what the q, k and v spikes imply.
func TestAttentionChipMatchesSimulator(t *testing.T) {
	cases := []struct {
		name  string
		order string
		steps int
		spec  func(testing.TB) *arch.Spec
	}{
		{"default-qk_v", "qk_v", 1, func(t testing.TB) *arch.Spec { s, _ := arch.Preset("default"); return s }},
		{"loihi-q_kv", "q_kv", 1, func(t testing.TB) *arch.Spec { s, _ := arch.Preset("loihi"); return s }},
		{"split-qk_v", "qk_v", 1, func(t testing.TB) *arch.Spec { return smallCores(t, "default") }},
		{"default-3-steps", "q_kv", 3, func(t testing.TB) *arch.Spec { s, _ := arch.Preset("default"); return s }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := c.spec(t)
			g := attnNet(c.order)
			g.Node("encode").SetInt("steps", c.steps) // the buffers restart every step
			p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			li := -1
			for i := range p.Layers {
				if p.Layers[i].Kind == compiler.LayerAttention {
					li = i
				}
			}
			l := &p.Layers[li]
			x, err := NewExec(spec, p)
			if err != nil {
				t.Fatal(err)
			}
			m, err := x.NewMachine()
			if err != nil {
				t.Fatal(err)
			}
			sim, err := compiler.NewSimulator(p)
			if err != nil {
				t.Fatal(err)
			}
			var r SampleResult
			var fired uint64
			for i, img := range images(5, 12, x.InputSize()) {
				if err := m.Run([][]uint8{img}, &r); err != nil {
					t.Fatal(err)
				}
				ref, err := sim.Run(img)
				if err != nil {
					t.Fatal(err)
				}
				if cl, sc, cn := m.Agrees(&ref); !cl || !sc || !cn {
					t.Fatalf("sample %d: chip and Simulator differ (class %v scores %v counts %v)", i, cl, sc, cn)
				}
				if c.steps > 1 {
					// Counts are summed over the steps: Agrees compared them
					// (a buffer kept across steps would have differed); the
					// per-step checks below need one step
					fired += r.LayerSpikes[li]
					continue
				}
				q, k, v := ref.Counts[l.Inputs[0].Source], ref.Counts[l.Inputs[1].Source], ref.Counts[l.Inputs[2].Source]
				A := naiveAttn(q, k, v, l.Attn)
				for j, s := range ref.Counts[li] {
					ch := j / l.Attn.Tokens
					if want := l.Fire(ch, int64(l.Bias[ch])+int64(l.Inputs[2].Weights[ch])*A[j]); s != want {
						t.Fatalf("sample %d neuron %d: count %d, naive loop %d", i, j, s, want)
					}
				}
				// every core of a head applies each k spike of the head and
				// each q spike of its tokens, dv additions each
				var adds, outs uint64
				for _, ci := range l.Cores {
					reg := p.Cores[ci].Region
					a := l.Attn
					for h := reg.C0 / a.DV; h < reg.C1/a.DV; h++ {
						for i := h * a.DK; i < (h+1)*a.DK; i++ {
							for tk := range a.Tokens {
								adds += uint64(k[i*a.Tokens+tk]) * uint64(a.DV)
							}
							for y := reg.Y0; y < reg.Y1; y++ {
								for xx := reg.X0; xx < reg.X1; xx++ {
									outs += uint64(q[i*a.Tokens+y*l.Shape[2]+xx]) * uint64(a.DV)
								}
							}
						}
					}
				}
				if r.Counts.AttnStateAdds != adds || r.Counts.AttnOutAdds != outs || r.Counts.AttnStateReads != outs {
					t.Fatalf("sample %d: unit counted %d state adds, %d reads, %d output adds; the spikes imply %d, %d, %d",
						i, r.Counts.AttnStateAdds, r.Counts.AttnStateReads, r.Counts.AttnOutAdds, adds, outs, outs)
				}
				fired += r.LayerSpikes[li]
			}
			if fired == 0 {
				t.Fatal("the attention layer never fired: the test exercises nothing")
			}
			if c.name == "split-qk_v" && len(l.Cores) < 4 {
				t.Fatalf("attention on %d cores, want a split", len(l.Cores))
			}
			if e := r.Counts.attnPJ(&spec.Energy); e <= 0 {
				t.Fatalf("attention events priced %g pJ", e)
			}
		})
	}
}

// TestAttentionInReport: the energy table of the report lists the unit's
// events with their figures.
func TestAttentionInReport(t *testing.T) {
	spec, p := compileFor(t, attnNet("qk_v"), "default")
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	imgs := images(3, 4, x.InputSize())
	res, err := x.RunSamples(len(imgs), func(i int) []uint8 { return imgs[i] }, func(int) int { return 0 }, RunOptions{Workers: 1, LaneSize: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := x.Summarise(res)
	found := 0
	for _, e := range s.Energy {
		switch e.Component {
		case "attention state add", "attention state read":
			if e.Count <= 0 || e.PJ != spec.Energy.AttnStateAdd.PJ {
				t.Fatalf("%s: count %g at %g pJ", e.Component, e.Count, e.PJ)
			}
			found++
		case "attention output add":
			found++
		}
	}
	if found != 3 || s.Counts.AttnStateAdds == 0 {
		t.Fatalf("energy table lists %d attention components, mean state adds %d", found, s.Counts.AttnStateAdds)
	}
}

// TestAttentionAllocations: a warm machine running an attention program
// allocates no more per sample than the NoC statistics snapshot.
func TestAttentionAllocations(t *testing.T) {
	spec := smallCores(t, "default")
	p, err := compiler.Compile(attnNet("q_kv"), spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := x.NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	checkRunAllocs(t, m, images(8, 4, x.InputSize()), 3, 10)
}

// BenchmarkAttentionCore times one attention core's unit (gather the
// buffered counts, build the state, answer the queries, add the gained sums)
// on the counts of a real sample.
func BenchmarkAttentionCore(b *testing.B) {
	spec, p := compileFor(b, attnNet("qk_v"), "default")
	x, err := NewExec(spec, p)
	if err != nil {
		b.Fatal(err)
	}
	m, err := x.NewMachine()
	if err != nil {
		b.Fatal(err)
	}
	var r SampleResult
	if err := m.Run([][]uint8{images(3, 1, x.InputSize())[0]}, &r); err != nil {
		b.Fatal(err)
	}
	ci := -1
	for i := range x.cores {
		if x.cores[i].attn != nil {
			ci = i
		}
	}
	// refill the buffer with the counts the sample delivered
	st := m.attn[ci]
	for i := range st.buf {
		st.buf[i] = int32(i % 3)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.attend(ci, 0)
	}
}

// TestAttentionNeedsEnergyEntries: a spec that does not price the attention
// unit's events cannot run an attention program (its energy would be 0
// without a word).
func TestAttentionNeedsEnergyEntries(t *testing.T) {
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	spec.Energy.AttnStateRead = arch.Entry{}
	p, err := compiler.Compile(attnNet("qk_v"), spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewExec(spec, p); err == nil || !strings.Contains(err.Error(), "energy.attn_state_read") {
		t.Fatalf("NewExec: %v", err)
	}
}
