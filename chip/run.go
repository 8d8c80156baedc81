package chip

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// DefaultLaneSize is the number of consecutive samples one Machine runs
// between two resets of its engine and NoC (see RunOptions.LaneSize).
const DefaultLaneSize = 16

// RunOptions control RunSamples.
type RunOptions struct {
	// Workers is the number of samples run at once, each lane on its own
	// Machine (0: GOMAXPROCS).
	Workers int
	// LaneSize: samples are cut into lanes of LaneSize consecutive samples;
	// each lane runs on a machine whose engine and NoC were just reset, so a
	// sample's figures depend only on the samples before it in its lane, never
	// on the number of workers (0: DefaultLaneSize).
	LaneSize int
	// Seed drives the Poisson input: sample i draws its spikes from a PCG
	// seeded with (Seed, i), the same for the chip and the software model.
	Seed uint64
	// Progress, if set, is called after each finished sample with the number
	// of samples done so far (serialised; from worker goroutines).
	Progress func(done int)
}

// Agreement says whether the chip reproduced the software integer model
// (compiler.Simulator) on one sample.
type Agreement struct {
	Class  bool `json:"class"`
	Scores bool `json:"scores"`
	Counts bool `json:"counts"`
}

// OK reports full agreement.
func (a Agreement) OK() bool { return a.Class && a.Scores && a.Counts }

// RunResult holds every sample's result, in sample order, and the figures
// summed over the machines.
type RunResult struct {
	Samples  []SampleResult
	Labels   []int
	RefClass []int // the software model's class per sample
	Agree    []Agreement
	Workers  int
	Wall     time.Duration
	// Events is the number of engine events fired (spike emissions and NoC
	// cycles with work).
	Events uint64
	// CoreBusy is each core's busy time summed over the samples; Time the
	// latencies summed.
	CoreBusy []sim.Time
	Time     sim.Time
	// LinkFlits counts the flits of every NoC link summed over the samples,
	// Links names them (router output of a tile; Local is the ejection port).
	LinkFlits []uint64
	Links     []noc.LinkStats
	// PacketLatency is the NoC latency of every delivered packet, in router cycles.
	PacketLatency noc.Histogram
	// BoardLinks counts the packets over every board link (Exec's board
	// links order) summed over the samples; nil on a single chip.
	BoardLinks []uint64
}

// RunSamples runs samples 0..n−1 on the chip and, for each, on the software
// integer model, and compares them. image(i) returns sample i's pixels (row
// major, InputSize values; for events encoding its Steps frames one after
// another, SampleSize values) and label(i) its class; both are called from
// worker goroutines and must be safe for that. Results are in sample order
// and identical for any number of workers.
func (x *Exec) RunSamples(n int, image func(i int) []uint8, label func(i int) int, opt RunOptions) (*RunResult, error) {
	if n < 0 {
		return nil, fmt.Errorf("chip: %d samples", n)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	lane := opt.LaneSize
	if lane <= 0 {
		lane = DefaultLaneSize
	}
	lanes := (n + lane - 1) / lane
	workers = max(1, min(workers, lanes))
	res := &RunResult{
		Samples:  make([]SampleResult, n),
		Labels:   make([]int, n),
		RefClass: make([]int, n),
		Agree:    make([]Agreement, n),
		Workers:  workers,
		CoreBusy: make([]sim.Time, len(x.cores)),
	}
	start := time.Now()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		done     int
		firstErr error
		errAt    = n
		wg       sync.WaitGroup
		machines = make([]*Machine, workers)
	)
	poisson, events := x.Prog.Input.Encoding == "poisson", x.Prog.Input.Encoding == "events"
	for w := 0; w < workers; w++ {
		m, err := x.NewMachine()
		if err != nil {
			return nil, err
		}
		if err := m.ProgramMacros(opt.Seed); err != nil {
			return nil, err
		}
		ref, err := compiler.NewSimulator(x.Prog)
		if err != nil {
			return nil, err
		}
		machines[w] = m
		wg.Add(1)
		go func() {
			defer wg.Done()
			frames := make([][]uint8, x.steps)
			if poisson {
				for t := range frames {
					frames[t] = make([]uint8, x.inputSize)
				}
			}
			fail := func(i int, err error) {
				mu.Lock()
				if i < errAt {
					errAt, firstErr = i, err
				}
				mu.Unlock()
			}
			for {
				L := int(next.Add(1)) - 1
				if L >= lanes {
					return
				}
				if err := m.Reset(); err != nil {
					fail(L*lane, err)
					return
				}
				for i := L * lane; i < min((L+1)*lane, n); i++ {
					img := image(i)
					if len(img) != x.SampleSize() {
						fail(i, fmt.Errorf("sample %d has %d values, the program takes %d (shape %v%s)", i, len(img), x.SampleSize(), x.Prog.Input.Shape, x.framesNote()))
						return
					}
					in := frames[:1]
					var r compiler.Result
					var err error
					switch {
					case events:
						in = x.cutFrames(frames, img)
						r, err = ref.RunFrames(in)
					case poisson:
						x.encodePoisson(frames, img, i, opt.Seed)
						in = frames
						r, err = ref.RunFrames(frames)
					default:
						in[0] = img
						r, err = ref.Run(img)
					}
					if err == nil {
						m.SetSample(i)
						err = m.Run(in, &res.Samples[i])
					}
					if err != nil {
						fail(i, fmt.Errorf("sample %d: %w", i, err))
						return
					}
					c, s, k := m.Agrees(&r)
					res.Agree[i] = Agreement{Class: c, Scores: s, Counts: k}
					res.RefClass[i] = r.Class
					res.Labels[i] = label(i)
					if opt.Progress != nil {
						mu.Lock()
						done++
						opt.Progress(done)
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	res.Wall = time.Since(start)
	for _, m := range machines {
		res.Events += m.Events()
		res.Time += m.coreTime
		for i, b := range m.coreBusy {
			res.CoreBusy[i] += b
		}
		if m.linkFlits != nil {
			if res.LinkFlits == nil {
				res.LinkFlits = make([]uint64, len(m.linkFlits))
				res.Links = m.linkNames
			}
			for i, f := range m.linkFlits {
				res.LinkFlits[i] += f
			}
		}
		res.PacketLatency.Merge(&m.pktLatency)
		if m.board.linkPkt != nil {
			if res.BoardLinks == nil {
				res.BoardLinks = make([]uint64, len(m.board.linkPkt))
			}
			for i, v := range m.board.linkPkt {
				res.BoardLinks[i] += v
			}
		}
	}
	return res, nil
}
