package core

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/neurosim/neurosim/internal/mem"
)

// SpikeSource supplies, for each step in order, the spikes every core
// emits: element i lists core i's firing neurons in ascending order. The
// barrier calls Spikes once per step, steps 0, 1, 2, …; a result stays valid
// until the next call.
type SpikeSource interface {
	Spikes(step int64) [][]int32
}

// Functional is the functional model of a set of cores, without time: one
// Step updates every core's neurons with the input accumulated during the
// previous step, then delivers each spike along its routes into the
// destination cores' input, core by core and spike by spike in index
// order. The fixed order makes the inputs (float sums) independent of when
// the NoC delivers packets.
//
// When every core holds CUBANeurons of one model, their states live in one
// array and a step runs the vector kernel once over all of them
// (mergedCUBA; bit-identical, neurons do not interact within a step).
//
// When routes are short (fanCopyMaxPerRoute), the delivery reads a copy of
// the synapse tables laid out by source neuron: each neuron's synapses on
// every destination core, in route order and, within a route, in the
// axon's synapse order (fan). That is the order of walking routes and then
// axon tables, so every input sum adds the same terms in the same order,
// but one spike reads one contiguous run instead of one axon entry and one
// synapse range per destination core (on a chip of many small cores nearly
// every route is an axon of one synapse, and those reads miss the cache).
// With merged cores the copy names each target by its merged index and all
// cores share one input array (globalFan).
type Functional struct {
	cores  []*Core
	ins    []*input    // per core: its input
	fanAt  [][]int32   // per core, per neuron n: fan[fanAt[n]:fanAt[n+1]] (global index); nil: no copy
	fan    []fanEntry  // synapses by source neuron
	merged *mergedCUBA // all cores' CUBA neurons stepped as one (nil: per core)
	glob   *globalFan  // merged cores' by-source copy and input (nil: per core)
	// foldCores: the cores' own inputs may hold a delivery from before
	// (glob ignores them once they are folded).
	foldCores bool
	out       [][]int32
	step      int64
	// OnStep, if set, is called after each step with its spikes (read
	// only), on the goroutine that runs the model: a place to record a
	// raster without touching the timing model.
	OnStep func(step int64, spikes [][]int32)
}

// globalFan is the by-source copy of the synapse tables when the cores'
// neurons are merged (mergedCUBA): one input array for all cores, laid out
// as the merged ge and gi (every neuron's exc input, then every neuron's
// inh input), and entries that name their target by its index x there, so
// that a delivery is in[x] += w and its fold ge_or_gi[x] += in[x]. Over
// 748 cores of 56 neurons the per-core inputs are 748 separate arrays and a
// per-core fold loop; these are two arrays of 4·N bytes that stay in the
// cache and a loop over the touched neurons only.
//
// An input nothing arrived at holds −0, which adds nothing to any value
// (x + −0 = x, also for x = ±0; the copy's weights are never −0, so a sum
// from −0 equals the sum from +0): with AVX-512 the kernel folds every
// neuron's input as it reads the state (mergedCUBA.advanceFold) and resets
// it to −0. Without, the neurons a step's delivery touched are the targets
// of the entries of its spikes, so the next step folds those entries again
// instead of keeping a touched list (duplicates, as in a touched list, add
// −0).
type globalFan struct {
	in    []float32 // 2·N: the next step's input by x, −0 where none
	parts []fanPart // by ascending first neuron; one or two (built in parallel)
	touch uint32    // a sum of entries read ahead, kept so that the reads stay
}

// fanPart is the copy of the synapses of the merged neurons from first on
// (up to the next part's first): neuron first+j's synapses are
// x[at[j]:at[j+1]], with weights w[at[j]:at[j+1]] or, when w is nil (every
// neuron's synapses share one weight, as in the CUBA network), all nw[j].
// Four bytes a synapse instead of eight: less to write when building and to
// read when delivering.
type fanPart struct {
	first int32
	at    []int32
	x     []int32   // channel·N + merged target index
	w     []float32 // the quantised weights; nil: nw
	nw    []float32 // per neuron: the weight of its synapses, while w is nil
}

