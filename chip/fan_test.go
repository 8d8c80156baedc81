package chip

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/sim"
)

// TestSourceFanMatchesTables checks the functional model's by-source copy
// read from the network (sourceFan, core.NewFunctionalFan) against the copy
// core.NewFunctional makes from the synapse tables, neuron by neuron, with
// the routes' synapse counts, and the two models' spikes over 60 steps; and
// that networks the chip cannot vouch for get no copy.
func TestSourceFanMatchesTables(t *testing.T) {
	spec := preset(t, "default")
	cuba := func(n int) *Network {
		net, err := CUBANetwork(n, sim.NewStreams(uint64(n)).For("cuba"))
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	// Three runs of projections: excitatory, inhibitory, excitatory again.
	three := cuba(3000)
	ce := &three.Projections[0]
	moved := three.Projections[1].Start[2999] // neuron 2999's synapses, moved to Ce
	ci := &three.Projections[1]
	ce.Targets = append(slices.Clone(ce.Targets), ci.Targets[moved:]...)
	ce.Start = slices.Clone(ce.Start)
	for j := 2401; j <= 2999; j++ {
		ce.Start[j] = ce.Start[2400]
	}
	ce.Start[3000] = int32(len(ce.Targets))
	ci.Targets = ci.Targets[:moved]
	ci.Start = slices.Clone(ci.Start)
	ci.Start[3000] = moved
	// A neuron with synapses in two projections.
	both := cuba(3000)
	// (onto a neuron far from neuron 0's other targets, on a core they
	// do not reach: two routes to one core are an error)
	free := int32(-1)
	for k := int32(1); free < 0; k++ {
		lo, hi := 6*(k-1), 6*(k+2)
		if !slices.ContainsFunc(both.Projections[0].Targets[:both.Projections[0].Start[1]], func(t int32) bool { return t >= lo && t < hi }) {
			free = 6*k + 3
		}
	}
	both.Projections = append(both.Projections, Projection{Name: "extra", Channel: core.Inh, Weight: -1,
		Start: make([]int32, 3001), Targets: []int32{free}})
	for j := 1; j <= 3000; j++ {
		both.Projections[2].Start[j] = 1
	}
	cases := []struct {
		name  string
		net   *Network
		opt   Options
		vouch bool
	}{
		{"cuba-2000-cap-6", cuba(2000), Options{AutoSize: true, NeuronsPerCore: 6}, true},
		{"cuba-4000-cap-9", cuba(4000), Options{AutoSize: true, NeuronsPerCore: 9}, true},
		{"cuba-20000", cuba(20000), Options{AutoSize: true}, true},
		{"cuba-4000-long-routes", cuba(4000), Options{AutoSize: true}, false},
		{"three-runs", three, Options{AutoSize: true, NeuronsPerCore: 6}, false},
		{"two-projections", both, Options{AutoSize: true, NeuronsPerCore: 6}, false},
		{"random-input", randomNetwork(rand.New(rand.NewPCG(5, 9)), false), Options{AutoSize: true, NeuronsPerCore: 3}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.net.Validate(); err != nil {
				t.Fatal(err)
			}
			build := func() *Chip {
				ch, err := Build(spec, c.net, c.opt, sim.NewStreams(1))
				if err != nil {
					t.Fatal(err)
				}
				return ch
			}
			a, b := build(), build()
			if (a.fan != nil) != c.vouch || a.tablesDue != c.vouch || a.routesDue != c.vouch || a.cores[0].RoutesDeferred() != c.vouch {
				t.Fatalf("vouchFan gives a copy: %v, tables deferred: %v, routes deferred: %v; want %v", a.fan != nil, a.tablesDue, a.routesDue, c.vouch)
			}
			if a.fan == nil {
				return
			}
			// a's tables are never built.
			got, err := core.NewFunctionalFan(a.cores, a.sourceFan(a.fan), a.routeSyn)
			if err != nil {
				t.Fatal(err)
			}
			want, err := core.NewFunctional(b.Cores())
			if err != nil {
				t.Fatal(err)
			}
			for j := range int32(c.net.Neurons()) {
				gx, gw, gok := got.FanOf(j)
				wx, ww, wok := want.FanOf(j)
				if !gok || !wok || !slices.Equal(gx, wx) || !slices.Equal(gw, ww) {
					t.Fatalf("neuron %d: copy %v %v (%v), from the tables %v %v (%v)", j, gx, gw, gok, wx, ww, wok)
				}
			}
			// a's routes come as an engine-driven run finds them: after its
			// functional model, which does not read them.
			if !a.routesDue || a.cores[0].Routes(0) != nil {
				t.Fatal("the deferred routes were found")
			}
			if err := a.ensureRoutes(); err != nil {
				t.Fatal(err)
			}
			for i, cc := range b.Cores() {
				for n := range cc.Len() {
					if g, w := a.cores[i].RouteSynapses(n), cc.RouteSynapses(n); !slices.Equal(g, w) || len(w) == 0 && len(cc.Routes(n)) > 0 {
						t.Fatalf("core %d neuron %d: route synapses %v, want %v", i, n, g, w)
					}
					if g, w := a.cores[i].Routes(n), cc.Routes(n); !slices.Equal(g, w) {
						t.Fatalf("core %d neuron %d: routes %v, want %v", i, n, g, w)
					}
				}
			}
			spikes := 0
			for s := range 60 {
				g, w := got.Step(), want.Step()
				for i := range w {
					if !slices.Equal(g[i], w[i]) {
						t.Fatalf("step %d core %d: spikes %v, want %v", s, i, g[i], w[i])
					}
					spikes += len(w[i])
				}
			}
			if spikes == 0 {
				t.Fatal("no spikes in 60 steps: the comparison shows nothing")
			}
			if !a.tablesDue || a.cores[0].Synapses() != nil {
				t.Fatal("the deferred tables were built")
			}
			t.Logf("%d spikes", spikes)
		})
	}
}
