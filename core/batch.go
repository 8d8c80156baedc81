package core

import (
	"errors"
	"fmt"
	"slices"

	"github.com/neurosim/neurosim/sim"
)

// Batched steps. When the interconnect fixes every delivery's time at the
// moment a spike is sent (the analytic NoC model: a packet's ports are
// booked when it is launched), a barrier step is a closed computation:
// its release time, each core's spikes and the cores' timing figures
// determine every emission, every delivery and the step's end. RunBatch
// evaluates each step that way instead of firing one engine event per
// spike and per delivery cycle. Within a step it fires the spike
// emissions in the engine's order (time, then scheduling order, which it
// reproduces with its own sequence numbers), and the sender (BatchStep)
// times the deliveries and each core's processing of them in order of
// arrival. The counters, step times and the sender's statistics are those
// of Start and the engine (chip's TestBatchMatchesEvents).
//
// Steps are independent but for their release times: a step starts with
// idle cores and idle NoC ports (the barrier waits for the last delivery
// and then at least one NoC cycle more). When every time the cores and
// the barrier add is a whole number of NoC cycles, a step's course
// relative to its release does not depend on the release, so workers
// compute steps on other goroutines while the functional model runs
// ahead, and only the chain of release times is sequential.

// BatchSender is a Sender whose deliveries are fixed by the spikes sent.
type BatchSender interface {
	// NewBatch returns a worker with idle ports and zero counts whose
	// cores process a step's deliveries as Core.Receive does: core i from
	// free[i] after the step's release (its neuron updates), a delivery
	// for its synapses · unit[i], one at a time in order of arrival.
	NewBatch(free, unit []sim.Time) (BatchStep, error)
	// SlotPeriod is the length of a delivery cycle.
	SlotPeriod() sim.Time
}

// BatchStep computes one step at a time. One goroutine uses it at a time.
type BatchStep interface {
	// Send sends, at time now, the spike of core src's neuron along its
	// routes and returns the number of packets injected (0 for a neuron
	// without routes). A step's calls come in the engine's order of the
	// spikes.
	Send(now sim.Time, src, neuron int32) int
	// EndStep ends the step released at now: the cores process its
	// deliveries. It returns the latest time a core's processing of a
	// delivery ends (now without deliveries) and the number of distinct
	// cycles deliveries fall in. (The deliveries of one cycle are one
	// engine event in the event-driven sender, the NoC's delivery wheel.)
	EndStep(now sim.Time) (sim.Time, uint64)
	// Received returns the packets core i received and the synaptic
	// operations they cost, over the steps ended so far.
	Received(i int) (packets, synapses uint64)
	// Merge adds the worker's counts into the sender's statistics. It is
	// called once, after the last step, on the goroutine that made the
	// sender.
	Merge()
}

// BatchPrefetcher is a BatchStep that can be told which spikes come next:
// the worker names the next step's spikes before it computes the current
// one, so that what Send reads of them (a neuron's routes) is fetched
// meanwhile. It changes no result.
type BatchPrefetcher interface {
	Prefetch(src, neuron int32)
}

// Hooked reports whether a hook is attached to the barrier or any of its
// cores (RunBatch needs none: hooks see each event as it fires).
func (b *Barrier) Hooked() bool {
	if b.NumHooks() > 0 {
		return true
	}
	for _, c := range b.cores {
		if c.NumHooks() > 0 {
			return true
		}
	}
	return false
}

// BatchMode reports whether RunBatch can run the barrier's cores with
// deliveries timed in cycles of period slot (ok: no hooks, and a barrier
// of at least one such cycle), and whether workers may compute steps
// apart from their release times (aligned: the cores' clock periods, the
// barrier time and the minimum step are whole numbers of cycles).
func (b *Barrier) BatchMode(slot sim.Time) (ok, aligned bool) {
	bar := nsToTime(b.chip.BarrierNS(len(b.cores)))
	if slot <= 0 || b.running || len(b.cores) == 0 || b.Hooked() || bar < slot {
		return false, false
	}
	aligned = bar%slot == 0 && b.minStep%slot == 0
	for _, c := range b.cores {
		aligned = aligned && c.period%slot == 0
	}
	return true, aligned
}

