package core

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

// Hook positions of cores and the barrier.
var (
	// HookPosSpikeOut: a spike leaves a core (Item *SpikeOut).
	HookPosSpikeOut = &sim.HookPos{Name: "core.SpikeOut"}
	// HookPosPacketIn: a core processes a delivered packet (Item *PacketIn).
	HookPosPacketIn = &sim.HookPos{Name: "core.PacketIn"}
	// HookPosStep: the barrier releases a step (Item *StepInfo).
	HookPosStep = &sim.HookPos{Name: "core.Step"}
)

// SpikeOut describes a spike leaving a core.
type SpikeOut struct {
	Core   int32
	Neuron int32 // index within the core
	Step   int64
	Routes []Route // destinations (do not modify)
}

// PacketIn describes a packet processed by a core.
type PacketIn struct {
	Core     int32
	Axon     int32
	Step     int64
	Synapses int
	Start    sim.Time // when processing starts (≥ arrival)
	End      sim.Time
}

// StepInfo describes a step released by the barrier.
type StepInfo struct {
	Step   int64
	Active int
}

// Route is one destination of a neuron's spikes: a core and the input axon
// there.
type Route struct {
	Core int32
	Axon int32
}

// Sender carries a core's spikes into the interconnect. Send is called at
// the time the spike leaves core src; routes lists one destination per core,
// sorted by core. The sender must eventually call Receive on each
// destination core once with the route's axon. It returns the number of
// packets it injected (one per route, or one for a multicast tree).
type Sender interface {
	Send(now sim.Time, src, neuron int32, routes []Route) int
}

// Counters are a core's event counts.
type Counters struct {
	SynOps        uint64   `json:"synaptic_ops"` // weight read + accumulate
	NeuronUpdates uint64   `json:"neuron_updates"`
	SpikesOut     uint64   `json:"spikes_out"`
	PacketsOut    uint64   `json:"packets_out"`
	PacketsIn     uint64   `json:"packets_in"`
	Barriers      uint64   `json:"barriers"`     // barrier participations
	BusyCycles    uint64   `json:"busy_cycles"`  // updating, emitting spikes and processing packets
	BusyTime      sim.Time `json:"busy_time_ps"` // the same in time
}

// Add adds o to c.
func (c *Counters) Add(o Counters) {
	c.SynOps += o.SynOps
	c.NeuronUpdates += o.NeuronUpdates
	c.SpikesOut += o.SpikesOut
	c.PacketsOut += o.PacketsOut
	c.PacketsIn += o.PacketsIn
	c.Barriers += o.Barriers
	c.BusyCycles += o.BusyCycles
	c.BusyTime += o.BusyTime
}

// Config places a core: its index on the chip, its kind and its clock.
type Config struct {
	ID    int32
	Kind  arch.CoreKind
	Clock sim.Freq
}

// Core is one timed digital core. It is a sim.Handler for its own spike
// emission events.
type Core struct {
	sim.Hookable
	id     int32
	kind   arch.CoreKind
	period sim.Time
	sched  sim.Scheduler
	out    Sender
	bar    *Barrier

	nrn        Neurons
	lister     spikeLister
	syn        *Synapses // nil while deferred (NewTableDeferred) until SetSynapses
	nAxons     int32     // len(syn.axons), kept here for ReceiveAxon's check
	routeStart []int32
	routes     []Route
	routeSyn   []int32 // per route: the destination axon's synapse count (set by NewFunctional)

	in     input // the next step's input
	fired  []bool
	spikes []int32 // neurons that fired this step, in order
	next   int     // next spike to emit
	stepT  sim.Time
	emitT  sim.Time // time the previous spike left
	busy   sim.Time // end of the current update/packet work
	step   int64

	cnt      Counters
	spikeOut SpikeOut
	pktIn    PacketIn
}

// New builds a core with neurons nrn, synapse table syn and, for each neuron,
// its routes (sorted by destination core, at most one per core). It checks
// the population against the core kind.
func New(cfg Config, nrn Neurons, syn *Synapses, routes [][]Route, sched sim.Scheduler, out Sender) (*Core, error) {
	if err := check(cfg, nrn, syn, len(routes), sched, out); err != nil {
		return nil, err
	}
	start := make([]int32, 1, len(routes)+1)
	total := 0
	for _, rs := range routes {
		total += len(rs)
	}
	flat := make([]Route, 0, total)
	for _, rs := range routes {
		flat = append(flat, rs...)
		start = append(start, int32(len(flat)))
	}
	return newCore(cfg, nrn, syn, start, flat, sched, out)
}

