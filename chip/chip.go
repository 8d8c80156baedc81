package chip

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Chip is a network mapped onto a simulated chip: cores and NoC routers on
// one sim.Engine. Build it with Build, run it once with Run.
type Chip struct {
	spec    arch.Spec // with the mesh actually used
	net     *Network
	mapping *Mapping
	eng     *sim.Engine
	noc     *noc.Network
	bar     *core.Barrier
	cores   []*core.Core
	tiles   []noc.Tile    // per core
	trees   [][]*noc.Tree // analytic NoC model: per core, per neuron, its spikes' multicast tree (nil: no routes)
	// batched steps (batch.go): every neuron's tree ID (−1: none) in one
	// array, core i's from treeAt[i]
	treeIDs []int32
	treeAt  []int32
	// Under the analytic NoC model the trees are being made (treeWork)
	// until waitTrees.
	treesDue bool
	treeWork *treeWork
	treesErr error
	coreOf   [][]int32 // per population, the core of each neuron
	coreEnd  []int32   // per core, the end of its neuron range in its population
	popBase  []int     // global index of each population's first neuron
	coreOff  []int32   // global index of each core's first neuron
	routeSyn [][]int32 // per core, per route: the synapse count of the axon it reaches (once the routes are found)
	raster   []uint64  // step<<32 | global neuron, in emission order
	// fan: the functional model's by-source copy comes from the network
	// (vouchFan; nil: from the tables); the tables and the routes are then
	// deferred (tablesDue, routesDue) until ensureTables and ensureRoutes.
	fan         *fanRuns
	tablesDue   bool
	tablesErr   error
	routesDue   bool // as tablesDue, for the cores' routes (ensureRoutes)
	routesErr   error
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
	// pipelineDepthTrees: while the analytic model's trees are still
	// being made the functional model may run up to 3 056 steps ahead.
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

	// When the functional model can take its by-source copy from the
	// network (vouchFan), the synapse tables and the routes wait until
	// something reads them (ensureTables, ensureRoutes): a batched run
	// does not. Under the analytic NoC model a second goroutine makes the
	// trees (from the projections: a tree needs no axon numbers)
	// meanwhile. Otherwise the routes are found on a goroutine of their
	// own while this one builds the synapse tables (sized by the mapping's
	// counts). Then the cores.
	c.coreMaps()
	c.tiles = make([]noc.Tile, len(m.Cores))
	for i, cm := range m.Cores {
		c.tiles[i] = noc.Tile{X: cm.X, Y: cm.Y}
		if err := c.noc.Attach(c.tiles[i], endpoint{c, int32(i)}); err != nil {
			return nil, err
		}
	}
	if spec.NoC.Model == "analytic" {
		// From here on only tree makers touch the NoC until waitTrees
		// (Run and NoC call it, and lend a hand).
		tw := &treeWork{done: make(chan struct{}), trees: make([][]*noc.Tree, len(m.Cores)),
			errs: make([]error, (len(m.Cores)+treeChunk-1)/treeChunk), makers: []*noc.TreeMaker{c.noc.NewTreeMaker()},
			pre: make([][]int, len(net.Populations))}
		for i, pr := range net.Projections {
			tw.pre[pr.Pre] = append(tw.pre[pr.Pre], i)
		}
		if c.noc.ConcurrentTrees() {
			tw.makers = append(tw.makers, c.noc.NewTreeMaker())
		}
		c.treesDue, c.treeWork = true, tw
		go func() {
			c.makeTrees(tw, tw.makers[0])
			close(tw.done)
		}()
	}
	var rt *routing
	var tabs *tables
	if c.fan = c.vouchFan(); c.fan != nil {
		c.tablesDue, c.routesDue = true, true
	} else {
		routed := make(chan error, 1)
		go func() {
			var err error
			rt, err = c.buildRoutes()
			routed <- err
		}()
		tabs, err = c.buildTables(kind)
		m.in = nil // the mapping's transpose has served
		if rerr := <-routed; err == nil {
			err = rerr
		}
	}
	if err == nil {
		err = c.buildCores(rt, tabs, kind, clock)
	}
	if err != nil {
		if tw := c.treeWork; tw != nil {
			tw.next.Store(math.MaxInt32 / 2) // no more claims
			<-tw.done
			c.treeWork, c.treesDue = nil, false
		}
		return nil, err
	}
	return c, nil
}

// routing is what buildRoutes finds: each population's routes.
type routing struct {
	pop []popRoutes
}

