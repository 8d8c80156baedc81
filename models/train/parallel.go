package train

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// chunkSamples is the number of samples one parallel task handles. The
// partition of a batch into chunks depends only on the batch size, never on
// the number of workers, and every reduction over chunks runs in chunk order:
// that is what makes training bit-identical for any GOMAXPROCS.
const chunkSamples = 8

// numChunks returns how many chunks a batch of n samples splits into.
func numChunks(n int) int { return (n + chunkSamples - 1) / chunkSamples }

// chunkRange returns the sample range [lo, hi) of chunk c in a batch of n.
func chunkRange(c, n int) (lo, hi int) {
	lo = c * chunkSamples
	hi = min(lo+chunkSamples, n)
	return lo, hi
}

// task is the work item a pool runs: f(worker, i) for i in [0, n).
type task struct {
	f       func(worker, i int)
	n       int
	next    atomic.Int64
	pending atomic.Int32 // helpers that have not finished this task
}

// pool is a fixed set of worker goroutines. run hands out task indices
// dynamically (for load balance); callers make each index write to its own
// output slots, so which worker ran which index never changes a result.
//
// A training step calls run a few dozen times, for a millisecond or less
// each, so the hand-over is by spinning on atomics, not by parking: an idle
// helper polls the task generation for up to spinLimit polls before it
// sleeps on its wake channel, and run polls the helpers' completion count
// the same way before it sleeps on done. (Parking and waking a goroutine
// costs tens of microseconds per run; the spin is bounded so that an idle
// pool costs no CPU.)
type pool struct {
	workers int
	mu      sync.Mutex
	t       task
	gen     atomic.Uint64 // bumped when t holds a new task (or on close)
	quit    atomic.Bool
	helpers []*sleeper
	waiter  sleeper // run, waiting for the helpers
}

// sleeper is the parking handshake of one goroutine: it sets asleep before
// blocking on wake; whoever clears asleep (by CAS) owes it one token.
type sleeper struct {
	asleep atomic.Bool
	wake   chan struct{}
}

func newSleeper() *sleeper { return &sleeper{wake: make(chan struct{}, 1)} }

// rouse wakes s if it is asleep.
func (s *sleeper) rouse() {
	if s.asleep.CompareAndSwap(true, false) {
		s.wake <- struct{}{}
	}
}

// await returns once ready() holds: polling, then asleep on s.wake.
func (s *sleeper) await(ready func() bool) {
	for i := 0; i < spinLimit; i++ {
		if ready() {
			return
		}
	}
	for {
		s.asleep.Store(true)
		if ready() {
			if !s.asleep.CompareAndSwap(true, false) {
				<-s.wake // a rouse saw us asleep: take its token
			}
			return
		}
		<-s.wake
	}
}

// spinLimit is the number of polls (an atomic load each, about a
// nanosecond) before a waiting goroutine parks: tens of microseconds.
const spinLimit = 1 << 15

// newPool starts workers-1 goroutines (the caller of run is the last worker).
// workers <= 0 means runtime.GOMAXPROCS(0).
func newPool(workers int) *pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &pool{workers: workers, waiter: sleeper{wake: make(chan struct{}, 1)}}
	for w := 1; w < workers; w++ {
		h := newSleeper()
		p.helpers = append(p.helpers, h)
		go p.loop(w, h)
	}
	return p
}

func (p *pool) loop(w int, h *sleeper) {
	seen := uint64(0)
	for {
		h.await(func() bool { return p.gen.Load() != seen })
		seen = p.gen.Load()
		if p.quit.Load() {
			return
		}
		p.t.drain(w)
		if p.t.pending.Add(-1) == 0 {
			p.waiter.rouse()
		}
	}
}

func (t *task) drain(w int) {
	for {
		i := int(t.next.Add(1)) - 1
		if i >= t.n {
			return
		}
		t.f(w, i)
	}
}

// run calls f(worker, i) for every i in [0, n) and returns when all are done.
// worker is in [0, p.workers) and lets f use per-worker scratch buffers.
func (p *pool) run(n int, f func(worker, i int)) {
	if n <= 0 {
		return
	}
	if p.workers == 1 || n == 1 {
		for i := 0; i < n; i++ {
			f(0, i)
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := &p.t
	t.f, t.n = f, n
	t.next.Store(0)
	t.pending.Store(int32(len(p.helpers)))
	p.gen.Add(1)
	for _, h := range p.helpers {
		h.rouse()
	}
	t.drain(0)
	p.waiter.await(func() bool { return t.pending.Load() == 0 })
	t.f = nil
}

// close stops the worker goroutines.
func (p *pool) close() {
	if p.quit.Swap(true) {
		return
	}
	p.gen.Add(1)
	for _, h := range p.helpers {
		h.rouse()
	}
}
