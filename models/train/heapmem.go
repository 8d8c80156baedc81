package train

import (
	"runtime"
	"runtime/metrics"
)

// HeapStats is the Go heap a DF or df-bp training run used, measured by the
// runtime (runtime/metrics), not added up from buffer sizes as MemStats is.
// Every figure is in bytes above Baseline, the heap objects right after a
// garbage collection that follows loading the dataset and precedes building
// the network: the dataset, the Go runtime and whatever the process held
// before training are not included; everything training allocates is.
type HeapStats struct {
	// Baseline is /memory/classes/heap/objects:bytes after a GC, before the
	// network is built (the dataset is in it).
	Baseline int64
	// Model is the network's parameters: the heap objects after building
	// the network and a GC, above Baseline.
	Model int64
	// Optim is the heap objects after the optimiser state is allocated and
	// a GC, above Baseline (it includes Model).
	Optim int64
	// Setup is the heap objects after the trainer's buffers (gradients,
	// activations) are allocated and a GC, above Baseline (it includes
	// Optim).
	Setup int64
	// PeakObjects is the largest /memory/classes/heap/objects:bytes sampled
	// after every batch, above Baseline: live objects plus garbage the
	// collector has not yet swept, so it depends on GOGC.
	PeakObjects int64
	// PeakLive is the largest /gc/heap/live:bytes sampled after every
	// batch, above the same GC's baseline: the heap the collector found
	// reachable at its latest cycle (no garbage).
	PeakLive int64
	// Samples is the number of batches sampled; GCs the collector cycles
	// that ran during training.
	Samples int
	GCs     int64
}

// heapSampler reads the heap metrics of HeapStats. Reading them allocates
// nothing, so sampling after every batch does not disturb what it measures.
type heapSampler struct {
	s        [3]metrics.Sample
	st       HeapStats
	liveBase int64
	gc0      int64
}

const (
	metricHeapObjects = "/memory/classes/heap/objects:bytes"
	metricHeapLive    = "/gc/heap/live:bytes"
	metricGCCycles    = "/gc/cycles/total:gc-cycles"
)

// newHeapSampler collects garbage and takes the baseline.
func newHeapSampler() *heapSampler {
	h := &heapSampler{}
	h.s[0].Name, h.s[1].Name, h.s[2].Name = metricHeapObjects, metricHeapLive, metricGCCycles
	obj, live, _ := h.readAfterGC()
	h.st.Baseline, h.liveBase = obj, live
	return h
}

func (h *heapSampler) read() (obj, live, gcs int64) {
	metrics.Read(h.s[:])
	v := func(i int) int64 {
		if h.s[i].Value.Kind() != metrics.KindUint64 {
			return 0 // the metric is not supported by this runtime
		}
		return int64(h.s[i].Value.Uint64())
	}
	return v(0), v(1), v(2)
}

// readAfterGC collects garbage twice (the second cycle frees what the
// first moved to sync.Pool victim caches) and reads the heap.
func (h *heapSampler) readAfterGC() (obj, live, gcs int64) {
	runtime.GC()
	runtime.GC()
	return h.read()
}

// model records the heap after the network is built, optim after its
// optimiser state, setup after the trainer's buffers. Each collects
// garbage first; setup also starts the GC count.
func (h *heapSampler) model() {
	obj, _, _ := h.readAfterGC()
	h.st.Model = obj - h.st.Baseline
}

func (h *heapSampler) optim() {
	obj, _, _ := h.readAfterGC()
	h.st.Optim = obj - h.st.Baseline
}

func (h *heapSampler) setup() {
	obj, _, gcs := h.readAfterGC()
	h.st.Setup = obj - h.st.Baseline
	h.gc0 = gcs
}

// sample reads the heap after a batch.
func (h *heapSampler) sample() {
	obj, live, gcs := h.read()
	h.st.PeakObjects = max(h.st.PeakObjects, obj-h.st.Baseline)
	h.st.PeakLive = max(h.st.PeakLive, live-h.liveBase)
	h.st.Samples++
	h.st.GCs = gcs - h.gc0
}

func (h *heapSampler) stats() HeapStats { return h.st }