// popRoutes is one population's routes as one table: neuron i's routes are
// routes[start[i]:start[i+1]], sorted by core, and syn[k] is the synapse
// count of the axon route k reaches.
type popRoutes struct {
	start  []int32
	routes []core.Route
	syn    []int32
}

// of returns the route table of core cm's neurons: its starts, routes and
// their synapse counts.
func (rt *routing) of(cm *CoreMap) (start []int32, routes []core.Route, syn []int32) {
	r := &rt.pop[cm.Pop]
	st := r.start[cm.First : cm.First+cm.N+1]
	return st, r.routes[st[0]:st[cm.N]:st[cm.N]], r.syn[st[0]:st[cm.N]:st[cm.N]]
}

// ensureRoutes finds the routes Build deferred (vouchFan) and gives them,
// with their synapse counts, to the cores.
func (c *Chip) ensureRoutes() error {
	if !c.routesDue {
		return c.routesErr
	}
	c.routesDue = false
	rt, err := c.buildRoutes()
	if err == nil {
		c.routeSyn = make([][]int32, len(c.cores))
	}
	for i := 0; err == nil && i < len(c.cores); i++ {
		st, routes, syn := rt.of(&c.mapping.Cores[i])
		c.routeSyn[i] = syn
		err = c.cores[i].SetRoutes(st, routes, syn)
	}
	c.routesErr = err
	return err
}

// coreMaps tabulates each neuron's core and each core's end.
func (c *Chip) coreMaps() {
	net, m := c.net, c.mapping
	c.coreOf = make([][]int32, len(net.Populations))
	c.coreEnd = make([]int32, len(m.Cores))
	for pi, cs := range m.popCores {
		of := make([]int32, net.Populations[pi].N)
		for _, cid := range cs {
			cm := &m.Cores[cid]
			for j := cm.First; j < cm.First+cm.N; j++ {
				of[j] = int32(cid)
			}
			c.coreEnd[cid] = int32(cm.First + cm.N)
		}
		c.coreOf[pi] = of
	}
}

// buildRoutes walks every projection's pre neurons in order: the targets
// of one pre neuron that land on one core (targets are sorted and cores
// hold contiguous ranges) form one axon there, numbered in that order on
// each core, the order buildCores adds them to the synapse tables.
func (c *Chip) buildRoutes() (*routing, error) {
	net, m := c.net, c.mapping
	end := c.coreEnd
	rt := make([]popRoutes, len(net.Populations))
	for pi, p := range net.Populations {
		rt[pi].start = make([]int32, p.N+1)
	}
	// Count each neuron's routes, then cut the tables exactly.
	for i := range net.Projections {
		pr := &net.Projections[i]
		cnt, of := rt[pr.Pre].start[1:], c.coreOf[pr.Post]
		for j := range cnt {
			tg := pr.Targets[pr.Start[j]:pr.Start[j+1]]
			for k := 0; k < len(tg); {
				lim := end[of[tg[k]]]
				for k++; k < len(tg) && tg[k] < lim; k++ {
				}
				cnt[j]++
			}
		}
	}
	fill := make([][]int32, len(rt)) // per neuron, where its next route goes
	for pi := range rt {
		st := rt[pi].start
		for j := 1; j < len(st); j++ {
			if int64(st[j])+int64(st[j-1]) > math.MaxInt32 {
				return nil, fmt.Errorf("chip: population %s has more than 2^31−1 routes", net.Populations[pi].Name)
			}
			st[j] += st[j-1]
		}
		rt[pi].routes = make([]core.Route, st[len(st)-1])
		rt[pi].syn = make([]int32, st[len(st)-1])
		fill[pi] = slices.Clone(st[:len(st)-1])
	}
	axons := make([]int32, len(m.Cores)) // next axon of each core
	unsorted := make([][]bool, len(rt))  // per neuron: its routes came out of core order
	for i := range net.Projections {
		pr := &net.Projections[i]
		r, f, of := &rt[pr.Pre], fill[pr.Pre], c.coreOf[pr.Post]
		for j, at := range f {
			tg := pr.Targets[pr.Start[j]:pr.Start[j+1]]
			if len(tg) == 0 {
				continue
			}
			prev := int32(-1)
			if at > r.start[j] {
				prev = r.routes[at-1].Core
			}
			for k := 0; k < len(tg); {
				cid := of[tg[k]]
				e, lim := k+1, end[cid]
				for e < len(tg) && tg[e] < lim {
					e++
				}
				r.routes[at] = core.Route{Core: cid, Axon: axons[cid]}
				r.syn[at] = int32(e - k)
				axons[cid]++
				if cid <= prev {
					if unsorted[pr.Pre] == nil {
						unsorted[pr.Pre] = make([]bool, len(f))
					}
					unsorted[pr.Pre][j] = true
				}
				prev = cid
				at++
				k = e
			}
			f[j] = at
		}
	}
	// A neuron reached through several projections may need its routes
	// sorted by core (with their synapse counts); two routes to one core
	// are an error.
	for pi, us := range unsorted {
		r := &rt[pi]
		for j, u := range us {
			if !u {
				continue
			}
			lo, hi := r.start[j], r.start[j+1]
			sort.Sort(routeSorter{r.routes[lo:hi], r.syn[lo:hi]})
			for k := lo + 1; k < hi; k++ {
				if r.routes[k].Core == r.routes[k-1].Core {
					return nil, fmt.Errorf("chip: neuron %d of population %s reaches core %d through two projections; this mapping gives a neuron one axon per core",
						j, net.Populations[pi].Name, r.routes[k].Core)
				}
			}
		}
	}
	return &routing{pop: rt}, nil
}

