package compiler

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// smallAxonSpec is the default chip with cores of only `axons` input axons
// and a mesh large enough for the many cores that makes.
func smallAxonSpec(axons int) *archSpec {
	spec := mustPreset("default")
	k := spec.Cores["digital"]
	k.Axons = axons
	spec.Cores["digital"] = k
	spec.Chip.Width, spec.Chip.Height = 48, 48
	return spec
}

// TestSplitExact compiles models whose layers read more inputs than a core
// has axons and checks that the split program computes exactly what the
// unsplit one does: every original layer's counts and accumulators (bias
// included) and the scores, on random inputs. The fc1 layer of the conv net
// (392 dense inputs over 16 axons) needs a tree of partial sums.
func TestSplitExact(t *testing.T) {
	cases := []struct {
		name  string
		g     *models.Graph
		axons int
	}{
		{"convnet", convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), 16},
		{"residual", resNet(rand.New(rand.NewPCG(12, 12))), 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref, err := Compile(c.g, mustPreset("default"), Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(c.g, smallAxonSpec(c.axons), Options{Seed: 1, Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			psums, levels := 0, 0
			byName := map[string]int{}
			for li := range p.Layers {
				l := &p.Layers[li]
				if l.Kind == LayerPsum {
					psums++
					if strings.Count(l.Name, ".psum") > 0 && l.Inputs[0].Source >= 0 && p.Layers[l.Inputs[0].Source].Kind == LayerPsum {
						levels = 2
					}
					continue
				}
				byName[l.Name] = li
			}
			if psums == 0 {
				t.Fatal("nothing was split: the test exercises nothing")
			}
			for _, core := range p.Cores {
				if core.NumAxons > c.axons {
					t.Fatalf("core %d has %d axons > %d", core.ID, core.NumAxons, c.axons)
				}
			}
			if c.name == "convnet" && levels < 2 {
				t.Error("fc1 should need a tree of partial sums")
			}
			sr, err := NewSimulator(ref)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := NewSimulator(p)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			spikes := 0
			for k := 0; k < 20; k++ {
				img := randImage(rng, numel(ref.Input.Shape))
				a, err := sr.Run(img)
				if err != nil {
					t.Fatal(err)
				}
				b, err := ss.Run(img)
				if err != nil {
					t.Fatal(err)
				}
				if a.Class != b.Class || !slicesEqual(a.Scores, b.Scores) {
					t.Fatalf("image %d: scores differ: %v vs %v", k, a.Scores, b.Scores)
				}
				for li := range ref.Layers {
					lj, ok := byName[ref.Layers[li].Name]
					if !ok {
						t.Fatalf("layer %s missing after the split", ref.Layers[li].Name)
					}
					if !slicesEqual(a.Acc[li], b.Acc[lj]) {
						t.Fatalf("image %d layer %s: accumulators differ", k, ref.Layers[li].Name)
					}
					if a.Counts[li] != nil && !slicesEqual(a.Counts[li], b.Counts[lj]) {
						t.Fatalf("image %d layer %s: counts differ", k, ref.Layers[li].Name)
					}
					for _, v := range a.Counts[li] {
						spikes += int(v)
					}
				}
			}
			if spikes == 0 {
				t.Fatal("no spikes at all")
			}
		})
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSplitRoundTrip: a split program's channel ranges and psum layers
// survive the .nsp encoding, and a range with weights outside it is refused.
func TestSplitRoundTrip(t *testing.T) {
	p, err := Compile(convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), smallAxonSpec(16), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := p.Encode(&b); err != nil {
		t.Fatal(err)
	}
	q, err := Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	ranged := 0
	for li := range q.Layers {
		for j := range q.Layers[li].Inputs {
			if pr := &q.Layers[li].Inputs[j]; pr.InHi > 0 {
				ranged++
				if pr.InLo != p.Layers[li].Inputs[j].InLo || pr.InHi != p.Layers[li].Inputs[j].InHi {
					t.Fatal("range changed by the round trip")
				}
			}
		}
	}
	if ranged == 0 {
		t.Fatal("no ranged projection in the program")
	}
	for li := range q.Layers {
		for j := range q.Layers[li].Inputs {
			if pr := &q.Layers[li].Inputs[j]; pr.InHi > 0 && pr.InLo > 0 {
				pr.Weights[0] = 1 // outside [InLo, InHi)
				if err := q.Check(); err == nil || !strings.Contains(err.Error(), "outside") {
					t.Fatalf("a weight outside the range passed Check: %v", err)
				}
				return
			}
		}
	}
	t.Fatal("no range starting above 0")
}

// TestSplitByCost: a conv layer that fits a core's axons but whose 3×3
// window leaves room for one output position per core is cut into smaller
// chunks when that takes fewer cores (chunkBudget), and stays exact.
func TestSplitByCost(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 100, 64, 32, 10)
	spec := smallAxonSpec(1000) // conv2 reads 100×9 = 900 inputs per neuron
	k := spec.Cores["digital"]
	k.Neurons, k.SynapseMemoryBytes = 1024, 128<<10 // Loihi's
	spec.Cores["digital"] = k
	st := &State{Spec: spec, Graph: g.Clone(), Opts: Options{Seed: 1}}
	unsplit := -1
	for _, ps := range Passes {
		if ps.Name == "split" {
			for li := range st.prog.Layers {
				if l := &st.prog.Layers[li]; l.Name == "conv2" {
					caps := capacities(spec, st.prog.WeightBits)
					tl, ok := bestTiling(l, caps[0], 0, 0, l.Shape[0])
					if !ok || unitFanIn(l) > 1000 {
						t.Fatalf("conv2 does not fit unsplit (fan-in %d)", unitFanIn(l))
					}
					unsplit = tl.cores()
				}
			}
		}
		if err := ps.Run(st); err != nil {
			t.Fatal(err)
		}
		if err := st.flush(); err != nil {
			t.Fatal(err)
		}
		if ps.Name == "partition" {
			break
		}
	}
	if len(st.splits) == 0 || !strings.Contains(strings.Join(st.splits, " "), "conv2 (fan-in 900 in chunks of") {
		t.Fatalf("conv2 was not cut by cost: %v", st.splits)
	}
	cores := 0
	for li := range st.prog.Layers {
		if l := &st.prog.Layers[li]; strings.HasPrefix(l.Name, "conv2") {
			cores += len(l.Cores)
		}
	}
	if cores*3 > unsplit*2 {
		t.Fatalf("conv2 and its partial sums take %d cores, unsplit %d", cores, unsplit)
	}
	t.Logf("conv2: %d cores unsplit, %d cut (%v)", unsplit, cores, st.splits)
	// exact: every score equals the unsplit program's
	wide := smallAxonSpec(1 << 16)
	ref, err := Compile(g, wide, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(g, spec, Options{Seed: 1, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for range 3 {
		px := randImage(rng, 784)
		a, _ := Simulate(ref, px)
		b, _ := Simulate(p, px)
		if !equalI64(a.Scores, b.Scores) {
			t.Fatalf("scores differ: %v vs %v", a.Scores, b.Scores)
		}
	}
}