// plusZero returns w, +0 for −0. The input a synapse adds into starts at
// −0 (advanceFold); adding +0 instead of a −0 weight keeps every sum what
// it is from a +0 start (+0 + −0 = +0), and a sum from −0 that the first
// weight is not −0 of equals the sum from +0.
func plusZero(w float32) float32 {
	if w == 0 {
		return 0
	}
	return w
}

// of returns merged neuron j's part and its index there.
func (g *globalFan) of(j int32) (*fanPart, int32) {
	p := &g.parts[0]
	if len(g.parts) > 1 && j >= g.parts[1].first {
		p = &g.parts[1]
	}
	return p, j - p.first
}

// add appends a synapse of neuron k (the part's last, whose synapses start
// at start) with weight w. The first weight that differs from its neuron's
// makes the per-synapse weights.
func (p *fanPart) add(k, start int, x int32, w float32) {
	p.x = append(p.x, x)
	switch {
	case p.w != nil:
		p.w = append(p.w, w)
	case len(p.x)-1 == start:
		p.nw[k] = w
	case math.Float32bits(w) != math.Float32bits(p.nw[k]):
		p.w = make([]float32, len(p.x)-1, cap(p.x))
		for j := range k + 1 {
			end := len(p.w)
			if j < k {
				end = int(p.at[j+1])
			}
			for i := p.at[j]; i < int32(end); i++ {
				p.w[i] = p.nw[j]
			}
		}
		p.w = append(p.w, w)
	}
}

// NewFunctional returns the functional model of cores; core i must have ID i
// (routes name cores by ID), and every route must name one of the cores and
// one of its axons. It records in each core, per route, the destination
// axon's synapse count (for Core.ReceiveFrom).
//
// When the cores' CUBA neurons are merged, the model keeps their pending
// input itself: run one Functional at a time on a set of cores.
func NewFunctional(cores []*Core) (*Functional, error) {
	for i, c := range cores {
		if int(c.id) != i {
			return nil, fmt.Errorf("core: functional model: core %d has ID %d", i, c.id)
		}
		if c.syn == nil {
			return nil, fmt.Errorf("core: functional model: core %d's deferred synapse table is not set", i)
		}
		if c.routeStart == nil {
			return nil, fmt.Errorf("core: functional model: core %d's deferred routes are not set", i)
		}
	}
	routes, synapses, nrn := 0, 0, 0
	base := make([]int32, len(cores)) // merged index of each core's first neuron
	// The tables' headers side by side: a route reads its destination's
	// from here (one cache line per few cores) rather than through the
	// core and its table, two dependent loads before the axon's.
	tabs := make([]tableRef, len(cores))
	for i, c := range cores {
		tabs[i] = tableRef{axons: c.syn.axons, target: c.syn.target, weight: c.syn.weight}
		routes += len(c.routes)
		synapses += c.syn.Len()
		base[i] = int32(nrn)
		nrn += c.nrn.Len()
	}
	glob := mergeable(cores) && 2*nrn < 1<<31
	// One pass over the routes checks them, records their synapse counts
	// and copies the synapses by source neuron while there are at most
	// fanCopyMaxPerRoute per route on average. The axon entry and the
	// targets a route reads are on another core, cache misses that the
	// hardware does not prefetch (one stream per destination core), so
	// with merged cores two goroutines each take the cores of about half
	// the routes (the copy is the same; the Step reads it in two parts).
	limit := min(fanCopyMaxPerRoute*routes, 1<<31-1)
	allSyn := make([]int32, routes)
	parts := []*fanBuild{{lo: 0, hi: len(cores)}}
	if glob && routes >= parallelBuildRoutes {
		h, sum := 0, 0
		for h < len(cores) && 2*sum < routes {
			sum += len(cores[h].routes)
			h++
		}
		parts = []*fanBuild{{lo: 0, hi: h}, {lo: h, hi: len(cores)}}
	}
	off := 0
	for _, b := range parts {
		b.routeOff = off
		for _, c := range cores[b.lo:b.hi] {
			off += len(c.routes)
		}
		// For a capacity, the synapses the part's routes reach if each
		// axon is reached once, as in the chip's tables.
		b.capacity = min(int(float64(synapses)*float64(off-b.routeOff)/float64(max(routes, 1)))*21/20+1024, limit)
	}
	if len(parts) == 2 {
		done := make(chan struct{})
		go func() {
			parts[1].run(cores, tabs, base, nrn, glob, limit, allSyn)
			close(done)
		}()
		parts[0].run(cores, tabs, base, nrn, glob, limit, allSyn)
		<-done
	} else {
		parts[0].run(cores, tabs, base, nrn, glob, limit, allSyn)
	}
	copyFan, total := true, 0
	for _, b := range parts {
		if b.err != nil {
			return nil, b.err // the first part's first: the first bad route
		}
		total += b.total
		copyFan = copyFan && b.copied
	}
	copyFan = copyFan && total <= limit
	f := &Functional{cores: cores, out: make([][]int32, len(cores)), ins: make([]*input, len(cores)), merged: newMergedCUBA(cores)}
	off = 0
	for i, c := range cores {
		c.routeSyn = allSyn[off : off+len(c.routes) : off+len(c.routes)]
		off += len(c.routes)
		f.out[i] = make([]int32, 0, c.nrn.Len())
		f.ins[i] = &c.in
	}
	switch {
	case !copyFan:
	case glob:
		f.glob = &globalFan{in: make([]float32, 2*nrn)}
		for i := range f.glob.in {
			f.glob.in[i] = negZero
		}
		for _, b := range parts {
			f.glob.parts = append(f.glob.parts, b.part)
		}
		for _, c := range cores {
			f.foldCores = f.foldCores || !c.in.clean()
		}
	default:
		f.fanAt, f.fan = parts[0].fanAt, parts[0].fan
	}
	return f, nil
}

