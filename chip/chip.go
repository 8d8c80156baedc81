package chip

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Chip is a network mapped onto a simulated chip: cores and NoC routers on
// one sim.Engine. Build it with Build, run it once with Run.
type Chip struct {
	spec        arch.Spec // with the mesh actually used
	net         *Network
	mapping     *Mapping
	eng         *sim.Engine
	noc         *noc.Network
	bar         *core.Barrier
	cores       []*core.Core
	tiles       []noc.Tile    // per core
	trees       [][]*noc.Tree // analytic NoC model: per core, per neuron, its spikes' multicast tree (nil: no routes)
	treesDue    bool          // analytic NoC model: Run builds trees
	popBase     []int         // global index of each population's first neuron
	coreOff     []int32       // global index of each core's first neuron
	raster      []uint64      // step<<32 | global neuron, in emission order
	opt         Options
	batchEvents uint64      // the engine events a batched run (batch.go) stood in for
	streams     sim.Streams // for components that draw randomness (none yet)
	ran         bool
}

// The functional model runs ahead of the timing model in chunks of
// pipelineFirst steps doubling up to pipelineMax, at most pipelineDepth
// chunks ahead.
const (
	pipelineFirst = 16
	pipelineMax   = 1024
	pipelineDepth = 3
	// pipelineDepthTrees: while Run builds the analytic model's trees the
	// functional model may run up to 3 056 steps ahead.
	pipelineDepthTrees = 8
)

