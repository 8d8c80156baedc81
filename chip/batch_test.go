package chip

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/sim"
)

// TestBatchMatchesEvents: batched steps (core.Barrier.RunBatch with
// noc.Batch, on worker goroutines or inline) give the event-driven run's
// Stats — every count, step time, NoC statistic and the engine-event
// count — and the same flits and stall cycles on every link, on chips
// whose times are whole NoC cycles (steps computed apart from their
// releases) and on chips whose are not (computed in order).
func TestBatchMatchesEvents(t *testing.T) {
	type tc struct {
		name   string
		n      int
		steps  int64
		opt    Options
		modify func(*arch.Spec)
		// aligned: the chip's times are whole NoC cycles
		aligned bool
	}
	cases := []tc{
		{"default 4000", 4000, 300, Options{}, func(*arch.Spec) {}, true},
		{"default 4000 serial", 4000, 300, Options{Serial: true}, func(*arch.Spec) {}, true},
		{"small cores", 600, 400, Options{NeuronsPerCore: 40}, func(*arch.Spec) {}, true},
		{"two-flit packets, torus", 600, 400, Options{NeuronsPerCore: 40}, func(s *arch.Spec) {
			s.NoC.SpikePacketBits = 2 * s.NoC.FlitBits
			s.NoC.Topology = "torus"
		}, true},
		{"router clock not a divisor", 600, 400, Options{NeuronsPerCore: 40}, func(s *arch.Spec) {
			s.NoC.ClockMHz = 3 * s.Chip.ClockMHz / 2
		}, false},
		{"min step", 600, 300, Options{NeuronsPerCore: 40}, func(s *arch.Spec) {
			s.Chip.MinStepNS = 1234.5
		}, false},
		{"slow ejection", 2000, 200, Options{NeuronsPerCore: 20, AutoSize: true}, func(s *arch.Spec) {
			s.NoC.RouterPipelineCycles = 1
			s.NoC.SpikePacketBits = 3 * s.NoC.FlitBits
			s.NoC.BufferFlits = 4
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := preset(t, "default")
			c.modify(spec)
			spec.NoC.Model = "analytic"
			ev := c.opt
			ev.NoBatch = true
			ce, se := runCUBA(t, spec, c.n, c.steps, 7, ev)
			cb, sb := runCUBA(t, spec, c.n, c.steps, 7, c.opt)
			if ce.batchEvents != 0 || cb.batchEvents == 0 {
				t.Fatalf("batched engine events: %d with NoBatch, %d without", ce.batchEvents, cb.batchEvents)
			}
			if _, aligned := cb.bar.BatchMode(cb.noc.Period()); aligned != c.aligned {
				t.Errorf("aligned = %v, want %v", aligned, c.aligned)
			}
			if se.NoC.PacketsDelivered == 0 || se.NoC.StallCycles == 0 && c.name == "slow ejection" {
				t.Fatalf("too little traffic to compare: %+v", se.NoC)
			}
			je, _ := json.Marshal(se)
			jb, _ := json.Marshal(sb)
			if string(je) != string(jb) {
				t.Errorf("stats differ:\nevents  %s\nbatched %s", je, jb)
			}
			if le, lb := ce.NoC().Stats(), cb.NoC().Stats(); !reflect.DeepEqual(le, lb) {
				t.Errorf("NoC statistics differ:\nevents  %+v\nbatched %+v", le, lb)
			}
			t.Logf("%d spikes, %d deliveries, %d stall cycles, %d engine events, chip time %v",
				se.Spikes, se.NoC.PacketsDelivered, se.NoC.StallCycles, se.Events, se.SimTime)
		})
	}
}

// TestBatchFallsBack: hooks, a NoC without multicast and a zero barrier
// keep the event-driven run (what it models that batches do not).
func TestBatchFallsBack(t *testing.T) {
	spec := preset(t, "default")
	spec.NoC.Model = "analytic"
	spec.NoC.Multicast = false
	c, s := runCUBA(t, spec, 600, 100, 3, Options{NeuronsPerCore: 40})
	if c.batchEvents != 0 || s.Events == 0 {
		t.Errorf("unicast NoC: %d batched events, %d engine events", c.batchEvents, s.Events)
	}
	spec = preset(t, "default")
	spec.NoC.Model = "analytic"
	spec.Chip.BarrierBaseNS, spec.Chip.BarrierPerDoublingNS, spec.Chip.BarrierMaxNS = 0, 0, 0
	c, s = runCUBA(t, spec, 600, 100, 3, Options{NeuronsPerCore: 40})
	if c.batchEvents != 0 || s.Events == 0 {
		t.Errorf("zero barrier: %d batched events, %d engine events", c.batchEvents, s.Events)
	}
}

// replay is a SpikeSource that replays recorded steps.
type replay [][][]int32

func (r replay) Spikes(step int64) [][]int32 { return r[step] }

