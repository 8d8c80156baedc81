package core

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/neuron"
	"github.com/neurosim/neurosim/sim"
)

// plainCUBA hides CUBANeurons' StepList and type, so that a core steps it
// alone with neuron.CUBA.Step on dense inputs (no merging, no touched
// lists): the reference for the merged paths.
type plainCUBA struct{ c *CUBANeurons }

func (p plainCUBA) Len() int                                { return p.c.Len() }
func (p plainCUBA) Step(exc, inh []float32, out []bool) int { return p.c.Step(exc, inh, out) }

// randomCUBACores builds nc cores of 3…18 CUBA neurons with random synapse
// tables and routes (every source reaches a destination core with
// probability prob, through an axon of 1…maxSyn synapses, duplicates
// allowed; a source with probability uniformP gives all its synapses one
// weight, the others
// random ones, shared by an axon's synapses for one axon in three), the
// same for the same seed. plain wraps the populations in
// plainCUBA.
func randomCUBACores(t *testing.T, seed uint64, nc int, prob float64, maxSyn int, uniformP float64, plain bool) []*Core {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	kind := arch.CoreKind{Type: arch.Digital, Neurons: 32, Axons: 4096, SynapseMemoryBytes: 1 << 20, WeightBits: 8,
		CyclesPerSynOp: 1, CyclesPerNeuronUpdate: 1, CyclesPerSpikeOut: 1}
	sizes := make([]int, nc)
	for i := range sizes {
		sizes[i] = 3 + rng.IntN(16)
	}
	builders := make([]*SynapseBuilder, nc)
	for i, n := range sizes {
		b, err := NewSynapseBuilder(kind, n)
		if err != nil {
			t.Fatal(err)
		}
		builders[i] = b
	}
	routes := make([][][]Route, nc)
	for i, n := range sizes {
		routes[i] = make([][]Route, n)
		for s := range n {
			ch := Exc
			if rng.IntN(5) == 0 {
				ch = Inh
			}
			// Sources with probability uniformP give every synapse
			// one weight (the by-source copy keeps it once per neuron).
			uniform, w0 := rng.Float64() < uniformP, 2+4*rng.Float64()
			for d := range nc {
				if rng.Float64() >= prob {
					continue
				}
				b := builders[d]
				a := b.AddAxon(ch, 0.05)
				shared := uniform || rng.IntN(3) == 0
				w := w0
				if !uniform {
					w = 2 + 4*rng.Float64()
				}
				for range 1 + rng.IntN(maxSyn) {
					if !shared {
						w = 2 + 4*rng.Float64()
					}
					if ch == Inh {
						b.AddSynapse(rng.IntN(sizes[d]), -w)
					} else {
						b.AddSynapse(rng.IntN(sizes[d]), w)
					}
				}
				routes[i][s] = append(routes[i][s], Route{Core: int32(d), Axon: a})
			}
		}
	}
	eng := sim.NewEngine()
	cores := make([]*Core, nc)
	for i, n := range sizes {
		syn, err := builders[i].Build()
		if err != nil {
			t.Fatal(err)
		}
		v0 := make([]float32, n)
		for j := range v0 {
			v0[j] = float32(-60 + 10*rng.Float64())
		}
		pop, err := NewCUBANeurons(neuron.DefaultCUBA, n, v0)
		if err != nil {
			t.Fatal(err)
		}
		var nrn Neurons = pop
		if plain {
			nrn = plainCUBA{pop}
		}
		if cores[i], err = New(Config{ID: int32(i), Kind: kind, Clock: sim.GHz}, nrn, syn, routes[i], eng, &fixedNet{sched: eng}); err != nil {
			t.Fatal(err)
		}
	}
	return cores
}