// Build maps net onto spec's chip and assembles cores and NoC on a new
// engine. Streams seed any randomness of the chip's components (the digital
// cores and the NoC draw none today; the network itself is already drawn).
func Build(spec *arch.Spec, net *Network, opt Options, streams sim.Streams) (*Chip, error) {
	if spec == nil || net == nil {
		return nil, errors.New("chip: nil spec or network")
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	m, err := mapNetwork(spec, net, opt)
	if err != nil {
		return nil, err
	}
	c := &Chip{spec: *spec, net: net, mapping: m, eng: sim.NewEngine(), opt: opt, streams: streams}
	c.spec.Chip.Width, c.spec.Chip.Height = m.Width, m.Height
	kind := spec.Cores[m.Kind]
	clock := sim.Freq(spec.Chip.ClockHz())
	if clock == 0 {
		return nil, fmt.Errorf("chip: zero clock")
	}
	c.noc, err = noc.New(spec.NoC, m.Width, m.Height, c.eng, sim.Freq(spec.NoCClockHz()))
	if err != nil {
		return nil, err
	}
	c.popBase = make([]int, len(net.Populations))
	for i := 1; i < len(net.Populations); i++ {
		c.popBase[i] = c.popBase[i-1] + net.Populations[i-1].N
	}

	// Synapse tables and routes: walk every projection's pre neurons in
	// order; the targets of one pre neuron that land on one core form one
	// axon there (targets are sorted and cores hold contiguous ranges).
	builders := make([]*core.SynapseBuilder, len(m.Cores))
	for i, cm := range m.Cores {
		if builders[i], err = core.NewSynapseBuilder(kind, cm.N); err != nil {
			return nil, fmt.Errorf("chip: core %d: %w", i, err)
		}
		builders[i].Grow(cm.Axons, cm.Synapses)
	}
	routes := make([][][]core.Route, len(net.Populations))
	for pi, p := range net.Populations {
		routes[pi] = make([][]core.Route, p.N)
	}
	var tmp, slab []core.Route // one neuron's routes; storage they are cut from
	maxMantissa := float64(int64(1)<<(kind.WeightBits-1) - 1)
	for _, pr := range net.Projections {
		// One scale per projection: its largest weight maps to the largest
		// mantissa (a projection of one weight is stored exactly).
		scale := pr.maxAbs() / maxMantissa
		if scale == 0 {
			scale = 1
		}
		cores := m.popCores[pr.Post]
		rs := routes[pr.Pre]
		for i := range rs {
			tg := pr.Targets[pr.Start[i]:pr.Start[i+1]]
			ci := 0
			tmp = tmp[:0]
			for k := 0; k < len(tg); {
				for int(tg[k]) >= m.Cores[cores[ci]].First+m.Cores[cores[ci]].N {
					ci++ // targets are sorted: move on to the core that holds tg[k]
				}
				cid := cores[ci]
				cm := &m.Cores[cid]
				b := builders[cid]
				axon := b.AddAxon(pr.Channel, scale)
				end := k
				for end < len(tg) && int(tg[end]) < cm.First+cm.N {
					end++
				}
				if pr.Weights == nil {
					b.AddSynapses(tg[k:end], int32(cm.First), pr.Weight)
				} else {
					for ; k < end; k++ {
						b.AddSynapse(int(tg[k])-cm.First, pr.weight(pr.Start[i]+int32(k)))
					}
				}
				k = end
				tmp = append(tmp, core.Route{Core: int32(cid), Axon: axon})
			}
			if rs[i] == nil {
				// Cut from a slab: one allocation per many neurons.
				if cap(slab)-len(slab) < len(tmp) {
					slab = make([]core.Route, 0, max(len(tmp), 4096))
				}
				m := len(slab)
				slab = append(slab, tmp...)
				rs[i] = slab[m:len(slab):len(slab)]
			} else {
				rs[i] = append(rs[i], tmp...)
			}
		}
	}
	for pi, rs := range routes {
		for i, r := range rs {
			slices.SortFunc(r, func(a, b core.Route) int { return int(a.Core) - int(b.Core) })
			for k := 1; k < len(r); k++ {
				if r[k].Core == r[k-1].Core {
					return nil, fmt.Errorf("chip: neuron %d of population %s reaches core %d through two projections; this mapping gives a neuron one axon per core",
						i, net.Populations[pi].Name, r[k].Core)
				}
			}
		}
	}

	c.bar = core.NewBarrier(c.eng, c.spec.Chip)
	c.cores = make([]*core.Core, len(m.Cores))
	c.tiles = make([]noc.Tile, len(m.Cores))
	c.coreOff = make([]int32, len(m.Cores))
	for i, cm := range m.Cores {
		syn, err := builders[i].Build()
		if err != nil {
			return nil, fmt.Errorf("chip: core %d (%d,%d): %w", i, cm.X, cm.Y, err)
		}
		pop := &net.Populations[cm.Pop]
		var nrn core.Neurons
		switch pop.Model {
		case ModelCUBA:
			var v0 []float32
			if pop.V0 != nil {
				v0 = pop.V0[cm.First : cm.First+cm.N]
			}
			if nrn, err = core.NewCUBANeurons(pop.CUBA, cm.N, v0); err != nil {
				return nil, err
			}
		case ModelInput:
			nrn = newInputNeurons(pop.Input, cm.First, cm.N)
		}
		cc, err := core.New(core.Config{ID: int32(i), Kind: kind, Clock: clock}, nrn, syn,
			routes[cm.Pop][cm.First:cm.First+cm.N], c.eng, c)
		if err != nil {
			return nil, err
		}
		c.cores[i] = cc
		c.tiles[i] = noc.Tile{X: cm.X, Y: cm.Y}
		c.coreOff[i] = int32(c.popBase[cm.Pop] + cm.First)
		if err := c.noc.Attach(c.tiles[i], endpoint{c, int32(i)}); err != nil {
			return nil, err
		}
		if err := c.bar.Add(cc); err != nil {
			return nil, err
		}
	}
	// Under the analytic NoC model the trees are built by Run, while the
	// functional model already runs ahead (buildTrees).
	c.treesDue = spec.NoC.Model == "analytic"
	return c, nil
}

// buildTrees walks each neuron's multicast tree once (noc.Tree) instead of
// once per spike, for the analytic NoC model.
func (c *Chip) buildTrees() error {
	// Each neuron sends every spike to the same cores: walk its
	// multicast tree once (noc.Tree) instead of once per spike.
	c.trees = make([][]*noc.Tree, len(c.cores))
	// Each destination's tag is its core and the synapse count of the
	// axon it reaches (synapses<<32 | core), what a batched step needs of
	// a delivery (core.BatchSender) without looking up the route.
	var dests []noc.Tile
	var tags []int64
	for i, cc := range c.cores {
		c.trees[i] = make([]*noc.Tree, cc.Len())
		for n := range cc.Len() {
			rs := cc.Routes(n)
			if len(rs) == 0 {
				continue
			}
			dests, tags = dests[:0], tags[:0]
			ks := cc.RouteSynapses(n) // recorded by core.NewFunctional; nil without it
			for k, r := range rs {
				dests = append(dests, c.tiles[r.Core])
				var syn int
				if ks != nil {
					syn = int(ks[k])
				} else {
					syn = c.cores[r.Core].Synapses().FanOut(int(r.Axon))
				}
				tags = append(tags, int64(syn)<<32|int64(r.Core))
			}
			t, err := c.noc.NewTree(c.tiles[i], dests)
			if err == nil {
				err = t.SetTags(tags)
			}
			if err != nil {
				return fmt.Errorf("chip: core %d neuron %d: %w", i, n, err)
			}
			c.trees[i][n] = t
		}
	}
	return nil
}

// Mapping returns how the network was placed.
func (c *Chip) Mapping() *Mapping { return c.mapping }

// Spec returns the spec the chip runs (the mesh resized if auto-sized).
func (c *Chip) Spec() *arch.Spec { return &c.spec }

// Cores returns the cores in mapping order.
func (c *Chip) Cores() []*core.Core { return c.cores }

// NoC returns the network-on-chip.
func (c *Chip) NoC() *noc.Network { return c.noc }

// Barrier returns the step barrier (to attach hooks).
func (c *Chip) Barrier() *core.Barrier { return c.bar }

// Send injects a spike of core src's neuron into the NoC: one packet to the
// destination tiles (a multicast tree, or one unicast per destination when
// the spec has no multicast). It implements core.Sender.
func (c *Chip) Send(now sim.Time, src, neuron int32, routes []core.Route) int {
	p := c.noc.NewPacket()
	p.Dests = p.Dests[:0]
	if c.trees != nil {
		p.Tree = c.trees[src][neuron]
	} else {
		for _, r := range routes {
			p.Dests = append(p.Dests, c.tiles[r.Core])
		}
	}
	p.A, p.B = int64(src), int64(neuron)
	if !c.noc.Inject(c.tiles[src], p) {
		panic(fmt.Sprintf("chip: source queue of tile %v refused a spike packet (the chip uses unbounded queues)", c.tiles[src]))
	}
	if len(routes) > 1 && !c.spec.NoC.Multicast {
		return len(routes)
	}
	return 1
}

// endpoint is a tile's local port: it turns a delivered packet into the
// destination core's axon and hands it to the core.
type endpoint struct {
	c    *Chip
	core int32
}

func (e endpoint) Deliver(p *noc.Packet) {
	if p.DestIndex >= 0 { // delivered along the neuron's tree: the destination index is the route's
		e.c.cores[e.core].ReceiveRoute(e.c.eng.Now(), e.c.cores[p.A], int32(p.B), p.DestIndex)
		return
	}
	e.c.cores[e.core].ReceiveFrom(e.c.eng.Now(), e.c.cores[p.A], int32(p.B))
}

// record appends a step's spikes to the raster; it runs on the goroutine of
// the functional model.
func (c *Chip) record(step int64, spikes [][]int32) {
	for i, sp := range spikes {
		off := c.coreOff[i]
		for _, n := range sp {
			c.raster = append(c.raster, uint64(step)<<32|uint64(uint32(off+n)))
		}
	}
}

// Run simulates steps algorithmic steps and returns the statistics. A chip
// runs once.
func (c *Chip) Run(steps int64) (*Stats, error) {
	if c.ran {
		return nil, errors.New("chip: Run called twice")
	}
	if steps < 1 || steps >= 1<<31 {
		return nil, fmt.Errorf("chip: %d steps (want 1 … 2^31−1)", steps)
	}
	c.ran = true
	f, err := core.NewFunctional(c.cores)
	if err != nil {
		return nil, err
	}
	f.OnStep = c.record
	var src core.SpikeSource = f
	if !c.opt.Serial {
		depth := pipelineDepth
		if c.treesDue {
			depth = pipelineDepthTrees
		}
		p := core.NewPipeline(f, steps, pipelineFirst, pipelineMax, depth)
		defer p.Close()
		src = p
	}
	if c.treesDue {
		// Pipelined, the functional model runs ahead meanwhile.
		if err := c.buildTrees(); err != nil {
			return nil, err
		}
		c.treesDue = false
	}
	if c.batchable() {
		// The analytic NoC fixes each delivery when a spike is sent: run the
		// steps without an engine event per spike and delivery cycle.
		workers := batchWorkers
		if c.opt.Serial {
			workers = 0
		}
		n, err := c.bar.RunBatch(steps, src, c, workers)
		if err != nil {
			return nil, err
		}
		c.batchEvents = n
		return c.stats(steps), nil
	}
	if err := c.bar.Start(steps, src); err != nil {
		return nil, err
	}
	c.eng.Run()
	if c.bar.Running() {
		return nil, fmt.Errorf("chip: the simulation stopped at step %d of %d with %d packets in the NoC", c.bar.Step(), steps, c.noc.InFlight())
	}
	return c.stats(steps), nil
}

// Spike is one entry of the raster: a global neuron index (populations in
// order) and the step it fired in.
type Spike struct {
	Step   int32
	Neuron int32
}

// Raster returns the spikes of the run sorted by (step, neuron).
func (c *Chip) Raster() []Spike {
	r := c.sortedRaster()
	out := make([]Spike, len(r))
	for i, v := range r {
		out[i] = Spike{Step: int32(v >> 32), Neuron: int32(uint32(v))}
	}
	return out
}

func (c *Chip) sortedRaster() []uint64 {
	slices.Sort(c.raster) // (step, neuron): the functional raster, whatever the timing
	return c.raster
}

// rasterHash is FNV-1a (64) over the sorted raster as little-endian
// (step, neuron) uint32 pairs.
func rasterHash(r []uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for _, v := range r {
		s, n := uint32(v>>32), uint32(v)
		b[0], b[1], b[2], b[3] = byte(s), byte(s>>8), byte(s>>16), byte(s>>24)
		b[4], b[5], b[6], b[7] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		h.Write(b[:])
	}
	return h.Sum64()
}

// inputNeurons replays a spike schedule for neurons [first, first+n) of an
// input population.
type inputNeurons struct {
	input     [][]int32
	first, n  int
	step      int
	lastFired []int32
}

func newInputNeurons(input [][]int32, first, n int) *inputNeurons {
	return &inputNeurons{input: input, first: first, n: n}
}

func (s *inputNeurons) Len() int { return s.n }

func (s *inputNeurons) Step(exc, inh []float32, out []bool) int {
	for _, i := range s.lastFired {
		out[i] = false
	}
	s.lastFired = s.lastFired[:0]
	if s.step < len(s.input) {
		for _, j := range s.input[s.step] {
			if i := int(j) - s.first; i >= 0 && i < s.n && !out[i] {
				out[i] = true
				s.lastFired = append(s.lastFired, int32(i))
			}
		}
	}
	s.step++
	return len(s.lastFired)
}