// routeSorter sorts routes by core, their synapse counts alongside.
type routeSorter struct {
	routes []core.Route
	syn    []int32
}

func (s routeSorter) Len() int           { return len(s.routes) }
func (s routeSorter) Less(i, j int) bool { return s.routes[i].Core < s.routes[j].Core }
func (s routeSorter) Swap(i, j int) {
	s.routes[i], s.routes[j] = s.routes[j], s.routes[i]
	s.syn[i], s.syn[j] = s.syn[j], s.syn[i]
}

// tables are the cores' synapse tables being built: all at once, or one
// builder per core.
type tables struct {
	shared   *core.SharedTables
	builders []*core.SynapseBuilder
}

// buildTables builds each core's synapse table, adding the axons in the
// order buildRoutes numbers them (projections in order, pre neurons in
// order), sized by the mapping's axon and synapse counts.
func (c *Chip) buildTables(kind arch.CoreKind) (*tables, error) {
	net, m := c.net, c.mapping
	scales := c.scales(kind)
	// When no projection has per-synapse weights every axon is in the
	// shared-weight format: all tables are built at once, core by core from
	// the mapping's lists of incoming synapses (sharedTables), else by
	// walking the projections.
	if !slices.ContainsFunc(net.Projections, func(p Projection) bool { return p.Weights != nil }) {
		shared, err := c.sharedTables(kind, scales)
		if err != nil {
			return nil, err
		}
		return &tables{shared: shared}, nil
	}
	builders := make([]*core.SynapseBuilder, len(m.Cores))
	for i, cm := range m.Cores {
		var err error
		if builders[i], err = core.NewSynapseBuilder(kind, cm.N); err != nil {
			return nil, fmt.Errorf("chip: core %d: %w", i, err)
		}
		builders[i].Grow(cm.Axons, cm.Synapses)
	}
	for i := range net.Projections {
		pr := &net.Projections[i]
		of, end := c.coreOf[pr.Post], c.coreEnd
		for j := 0; j+1 < len(pr.Start); j++ {
			lo := int(pr.Start[j])
			tg := pr.Targets[lo:pr.Start[j+1]]
			for k := 0; k < len(tg); {
				cid := of[tg[k]]
				e, lim := k+1, end[cid]
				for e < len(tg) && tg[e] < lim {
					e++
				}
				b, first := builders[cid], m.Cores[cid].First
				b.AddAxon(pr.Channel, scales[i])
				if pr.Weights == nil {
					b.AddSynapses(tg[k:e], int32(first), pr.Weight)
				} else {
					for ; k < e; k++ {
						b.AddSynapse(int(tg[k])-first, pr.weight(int32(lo+k)))
					}
				}
				k = e
			}
		}
	}
	return &tables{builders: builders}, nil
}

// table returns core i's table (once).
func (t *tables) table(i int) (*core.Synapses, error) {
	if t.shared != nil {
		return t.shared.Table(i)
	}
	s, err := t.builders[i].Build()
	t.builders[i] = nil
	return s, err
}