// tableRef is a synapse table's slices.
type tableRef struct {
	axons  []axon
	target []int32
	weight []float32
}

// parallelBuildRoutes: NewFunctional builds the copy of merged cores on two
// goroutines from this many routes on (a variable for tests).
var parallelBuildRoutes = 1 << 16

// fanBuild is NewFunctional's pass over the routes of cores [lo, hi): it
// records their synapse counts in allSyn from routeOff on and copies their
// synapses by source neuron (part with merged cores, fanAt and fan
// otherwise) until they exceed limit.
type fanBuild struct {
	lo, hi   int
	routeOff int
	capacity int // of the copy

	err    error
	total  int  // synapses the routes reach
	copied bool // the copy is complete (total ≤ limit)
	part   fanPart
	fanAt  [][]int32
	fan    []fanEntry
}

func (b *fanBuild) run(cores []*Core, tabs []tableRef, base []int32, nrn int, glob bool, limit int, allSyn []int32) {
	b.copied = true
	allSyn = allSyn[b.routeOff:]
	if glob {
		n := 0
		for _, c := range cores[b.lo:b.hi] {
			n += c.nrn.Len()
		}
		if b.lo < len(base) {
			b.part.first = base[b.lo]
		}
		b.part.at = make([]int32, 1, n+1)
		b.part.x = make([]int32, 0, b.capacity)
		b.part.nw = make([]float32, n)
	} else {
		b.fanAt = make([][]int32, len(cores))
		b.fan = make([]fanEntry, 0, b.capacity)
	}
	fan, part := b.fan, &b.part
	for i := b.lo; i < b.hi; i++ {
		c := cores[i]
		rt := c.routes
		rs := allSyn[:len(rt):len(rt)]
		allSyn = allSyn[len(rt):]
		var at []int32
		if !glob {
			at = make([]int32, 1, c.nrn.Len()+1)
			at[0] = int32(len(fan))
		}
		for n := 0; n < c.nrn.Len(); n++ {
			for k := c.routeStart[n]; k < c.routeStart[n+1]; k++ {
				r := rt[k]
				if int(r.Core) >= len(tabs) || int(r.Axon) >= len(tabs[r.Core].axons) {
					b.err = fmt.Errorf("core: core %d neuron %d routes to core %d axon %d, which does not exist", i, n, r.Core, r.Axon)
					return
				}
				s := &tabs[r.Core]
				ax := &s.axons[r.Axon]
				rs[k] = ax.end - ax.start
				b.total += int(rs[k])
				if !b.copied {
					continue
				}
				if b.total > limit {
					// Long axons: reading them from the tables costs little
					// more than a copy would, and the copy would cost memory
					// and building time.
					b.copied, fan, part.x, part.w = false, nil, nil, nil
					continue
				}
				tg := s.target[ax.start:ax.end]
				if glob {
					x0 := int32(ax.ch&1)*int32(nrn) + base[r.Core]
					k, start := len(part.at)-1, int(part.at[len(part.at)-1])
					if ax.shared && part.w == nil && len(part.x) > start &&
						math.Float32bits(plusZero(ax.w)) == math.Float32bits(part.nw[k]) {
						for _, t := range tg { // the neuron's weight again
							part.x = append(part.x, x0+t)
						}
						continue
					}
					for j, t := range tg {
						w := ax.w
						if !ax.shared {
							w = s.weight[int(ax.start)+j]
						}
						part.add(k, start, x0+t, plusZero(w))
					}
					continue
				}
				for j, t := range tg {
					w := ax.w
					if !ax.shared {
						w = s.weight[int(ax.start)+j]
					}
					fan = append(fan, fanEntry{core: r.Core, target: t, w: w, ch: ax.ch & 1})
				}
			}
			if !b.copied {
				continue
			}
			if glob {
				part.at = append(part.at, int32(len(part.x)))
			} else {
				at = append(at, int32(len(fan)))
			}
		}
		if !glob {
			b.fanAt[i] = at
		}
	}
	b.fan = fan
}

