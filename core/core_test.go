package core

import (
	"fmt"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

// scriptNeurons fires the listed neurons at the listed steps and records the
// input it was given at each step.
type scriptNeurons struct {
	n    int
	fire map[int][]int // step → neurons
	step int
	seen []string
}

func (s *scriptNeurons) Len() int { return s.n }

func (s *scriptNeurons) Step(exc, inh []float32, out []bool) int {
	clear(out)
	var b strings.Builder
	for i := range exc {
		if exc[i] != 0 || inh[i] != 0 {
			fmt.Fprintf(&b, " n%d=%+g/%+g", i, exc[i], inh[i])
		}
	}
	if b.Len() > 0 {
		s.seen = append(s.seen, fmt.Sprintf("step %d in:%s", s.step, b.String()))
	}
	k := 0
	for _, i := range s.fire[s.step] {
		out[i] = true
		k++
	}
	s.step++
	return k
}

// fixedNet delivers every packet Latency after it is sent, one per route,
// through Receive, ReceiveFrom, ReceiveRoute or ReceiveAxon (via 0 … 3).
type fixedNet struct {
	sched   sim.Scheduler
	cores   []*Core
	latency sim.Time
	via     int
}

func (f *fixedNet) Send(now sim.Time, src, neuron int32, routes []Route) int {
	for k, r := range routes {
		a, b := int64(r.Core), int64(r.Axon)
		if f.via > 0 {
			a, b = int64(k)<<32|int64(r.Core), int64(src)<<32|int64(neuron)
		}
		f.sched.Schedule(sim.Event{Time: now + f.latency, Handler: f, A: a, B: b})
	}
	return len(routes)
}

func (f *fixedNet) Handle(e sim.Event) {
	switch f.via {
	case 1:
		f.cores[int32(e.A)].ReceiveFrom(e.Time, f.cores[e.B>>32], int32(e.B))
	case 2:
		f.cores[int32(e.A)].ReceiveRoute(e.Time, f.cores[e.B>>32], int32(e.B), int(e.A>>32))
	case 3:
		src, k := f.cores[e.B>>32], int(e.A>>32)
		r := src.Routes(int(int32(e.B)))[k]
		f.cores[int32(e.A)].ReceiveAxon(e.Time, r.Axon, f.cores[r.Core].Synapses().FanOut(int(r.Axon)))
	default:
		f.cores[e.A].Receive(e.Time, int32(e.B))
	}
}

type synSpec struct {
	ch      Channel
	targets []int
	weights []float64
}

type coreSpec struct {
	n      int
	fire   map[int][]int
	routes map[int][]Route // neuron → routes
	axons  []synSpec
}

// testKind: 1 GHz clock so cycles read as nanoseconds.
var testKind = arch.CoreKind{Type: arch.Digital, Neurons: 8, Axons: 4, SynapseMemoryBytes: 64, WeightBits: 8,
	CyclesPerSynOp: 1, CyclesPerNeuronUpdate: 2, CyclesPerSpikeOut: 4}

var testChip = arch.Chip{BarrierBaseNS: 100, BarrierPerDoublingNS: 50, BarrierMaxNS: 1000}

func runScenario(t *testing.T, chip arch.Chip, specs []coreSpec, latency sim.Time, steps int64) (string, []*Core, []*scriptNeurons) {
	t.Helper()
	return runScenarioVia(t, chip, specs, latency, steps, 0)
}

// runScenarioVia is runScenario with deliveries through Receive,
// ReceiveFrom, ReceiveRoute or ReceiveAxon (via 0 … 3).
func runScenarioVia(t *testing.T, chip arch.Chip, specs []coreSpec, latency sim.Time, steps int64, via int) (string, []*Core, []*scriptNeurons) {
	t.Helper()
	eng := sim.NewEngine()
	net := &fixedNet{sched: eng, latency: latency, via: via}
	bar := NewBarrier(eng, chip)
	var log strings.Builder
	var pops []*scriptNeurons
	for id, cs := range specs {
		b, err := NewSynapseBuilder(testKind, cs.n)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range cs.axons {
			b.AddAxon(a.ch, 1.0/64)
			for k, tg := range a.targets {
				b.AddSynapse(tg, a.weights[k])
			}
		}
		syn, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		routes := make([][]Route, cs.n)
		for i, r := range cs.routes {
			routes[i] = r
		}
		pop := &scriptNeurons{n: cs.n, fire: cs.fire}
		pops = append(pops, pop)
		c, err := New(Config{ID: int32(id), Kind: testKind, Clock: sim.GHz}, pop, syn, routes, eng, net)
		if err != nil {
			t.Fatal(err)
		}
		c.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
			switch it := ctx.Item.(type) {
			case *SpikeOut:
				fmt.Fprintf(&log, "%v spike core=%d neuron=%d step=%d routes=%v\n", ctx.Now, it.Core, it.Neuron, it.Step, it.Routes)
			case *PacketIn:
				fmt.Fprintf(&log, "%v packet core=%d axon=%d step=%d syn=%d busy=%v..%v\n", ctx.Now, it.Core, it.Axon, it.Step, it.Synapses, it.Start, it.End)
			}
		}))
		net.cores = append(net.cores, c)
		if err := bar.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	bar.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
		it := ctx.Item.(*StepInfo)
		fmt.Fprintf(&log, "%v step %d active=%d\n", ctx.Now, it.Step, it.Active)
	}))
	if err := bar.Start(steps, nil); err != nil {
		t.Fatal(err)
	}
	eng.Run()
	if bar.Running() {
		t.Fatalf("barrier still running after the engine drained")
	}
	fmt.Fprintf(&log, "end %v barrier=%v\n", bar.End(), bar.BarrierTime())
	return log.String(), net.cores, pops
}

