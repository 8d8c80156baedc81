package chip

import (
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Batched steps: under the analytic NoC model, with no hook attached and
// every neuron's multicast tree built, Run evaluates each barrier step at
// once (core.Barrier.RunBatch with noc.Batch) instead of firing an engine
// event per spike and per delivery cycle, and, when the chip's times are
// whole NoC cycles, computes steps on worker goroutines. The results
// (counters, step times, NoC statistics, the engine-event count) are the
// event-driven run's (TestBatchMatchesEvents).

// batchWorkers is the number of goroutines that compute steps' timing
// beside the functional model's.
const batchWorkers = 2

// batchable reports whether Run may batch its steps.
func (c *Chip) batchable() bool {
	if c.trees == nil || c.opt.NoBatch || !c.noc.Batchable() {
		return false
	}
	if ok, _ := c.bar.BatchMode(c.noc.Period()); !ok {
		return false
	}
	if c.spec.NoC.Multicast {
		return true
	}
	for _, ts := range c.trees {
		for _, t := range ts {
			if t != nil && len(t.Dests()) > 1 {
				return false
			}
		}
	}
	return true
}

// NewBatch implements core.BatchSender: the cores' endpoints are their
// tiles'; each destination's tag holds the synapse count of the axon the
// spike reaches there (makeTrees), which the endpoint's service counts.
func (c *Chip) NewBatch(free, unit []sim.Time) (core.BatchStep, error) {
	b, err := c.noc.NewBatch()
	if err != nil {
		return nil, err
	}
	if err := b.SetService(c.tiles, free, unit); err != nil {
		return nil, err
	}
	if c.treeIDs == nil {
		// One array of every neuron's tree ID: a spike finds its tree
		// without reading the tree's header (noc.Batch.SendID).
		c.treeIDs = make([]int32, 0, c.net.Neurons())
		c.treeAt = make([]int32, len(c.trees))
		for i, ts := range c.trees {
			c.treeAt[i] = int32(len(c.treeIDs))
			for _, t := range ts {
				id := int32(-1)
				if t != nil {
					id = t.ID()
				}
				c.treeIDs = append(c.treeIDs, id)
			}
		}
	}
	return &chipBatch{c: c, b: b, ids: c.treeIDs, at: c.treeAt}, nil
}

// SlotPeriod implements core.BatchSender: deliveries are timed in NoC
// cycles.
func (c *Chip) SlotPeriod() sim.Time { return c.noc.Period() }

// chipBatch is one worker's view of the chip's NoC.
type chipBatch struct {
	c   *Chip
	b   *noc.Batch
	ids []int32 // every neuron's tree ID (−1: none), core by core
	at  []int32 // core i's first neuron in ids
}

// Send implements core.BatchStep: the spike of core src's neuron travels
// its multicast tree (a neuron without routes has none and sends nothing).
func (s *chipBatch) Send(now sim.Time, src, neuron int32) int {
	id := s.ids[s.at[src]+neuron]
	if id < 0 {
		return 0
	}
	s.b.SendID(s.c.noc.CycleOf(now), id)
	return 1
}

// Prefetch implements core.BatchPrefetcher: the spike's tree is fetched
// while the worker goes on.
func (s *chipBatch) Prefetch(src, neuron int32) {
	if id := s.ids[s.at[src]+neuron]; id >= 0 {
		s.b.Prefetch(id)
	}
}

// EndStep implements core.BatchStep.
func (s *chipBatch) EndStep(now sim.Time) (sim.Time, uint64) { return s.b.EndStep(now) }

// Received implements core.BatchStep.
func (s *chipBatch) Received(i int) (packets, synapses uint64) { return s.b.Received(i) }

// Merge implements core.BatchStep.
func (s *chipBatch) Merge() { s.c.noc.MergeBatch(s.b) }