// scales returns each projection's weight scale: its largest weight maps
// to the largest mantissa (a projection of one weight is stored exactly).
func (c *Chip) scales(kind arch.CoreKind) []float64 {
	maxMantissa := float64(int64(1)<<(kind.WeightBits-1) - 1)
	scales := make([]float64, len(c.net.Projections))
	for i := range c.net.Projections {
		if scales[i] = c.net.Projections[i].maxAbs() / maxMantissa; scales[i] == 0 {
			scales[i] = 1
		}
	}
	return scales
}

// buildCores makes each core around its synapse table (deferred when tabs
// is nil) and its neurons' routes (deferred when rt is nil).
func (c *Chip) buildCores(rt *routing, tabs *tables, kind arch.CoreKind, clock sim.Freq) error {
	net, m := c.net, c.mapping
	c.bar = core.NewBarrier(c.eng, c.spec.Chip)
	c.cores = make([]*core.Core, len(m.Cores))
	c.coreOff = make([]int32, len(m.Cores))
	for i, cm := range m.Cores {
		var syn *core.Synapses
		var err error
		if tabs != nil {
			if syn, err = tabs.table(i); err != nil {
				return fmt.Errorf("chip: core %d (%d,%d): %w", i, cm.X, cm.Y, err)
			}
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
				return err
			}
		case ModelInput:
			nrn = newInputNeurons(pop.Input, cm.First, cm.N)
		}
		cfg := core.Config{ID: int32(i), Kind: kind, Clock: clock}
		var cc *core.Core
		switch {
		case rt == nil:
			cc, err = core.NewDeferred(cfg, nrn, cm.Axons, c.eng, c)
		case tabs != nil:
			st, routes, _ := rt.of(&cm)
			cc, err = core.NewTable(cfg, nrn, syn, st, routes, c.eng, c)
		default:
			st, routes, _ := rt.of(&cm)
			cc, err = core.NewTableDeferred(cfg, nrn, cm.Axons, st, routes, c.eng, c)
		}
		if err != nil {
			return err
		}
		c.cores[i] = cc
		c.coreOff[i] = int32(c.popBase[cm.Pop] + cm.First)
		if err := c.bar.Add(cc); err != nil {
			return err
		}
	}
	return nil
}

// sharedTables builds every core's synapse table when all weights are
// shared. A core's axons are the distinct axon keys (projection, pre
// neuron) of its neurons' incoming synapses, in key order — the order
// buildRoutes numbers them in — and an axon's targets are the core's
// neurons that list its key, in order. So each core reads only its own
// neurons' lists (the mapping's transpose) and writes its own table,
// instead of every pre neuron's walk writing to dozens of tables.
func (c *Chip) sharedTables(kind arch.CoreKind, scales []float64) (*core.SharedTables, error) {
	net, m := c.net, c.mapping
	neurons, axons, synapses := make([]int, len(m.Cores)), make([]int, len(m.Cores)), make([]int, len(m.Cores))
	for i, cm := range m.Cores {
		neurons[i], axons[i], synapses[i] = cm.N, cm.Axons, cm.Synapses
	}
	tabs, err := core.NewSharedTables(kind, neurons, axons, synapses)
	if err != nil {
		return nil, fmt.Errorf("chip: %w", err)
	}
	nk := m.keyBase[len(m.keyBase)-1]
	seen := make([]uint64, (nk+63)/64) // the core's keys, as bits
	cnt := make([]int32, nk)           // the core's synapses per key
	axonOf := make([]int32, nk)        // the core's axon of each key
	var keys, at, pos, tgt []int32     // per axon: its key, where its targets start, the next one; targets by axon
	for ci, cm := range m.Cores {
		in := &m.in[cm.Pop]
		ks := in.key[in.start[cm.First]:in.start[cm.First+cm.N]]
		lo, hi := len(seen), 0
		for _, k := range ks {
			w := int(k >> 6)
			seen[w] |= 1 << (k & 63)
			cnt[k]++
			lo, hi = min(lo, w), max(hi, w)
		}
		keys, at = keys[:0], at[:0]
		n := int32(0)
		for w := lo; w <= hi; w++ {
			for b := seen[w]; b != 0; b &= b - 1 {
				k := int32(w<<6 | bits.TrailingZeros64(b))
				axonOf[k] = int32(len(keys))
				keys = append(keys, k)
				at = append(at, n)
				n += cnt[k]
				cnt[k] = 0
			}
			seen[w] = 0
		}
		at = append(at, n)
		tgt = slices.Grow(tgt[:0], len(ks))[:len(ks)]
		pos = append(pos[:0], at...)
		for j := range cm.N {
			for _, k := range in.key[in.start[cm.First+j]:in.start[cm.First+j+1]] {
				a := axonOf[k]
				tgt[pos[a]] = int32(j)
				pos[a]++
			}
		}
		// The axons of one projection go in at once.
		for a, p := 0, 0; a < len(keys); {
			for int(keys[a]) >= m.keyBase[p+1] {
				p++
			}
			e := a + 1
			for e < len(keys) && int(keys[e]) < m.keyBase[p+1] {
				e++
			}
			pr := &net.Projections[p]
			tabs.AddAxons(ci, pr.Channel, scales[p], tgt, at[a:e+1], 0, pr.Weight)
			a = e
		}
	}
	return tabs, nil
}