// BenchmarkBatchTimingCUBA40000: the timing model alone (RunBatch on one
// goroutine, spikes replayed) for 1 000 steps of CUBA at 40 000 neurons on
// the default chip under the analytic NoC: the work per spike delivery
// that the functional model and the build do not share.
func BenchmarkBatchTimingCUBA40000(b *testing.B) {
	spec := preset(b, "default")
	spec.NoC.Model = "analytic"
	c := buildCUBA(b, spec, 40000)
	f, err := core.NewFunctional(c.Cores())
	if err != nil {
		b.Fatal(err)
	}
	const steps = 1000
	rec := make(replay, steps)
	for k := range rec {
		for _, sp := range f.Step() {
			rec[k] = append(rec[k], append([]int32(nil), sp...))
		}
	}
	var in0 uint64
	for _, cc := range c.cores {
		in0 += cc.Counters().PacketsIn
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.bar.RunBatch(steps, rec, c, 0); err != nil {
			b.Fatal(err)
		}
	}
	var in uint64
	for _, cc := range c.cores {
		in += cc.Counters().PacketsIn
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(in-in0), "ns/delivery")
}

// TestBatchInputPopulation: a network with an input population driving a
// CUBA population (two populations, input neurons without dynamics, a
// projection between populations) gives the same Stats batched and
// event-driven, on workers and inline.
func TestBatchInputPopulation(t *testing.T) {
	mk := func() *Network {
		rng := rand.New(rand.NewPCG(9, 9))
		net, err := CUBANetwork(1500, rng)
		if err != nil {
			t.Fatal(err)
		}
		const nin, steps = 200, 300
		sched := make([][]int32, steps)
		for k := range sched {
			for j := range nin {
				if rng.IntN(100) == 0 {
					sched[k] = append(sched[k], int32(j))
				}
			}
		}
		pr := Projection{Name: "drive", Pre: 1, Post: 0, Channel: core.Exc, Weight: 2, Start: make([]int32, nin+1)}
		for j := range nin {
			pr.Start[j] = int32(len(pr.Targets))
			for k := 0; k < 1500; k += 1 + rng.IntN(40) {
				pr.Targets = append(pr.Targets, int32(k))
			}
		}
		pr.Start[nin] = int32(len(pr.Targets))
		net.Populations = append(net.Populations, Population{Name: "in", N: nin, Model: ModelInput, Input: sched})
		net.Projections = append(net.Projections, pr)
		return net
	}
	spec := preset(t, "default")
	spec.NoC.Model = "analytic"
	run := func(opt Options) (*Chip, string) {
		c, err := Build(spec, mk(), opt, sim.NewStreams(3))
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Run(300)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(s)
		return c, string(j)
	}
	ce, je := run(Options{NeuronsPerCore: 100, NoBatch: true})
	for _, opt := range []Options{{NeuronsPerCore: 100}, {NeuronsPerCore: 100, Serial: true}} {
		cb, jb := run(opt)
		if ce.batchEvents != 0 || cb.batchEvents == 0 {
			t.Fatalf("batched events: %d event-driven, %d batched", ce.batchEvents, cb.batchEvents)
		}
		if je != jb {
			t.Errorf("%+v: stats differ:\nevents  %s\nbatched %s", opt, je, jb)
		}
	}
}

// prefetchCheck wraps the chip's batches and records, per worker, which
// spikes were named to Prefetch before being sent.
type prefetchCheck struct {
	*Chip
	mu              sync.Mutex
	sent, unfetched int
}

type prefetchStep struct {
	core.BatchStep
	pc      *prefetchCheck
	fetched map[[2]int32]int
}

func (p *prefetchCheck) NewBatch(free, unit []sim.Time) (core.BatchStep, error) {
	s, err := p.Chip.NewBatch(free, unit)
	return &prefetchStep{BatchStep: s, pc: p, fetched: map[[2]int32]int{}}, err
}

func (s *prefetchStep) Prefetch(src, neuron int32) {
	s.fetched[[2]int32{src, neuron}]++
	s.BatchStep.(core.BatchPrefetcher).Prefetch(src, neuron)
}

func (s *prefetchStep) Send(now sim.Time, src, neuron int32) int {
	k := [2]int32{src, neuron}
	s.pc.mu.Lock()
	s.pc.sent++
	if s.fetched[k] == 0 {
		s.pc.unfetched++
	} else {
		s.fetched[k]--
	}
	s.pc.mu.Unlock()
	return s.BatchStep.Send(now, src, neuron)
}

// TestBatchPrefetch: the workers name a step's spikes to the sender's
// Prefetch before they send them (all but a piece's first step: under 5
// %), inline and on workers.
func TestBatchPrefetch(t *testing.T) {
	spec := preset(t, "default")
	spec.NoC.Model = "analytic"
	for _, workers := range []int{0, 2} {
		c := buildCUBA(t, spec, 2000)
		f, err := core.NewFunctional(c.Cores())
		if err != nil {
			t.Fatal(err)
		}
		pc := &prefetchCheck{Chip: c}
		var src core.SpikeSource = f
		if workers > 0 {
			p := core.NewPipeline(f, 300, 16, 64, 2)
			defer p.Close()
			src = p
		}
		if _, err := c.bar.RunBatch(300, src, pc, workers); err != nil {
			t.Fatal(err)
		}
		t.Logf("workers %d: %d of %d spikes sent without a prefetch", workers, pc.unfetched, pc.sent)
		if pc.sent == 0 || pc.unfetched*20 > pc.sent {
			t.Errorf("workers %d: %d of %d spikes sent without a prefetch", workers, pc.unfetched, pc.sent)
		}
	}
}