func TestCountersAndCycles(t *testing.T) {
	_, cores, _ := runScenario(t, testChip, []coreSpec{
		{n: 4, fire: map[int][]int{0: {0, 1}}, routes: map[int][]Route{0: {{Core: 1, Axon: 0}}, 1: {{Core: 1, Axon: 0}}},
			axons: []synSpec{{Exc, []int{0}, []float64{1}}}},
		{n: 2, axons: []synSpec{{Exc, []int{0, 1}, []float64{1, 1}}}},
	}, sim.Nanosecond, 1)
	c0, c1 := cores[0].Counters(), cores[1].Counters()
	// core 0: 4 updates · 2 cycles + 2 spikes · 4 cycles; core 1: 2·2 + 2 packets · 2 synapses.
	if c0.BusyCycles != 16 || c0.SpikesOut != 2 || c0.PacketsOut != 2 || c0.SynOps != 0 {
		t.Errorf("core 0 counters %+v", c0)
	}
	if c1.BusyCycles != 8 || c1.PacketsIn != 2 || c1.SynOps != 4 || c1.BusyTime != 8*sim.Nanosecond {
		t.Errorf("core 1 counters %+v", c1)
	}
}

// TestReceiveFromEqualsReceive: delivering by source neuron (the synapse
// count read from the route), with or without the route's index, gives
// Receive's log and counters.
func TestReceiveFromEqualsReceive(t *testing.T) {
	specs := []coreSpec{
		{n: 4, fire: map[int][]int{0: {0, 1}, 1: {3}}, routes: map[int][]Route{0: {{Core: 1, Axon: 0}}, 1: {{Core: 0, Axon: 1}, {Core: 1, Axon: 1}}, 3: {{Core: 0, Axon: 0}}},
			axons: []synSpec{{Exc, []int{0}, []float64{1}}, {Inh, []int{1, 2, 3}, []float64{-1, -2, -1}}}},
		{n: 2, axons: []synSpec{{Exc, []int{0, 1}, []float64{1, 1}}, {Inh, []int{1}, []float64{-1}}}},
	}
	want, wc, _ := runScenarioVia(t, testChip, specs, 3*sim.Nanosecond, 3, 0)
	for via := 1; via <= 3; via++ {
		got, gc, _ := runScenarioVia(t, testChip, specs, 3*sim.Nanosecond, 3, via)
		if got != want {
			t.Errorf("via %d log:\n%s\nReceive log:\n%s", via, got, want)
		}
		for i := range wc {
			if gc[i].Counters() != wc[i].Counters() {
				t.Errorf("via %d core %d: counters %+v, Receive %+v", via, i, gc[i].Counters(), wc[i].Counters())
			}
		}
	}
	// Neuron 1 of core 0 reaches core 0's axon 1 (3 synapses) and core 1's
	// axon 1 (1 synapse).
	if got := wc[0].RouteSynapses(1); fmt.Sprint(got) != "[3 1]" {
		t.Errorf("RouteSynapses(1) = %v, want [3 1]", got)
	}
	if wc[0].Counters().SynOps != 3+1 || wc[1].Counters().SynOps != 2+1 {
		t.Errorf("synaptic ops %d, %d; want 4, 3", wc[0].Counters().SynOps, wc[1].Counters().SynOps)
	}
}

