package chip

import (
	"testing"

	"github.com/neurosim/neurosim/core"
)

// BenchmarkNewFunctionalCUBA40000 is the construction of the functional
// model of the 40 000-neuron CUBA chip (748 cores): route checks, the
// merged CUBA state and the by-source copy of the synapse tables.
func BenchmarkNewFunctionalCUBA40000(b *testing.B) {
	c := buildCUBA(b, preset(b, "default"), 40000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.NewFunctional(c.Cores()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFunctionalStepCUBA40000 is one step of the functional model of
// the 40 000-neuron CUBA chip (about 22 spikes and 1 800 synaptic events a
// step once running): the neuron update and the delivery of the spikes.
func BenchmarkFunctionalStepCUBA40000(b *testing.B) {
	c := buildCUBA(b, preset(b, "default"), 40000)
	f, err := core.NewFunctional(c.Cores())
	if err != nil {
		b.Fatal(err)
	}
	for range 1000 { // past the start, where the allocations of the input lists happen
		f.Step()
	}
	b.ReportAllocs()
	for b.Loop() {
		f.Step()
	}
}

// BenchmarkFunctionalRunCUBA40000 is the functional model's whole share of
// `neurosim bench cuba --neurons 40000`: NewFunctional, then 10 000 steps
// through a Pipeline (chunks as chip.Run makes them) read by a consumer
// that does nothing else, with the raster recorded as chip.Run records it.
func BenchmarkFunctionalRunCUBA40000(b *testing.B) {
	c := buildCUBA(b, preset(b, "default"), 40000)
	b.ReportAllocs()
	for b.Loop() {
		f, err := core.NewFunctional(c.Cores())
		if err != nil {
			b.Fatal(err)
		}
		c.raster = c.raster[:0]
		f.OnStep = func(step int64, spikes [][]int32) { c.record(step, spikes, f.Active()) }
		p := core.NewPipeline(f, 10000, pipelineFirst, pipelineMax, pipelineDepth)
		for t := range int64(10000) {
			p.Spikes(t)
		}
		p.Close()
	}
}