// TestFunctionalMergedMatchesPerCore runs random networks of CUBA cores
// through the merged functional model (one input array and the by-source
// copy when routes are short, the per-core inputs when they are long; with
// the AVX-512 kernel that folds the inputs and without) and
// through the per-core reference (neuron.CUBA.Step core by core), and
// requires the same spikes at every step and bit-identical states.
func TestFunctionalMergedMatchesPerCore(t *testing.T) {
	for _, tc := range []struct {
		name         string
		prob         float64
		maxSyn       int
		glob, copied bool
		parts        int     // of the merged copy
		uniform      float64 // share of sources with one weight
		weights      bool    // the merged copy keeps a weight per synapse
	}{
		{"short routes", 0.5, 2, true, true, 1, 0.5, true},
		{"short routes, built in two parts", 0.5, 2, true, true, 2, 0.5, true},
		{"short routes, one weight per source", 0.5, 2, true, true, 2, 1, false},
		{"long routes", 0.9, 12, false, false, 0, 0.5, false},
	} {
		for _, vec := range []bool{true, false} {
			if vec && !useAVX512 {
				continue
			}
			name := tc.name
			if !vec {
				name += ", without AVX-512"
			}
			t.Run(name, func(t *testing.T) {
				saved, saved512 := parallelBuildRoutes, useAVX512
				defer func() { parallelBuildRoutes, useAVX512 = saved, saved512 }()
				useAVX512 = vec
				if tc.parts == 2 {
					parallelBuildRoutes = 1
				}
				const nc, steps = 9, 3000
				fast := randomCUBACores(t, 3, nc, tc.prob, tc.maxSyn, tc.uniform, false)
				ref := randomCUBACores(t, 3, nc, tc.prob, tc.maxSyn, tc.uniform, true)
				// Input pending in the cores from before the model (the
				// merged model folds it once, at its first step).
				for _, cs := range [][]*Core{fast, ref} {
					cs[0].in.v[Exc][1], cs[0].in.touched[Exc] = 7.5, []int32{1}
					cs[2].in.v[Inh][0], cs[2].in.touched[Inh] = -3.25, []int32{0}
				}
				ff, err := NewFunctional(fast)
				if err != nil {
					t.Fatal(err)
				}
				fr, err := NewFunctional(ref)
				if err != nil {
					t.Fatal(err)
				}
				if ff.merged == nil || (ff.glob != nil) != tc.glob || fr.merged != nil || (fr.fanAt != nil) != tc.copied {
					t.Fatalf("paths: merged %v glob %v; reference merged %v copied %v", ff.merged != nil, ff.glob != nil, fr.merged != nil, fr.fanAt != nil)
				}
				if ff.glob != nil && len(ff.glob.parts) != tc.parts {
					t.Fatalf("copy in %d parts, want %d", len(ff.glob.parts), tc.parts)
				}
				if ff.glob != nil && !ff.foldCores {
					t.Fatalf("pending input not noticed")
				}
				if ff.glob != nil && (ff.glob.parts[0].w != nil) != tc.weights {
					t.Fatalf("weights per synapse: %v, want %v", ff.glob.parts[0].w != nil, tc.weights)
				}
				spikes := sameSteps(t, ff, fr, steps)
				if spikes < steps/10 {
					t.Fatalf("%d spikes in %d steps: too few to test anything", spikes, steps)
				}
				for i := range fast {
					s, r := fast[i].nrn.(*CUBANeurons).S, ref[i].nrn.(plainCUBA).c.S
					for j := range s.V {
						if math.Float32bits(s.V[j]) != math.Float32bits(r.V[j]) || math.Float32bits(s.Ge[j]) != math.Float32bits(r.Ge[j]) ||
							math.Float32bits(s.Gi[j]) != math.Float32bits(r.Gi[j]) || s.Ref[j] != r.Ref[j] {
							t.Fatalf("core %d neuron %d: state %v %v %v %d, reference %v %v %v %d", i, j,
								s.V[j], s.Ge[j], s.Gi[j], s.Ref[j], r.V[j], r.Ge[j], r.Gi[j], r.Ref[j])
						}
					}
				}
			})
		}
	}
}

// TestFunctionalBadRouteInParts: built in two parts, NewFunctional still
// reports the first bad route in core order.
func TestFunctionalBadRouteInParts(t *testing.T) {
	saved := parallelBuildRoutes
	defer func() { parallelBuildRoutes = saved }()
	parallelBuildRoutes = 1
	cores := randomCUBACores(t, 5, 9, 0.5, 2, 0.5, false)
	cores[8].routes[0].Axon = 1 << 20
	_, err := NewFunctional(cores)
	if err == nil || !strings.Contains(err.Error(), "core 8 neuron 0 routes") {
		t.Fatalf("late bad route: %v", err)
	}
	cores[1].routes[0].Axon = 1 << 20
	_, err = NewFunctional(cores)
	if err == nil || !strings.Contains(err.Error(), "core 1 neuron 0 routes") {
		t.Fatalf("two bad routes: %v", err)
	}
}

// TestPipelineEqualsSteps: the pipeline's chunks hold, step by step and
// core by core, the spikes Functional.Step returns (merged cores, which
// fill the chunks from their list of cores with spikes, and per-core),
// also once Keep has cut the chunks it keeps in use.
func TestPipelineEqualsSteps(t *testing.T) {
	for _, plain := range []bool{false, true} {
		const nc, steps = 9, 1500
		fp, err := NewFunctional(randomCUBACores(t, 11, nc, 0.5, 2, 0.5, plain))
		if err != nil {
			t.Fatal(err)
		}
		fs, err := NewFunctional(randomCUBACores(t, 11, nc, 0.5, 2, 0.5, plain))
		if err != nil {
			t.Fatal(err)
		}
		if (fp.merged != nil) == plain {
			t.Fatalf("plain %v: merged %v", plain, fp.merged != nil)
		}
		p := NewPipeline(fp, steps, 3, 64, 5)
		spikes := 0
		for step := range int64(steps) {
			if step == 100 {
				p.Keep(2)
			}
			a, b := p.Spikes(step), fs.Step()
			for i := range b {
				if len(a[i]) != len(b[i]) {
					t.Fatalf("plain %v step %d core %d: pipeline %v, Step %v", plain, step, i, a[i], b[i])
				}
				for k := range b[i] {
					if a[i][k] != b[i][k] {
						t.Fatalf("plain %v step %d core %d: pipeline %v, Step %v", plain, step, i, a[i], b[i])
					}
				}
				spikes += len(b[i])
			}
		}
		if p.live != 2 { // the last chunk's hand-over orders this read after the producer's writes
			t.Errorf("plain %v: %d chunks in use after Keep(2)", plain, p.live)
		}
		p.Close()
		if spikes < steps/10 {
			t.Fatalf("plain %v: %d spikes in %d steps: too few to test anything", plain, spikes, steps)
		}
	}
}