// treeWork is the making of the trees under the analytic NoC model: each
// neuron's multicast tree walked once (noc.Tree) instead of once per
// spike. A goroutine Build starts works on it while Build finds the routes,
// claiming treeChunk cores at a time; waitTrees lends a hand with a second
// maker where the NoC allows, then adds the trees to the NoC in core and
// neuron order. Which goroutine makes which tree changes nothing.
type treeWork struct {
	pre    [][]int // per population, the projections from it
	next   atomic.Int32
	makers []*noc.TreeMaker
	trees  [][]*noc.Tree // per core, per neuron (nil: no routes)
	errs   []error       // per chunk
	done   chan struct{} // closed when Build's tree goroutine is done
}

// treeChunk is the number of cores a tree maker claims at a time.
const treeChunk = 8

// makeTrees claims chunks of cores and makes their neurons' trees with
// maker m until none is left. A neuron's destinations are its routes as
// buildRoutes finds them (neuronDests), so the trees need not wait for
// the routes.
func (c *Chip) makeTrees(w *treeWork, m *noc.TreeMaker) {
	cores := c.mapping.Cores
	// Each destination's tag is its core and the synapse count of the
	// axon it reaches (synapses<<32 | core), what a batched step needs of
	// a delivery (core.BatchSender) without looking up the route.
	var d neuronDests
	for {
		k := int(w.next.Add(1)) - 1
		if k >= len(w.errs) {
			return
		}
	chunk:
		for i := k * treeChunk; i < min((k+1)*treeChunk, len(cores)); i++ {
			cm := &cores[i]
			w.trees[i] = make([]*noc.Tree, cm.N)
			for n := range cm.N {
				if !c.findDests(&d, w.pre[cm.Pop], cm.First+n) {
					continue
				}
				t, err := m.NewTreeTags(c.tiles[i], d.tiles, d.tags)
				if err != nil {
					w.errs[k] = fmt.Errorf("chip: core %d neuron %d: %w", i, n, err)
					break chunk
				}
				w.trees[i][n] = t
			}
		}
	}
}

// neuronDests is one neuron's destinations: the tiles of the cores it
// reaches, in core order, and each one's tag (synapses<<32 | core).
type neuronDests struct {
	tiles []noc.Tile
	tags  []int64
}

func (d neuronDests) Len() int           { return len(d.tags) }
func (d neuronDests) Less(i, j int) bool { return int32(d.tags[i]) < int32(d.tags[j]) }
func (d neuronDests) Swap(i, j int) {
	d.tiles[i], d.tiles[j] = d.tiles[j], d.tiles[i]
	d.tags[i], d.tags[j] = d.tags[j], d.tags[i]
}

// findDests sets d to neuron j's destinations through projections prs
// (those from its population) and reports whether it has any: as
// buildRoutes finds its routes, one per core its targets land on (targets
// are sorted and cores hold contiguous ranges), sorted by core when
// several projections reach it. Two projections reaching one core make a
// repeated destination, which NewTree refuses; buildRoutes reports it
// first.
func (c *Chip) findDests(d *neuronDests, prs []int, j int) bool {
	d.tiles, d.tags = d.tiles[:0], d.tags[:0]
	end, parts := c.coreEnd, 0
	for _, p := range prs {
		pr := &c.net.Projections[p]
		tg := pr.Targets[pr.Start[j]:pr.Start[j+1]]
		if len(tg) == 0 {
			continue
		}
		parts++
		of := c.coreOf[pr.Post]
		for k := 0; k < len(tg); {
			cid := of[tg[k]]
			e, lim := k+1, end[cid]
			for e < len(tg) && tg[e] < lim {
				e++
			}
			d.tiles = append(d.tiles, c.tiles[cid])
			d.tags = append(d.tags, int64(e-k)<<32|int64(cid))
			k = e
		}
	}
	if parts > 1 {
		sort.Sort(*d)
	}
	return len(d.tags) > 0
}