// NewTable is New with the routes as one table: neuron i's routes are
// routes[start[i]−start[0] : start[i+1]−start[0]]. The core keeps routes
// (do not modify it afterwards) and a copy of start.
func NewTable(cfg Config, nrn Neurons, syn *Synapses, start []int32, routes []Route, sched sim.Scheduler, out Sender) (*Core, error) {
	if err := check(cfg, nrn, syn, len(start)-1, sched, out); err != nil {
		return nil, err
	}
	return newCore(cfg, nrn, syn, start, routes, sched, out)
}

// relRoutes checks a route table (neuron i's routes are
// routes[start[i]−start[0] : start[i+1]−start[0]], sorted by core, at most
// one per core) and returns its starts made relative to start[0].
func relRoutes(id int32, start []int32, routes []Route) ([]int32, error) {
	base := start[0]
	rel := make([]int32, len(start))
	for i, s := range start {
		rel[i] = s - base
		if i > 0 && s < start[i-1] {
			return nil, fmt.Errorf("core %d: route table starts decrease at neuron %d", id, i-1)
		}
	}
	if int(rel[len(rel)-1]) != len(routes) {
		return nil, fmt.Errorf("core %d: route table of %d routes for starts spanning %d", id, len(routes), rel[len(rel)-1])
	}
	for i := range len(rel) - 1 {
		rs := routes[rel[i]:rel[i+1]]
		for k, r := range rs {
			if r.Core < 0 || r.Axon < 0 {
				return nil, fmt.Errorf("core %d: neuron %d: negative route %+v", id, i, r)
			}
			if k > 0 && rs[k-1].Core >= r.Core {
				return nil, fmt.Errorf("core %d: neuron %d: routes not sorted by core or two routes to core %d", id, i, r.Core)
			}
		}
	}
	return rel, nil
}

// NewTableDeferred is NewTable without the synapse table, which SetSynapses
// supplies later: a caller that can give the functional model its
// by-source copy and each route's synapse count (NewFunctionalFan) need
// not build the tables for a run that reads neither (deliveries by route,
// ReceiveFrom and ReceiveRoute, or batched steps). The table must come, with
// axons axons, before anything reads it: Synapses returns nil, NewFunctional
// returns an error and Receive panics until then.
func NewTableDeferred(cfg Config, nrn Neurons, axons int, start []int32, routes []Route, sched sim.Scheduler, out Sender) (*Core, error) {
	if axons < 0 || axons > math.MaxInt32 {
		return nil, fmt.Errorf("core %d: %d axons", cfg.ID, axons)
	}
	if err := checkRoutes(cfg, nrn, len(start)-1, sched, out); err != nil {
		return nil, err
	}
	c, err := newCore(cfg, nrn, nil, start, routes, sched, out)
	if err != nil {
		return nil, err
	}
	c.nAxons = int32(axons)
	return c, nil
}

// NewDeferred is NewTableDeferred with the routes deferred too, which
// SetRoutes supplies later: batched steps (Barrier.RunBatch) read neither
// (the sender knows each spike's destinations), so a caller that can give
// the functional model its by-source copy (NewFunctionalFan) need not find
// the routes for such a run. Until SetRoutes, Routes and RouteSynapses
// return nil, AxonAt finds nothing, and NewFunctional and Barrier.Start
// return errors.
func NewDeferred(cfg Config, nrn Neurons, axons int, sched sim.Scheduler, out Sender) (*Core, error) {
	if axons < 0 || axons > math.MaxInt32 {
		return nil, fmt.Errorf("core %d: %d axons", cfg.ID, axons)
	}
	if err := checkRoutes(cfg, nrn, nrn.Len(), sched, out); err != nil {
		return nil, err
	}
	c := newCoreNoRoutes(cfg, nrn, nil, sched, out)
	c.nAxons = int32(axons)
	return c, nil
}

// SetRoutes gives a core made by NewDeferred its routes as NewTable takes
// them (the core keeps routes and a copy of start) and, unless syn is nil,
// each route's destination synapse count, as NewFunctional records them
// (syn[k] for routes[k]; the core keeps it). It does not touch what a
// functional model made by NewFunctionalFan reads while it steps, so it
// may run while one does.
func (c *Core) SetRoutes(start []int32, routes []Route, syn []int32) error {
	switch {
	case c.routeStart != nil:
		return fmt.Errorf("core %d: routes set twice", c.id)
	case len(start) != c.nrn.Len()+1:
		return fmt.Errorf("core %d: %d route lists for %d neurons", c.id, len(start)-1, c.nrn.Len())
	case syn != nil && len(syn) != len(routes):
		return fmt.Errorf("core %d: %d synapse counts for %d routes", c.id, len(syn), len(routes))
	}
	rel, err := relRoutes(c.id, start, routes)
	if err != nil {
		return err
	}
	c.routeStart, c.routes = rel, routes
	if syn != nil {
		c.routeSyn = syn
	}
	return nil
}

