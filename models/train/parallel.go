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
	f    func(worker, i int)
	n    int
	next atomic.Int64
	wg   sync.WaitGroup
}

// pool is a fixed set of worker goroutines. run hands out task indices
// dynamically (for load balance); callers make each index write to its own
// output slots, so which worker ran which index never changes a result.
type pool struct {
	workers int
	jobs    chan *task
	t       task
	mu      sync.Mutex
}

// newPool starts workers-1 goroutines (the caller of run is the last worker).
// workers <= 0 means runtime.GOMAXPROCS(0).
func newPool(workers int) *pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &pool{workers: workers, jobs: make(chan *task)}
	for w := 1; w < workers; w++ {
		go p.loop(w)
	}
	return p
}

func (p *pool) loop(w int) {
	for t := range p.jobs {
		t.drain(w)
		t.wg.Done()
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
	helpers := min(p.workers-1, n-1)
	t.wg.Add(helpers)
	for h := 0; h < helpers; h++ {
		p.jobs <- t
	}
	t.drain(0)
	t.wg.Wait()
	t.f = nil
}

// close stops the worker goroutines.
func (p *pool) close() {
	if p.jobs != nil {
		close(p.jobs)
		p.jobs = nil
	}
}