// RunBatch runs steps steps from the scheduler's current time with the
// spikes src supplies, sending through out instead of the cores' Sender,
// and returns the number of engine events the event-driven run fires
// (releases, spike emissions and delivery cycles). With workers 0 it runs
// on the calling goroutine; otherwise src runs ahead on a goroutine of its
// own and, when BatchMode says aligned, that many workers compute the
// steps' timing. The results do not depend on workers. It fails when
// BatchMode does not allow it.
func (b *Barrier) RunBatch(steps int64, src SpikeSource, out BatchSender, workers int) (uint64, error) {
	if out == nil || src == nil {
		return 0, errors.New("core: batched steps with a nil sender or spike source")
	}
	if steps < 1 {
		return 0, fmt.Errorf("core: %d steps", steps)
	}
	slot := out.SlotPeriod()
	ok, aligned := b.BatchMode(slot)
	if !ok {
		return 0, errors.New("core: batched steps need no hooks and a barrier of at least one delivery cycle")
	}
	b.src = src
	b.barrier = nsToTime(b.chip.BarrierNS(len(b.cores)))
	b.running, b.steps = true, steps
	defer func() { b.running = false }()
	pl := newBatchPlan(b, slot)
	var ws []*batchWorker
	newWorker := func() (*batchWorker, error) {
		s, err := out.NewBatch(pl.upd, pl.synT)
		if err != nil {
			return nil, err
		}
		w := newBatchWorker(pl, s)
		ws = append(ws, w)
		return w, nil
	}
	w0, err := newWorker()
	if err != nil {
		return 0, err
	}
	now := b.sched.Now()
	var events uint64
	release := func(rel sim.Time, ev uint64) {
		events += ev
		b.start, b.latest = now, now+rel
		next := b.latest + b.barrier
		b.waited += b.barrier
		now = max(next, b.start+b.minStep)
	}
	switch {
	case workers <= 0:
		// One step ahead of the timing, so that the next step's routes
		// are prefetched while this one is timed.
		cur := w0.flatten(src.Spikes(0), &w0.bufs[0])
		for t := range steps {
			b.step = t
			var next stepSpikes
			if t+1 < steps {
				next = w0.flatten(src.Spikes(t+1), &w0.bufs[(t+1)&1])
				w0.prefetch(next)
			}
			rel, ev := w0.step(now, cur)
			release(rel, ev)
			cur = next
		}
	case !aligned:
		r := newBatchRunner(pl, src, steps, 0)
		for ch := range r.inOrder() {
			for k := range ch.n {
				b.step = ch.first + int64(k)
				if k+1 < ch.n {
					w0.prefetch(ch.step(k+1, len(b.cores)))
				}
				rel, ev := w0.step(now, ch.step(k, len(b.cores)))
				release(rel, ev)
			}
		}
	default:
		for range workers - 1 {
			if _, err := newWorker(); err != nil {
				return 0, err
			}
		}
		r := newBatchRunner(pl, src, steps, len(ws))
		for _, w := range ws {
			go r.run(w)
		}
		for ch := range r.inOrder() {
			for k := range ch.n {
				b.step = ch.first + int64(k)
				release(ch.rel[k], ch.ev[k])
			}
		}
	}
	for _, w := range ws {
		w.merge()
	}
	b.end = now
	// What every step adds alike (Core.begin's counts).
	for _, c := range b.cores {
		n := uint64(c.nrn.Len())
		c.cnt.NeuronUpdates += uint64(steps) * n
		c.cnt.Barriers += uint64(steps)
		c.cycles(uint64(steps) * n * uint64(c.kind.CyclesPerNeuronUpdate))
		c.step = b.step
	}
	return events, nil
}

// batchPlan is what every worker reads of the cores (read only).
type batchPlan struct {
	b      *Barrier
	slot   sim.Time
	upd    []sim.Time // per core: the time its neuron updates take
	synT   []sim.Time // per core: the time one synaptic operation takes
	nrnT   []sim.Time // per core: the time one neuron's update takes
	outT   []sim.Time // per core: the time sending one spike takes
	maxUpd sim.Time
}

