package compiler

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

// attnLayer returns the index of p's attention layer.
func attnLayer(t testing.TB, p *Program) int {
	t.Helper()
	for i := range p.Layers {
		if p.Layers[i].Kind == LayerAttention {
			return i
		}
	}
	t.Fatal("no attention layer")
	return -1
}

// naiveAttention is (q·kᵀ)·v per head with the N×N score matrix, in int64.
func naiveAttention(q, k, v []int32, heads, dk, dv, n int) []int64 {
	out := make([]int64, heads*dv*n)
	for h := range heads {
		sc := make([]int64, n*n)
		for t := range n {
			for u := range n {
				for a := range dk {
					sc[t*n+u] += int64(q[(h*dk+a)*n+t]) * int64(k[(h*dk+a)*n+u])
				}
			}
		}
		for t := range n {
			for j := range dv {
				var s int64
				for u := range n {
					s += sc[t*n+u] * int64(v[(h*dv+j)*n+u])
				}
				out[(h*dv+j)*n+t] = s
			}
		}
	}
	return out
}

// TestAttentionMatchesNaive: the Simulator's attention layer fires exactly
// what the integer rule gives on a naive (q·kᵀ)·v of its q, k, v counts, for
// both product orders, and agrees with the float model x = f_c·A + b_c except
// where x lies within the quantisation error of a rounding boundary.
func TestAttentionMatchesNaive(t *testing.T) {
	for _, order := range []string{"qk_v", "q_kv"} {
		t.Run(order, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 1))
			g := modeltest.AttnNet(rng, 8, 2, 2, 3, 4, order)
			scales := g.Node("attn_scale").Tensor("scale").F32
			p, err := Compile(g, mustPreset("default"), Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			li := attnLayer(t, p)
			l := &p.Layers[li]
			a := l.Attn
			if a.Heads != 2 || a.DK != 4 || a.DV != 8 || a.Tokens != 16 || a.Order != order {
				t.Fatalf("geometry %+v", *a)
			}
			sim, err := NewSimulator(p)
			if err != nil {
				t.Fatal(err)
			}
			var nonzero, loose int
			for range 20 {
				res, err := sim.Run(randImage(rng, 64))
				if err != nil {
					t.Fatal(err)
				}
				q, k, v := res.Counts[l.Inputs[0].Source], res.Counts[l.Inputs[1].Source], res.Counts[l.Inputs[2].Source]
				A := naiveAttention(q, k, v, a.Heads, a.DK, a.DV, a.Tokens)
				for i, s := range res.Counts[li] {
					c := i / a.Tokens
					acc := int64(l.Bias[c]) + int64(l.Inputs[2].Weights[c])*A[i]
					if want := l.Fire(c, acc); s != want {
						t.Fatalf("neuron %d: count %d, naive integer rule %d", i, s, want)
					}
					x := a.Scale / 64 * float64(scales[c]) * float64(A[i])
					f := math.RoundToEven(min(max(x, 0), 4))
					if float64(s) != f {
						// only next to a rounding boundary (relative gain error ≤ 1/(2·qmax))
						if d := math.Abs(x - math.Floor(x) - 0.5); d > math.Abs(x)/127+1e-9 {
							t.Fatalf("neuron %d: count %d, float model %g → %g", i, s, x, f)
						}
						loose++
					}
					if s > 0 {
						nonzero++
					}
				}
			}
			if nonzero == 0 || nonzero == 20*len(res0(l)) {
				t.Fatalf("degenerate test: %d nonzero counts", nonzero)
			}
			t.Logf("%d nonzero counts, %d at a rounding boundary", nonzero, loose)
		})
	}
}

func res0(l *Layer) []struct{} { return make([]struct{}, l.Size()) }