// RoutesDeferred reports whether the core's routes are still to come
// (NewDeferred, until SetRoutes).
func (c *Core) RoutesDeferred() bool { return c.routeStart == nil }

// SetSynapses gives a core made by NewTableDeferred its synapse table,
// which must have the announced number of axons and the core's neurons.
func (c *Core) SetSynapses(syn *Synapses) error {
	switch {
	case c.syn != nil:
		return fmt.Errorf("core %d: synapse table set twice", c.id)
	case syn == nil:
		return fmt.Errorf("core %d: no synapse table", c.id)
	case syn.neurons != c.nrn.Len() || len(syn.axons) != int(c.nAxons):
		return fmt.Errorf("core %d: synapse table of %d neurons and %d axons, core has %d neurons and was announced %d axons",
			c.id, syn.neurons, len(syn.axons), c.nrn.Len(), c.nAxons)
	}
	c.syn = syn
	return nil
}

// check checks New's arguments for a population of nrn with nRoutes route
// lists.
func check(cfg Config, nrn Neurons, syn *Synapses, nRoutes int, sched sim.Scheduler, out Sender) error {
	if n := nrn.Len(); n >= 1 && n <= cfg.Kind.Neurons { // else checkRoutes reports the count
		switch {
		case syn == nil:
			return fmt.Errorf("core %d: no synapse table", cfg.ID)
		case syn.neurons != n:
			return fmt.Errorf("core %d: synapse table built for %d neurons, population has %d", cfg.ID, syn.neurons, n)
		}
	}
	return checkRoutes(cfg, nrn, nRoutes, sched, out)
}

// checkRoutes checks New's arguments but the synapse table.
func checkRoutes(cfg Config, nrn Neurons, nRoutes int, sched sim.Scheduler, out Sender) error {
	n := nrn.Len()
	switch {
	case n < 1 || n > cfg.Kind.Neurons:
		return fmt.Errorf("core %d: %d neurons on a core of %d", cfg.ID, n, cfg.Kind.Neurons)
	case nRoutes != n:
		return fmt.Errorf("core %d: %d route lists for %d neurons", cfg.ID, nRoutes, n)
	case cfg.Clock == 0:
		return fmt.Errorf("core %d: zero clock", cfg.ID)
	case sched == nil || out == nil:
		return fmt.Errorf("core %d: nil scheduler or sender", cfg.ID)
	}
	return nil
}

// newCore builds a core around its route table (neuron i's routes are
// routes[start[i]−start[0] : start[i+1]−start[0]]) once the other arguments
// are checked.
func newCore(cfg Config, nrn Neurons, syn *Synapses, start []int32, routes []Route, sched sim.Scheduler, out Sender) (*Core, error) {
	rel, err := relRoutes(cfg.ID, start, routes)
	if err != nil {
		return nil, err
	}
	c := newCoreNoRoutes(cfg, nrn, syn, sched, out)
	c.routeStart, c.routes = rel, routes
	return c, nil
}

// newCoreNoRoutes builds a core whose routes are still to be set.
func newCoreNoRoutes(cfg Config, nrn Neurons, syn *Synapses, sched sim.Scheduler, out Sender) *Core {
	n := nrn.Len()
	c := &Core{id: cfg.ID, kind: cfg.Kind, period: cfg.Clock.Period(), sched: sched, out: out, nrn: nrn, syn: syn,
		fired: make([]bool, n)}
	if syn != nil {
		c.nAxons = int32(len(syn.axons))
	}
	c.in.v = [2][]float32{make([]float32, n), make([]float32, n)}
	c.lister, _ = nrn.(spikeLister)
	c.spikeOut.Core, c.pktIn.Core = c.id, c.id
	return c
}

// ID returns the core's index on the chip.
func (c *Core) ID() int32 { return c.id }

// Len returns the number of neurons.
func (c *Core) Len() int { return c.nrn.Len() }

// Synapses returns the synapse table (nil while a deferred one has not
// been set: NewTableDeferred).
func (c *Core) Synapses() *Synapses { return c.syn }

// Routes returns neuron i's routes (do not modify; nil while deferred:
// NewDeferred).
func (c *Core) Routes(i int) []Route {
	if c.routeStart == nil {
		return nil
	}
	return c.routes[c.routeStart[i]:c.routeStart[i+1]]
}

