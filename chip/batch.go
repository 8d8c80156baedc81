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
	if c.treeFlat == nil {
		// One array of every neuron's tree: a spike finds its tree with
		// one load instead of two.
		c.treeFlat = make([]*noc.Tree, 0, c.net.Neurons())
		c.treeAt = make([]int32, len(c.trees))
		for i, ts := range c.trees {
			c.treeAt[i] = int32(len(c.treeFlat))
			c.treeFlat = append(c.treeFlat, ts...)
		}
	}
	return &chipBatch{c: c, b: b, flat: c.treeFlat, at: c.treeAt}, nil
}

// SlotPeriod implements core.BatchSender: deliveries are timed in NoC
// cycles.
func (c *Chip) SlotPeriod() sim.Time { return c.noc.Period() }

// chipBatch is one worker's view of the chip's NoC.
type chipBatch struct {
	c    *Chip
	b    *noc.Batch
	flat []*noc.Tree // every neuron's tree, core by core
	at   []int32     // core i's first neuron in flat
}

// Send implements core.BatchStep: the spike of core src's neuron travels
// its multicast tree (a neuron without routes has none and sends nothing).
func (s *chipBatch) Send(now sim.Time, src, neuron int32) int {
	t := s.flat[s.at[src]+neuron]
	if t == nil {
		return 0
	}
	s.b.Send(s.c.noc.CycleOf(now), t)
	return 1
}

// EndStep implements core.BatchStep.
func (s *chipBatch) EndStep(now sim.Time) (sim.Time, uint64) { return s.b.EndStep(now) }

// Received implements core.BatchStep.
func (s *chipBatch) Received(i int) (packets, synapses uint64) { return s.b.Received(i) }

// Merge implements core.BatchStep.
func (s *chipBatch) Merge() { s.c.noc.MergeBatch(s.b) }
