package core_test

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/neuron"
	"github.com/neurosim/neurosim/sim"
)

// wire delivers every packet 20 ns after it is sent: a stand-in for the NoC.
type wire struct {
	eng   *sim.Engine
	cores []*core.Core
}

func (w *wire) Send(now sim.Time, src, neuron int32, routes []core.Route) int {
	for _, r := range routes {
		w.eng.Schedule(sim.Event{Time: now + 20*sim.Nanosecond, Handler: w, A: int64(r.Core), B: int64(r.Axon)})
	}
	return len(routes)
}

func (w *wire) Handle(e sim.Event) { w.cores[e.A].Receive(e.Time, int32(e.B)) }

// Two cores of CUBA neurons: core 0's neurons fire on their own (El > Vt)
// and drive core 1's neuron through one shared-weight axon.
func Example() {
	spec, _ := arch.Preset("default")
	kind := spec.Cores["digital"]
	eng := sim.NewEngine()
	w := &wire{eng: eng}
	bar := core.NewBarrier(eng, spec.Chip)

	// Core 0: 4 neurons starting just below threshold, each routed to axon 0 of core 1.
	n0, _ := core.NewCUBANeurons(neuron.DefaultCUBA, 4, []float32{-50.2, -50.4, -50.6, -50.8})
	b0, _ := core.NewSynapseBuilder(kind, 4)
	s0, _ := b0.Build()
	routes := [][]core.Route{{{Core: 1, Axon: 0}}, {{Core: 1, Axon: 0}}, {{Core: 1, Axon: 0}}, {{Core: 1, Axon: 0}}}
	c0, _ := core.New(core.Config{ID: 0, Kind: kind, Clock: sim.Freq(spec.Chip.ClockHz())}, n0, s0, routes, eng, w)

	// Core 1: one neuron, one axon with a 9 mV excitatory synapse.
	n1, _ := core.NewCUBANeurons(neuron.DefaultCUBA, 1, []float32{-60})
	b1, _ := core.NewSynapseBuilder(kind, 1)
	b1.AddAxon(core.Exc, 9.0/b1.MaxMantissa())
	b1.AddSynapse(0, 9)
	s1, _ := b1.Build()
	c1, _ := core.New(core.Config{ID: 1, Kind: kind, Clock: sim.Freq(spec.Chip.ClockHz())}, n1, s1, [][]core.Route{nil}, eng, w)

	w.cores = []*core.Core{c0, c1}
	c1.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
		if s, ok := ctx.Item.(*core.SpikeOut); ok {
			fmt.Printf("core 1 neuron %d fires at step %d (%v)\n", s.Neuron, s.Step, ctx.Now)
		}
	}))
	for _, c := range w.cores {
		bar.Add(c)
	}
	bar.Start(200, nil) // 20 ms of biological time at dt = 0.1 ms
	eng.Run()
	fmt.Printf("core 0 sent %d packets; core 1 did %d synaptic ops; chip time %v\n",
		c0.Counters().PacketsOut, c1.Counters().SynOps, bar.End())
	// Output:
	// core 1 neuron 0 fires at step 136 (141.59µs)
	// core 0 sent 4 packets; core 1 did 4 synaptic ops; chip time 208.12µs
}

// Two cores' synapse tables built at once: the axons of both cores come
// interleaved (as a walk over pre neurons finds them), each core numbers its
// own, and every axon of one weight is stored in the shared-weight format.
func ExampleSharedTables() {
	spec, _ := arch.Preset("default")
	kind := spec.Cores["digital"]
	// Core 0 holds 4 neurons and gets 2 axons with 3 synapses; core 1 holds
	// 2 neurons and gets 1 axon with 2 synapses.
	st, err := core.NewSharedTables(kind, []int{4, 2}, []int{2, 1}, []int{3, 2})
	if err != nil {
		panic(err)
	}
	// Targets are the population's neuron indices; core 1 starts at neuron 4.
	a := st.AddAxon(0, core.Exc, 1.0/64, []int32{0, 3}, 0, 1.62)
	b := st.AddAxon(1, core.Inh, 9.0/127, []int32{4, 5}, 4, -9) // −9 is the largest mantissa
	c := st.AddAxon(0, core.Exc, 1.0/64, []int32{2}, 0, 1.62)
	fmt.Println("axons", a, b, c)
	for i := range 2 {
		s, err := st.Table(i)
		if err != nil {
			panic(err)
		}
		t, w := s.Synapse(0, 0)
		fmt.Printf("core %d: axons %d, synapses %d, %d bytes; axon 0 shared %v, first synapse → neuron %d, weight %g\n",
			i, s.Axons(), s.Len(), s.Bytes(), s.Shared(0), t, w)
	}
	// Output:
	// axons 0 0 1
	// core 0: axons 2, synapses 3, 14 bytes; axon 0 shared true, first synapse → neuron 0, weight 1.625
	// core 1: axons 1, synapses 2, 8 bytes; axon 0 shared true, first synapse → neuron 0, weight -9
}