// RouteSynapses returns, for each of neuron i's routes, the synapse count
// of the axon it reaches, as NewFunctional recorded it (nil before; do not
// modify).
func (c *Core) RouteSynapses(i int) []int32 {
	if c.routeSyn == nil || c.routeStart == nil {
		return nil
	}
	return c.routeSyn[c.routeStart[i]:c.routeStart[i+1]]
}

// AxonAt returns the axon that neuron i's spikes reach on core dst.
func (c *Core) AxonAt(i int, dst int32) (int32, bool) {
	k, ok := c.routeIndex(i, dst)
	if !ok {
		return 0, false
	}
	return c.routes[k].Axon, true
}

// routeIndex returns the index in c.routes of neuron i's route to core dst.
func (c *Core) routeIndex(i int, dst int32) (int, bool) {
	if c.routeStart == nil {
		return 0, false
	}
	base := int(c.routeStart[i])
	rs := c.routes[base:c.routeStart[i+1]]
	lo, hi := 0, len(rs) // binary search: routes are sorted by core
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].Core < dst {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(rs) && rs[lo].Core == dst {
		return base + lo, true
	}
	return 0, false
}

// Counters returns the core's event counts so far.
func (c *Core) Counters() Counters { return c.cnt }

func (c *Core) cycles(n uint64) sim.Time {
	c.cnt.BusyCycles += n
	d := sim.Time(n) * c.period
	c.cnt.BusyTime += d
	return d
}

// update is the functional step: it steps the neurons with the input
// accumulated since the last step, consumes that input, and appends the
// indices of the neurons that fired to spikes.
func (c *Core) update(spikes []int32) []int32 {
	in := &c.in
	if c.lister != nil {
		spikes = c.lister.StepList(in.v[Exc], in.v[Inh], in.touched[Exc], in.touched[Inh], spikes)
		in.touched[Exc], in.touched[Inh] = in.touched[Exc][:0], in.touched[Inh][:0]
		return spikes
	}
	in.touched[Exc], in.touched[Inh] = in.touched[Exc][:0], in.touched[Inh][:0]
	c.nrn.Step(in.v[Exc], in.v[Inh], c.fired)
	clear(in.v[Exc])
	clear(in.v[Inh])
	for i, f := range c.fired {
		if f {
			spikes = append(spikes, int32(i))
		}
	}
	return spikes
}

// begin starts step t at time now with the spikes the functional model
// computed for it (read only until the next step): the timing of the
// update and of the spikes.
func (c *Core) begin(now sim.Time, t int64, spikes []int32) {
	n := c.nrn.Len()
	c.step = t
	c.spikes = spikes
	c.cnt.NeuronUpdates += uint64(n)
	c.cnt.Barriers++
	c.stepT = now
	c.busy = now + c.cycles(uint64(n)*uint64(c.kind.CyclesPerNeuronUpdate))
	c.bar.note(c.busy)
	c.next = 0
	c.emitT = now
	if len(c.spikes) == 0 {
		c.bar.coreDone()
		return
	}
	c.scheduleSpike()
}

func (c *Core) scheduleSpike() {
	i := c.spikes[c.next]
	ready := c.stepT + sim.Time(uint64(i)+1)*sim.Time(c.kind.CyclesPerNeuronUpdate)*c.period
	c.emitT = max(ready, c.emitT) + c.cycles(uint64(c.kind.CyclesPerSpikeOut))
	c.sched.Schedule(sim.Event{Time: c.emitT, Handler: c})
}

// Handle sends the next spike of the step (the core's only event).
func (c *Core) Handle(e sim.Event) {
	i := c.spikes[c.next]
	rs := c.routes[c.routeStart[i]:c.routeStart[i+1]]
	c.cnt.SpikesOut++
	c.bar.note(e.Time)
	if len(rs) > 0 {
		c.bar.inflight += len(rs)
		c.cnt.PacketsOut += uint64(c.out.Send(e.Time, c.id, i, rs))
	}
	if c.NumHooks() > 0 {
		c.spikeOut.Neuron, c.spikeOut.Step, c.spikeOut.Routes = i, c.step, rs
		c.InvokeHook(sim.HookCtx{Domain: c, Pos: HookPosSpikeOut, Now: e.Time, Item: &c.spikeOut})
	}
	c.next++
	if c.next < len(c.spikes) {
		c.scheduleSpike()
		return
	}
	c.bar.coreDone()
}