func TestSynapseTableLimits(t *testing.T) {
	// 8 neurons: 3 index bits + 8 weight bits = 11 bits per full synapse.
	if got := IndexBits(testKind); got != 3 {
		t.Fatalf("IndexBits = %d, want 3", got)
	}
	full := Footprint{Axons: 2, Synapses: 8}
	if got := full.Bytes(testKind); got != 11+8 {
		t.Fatalf("full format: %d bytes, want 19", got)
	}
	shared := Footprint{Axons: 2, SharedAxons: 1, Synapses: 8, SharedSynapses: 4}
	if got := shared.Bytes(testKind); got != (8*3+4*8+7)/8+8+1 {
		t.Fatalf("half shared: %d bytes, want 16", got)
	}
	build := func(axons, perAxon int, sameWeight bool) (*Synapses, error) {
		b, err := NewSynapseBuilder(testKind, 8)
		if err != nil {
			return nil, err
		}
		for a := 0; a < axons; a++ {
			b.AddAxon(Exc, 1)
			for k := 0; k < perAxon; k++ {
				w := 1.0
				if !sameWeight {
					w = float64(k % 3)
				}
				b.AddSynapse(k%8, w)
			}
		}
		return b.Build()
	}
	// 4 axons · 8 synapses, full format: ceil(32·11/8) + 16 = 60 bytes ≤ 64.
	if s, err := build(4, 8, false); err != nil || s.Bytes() != 60 || s.Shared(0) {
		t.Errorf("full table that fits: %v", err)
	}
	// 4 axons · 9 synapses, one weight each: ceil(36·3/8) + 16 + 4 = 34 bytes.
	if s, err := build(4, 9, true); err != nil || s.Bytes() != 34 || !s.Shared(3) {
		t.Errorf("shared table: %v, %+v", err, s)
	}
	for _, c := range []struct {
		axons, per int
		want       string
	}{{5, 1, "more than 4 input axons"}, {4, 9, "needs 66 bytes > synapse_memory_bytes 64"}} {
		_, err := build(c.axons, c.per, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d axons × %d synapses: error %v, want %q", c.axons, c.per, err, c.want)
		}
	}
	b, _ := NewSynapseBuilder(testKind, 8)
	b.AddAxon(Exc, 1)
	b.AddSynapse(8, 1)
	if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("target out of range: %v", err)
	}
	if _, err := NewSynapseBuilder(testKind, 9); err == nil {
		t.Errorf("9 neurons on an 8-neuron core: no error")
	}
	b, _ = NewSynapseBuilder(testKind, 8)
	b.AddAxon(Exc, 0)
	if _, err := b.Build(); err == nil {
		t.Errorf("zero scale: no error")
	}
}

func TestWeightQuantisation(t *testing.T) {
	b, _ := NewSynapseBuilder(testKind, 8) // 8 bits: mantissa in [-127, 127]
	b.AddAxon(Inh, 0.5)
	for k, w := range []float64{1.2, -0.74, 100, -100} {
		b.AddSynapse(k, w)
	}
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, -0.5, 63.5, -63.5}
	for k, w := range want {
		if _, got := s.Synapse(0, k); got != w {
			t.Errorf("synapse %d weight %g, want %g", k, got, w)
		}
	}
}

func TestNewRejectsBadRoutes(t *testing.T) {
	eng := sim.NewEngine()
	b, _ := NewSynapseBuilder(testKind, 2)
	syn, _ := b.Build()
	net := &fixedNet{sched: eng}
	pop := &scriptNeurons{n: 2}
	for _, rs := range [][][]Route{
		{{{Core: 2, Axon: 0}, {Core: 1, Axon: 0}}, nil},
		{{{Core: 1, Axon: 0}, {Core: 1, Axon: 1}}, nil},
		{{{Core: -1, Axon: 0}}, nil},
		{nil},
	} {
		if _, err := New(Config{Kind: testKind, Clock: sim.GHz}, pop, syn, rs, eng, net); err == nil {
			t.Errorf("routes %v accepted", rs)
		}
	}
}

func TestReceiveOutsideStepPanics(t *testing.T) {
	_, cores, _ := runScenario(t, testChip, []coreSpec{{n: 1, axons: []synSpec{{Exc, []int{0}, []float64{1}}}}}, 0, 1)
	defer func() {
		if recover() == nil {
			t.Errorf("Receive after the run did not panic")
		}
	}()
	cores[0].Receive(0, 0)
}