// clean reports whether the input holds nothing to fold.
func (in *input) clean() bool {
	if len(in.touched[Exc])+len(in.touched[Inh]) > 0 {
		return false
	}
	for _, v := range in.v {
		for _, x := range v {
			if x != 0 {
				return false
			}
		}
	}
	return true
}

// fanCopyMaxPerRoute: the functional model copies the synapse tables by
// source neuron when routes carry at most this many synapses on average
// (on the default chip at 40 000 CUBA neurons, 1.05; at 4 000, about 20).
const fanCopyMaxPerRoute = 4

// fanEntry is one synapse in the functional model's by-source copy: the
// destination core, the neuron there, the quantised weight and the channel.
type fanEntry struct {
	core, target int32
	w            float32
	ch           Channel
}

// Active returns, when the model knows them, the cores with spikes in the
// last step, ascending (read only, valid until the next Step); nil means
// any core may have some.
func (f *Functional) Active() []int32 {
	if f.merged != nil {
		return f.merged.hot
	}
	return nil
}

// Step runs one step and returns the spikes of each core (valid until the
// next Step).
func (f *Functional) Step() [][]int32 {
	if g := f.glob; g != nil {
		f.stepGlobal(g)
	} else {
		f.stepCores()
	}
	if f.OnStep != nil {
		f.OnStep(f.step, f.out)
	}
	f.step++
	return f.out
}