// Receive processes a packet for axon delivered at time now: the core is
// busy for synapses·CyclesPerSynOp cycles from max(now, end of its previous
// work) and counts the synaptic operations. (Their functional effect, adding
// the weights into the next step's input, is the Functional model's, done in
// a fixed order so that it cannot depend on delivery order.)
func (c *Core) Receive(now sim.Time, axon int32) {
	if c.bar == nil || !c.bar.running {
		panic(fmt.Sprintf("core %d: packet for axon %d delivered at %v while no step runs", c.id, axon, now))
	}
	if c.syn == nil {
		panic(fmt.Sprintf("core %d: packet for axon %d before the deferred synapse table was set", c.id, axon))
	}
	if axon < 0 || int(axon) >= len(c.syn.axons) {
		panic(fmt.Sprintf("core %d: packet for axon %d, core has %d axons", c.id, axon, len(c.syn.axons)))
	}
	c.receive(now, axon, c.syn.FanOut(int(axon)))
}

// ReceiveFrom is Receive for the packet of src's neuron: the axon is the
// one src's route to c names. It reads the axon's synapse count from the
// route (recorded by NewFunctional) rather than from c's axon table, which
// on a chip of many cores is a cache miss per delivery; the result is
// Receive's.
func (c *Core) ReceiveFrom(now sim.Time, src *Core, neuron int32) {
	if neuron < 0 || int(neuron) >= len(src.routeStart)-1 {
		panic(fmt.Sprintf("core %d: packet from core %d neuron %d, which does not exist", c.id, src.id, neuron))
	}
	k, ok := src.routeIndex(int(neuron), c.id)
	if !ok {
		panic(fmt.Sprintf("core %d: packet from core %d neuron %d, which does not target it", c.id, src.id, neuron))
	}
	c.receiveRoute(now, src, k)
}

// ReceiveRoute is ReceiveFrom for a caller that knows which of the neuron's
// routes, in order, reached c: route k (it saves the search).
func (c *Core) ReceiveRoute(now sim.Time, src *Core, neuron int32, k int) {
	if neuron < 0 || int(neuron) >= len(src.routeStart)-1 {
		panic(fmt.Sprintf("core %d: packet from core %d neuron %d, which does not exist", c.id, src.id, neuron))
	}
	i := int(src.routeStart[neuron]) + k
	if k < 0 || i >= int(src.routeStart[neuron+1]) || src.routes[i].Core != c.id {
		panic(fmt.Sprintf("core %d: packet from core %d neuron %d by route %d, which does not target it", c.id, src.id, neuron, k))
	}
	c.receiveRoute(now, src, i)
}

// ReceiveAxon is Receive for a caller that keeps, beside the axon, its
// synapse count (Synapses().FanOut(axon), read when the caller built its
// tables): it does not read the axon table, which on a chip of many cores
// is a cache miss per delivery. It checks the axon's range, not the count.
func (c *Core) ReceiveAxon(now sim.Time, axon int32, synapses int) {
	if c.bar == nil || !c.bar.running {
		panic(fmt.Sprintf("core %d: packet for axon %d delivered at %v while no step runs", c.id, axon, now))
	}
	if axon < 0 || axon >= c.nAxons || synapses < 0 {
		panic(fmt.Sprintf("core %d: packet for axon %d with %d synapses, core has %d axons", c.id, axon, synapses, c.nAxons))
	}
	c.receive(now, axon, synapses)
}

// receiveRoute receives the packet of src's route i (an index in
// src.routes).
func (c *Core) receiveRoute(now sim.Time, src *Core, i int) {
	if c.bar == nil || !c.bar.running {
		panic(fmt.Sprintf("core %d: packet from core %d delivered at %v while no step runs", c.id, src.id, now))
	}
	axon := src.routes[i].Axon
	if src.routeSyn == nil {
		c.Receive(now, axon)
		return
	}
	c.receive(now, axon, int(src.routeSyn[i]))
}

// receive accounts a packet for axon, whose k synapses the core processes.
func (c *Core) receive(now sim.Time, axon int32, k int) {
	c.cnt.SynOps += uint64(k)
	c.cnt.PacketsIn++
	start := max(now, c.busy)
	c.busy = start + c.cycles(uint64(k)*uint64(c.kind.CyclesPerSynOp))
	if c.NumHooks() > 0 {
		c.pktIn.Axon, c.pktIn.Step, c.pktIn.Synapses, c.pktIn.Start, c.pktIn.End = axon, c.step, k, start, c.busy
		c.InvokeHook(sim.HookCtx{Domain: c, Pos: HookPosPacketIn, Now: now, Item: &c.pktIn})
	}
	c.bar.note(c.busy)
	c.bar.delivered()
}