func newBatchPlan(b *Barrier, slot sim.Time) *batchPlan {
	nc := len(b.cores)
	p := &batchPlan{b: b, slot: slot, upd: make([]sim.Time, nc), synT: make([]sim.Time, nc),
		nrnT: make([]sim.Time, nc), outT: make([]sim.Time, nc)}
	for i, c := range b.cores {
		p.nrnT[i] = sim.Time(c.kind.CyclesPerNeuronUpdate) * c.period
		p.outT[i] = sim.Time(c.kind.CyclesPerSpikeOut) * c.period
		p.upd[i] = sim.Time(c.nrn.Len()) * p.nrnT[i]
		p.synT[i] = sim.Time(c.kind.CyclesPerSynOp) * c.period
		p.maxUpd = max(p.maxUpd, p.upd[i])
	}
	return p
}

// batchWorker computes steps with one BatchStep; its counts are added to
// the cores by merge.
type batchWorker struct {
	pl    *batchPlan
	s     BatchStep
	pf    BatchPrefetcher // s, if it is one
	emit  emitHeap
	seq   uint64
	emitT []sim.Time    // per core: when its previous spike of the step left
	next  []int32       // per core: where its next spike of the step is in the step's spikes
	bufs  [2]stepSpikes // flatten's buffers
	// per core: spikes sent and packets sent
	spk, pout []uint64
}

func newBatchWorker(pl *batchPlan, s BatchStep) *batchWorker {
	nc := len(pl.b.cores)
	pf, _ := s.(BatchPrefetcher)
	return &batchWorker{pl: pl, s: s, pf: pf, emitT: make([]sim.Time, nc), next: make([]int32, nc),
		spk: make([]uint64, nc), pout: make([]uint64, nc)}
}

// prefetch names a step's spikes to the sender (BatchPrefetcher).
func (w *batchWorker) prefetch(sp stepSpikes) {
	if w.pf == nil {
		return
	}
	off := sp.off[:len(w.pl.b.cores)+1]
	for i := range len(off) - 1 {
		for _, n := range sp.flat[off[i]:off[i+1]] {
			w.pf.Prefetch(int32(i), n)
		}
	}
}

// stepSpikes is one step's spikes: core i's are flat[off[i]:off[i+1]].
type stepSpikes struct {
	off, flat []int32
}

// flatten lays out a spike source's step as stepSpikes in buf.
func (w *batchWorker) flatten(spikes [][]int32, buf *stepSpikes) stepSpikes {
	if len(spikes) != len(w.pl.b.cores) {
		panic(fmt.Sprintf("core: spike source gave %d cores' spikes for %d cores", len(spikes), len(w.pl.b.cores)))
	}
	off, flat := append(buf.off[:0], 0), buf.flat[:0]
	for _, sp := range spikes {
		flat = append(flat, sp...)
		off = append(off, int32(len(flat)))
	}
	buf.off, buf.flat = off, flat
	return *buf
}

// step runs one step released at now with the cores' spikes and returns
// the latest time it notes (the end of the last core's work or the last
// emission) less now, and the engine events the event-driven run fires
// for it.
func (w *batchWorker) step(now sim.Time, sp stepSpikes) (sim.Time, uint64) {
	pl := w.pl
	cores := pl.b.cores
	off, flat := sp.off[:len(cores)+1], sp.flat
	latest := now + pl.maxUpd // every core's update is noted
	events := uint64(1)       // the release
	w.emit = w.emit[:0]
	for i := range cores {
		if a := off[i]; a < off[i+1] {
			w.next[i], w.emitT[i] = a, now
			w.seq++
			w.emit.push(emitEntry{t: w.nextEmit(i, now, flat[a]), seq: w.seq, core: int32(i)})
		}
	}
	sent := false
	for len(w.emit) > 0 {
		e := w.emit.pop()
		ci := int(e.core)
		events++
		i := flat[w.next[ci]]
		w.spk[ci]++
		latest = max(latest, e.t)
		if k := w.s.Send(e.t, int32(ci), i); k > 0 {
			w.pout[ci] += uint64(k)
			sent = true
		}
		w.next[ci]++
		if k := w.next[ci]; k < off[ci+1] {
			w.seq++
			w.emit.push(emitEntry{t: w.nextEmit(ci, now, flat[k]), seq: w.seq, core: e.core})
		}
	}
	if !sent {
		return latest - now, events
	}
	end, cycles := w.s.EndStep(now)
	return max(latest, end) - now, events + cycles
}