// stepGlobal is Step for merged cores with a by-source copy: it folds the
// input the last step's spikes delivered (in the kernel with AVX-512),
// steps every neuron, and delivers this step's spikes in merged index order
// (core by core, spike by spike).
func (f *Functional) stepGlobal(g *globalFan) {
	m := f.merged
	if f.foldCores {
		m.fold(f.cores)
		f.foldCores = false
	}
	in, st := g.in, m.g
	if useAVX512 {
		m.advanceFold(f.out, in)
	} else {
		for _, j := range m.spk {
			p, k := g.of(j)
			for _, x := range p.x[p.at[k]:p.at[k+1]] {
				st[x] += in[x]
				in[x] = negZero
			}
		}
		m.advance(f.out)
	}
	// Read every cache line of the spikes' synapses first: independent
	// loads that miss together, where the delivery loop would meet them
	// one run at a time.
	var touch uint32
	for _, j := range m.spk {
		p, k := g.of(j)
		xs := p.x[p.at[k]:p.at[k+1]]
		for i := 0; i < len(xs); i += 16 {
			touch += uint32(xs[i])
		}
	}
	g.touch += touch
	for _, j := range m.spk {
		p, k := g.of(j)
		a, b := p.at[k], p.at[k+1]
		xs := p.x[a:b]
		if p.w == nil {
			w := p.nw[k]
			for _, x := range xs {
				in[x] += w
			}
			continue
		}
		ws := p.w[a:b]
		ws = ws[:len(xs)]
		for i, x := range xs {
			in[x] += ws[i]
		}
	}
}

// stepCores is Step with per-core inputs.
func (f *Functional) stepCores() {
	if f.merged != nil {
		f.merged.step(f.cores, f.out)
	} else {
		for i, c := range f.cores {
			f.out[i] = c.update(f.out[i][:0])
		}
	}
	if f.fanAt == nil {
		for i, c := range f.cores {
			for _, n := range f.out[i] {
				for _, r := range c.routes[c.routeStart[n]:c.routeStart[n+1]] {
					d := f.cores[r.Core]
					d.syn.deliver(r.Axon, &d.in)
				}
			}
		}
	}
	for i := range f.fanAt {
		at := f.fanAt[i]
		for _, n := range f.out[i] {
			for _, e := range f.fan[at[n]:at[n+1]] {
				in := f.ins[e.core]
				in.v[e.ch][e.target] += e.w
				in.touched[e.ch] = append(in.touched[e.ch], e.target)
			}
		}
	}
}

// Spikes implements SpikeSource by running Step inline.
func (f *Functional) Spikes(step int64) [][]int32 {
	if step != f.step {
		panic(fmt.Sprintf("core: functional model asked for step %d at step %d", step, f.step))
	}
	return f.Step()
}

// Pipeline runs a Functional model ahead of the timing model on its own
// goroutine, in chunks of steps, so that neuron updates overlap with the
// NoC simulation. Chunks start small (the timing model waits only for the
// first) and double up to a maximum, so the goroutines hand over rarely: on
// a loaded machine every hand-over that blocks can cost a scheduler wake-up.
// Results are those of Functional.Step in order, whatever the scheduling of
// goroutines.
type Pipeline struct {
	cores int
	full  chan *chunk
	free  chan *chunk
	stop  chan struct{}
	cur   *chunk
	view  [][]int32
	keep  atomic.Int32 // chunks to keep in use (Keep)
	live  int          // chunks in use (the producer's)
}

// chunk holds the spikes of steps [first, first+n): step first+k's core i
// spikes are spikes[off[k·cores+i]:off[k·cores+i+1]].
type chunk struct {
	first  int64
	n      int
	off    []int32
	spikes []int32
}

// NewPipeline starts running f for steps steps, in chunks of firstChunk
// steps doubling up to maxChunk, with at most depth chunks ahead of the
// consumer. Close stops it.
func NewPipeline(f *Functional, steps int64, firstChunk, maxChunk, depth int) *Pipeline {
	firstChunk, depth = max(firstChunk, 1), max(depth, 1)
	maxChunk = max(maxChunk, firstChunk)
	p := &Pipeline{cores: len(f.cores), full: make(chan *chunk, depth), free: make(chan *chunk, depth),
		stop: make(chan struct{}), view: make([][]int32, len(f.cores))}
	for range depth {
		p.free <- &chunk{}
	}
	p.keep.Store(int32(depth))
	p.live = depth
	go p.run(f, steps, firstChunk, maxChunk)
	return p
}