func TestAddSynapsesEqualsAddSynapse(t *testing.T) {
	a, _ := NewSynapseBuilder(testKind, 8)
	b, _ := NewSynapseBuilder(testKind, 8)
	b.Grow(2, 5)
	tg := []int32{12, 13, 17}
	for _, w := range []float64{0.3, -2} {
		a.AddAxon(Inh, 1.0/64)
		b.AddAxon(Inh, 1.0/64)
		for _, x := range tg {
			a.AddSynapse(int(x)-10, w)
		}
		b.AddSynapses(tg, 10, w)
	}
	sa, err := a.Build()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*sa) != fmt.Sprint(*sb) {
		t.Errorf("AddSynapses built %+v, AddSynapse %+v", *sb, *sa)
	}
	b.AddAxon(Exc, 1)
	b.AddSynapses([]int32{18}, 10, 1)
	if _, err := b.Build(); err == nil {
		t.Errorf("target 8 of 8 accepted")
	}
}

func TestAxonAt(t *testing.T) {
	eng := sim.NewEngine()
	b, _ := NewSynapseBuilder(testKind, 2)
	syn, _ := b.Build()
	routes := [][]Route{{{Core: 1, Axon: 5}, {Core: 4, Axon: 0}, {Core: 9, Axon: 2}}, nil}
	c, err := New(Config{Kind: testKind, Clock: sim.GHz}, &scriptNeurons{n: 2}, syn, routes, eng, &fixedNet{sched: eng})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		dst  int32
		axon int32
		ok   bool
	}{{0, 1, 5, true}, {0, 4, 0, true}, {0, 9, 2, true}, {0, 0, 0, false}, {0, 5, 0, false}, {0, 10, 0, false}, {1, 1, 0, false}} {
		if a, ok := c.AxonAt(tc.n, tc.dst); a != tc.axon || ok != tc.ok {
			t.Errorf("AxonAt(%d, %d) = %d, %v; want %d, %v", tc.n, tc.dst, a, ok, tc.axon, tc.ok)
		}
	}
}

func TestFunctionalRejectsBadRoutes(t *testing.T) {
	eng := sim.NewEngine()
	mk := func(id int32, routes [][]Route) *Core {
		b, _ := NewSynapseBuilder(testKind, 1)
		b.AddAxon(Exc, 1)
		b.AddSynapse(0, 1)
		syn, _ := b.Build()
		c, err := New(Config{ID: id, Kind: testKind, Clock: sim.GHz}, &scriptNeurons{n: 1}, syn, routes, eng, &fixedNet{sched: eng})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, r := range []Route{{Core: 2, Axon: 0}, {Core: 1, Axon: 1}} {
		if _, err := NewFunctional([]*Core{mk(0, [][]Route{{r}}), mk(1, [][]Route{nil})}); err == nil {
			t.Errorf("route %+v accepted", r)
		}
	}
	if _, err := NewFunctional([]*Core{mk(1, [][]Route{nil})}); err == nil {
		t.Errorf("core with ID 1 at index 0 accepted")
	}
	if _, err := NewFunctional([]*Core{mk(0, [][]Route{{{Core: 1, Axon: 0}}}), mk(1, [][]Route{nil})}); err != nil {
		t.Errorf("good routes: %v", err)
	}
}

// TestSharedAndFullAxons mixes shared-weight axons before and after the first
// full-format one (the builder creates the per-synapse weights lazily).
func TestSharedAndFullAxons(t *testing.T) {
	b, _ := NewSynapseBuilder(testKind, 8)
	axons := [][]float64{{1, 1, 1}, {1, 2}, {-3, -3}, {2, 2, 1}}
	for _, ws := range axons {
		b.AddAxon(Exc, 1.0/16)
		for k, w := range ws {
			b.AddSynapse(k, w)
		}
	}
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	wantShared := []bool{true, false, true, false}
	for a, ws := range axons {
		if s.Shared(a) != wantShared[a] {
			t.Errorf("axon %d shared = %v", a, s.Shared(a))
		}
		for k, w := range ws {
			if tg, got := s.Synapse(a, k); tg != k || got != float32(w) {
				t.Errorf("axon %d synapse %d = (%d, %g), want (%d, %g)", a, k, tg, got, k, w)
			}
		}
		in := input{v: [2][]float32{make([]float32, 8), make([]float32, 8)}}
		exc := in.v[Exc]
		if n := s.deliver(int32(a), &in); n != len(ws) || len(in.touched[Exc]) != len(ws) {
			t.Errorf("axon %d delivered %d synapses", a, n)
		}
		for k, w := range ws {
			if exc[k] != float32(w) {
				t.Errorf("axon %d: delivery put %g on neuron %d, want %g", a, exc[k], k, w)
			}
		}
	}
	if fp := s.Footprint(); fp.SharedAxons != 2 || fp.SharedSynapses != 5 || fp.Axons != 4 || fp.Synapses != 10 {
		t.Errorf("footprint %+v", fp)
	}
}