// waitTrees finishes the trees (making some itself where the NoC allows
// two makers), adds them to the NoC and returns the first error in core
// order.
func (c *Chip) waitTrees() error {
	w := c.treeWork
	if w == nil {
		return c.treesErr
	}
	if len(w.makers) > 1 {
		c.makeTrees(w, w.makers[1])
	}
	<-w.done
	c.treeWork, c.treesDue = nil, false
	for _, err := range w.errs {
		if err != nil {
			c.treesErr = err
			return err
		}
	}
	for _, ts := range w.trees {
		for _, t := range ts {
			if t != nil {
				if err := c.noc.AddTree(t); err != nil {
					c.treesErr = err
					return err
				}
			}
		}
	}
	c.trees = w.trees
	return nil
}

// Mapping returns how the network was placed.
func (c *Chip) Mapping() *Mapping { return c.mapping }

// Spec returns the spec the chip runs (the mesh resized if auto-sized).
func (c *Chip) Spec() *arch.Spec { return &c.spec }

// Cores returns the cores in mapping order, with their synapse tables and
// routes (built now if Build deferred them).
func (c *Chip) Cores() []*core.Core {
	if err := c.ensureTables(); err != nil {
		// Build checked what the tables need (the mapping's counts and
		// footprints, the weights): they cannot fail but by a bug.
		panic(fmt.Sprintf("chip: building the deferred synapse tables: %v", err))
	}
	if err := c.ensureRoutes(); err != nil {
		// Routes are deferred only where vouchFan holds: each neuron
		// reaches one projection (no two routes to one core) and there
		// are fewer routes than synapses, which fit an int32.
		panic(fmt.Sprintf("chip: finding the deferred routes: %v", err))
	}
	return c.cores
}

// NoC returns the network-on-chip (once Build's tree goroutine, if any,
// is done with it).
func (c *Chip) NoC() *noc.Network {
	c.waitTrees() // an error is Run's to report
	return c.noc
}

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

// record appends a step's spikes to the raster, reading only the cores in
// active when it is not nil (core.Functional.Active); it runs on the
// goroutine of the functional model.
func (c *Chip) record(step int64, spikes [][]int32, active []int32) {
	if active != nil {
		for _, i := range active {
			c.recordCore(step, i, spikes[i])
		}
		return
	}
	for i, sp := range spikes {
		c.recordCore(step, int32(i), sp)
	}
}

func (c *Chip) recordCore(step int64, i int32, sp []int32) {
	if len(c.raster)+len(sp) > cap(c.raster) {
		// Doubling: append grows large slices by a quarter, which made
		// five times the final raster in copies (10 MB at 40 000 neurons).
		c.raster = slices.Grow(c.raster, max(len(c.raster), len(sp), 1<<12))
	}
	off := c.coreOff[i]
	for _, n := range sp {
		c.raster = append(c.raster, uint64(step)<<32|uint64(uint32(off+n)))
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
	var f *core.Functional
	var err error
	if c.fan != nil {
		f, err = core.NewFunctionalFan(c.cores, c.sourceFan(c.fan), c.routeSyn)
	} else {
		f, err = core.NewFunctional(c.cores)
	}
	if err != nil {
		return nil, err
	}
	f.OnStep = func(step int64, spikes [][]int32) { c.record(step, spikes, f.Active()) }
	var src core.SpikeSource = f
	var pipe *core.Pipeline
	if !c.opt.Serial {
		depth := pipelineDepth
		if c.treesDue {
			depth = pipelineDepthTrees
		}
		pipe = core.NewPipeline(f, steps, pipelineFirst, pipelineMax, depth)
		defer pipe.Close()
		src = pipe
	}
	// Pipelined, the functional model runs ahead while the trees are
	// still being made; then it need not be as far ahead (its chunks of
	// 1 024 steps on 748 cores hold 3 MB of offsets each).
	if err := c.waitTrees(); err != nil {
		return nil, err
	}
	if pipe != nil {
		pipe.Keep(pipelineDepth)
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
	// Hooks may read the cores' tables; the engine's spikes take the
	// routes. (The functional model, made by NewFunctionalFan when they
	// were deferred, reads neither while it runs ahead.)
	if err := c.ensureTables(); err != nil {
		return nil, err
	}
	if err := c.ensureRoutes(); err != nil {
		return nil, err
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