// Keep lowers the number of chunks the model may run ahead to depth (at
// least 1): chunks beyond it are dropped as the consumer hands them back,
// the first (smallest) first, instead of grown to the full size and
// filled again. It may be called while the model runs.
func (p *Pipeline) Keep(depth int) {
	p.keep.Store(int32(max(1, min(depth, math.MaxInt32))))
}

func (p *Pipeline) run(f *Functional, steps int64, chunkSteps, maxChunk int) {
	emitted := 0 // spikes so far
	for first := int64(0); first < steps; first, chunkSteps = first+int64(chunkSteps), min(2*chunkSteps, maxChunk) {
		var ch *chunk
		for ch == nil {
			select {
			case ch = <-p.free:
			case <-p.stop:
				return
			}
			if p.live > int(p.keep.Load()) {
				ch, p.live = nil, p.live-1 // dropped: Keep
			}
		}
		ch.first, ch.n = first, int(min(int64(chunkSteps), steps-first))
		// Room for every offset, and for the spikes at the rate so far
		// plus a quarter, so that the chunk rarely grows (a chunk of 1024
		// steps of 748 cores holds 3 MB of offsets).
		if cap(ch.off) < ch.n*p.cores+1 {
			// On huge pages: 3 MB at 1 024 steps of 748 cores, written
			// through once a chunk.
			ch.off = mem.MakeHuge[int32](ch.n*p.cores + 1)
		}
		off := ch.off[:ch.n*p.cores+1]
		spikes := ch.spikes[:0]
		if first > 0 {
			spikes = slices.Grow(spikes, int(float64(emitted)/float64(first)*float64(ch.n)*1.25))
		}
		off[0] = 0
		k := 1
		for range ch.n {
			out := f.Step()
			if f.merged == nil {
				for _, s := range out {
					if len(s) > 0 {
						spikes = append(spikes, s...)
					}
					off[k] = int32(len(spikes))
					k++
				}
				continue
			}
			// Merged cores name the cores with spikes: 748 slices
			// need not be read.
			at, c := int32(len(spikes)), 0
			for _, h := range f.merged.hot {
				fill(off[k:k+int(h)-c], at)
				k += int(h) - c
				spikes = append(spikes, out[h]...)
				at = int32(len(spikes))
				off[k] = at
				k++
				c = int(h) + 1
			}
			fill(off[k:k+len(out)-c], at)
			k += len(out) - c
		}
		emitted += len(spikes)
		ch.off, ch.spikes = off, spikes
		select {
		case p.full <- ch:
		case <-p.stop:
			return
		}
	}
}

// fill sets every element of s to v.
func fill(s []int32, v int32) {
	for i := range s {
		s[i] = v
	}
}

// Spikes implements SpikeSource; it waits for the functional goroutine when
// the timing model has caught up with it.
func (p *Pipeline) Spikes(step int64) [][]int32 {
	if p.cur == nil || step >= p.cur.first+int64(p.cur.n) {
		if p.cur != nil {
			p.free <- p.cur
		}
		p.cur = <-p.full
	}
	k := int(step - p.cur.first)
	if k < 0 || k >= p.cur.n {
		panic(fmt.Sprintf("core: pipeline asked for step %d, chunk holds %d…%d", step, p.cur.first, p.cur.first+int64(p.cur.n)-1))
	}
	base := k * p.cores
	for i := range p.view {
		p.view[i] = p.cur.spikes[p.cur.off[base+i]:p.cur.off[base+i+1]]
	}
	return p.view
}

// Close stops the functional goroutine (if it is still running).
func (p *Pipeline) Close() { close(p.stop) }