// nextEmit times the emission of core ci's next spike of the step
// released at now, from neuron i, as Core.scheduleSpike does.
func (w *batchWorker) nextEmit(ci int, now sim.Time, i int32) sim.Time {
	ready := now + sim.Time(uint64(i)+1)*w.pl.nrnT[ci]
	w.emitT[ci] = max(ready, w.emitT[ci]) + w.pl.outT[ci]
	return w.emitT[ci]
}

// merge adds the worker's counts to the cores and the sender's.
func (w *batchWorker) merge() {
	for i, c := range w.pl.b.cores {
		cps := uint64(c.kind.CyclesPerSynOp)
		so := uint64(c.kind.CyclesPerSpikeOut)
		pin, syn := w.s.Received(i)
		c.cnt.SynOps += syn
		c.cnt.PacketsIn += pin
		c.cnt.SpikesOut += w.spk[i]
		c.cnt.PacketsOut += w.pout[i]
		c.cycles(syn*cps + w.spk[i]*so) // Core.receive's and the emissions'
		w.spk[i], w.pout[i] = 0, 0
	}
	w.s.Merge()
}

// emitEntry is a pending spike emission: its time, its scheduling order
// and its core.
type emitEntry struct {
	t    sim.Time
	seq  uint64
	core int32
}

// emitHeap is a binary min-heap of emissions by (time, seq): the engine's
// order of the cores' emission events.
type emitHeap []emitEntry

func (e emitEntry) before(o emitEntry) bool {
	return e.t < o.t || e.t == o.t && e.seq < o.seq
}

func (h *emitHeap) push(e emitEntry) {
	*h = append(*h, e)
	a := *h
	k := len(a) - 1
	for k > 0 {
		p := (k - 1) / 2
		if !a[k].before(a[p]) {
			break
		}
		a[k], a[p] = a[p], a[k]
		k = p
	}
}

func (h *emitHeap) pop() emitEntry {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	k := 0
	for {
		l := 2*k + 1
		if l >= len(a) {
			break
		}
		m := l
		if r := l + 1; r < len(a) && a[r].before(a[l]) {
			m = r
		}
		if !a[m].before(a[k]) {
			break
		}
		a[k], a[m] = a[m], a[k]
		k = m
	}
	*h = a
	return top
}

// batchChunk holds the spikes of steps [first, first+n) — step first+k's
// core i spikes are spikes[off[k·cores+i]:off[k·cores+i+1]] — and, once a
// worker has run them, each step's latest note less its release and its
// engine events.
type batchChunk struct {
	first  int64
	n      int
	off    []int32
	spikes []int32
	rel    []sim.Time
	ev     []uint64
	pc     *chunk // the Pipeline chunk off and spikes belong to, if this is its last piece
	buf    chunk  // storage of the spikes otherwise
}

// step returns step k's spikes (nc cores).
func (ch *batchChunk) step(k, nc int) stepSpikes {
	return stepSpikes{ch.off[k*nc : (k+1)*nc+1], ch.spikes}
}

// batchRunner runs the spike source ahead on its own goroutine, in chunks
// of steps that start small (the first is ready soon) and double up to a
// maximum, and hands them to workers.
type batchRunner struct {
	pipe    *Pipeline // the spike source, when it is one
	steps   int64
	workers int
	work    chan *batchChunk // filled, in step order
	done    chan *batchChunk // run by a worker, in any order
	free    chan *batchChunk
}

// Chunks of batchFirst steps doubling up to batchMax.
// A pipeline's chunks go to workers in pieces of at most batchPiece steps.
const (
	batchFirst = 16
	batchMax   = 1024
	batchPiece = 128
)

