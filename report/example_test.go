package report_test

import (
	"os"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/report"
	"github.com/neurosim/neurosim/sim"
)

// A 200-neuron CUBA network on three cores for 5 ms of biological time.
func ExampleTable() {
	st := sim.NewStreams(1)
	net, _ := chip.CUBANetwork(200, st.For("bench/cuba/network"))
	spec, _ := arch.Preset("default")
	c, _ := chip.Build(spec, net, chip.Options{NeuronsPerCore: 70}, st)
	s, _ := c.Run(50)
	report.Table(os.Stdout, s, report.Options{Cores: -1})
	// Output:
	// ┌───────────────────────────┬────────────────────────────────────────────────────┐
	// │         quantity          │                       value                        │
	// ├───────────────────────────┼────────────────────────────────────────────────────┤
	// │ chip                      │ default, 8×8 mesh                                  │
	// │ mapping                   │ 3 cores (digital, ≤ 70 neurons each) on a 8×8 mesh │
	// │ neurons                   │ 200                                                │
	// │ synapses                  │ 15988                                              │
	// │ steps                     │ 50                                                 │
	// │ simulated time (chip)     │ 106.845µs                                          │
	// │ per step                  │ 2.1369µs                                           │
	// │ of which barriers         │ 70µs                                               │
	// │ spikes                    │ 12                                                 │
	// │ synaptic events           │ 933                                                │
	// │ packets out (cores)       │ 12                                                 │
	// │ energy                    │ 763.4 nJ                                           │
	// │ raster hash               │ ab515503dae23895                                   │
	// │ engine events (simulator) │ 106                                                │
	// │ energy per synaptic event │ 818.2 pJ                                           │
	// └───────────────────────────┴────────────────────────────────────────────────────┘
	// ┌───────────────┬─────────────┬────────────┬─────────┬──────────┬─────────┬───────────────────────────────────────────────────────────────────────┐
	// │   component   │    count    │    unit    │ pJ each │  total   │  share  │                                source                                 │
	// ├───────────────┼─────────────┼────────────┼─────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────┤
	// │ synaptic op   │ 933         │ ops        │ 35.5    │ 33.12 nJ │ 4.3 %   │ Loihi synapse op, dense: Davies 2018 via SANA-FE arch/loihi.yaml      │
	// │ neuron update │ 10000       │ updates    │ 72.8    │ 728 nJ   │ 95.4 %  │ Loihi neuron access 51.2 pJ + update 21.6 pJ: SANA-FE arch/loihi.yaml │
	// │ spike out     │ 12          │ spikes     │ 69.3    │ 831.6 pJ │ 0.1 %   │ Loihi spike out: SANA-FE arch/loihi.yaml                              │
	// │ packet out    │ 12          │ packets    │ 111     │ 1.332 nJ │ 0.2 %   │ Loihi message out: SANA-FE arch/loihi.yaml                            │
	// │ hop x         │ 12          │ flit-hops  │ 3       │ 36 pJ    │ 0.0 %   │ Loihi east-west hop: SANA-FE arch/loihi.yaml                          │
	// │ hop y         │ 13          │ flit-hops  │ 4.2     │ 54.6 pJ  │ 0.0 %   │ Loihi north-south hop: SANA-FE arch/loihi.yaml                        │
	// │ barrier       │ 150         │ core-steps │ 0       │ 0 pJ     │ 0.0 %   │ not modelled: no published per-core barrier energy                    │
	// │ core static   │ 0.000320535 │ unit·s     │ 0       │ 0 pJ     │ 0.0 %   │ not modelled: no published per-core static power                      │
	// │ router static │ 0.00683808  │ unit·s     │ 0       │ 0 pJ     │ 0.0 %   │ not modelled: no published per-router static power                    │
	// │ total         │             │            │         │ 763.4 nJ │ 100.0 % │                                                                       │
	// └───────────────┴─────────────┴────────────┴─────────┴──────────┴─────────┴───────────────────────────────────────────────────────────────────────┘
	// ┌───────────────────────────────────┬───────────────────┐
	// │                NoC                │       value       │
	// ├───────────────────────────────────┼───────────────────┤
	// │ packets injected                  │ 12                │
	// │ packets delivered                 │ 36                │
	// │ flit-hops x / y                   │ 12 / 13           │
	// │ mean hops per delivery            │ 0.889             │
	// │ latency mean / p99 / max (cycles) │ 4.67 / 8 / 8      │
	// │ stall cycles                      │ 0                 │
	// │ busiest link                      │ (0,0) N: 11 flits │
	// └───────────────────────────────────┴───────────────────┘
	// ┌──────┬───────┬─────────┬───────┬──────────┬────────────┬─────────┬────────┬─────────────┬────────┐
	// │ core │ tile  │ neurons │ axons │ synapses │ SRAM bytes │ syn ops │ spikes │ busy cycles │ busy % │
	// ├──────┼───────┼─────────┼───────┼──────────┼────────────┼─────────┼────────┼─────────────┼────────┤
	// │ 1    │ (1,0) │ 70      │ 200   │ 5646     │ 8058       │ 331     │ 7      │ 7359        │ 34.4   │
	// │ 0    │ (0,0) │ 70      │ 200   │ 5623     │ 8029       │ 329     │ 4      │ 7345        │ 34.4   │
	// │ 2    │ (0,1) │ 60      │ 200   │ 4719     │ 6899       │ 273     │ 1      │ 6277        │ 29.4   │
	// └──────┴───────┴─────────┴───────┴──────────┴────────────┴─────────┴────────┴─────────────┴────────┘
}
