package chip

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/neuron"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// referenceTables is Build's synapse tables and routes made the plain way:
// one SynapseBuilder per core, every projection's pre neurons walked in
// order, each run of targets on one core one axon (AddAxon, then
// AddSynapses or AddSynapse), every neuron's routes sorted by core.
func referenceTables(t *testing.T, kind arch.CoreKind, net *Network, m *Mapping) ([]*core.Synapses, [][][]core.Route) {
	t.Helper()
	bs := make([]*core.SynapseBuilder, len(m.Cores))
	for i, cm := range m.Cores {
		var err error
		if bs[i], err = core.NewSynapseBuilder(kind, cm.N); err != nil {
			t.Fatal(err)
		}
	}
	routes := make([][][]core.Route, len(net.Populations))
	for pi, p := range net.Populations {
		routes[pi] = make([][]core.Route, p.N)
	}
	maxM := float64(int64(1)<<(kind.WeightBits-1) - 1)
	for _, pr := range net.Projections {
		scale := pr.maxAbs() / maxM
		if scale == 0 {
			scale = 1
		}
		for i := range net.Populations[pr.Pre].N {
			for k := pr.Start[i]; k < pr.Start[i+1]; {
				var cid int
				for _, c := range m.popCores[pr.Post] {
					if cm := m.Cores[c]; int(pr.Targets[k]) >= cm.First && int(pr.Targets[k]) < cm.First+cm.N {
						cid = c
					}
				}
				cm := m.Cores[cid]
				a := bs[cid].AddAxon(pr.Channel, scale)
				for ; k < pr.Start[i+1] && int(pr.Targets[k]) < cm.First+cm.N; k++ {
					bs[cid].AddSynapse(int(pr.Targets[k])-cm.First, pr.weight(k))
				}
				routes[pr.Pre][i] = append(routes[pr.Pre][i], core.Route{Core: int32(cid), Axon: a})
			}
		}
	}
	tabs := make([]*core.Synapses, len(bs))
	for i, b := range bs {
		var err error
		if tabs[i], err = b.Build(); err != nil {
			t.Fatal(err)
		}
	}
	for _, rs := range routes {
		for _, r := range rs {
			slices.SortFunc(r, func(a, b core.Route) int { return int(a.Core) - int(b.Core) })
		}
	}
	return tabs, routes
}

// randomNetwork draws a network of an input population and two CUBA
// populations with projections among them, some with per-synapse weights
// (weighted) and some onto populations that another projection of the same
// pre population also reaches, listed in an order that makes the routes
// come out of core order.
func randomNetwork(rng *rand.Rand, weighted bool) *Network {
	pops := []Population{
		{Name: "in", N: 30 + rng.IntN(40), Model: ModelInput, Input: [][]int32{{0, 1, 2}, {3}}},
		{Name: "a", N: 50 + rng.IntN(100), Model: ModelCUBA, CUBA: neuron.DefaultCUBA},
		{Name: "b", N: 50 + rng.IntN(100), Model: ModelCUBA, CUBA: neuron.DefaultCUBA},
	}
	proj := func(pre, post int, p float64, ch core.Channel, w float64, perSynapse bool) Projection {
		pr := Projection{Name: fmt.Sprintf("%d-%d", pre, post), Pre: pre, Post: post, Channel: ch, Weight: w}
		pr.Start = make([]int32, pops[pre].N+1)
		for i := range pops[pre].N {
			pr.Start[i] = int32(len(pr.Targets))
			for j := range pops[post].N {
				if rng.Float64() < p {
					pr.Targets = append(pr.Targets, int32(j))
					if rng.IntN(20) == 0 { // a repeated synapse
						pr.Targets = append(pr.Targets, int32(j))
					}
				}
			}
		}
		pr.Start[pops[pre].N] = int32(len(pr.Targets))
		if perSynapse {
			pr.Weights = make([]float32, len(pr.Targets))
			for k := range pr.Weights {
				pr.Weights[k] = float32(rng.IntN(3)) * 0.5 // repeats, so that some axons stay shared
			}
		}
		return pr
	}
	return &Network{Populations: pops, Projections: []Projection{
		proj(0, 2, 0.1, core.Exc, 1.5, false),
		proj(0, 1, 0.2, core.Exc, 1.0, weighted),
		proj(1, 2, 0.15, core.Exc, 0.7, false),
		proj(2, 1, 0.1, core.Inh, -2, weighted),
		proj(1, 1, 0.05, core.Inh, -1, false),
	}}
}