// TestAttentionSplitsByHead: with cores of few neurons the layer is split
// into whole heads and token boxes, and the program still checks and runs.
func TestAttentionSplitsByHead(t *testing.T) {
	g := modeltest.AttnNet(rand.New(rand.NewPCG(3, 3)), 8, 4, 2, 3, 0.5, "q_kv")
	spec := mustPreset("default")
	for n, k := range spec.Cores {
		k.Neurons = 16
		spec.Cores[n] = k
	}
	spec.Chip.Width, spec.Chip.Height = 16, 16
	p, err := Compile(g, spec, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	li := attnLayer(t, p)
	l := &p.Layers[li]
	if len(l.Cores) < 4 {
		t.Fatalf("attention layer on %d cores, want it split", len(l.Cores))
	}
	for _, ci := range l.Cores {
		r := p.Cores[ci].Region
		if r.C0%l.Attn.DV != 0 || r.C1%l.Attn.DV != 0 {
			t.Fatalf("core %d region %s splits a head", ci, r)
		}
	}
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	q, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	img := randImage(rand.New(rand.NewPCG(1, 1)), 64)
	r1, err := Simulate(p, img)
	if err != nil {
		t.Fatal(err)
	}
	c1 := append([]int32(nil), r1.Counts[li]...)
	r2, err := Simulate(q, img)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c1 {
		if c1[i] != r2.Counts[li][i] {
			t.Fatal("decoded program computes another attention")
		}
	}
}

func TestAttentionErrors(t *testing.T) {
	net := func() *models.Graph { return modeltest.AttnNet(rand.New(rand.NewPCG(1, 1)), 8, 2, 2, 3, 0.5, "qk_v") }
	cases := []struct {
		name  string
		graph func() *models.Graph
		spec  func() *archSpec
		want  []string
	}{
		{"cim-only", net, func() *archSpec {
			s := mustPreset("prime-40nm")
			s.Chip.DefaultCore, s.Chip.Tiles = "xbar", nil // every tile a crossbar core
			return s
		}, []string{"attn", "SpikeAttention", "xbar (cim)"}},
		{"state-too-large", net, func() *archSpec {
			s := mustPreset("default")
			for n, k := range s.Cores {
				k.SynapseMemoryBytes = 300
				s.Cores[n] = k
			}
			return s
		}, []string{"attn", "SRAM", "over by"}},
		{"residual-mix", func() *models.Graph {
			g := net()
			g.Disconnect("attn", "attn_scale", false)
			g.Add("mix", models.OpAdd)
			g.Connect("attn", "mix")
			g.Connect("v_spike", "mix")
			g.Connect("mix", "attn_scale")
			return g
		}, func() *archSpec { return mustPreset("default") }, []string{"SpikeAttention attn must feed one MultiSpike"}},
		{"bad-order", func() *models.Graph {
			g := net()
			g.Node("attn").SetString("order", "kq_v")
			return g
		}, func() *archSpec { return mustPreset("default") }, []string{"attn", "kq_v"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(c.graph(), c.spec(), Options{Seed: 1})
			if err == nil {
				t.Fatal("compiled")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestAttentionStaysDigitalOnCIMChips: on a chip with digital and cim cores,
// --cim-layers all puts every weight layer on the macros but keeps the
// attention layer on digital cores.
func TestAttentionStaysDigitalOnCIMChips(t *testing.T) {
	spec := mustPreset("prime-40nm")
	p, err := Compile(modeltest.AttnNet(rand.New(rand.NewPCG(1, 1)), 8, 2, 2, 3, 0.5, "qk_v"), spec, Options{Seed: 1, CIMLayers: CIMAll})
	if err != nil {
		t.Fatal(err)
	}
	li := attnLayer(t, p)
	cimCores := 0
	for i := range p.Cores {
		kind := spec.Cores[p.Cores[i].Kind].Type
		if p.Cores[i].Layer == li && kind != "digital" {
			t.Fatalf("attention core %d on a %s core", i, kind)
		}
		if kind == "cim" {
			cimCores++
		}
	}
	if cimCores == 0 {
		t.Fatal("no layer on cim cores: the test exercises nothing")
	}
}

// TestAttentionBoxNeeds: the generic box accounting answers for attention
// layers with the unit's inputs and SRAM (no synapses), for any box.
func TestAttentionBoxNeeds(t *testing.T) {
	p, err := Compile(modeltest.AttnNet(rand.New(rand.NewPCG(1, 1)), 8, 2, 2, 3, 0.5, "qk_v"), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	l := &p.Layers[attnLayer(t, p)]
	for _, r := range []Region{{0, 8, 0, 1, 0, 1}, {8, 16, 1, 3, 0, 4}, {0, 16, 0, 4, 0, 4}} {
		ax, mem, syn := boxNeeds(l, r, 8)
		list := axonList(l, r)
		h := (r.C1 - r.C0) / l.Attn.DV
		if ax != len(list) || syn != 0 || mem != h*l.Attn.DK*l.Attn.DV*attnWordBytes+ax {
			t.Fatalf("box %s: %d axons (list %d), %d bytes, %d synapses", r, ax, len(list), mem, syn)
		}
	}
}

// TestAttentionSimulatorAllocations: Simulator.Run of an attention program
// allocates nothing.
func TestAttentionSimulatorAllocations(t *testing.T) {
	p, err := Compile(modeltest.AttnNet(rand.New(rand.NewPCG(1, 1)), 8, 2, 2, 3, 4, "q_kv"), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	img := randImage(rand.New(rand.NewPCG(2, 2)), 64)
	if a := testing.AllocsPerRun(20, func() { sim.Run(img) }); a != 0 {
		t.Fatalf("Simulator.Run allocates %.1f times", a)
	}
}