func newBatchRunner(pl *batchPlan, src SpikeSource, steps int64, workers int) *batchRunner {
	depth := 4*workers + 2
	r := &batchRunner{steps: steps, workers: workers, work: make(chan *batchChunk, depth),
		done: make(chan *batchChunk, depth), free: make(chan *batchChunk, depth)}
	for range depth {
		r.free <- &batchChunk{}
	}
	nc := len(pl.b.cores)
	p, _ := src.(*Pipeline)
	if p != nil && p.cores != nc {
		panic(fmt.Sprintf("core: pipeline of %d cores for %d cores", p.cores, nc))
	}
	r.pipe = p
	go func() {
		defer close(r.work)
		size := batchFirst
		for first := int64(0); first < steps; {
			if p == nil {
				ch := <-r.free
				ch.first, ch.n = first, int(min(int64(size), steps-first))
				size = min(2*size, batchMax)
				off, spikes := append(ch.buf.off[:0], 0), ch.buf.spikes[:0]
				for k := range ch.n {
					sp := src.Spikes(first + int64(k))
					if len(sp) != nc {
						panic(fmt.Sprintf("core: spike source gave %d cores' spikes for %d cores", len(sp), nc))
					}
					for _, s := range sp {
						if len(s) > 0 {
							spikes = append(spikes, s...)
						}
						off = append(off, int32(len(spikes)))
					}
				}
				ch.buf.off, ch.buf.spikes = off, spikes
				ch.off, ch.spikes = off, spikes
				first += int64(ch.n)
				r.send(ch)
				continue
			}
			// The pipeline's chunks already hold steps in this layout:
			// pass them on in pieces of at most batchPiece steps (so that
			// workers share the last ones), and back when the last piece
			// is done (inOrder).
			var pc *chunk
			var ok bool
			select {
			case pc, ok = <-p.full:
			case <-p.stop:
			}
			if !ok || pc.first != first {
				panic("core: pipeline closed or out of step under a batched run")
			}
			// Read pc before its last piece goes out: the pipeline may
			// reuse it as soon as that piece is done.
			n, off, spikes := pc.n, pc.off, pc.spikes
			for k0 := 0; k0 < n; k0 += batchPiece {
				ch := <-r.free
				ch.first, ch.n = first+int64(k0), min(batchPiece, n-k0)
				ch.off, ch.spikes = off[k0*nc:], spikes
				if k0+ch.n == n {
					ch.pc = pc
				}
				r.send(ch)
			}
			first += int64(n)
		}
	}()
	return r
}

// send sizes a filled chunk's results and hands it to the workers.
func (r *batchRunner) send(ch *batchChunk) {
	ch.rel = slices.Grow(ch.rel[:0], ch.n)[:ch.n]
	ch.ev = slices.Grow(ch.ev[:0], ch.n)[:ch.n]
	r.work <- ch
}

// run is a worker: it runs each chunk's steps relative to their releases.
func (r *batchRunner) run(w *batchWorker) {
	nc := len(w.pl.b.cores)
	for ch := range r.work {
		for k := range ch.n {
			if k+1 < ch.n {
				// The next step's routes arrive while this one is timed.
				w.prefetch(ch.step(k+1, nc))
			}
			ch.rel[k], ch.ev[k] = w.step(0, ch.step(k, nc))
		}
		r.done <- ch
	}
}

// inOrder yields the chunks in step order: as filled without workers, as
// run with them. A chunk is reused once the yield returns.
func (r *batchRunner) inOrder() func(func(*batchChunk) bool) {
	return func(yield func(*batchChunk) bool) {
		src := r.work
		if r.workers > 0 {
			src = r.done
		}
		var held []*batchChunk // run out of order
		next := int64(0)
		for next < r.steps {
			var ch *batchChunk
			if k := slices.IndexFunc(held, func(c *batchChunk) bool { return c.first == next }); k >= 0 {
				ch = held[k]
				held = slices.Delete(held, k, k+1)
			} else {
				ch = <-src
				if ch.first != next {
					held = append(held, ch)
					continue
				}
			}
			next += int64(ch.n)
			ok := yield(ch)
			if ch.pc != nil {
				r.pipe.free <- ch.pc
				ch.pc = nil
			}
			r.free <- ch
			if !ok {
				return
			}
		}
	}
}