// TestBuildTablesMatchReference checks Build's synapse tables and routes
// (made in one pass per core from the mapping's transpose when all weights
// are shared, core.SharedTables, and routes cut to size) against the plain
// construction, on random networks with several populations and
// projections, with and without per-synapse weights, and on CUBA.
func TestBuildTablesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 14))
	spec := preset(t, "default")
	kind := spec.Cores[spec.Chip.DefaultCore]
	type tc struct {
		name string
		net  *Network
		opt  Options
	}
	var cases []tc
	for i := range 6 {
		cases = append(cases, tc{fmt.Sprintf("random-%d-weighted=%v", i, i%2 == 1), randomNetwork(rng, i%2 == 1), Options{AutoSize: true, NeuronsPerCore: 7 + i*5}})
	}
	cuba, err := CUBANetwork(3000, sim.NewStreams(2).For("cuba"))
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, tc{"cuba-3000", cuba, Options{AutoSize: true, NeuronsPerCore: 40}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, model := range []string{"packet", "analytic"} {
				sp := *spec
				sp.NoC.Model = model
				ch, err := Build(&sp, c.net, c.opt, sim.NewStreams(1))
				if err != nil {
					t.Fatal(err)
				}
				tabs, routes := referenceTables(t, kind, c.net, ch.Mapping())
				for i, cc := range ch.Cores() {
					got, want := cc.Synapses(), tabs[i]
					if got.Axons() != want.Axons() || got.Len() != want.Len() || got.Footprint() != want.Footprint() || got.Bytes() != want.Bytes() {
						t.Fatalf("core %d: %d axons, %d synapses, %+v; want %d, %d, %+v", i, got.Axons(), got.Len(), got.Footprint(), want.Axons(), want.Len(), want.Footprint())
					}
					for a := range want.Axons() {
						if got.Channel(a) != want.Channel(a) || got.Shared(a) != want.Shared(a) || got.FanOut(a) != want.FanOut(a) {
							t.Fatalf("core %d axon %d: channel %v shared %v fan-out %d; want %v %v %d", i, a, got.Channel(a), got.Shared(a), got.FanOut(a), want.Channel(a), want.Shared(a), want.FanOut(a))
						}
						for k := range want.FanOut(a) {
							gt, gw := got.Synapse(a, k)
							wt, ww := want.Synapse(a, k)
							if gt != wt || gw != ww {
								t.Fatalf("core %d axon %d synapse %d: (%d, %g), want (%d, %g)", i, a, k, gt, gw, wt, ww)
							}
						}
					}
					cm := ch.Mapping().Cores[i]
					for n := range cm.N {
						if g, w := cc.Routes(n), routes[cm.Pop][cm.First+n]; !slices.Equal(g, w) {
							t.Fatalf("core %d neuron %d: routes %v, want %v", i, n, g, w)
						}
					}
				}
				if model == "analytic" {
					// Each tree reaches its neuron's routes' cores, in order,
					// tagged with each route's synapse count and core.
					if err := ch.waitTrees(); err != nil {
						t.Fatal(err)
					}
					cores := ch.Cores()
					for i, cc := range cores {
						for n := range cc.Len() {
							var want []noc.Tile
							var tags []int64
							for _, r := range cc.Routes(n) {
								want = append(want, ch.tiles[r.Core])
								tags = append(tags, int64(cores[r.Core].Synapses().FanOut(int(r.Axon)))<<32|int64(r.Core))
							}
							tr := ch.trees[i][n]
							if (tr == nil) != (len(want) == 0) || tr != nil && (!slices.Equal(tr.Dests(), want) || !slices.Equal(tr.Tags(), tags)) {
								t.Fatalf("core %d neuron %d: tree %v, routes' tiles %v", i, n, tr, want)
							}
						}
					}
				}
				if _, err := ch.Run(3); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestBuildTwoRoutesToOneCore: a neuron that reaches one core through two
// projections is an error, however the routes came out.
func TestBuildTwoRoutesToOneCore(t *testing.T) {
	net := randomNetwork(rand.New(rand.NewPCG(1, 2)), false)
	dup := net.Projections[2] // 1 → 2 again, onto the same cores
	dup.Name = "dup"
	net.Projections = append(net.Projections, dup)
	for _, model := range []string{"cycle", "analytic"} { // under the analytic model the trees are being made meanwhile
		spec := preset(t, "default")
		spec.NoC.Model = model
		_, err := Build(spec, net, Options{AutoSize: true, NeuronsPerCore: 10}, sim.NewStreams(1))
		if err == nil || !strings.Contains(err.Error(), "through two projections") {
			t.Fatalf("%s: Build accepted two projections reaching one core from one neuron (%v)", model, err)
		}
	}
}
