package chip

import (
	"runtime/debug"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

func benchCUBA(b *testing.B, n int, steps int64) {
	spec, err := arch.Preset("default")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildCUBA(b, spec, n).Run(steps); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCUBA4000 is the end-to-end CUBA benchmark: build and 1 s (10 000 steps).
func BenchmarkCUBA4000(b *testing.B) { benchCUBA(b, 4000, 10000) }

// BenchmarkCUBA40000 is the 40 000-neuron CUBA run, 0.1 s simulated.
func BenchmarkCUBA40000(b *testing.B) { benchCUBA(b, 40000, 1000) }

// BenchmarkBuildCUBA4000 is network generation, mapping and assembly of the
// 4000-neuron CUBA chip, without running it.
func BenchmarkBuildCUBA4000(b *testing.B) {
	spec, err := arch.Preset("default")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		st := sim.NewStreams(1)
		net, err := CUBANetwork(4000, st.For("cuba"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Build(spec, net, Options{AutoSize: true}, st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildCUBA40000 is everything before the first step of `neurosim
// bench cuba --neurons 40000 --noc analytic`: network generation, mapping,
// routes, synapse tables, cores and (on a second goroutine) the multicast
// trees. The garbage collector runs as in the command (GOGC 400).
func BenchmarkBuildCUBA40000(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	spec, err := arch.Preset("default")
	if err != nil {
		b.Fatal(err)
	}
	spec.NoC.Model = "analytic"
	b.ReportAllocs()
	for b.Loop() {
		buildCUBA(b, spec, 40000)
	}
}

// buildCUBA draws the CUBA network of n neurons (seed 1 and streams as
// `neurosim bench cuba`) and builds it on spec, trees made.
func buildCUBA(tb testing.TB, spec *arch.Spec, n int) *Chip {
	tb.Helper()
	st := sim.NewStreams(1)
	net, err := CUBANetwork(n, st.For("bench/cuba/network"))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := Build(spec, net, Options{AutoSize: true}, st.Sub("chip"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.waitTrees(); err != nil {
		tb.Fatal(err)
	}
	return c
}
