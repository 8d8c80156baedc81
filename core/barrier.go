package core

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

// Barrier synchronises the algorithmic steps of a set of cores. It is the
// sim.Handler of the step release event: one event per step starts every
// core. A step ends when every core has sent its spikes and every packet has
// been delivered and processed; the next release comes Chip.BarrierNS(active)
// after the latest of those, and no earlier than MinStepNS after the
// previous release.
type Barrier struct {
	sim.Hookable
	sched   sim.Scheduler
	chip    arch.Chip
	cores   []*Core
	barrier sim.Time // barrier time for len(cores) active cores
	minStep sim.Time

	running  bool
	step     int64 // current step
	steps    int64 // steps to run
	start    sim.Time
	pending  int // cores still sending
	inflight int // deliveries outstanding
	latest   sim.Time
	end      sim.Time
	waited   sim.Time // total barrier time
	info     StepInfo
	src      SpikeSource
}

// NewBarrier returns a barrier timed by chip's barrier figures.
func NewBarrier(sched sim.Scheduler, chip arch.Chip) *Barrier {
	return &Barrier{sched: sched, chip: chip, minStep: nsToTime(chip.MinStepNS)}
}

func nsToTime(ns float64) sim.Time {
	if !(ns > 0) {
		return 0
	}
	return sim.Time(math.Round(ns * float64(sim.Nanosecond)))
}

// Add makes c take part in the barrier. Cores are added before Start.
func (b *Barrier) Add(c *Core) error {
	if b.running {
		return fmt.Errorf("core: core %d added to a running barrier", c.id)
	}
	if c.bar != nil {
		return fmt.Errorf("core: core %d already has a barrier", c.id)
	}
	c.bar = b
	b.cores = append(b.cores, c)
	return nil
}

// Active returns the number of cores taking part.
func (b *Barrier) Active() int { return len(b.cores) }

// Start schedules the release of step 0 now and runs steps steps, with the
// spikes src supplies (nil: a Functional model of the barrier's cores, run
// inline; core i must then have ID i).
func (b *Barrier) Start(steps int64, src SpikeSource) error {
	if b.running {
		return fmt.Errorf("core: barrier already running")
	}
	if steps < 1 {
		return fmt.Errorf("core: %d steps", steps)
	}
	if len(b.cores) == 0 {
		return fmt.Errorf("core: no cores take part in the barrier")
	}
	for _, c := range b.cores {
		if c.routeStart == nil {
			return fmt.Errorf("core: core %d's deferred routes are not set", c.id)
		}
	}
	if src == nil {
		f, err := NewFunctional(b.cores)
		if err != nil {
			return err
		}
		src = f
	}
	b.src = src
	b.barrier = nsToTime(b.chip.BarrierNS(len(b.cores)))
	b.running, b.steps, b.step = true, steps, -1
	b.sched.Schedule(sim.Event{Time: b.sched.Now(), Handler: b})
	return nil
}

// Running reports whether steps remain.
func (b *Barrier) Running() bool { return b.running }

// Step returns the step in progress (the last step once finished).
func (b *Barrier) Step() int64 { return b.step }

// End returns the time the last step's barrier completed (0 while running).
func (b *Barrier) End() sim.Time { return b.end }

// BarrierTime returns the total time spent in barriers.
func (b *Barrier) BarrierTime() sim.Time { return b.waited }

// Handle releases the next step: every core updates its neurons.
func (b *Barrier) Handle(e sim.Event) {
	b.step++
	b.start, b.latest = e.Time, e.Time
	b.pending = len(b.cores)
	if b.NumHooks() > 0 {
		b.info = StepInfo{Step: b.step, Active: len(b.cores)}
		b.InvokeHook(sim.HookCtx{Domain: b, Pos: HookPosStep, Now: e.Time, Item: &b.info})
	}
	spikes := b.src.Spikes(b.step)
	for i, c := range b.cores {
		c.begin(e.Time, b.step, spikes[i])
	}
}

func (b *Barrier) note(t sim.Time) {
	if t > b.latest {
		b.latest = t
	}
}

func (b *Barrier) coreDone() {
	b.pending--
	b.check()
}

func (b *Barrier) delivered() {
	b.inflight--
	b.check()
}

func (b *Barrier) check() {
	if b.pending > 0 || b.inflight > 0 {
		return
	}
	if b.inflight < 0 {
		panic(fmt.Sprintf("core: barrier step %d: more deliveries than packets sent", b.step))
	}
	next := max(b.latest, b.sched.Now()) + b.barrier
	b.waited += b.barrier
	next = max(next, b.start+b.minStep)
	if b.step+1 >= b.steps {
		b.running, b.end = false, next
		return
	}
	b.sched.Schedule(sim.Event{Time: next, Handler: b})
}
