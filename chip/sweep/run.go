package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// Evaluator runs one point of a plan and returns its metrics. It is called
// from several goroutines at once.
type Evaluator func(p *Plan, pt *Point) (Metrics, error)

// Options control Run.
type Options struct {
	Shard   Shard // zero value: All
	Workers int   // points run at once (0: GOMAXPROCS)
	// Eval runs one point; nil: ChipEvaluator over the sweep's dataset.
	Eval Evaluator
	// Progress, if set, is called (serialised) after each finished point
	// with the points done and the points of this run.
	Progress func(done, total int)
	// Started, if set, is called once before any point runs with the number
	// of points of the shard, those already finished, and the bytes cut
	// from an unfinished last line.
	Started func(shard, finished int, cut int64)
}

// Run runs the unfinished points of opt.Shard, opt.Workers at a time,
// appending one line per finished point to DIR/points-IofN.jsonl. When ctx
// is cancelled no new point starts; running points finish and are recorded.
// It returns the number of points it ran.
func Run(ctx context.Context, p *Plan, dir string, opt Options) (int, error) {
	sh := opt.Shard
	if sh.N == 0 {
		sh = All
	}
	if err := writePlan(dir, p); err != nil {
		return 0, err
	}
	st, err := openStore(dir, p, sh)
	if err != nil {
		return 0, err
	}
	defer st.close()
	var todo []int
	mine := 0
	for i := 0; i < p.Sweep.NumPoints(); i++ {
		if !sh.Has(i) {
			continue
		}
		mine++
		if !st.done[i] {
			todo = append(todo, i)
		}
	}
	if opt.Started != nil {
		opt.Started(mine, mine-len(todo), st.cut)
	}
	eval := opt.Eval
	if eval == nil {
		if eval, err = ChipEvaluator(p); err != nil {
			return 0, err
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(todo)))
	var (
		mu       sync.Mutex
		next     int
		ran      int
		firstErr error
		wg       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || ctx.Err() != nil || next >= len(todo) {
			return 0, false
		}
		next++
		return todo[next-1], true
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := take()
				if !ok {
					return
				}
				pt := p.Sweep.Point(i)
				start := time.Now()
				m, err := eval(p, &pt)
				rec := Record{Sweep: p.Sweep.Name, ConfigHash: p.ConfigHash, Point: pt, Metrics: m, WallSeconds: time.Since(start).Seconds()}
				mu.Lock()
				if err == nil {
					err = st.append(&rec)
				} else {
					err = fmt.Errorf("sweep: point %d (%s): %w", i, pt.Key, err)
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					ran++
					if opt.Progress != nil {
						opt.Progress(ran, len(todo))
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return ran, firstErr
	}
	return ran, ctx.Err()
}

// ChipEvaluator runs a point on the simulated chip: the point's spec and
// model are compiled with the point's seed and run over the sweep's dataset
// split (its first Limit samples), one sample at a time, checked against the
// software integer model.
func ChipEvaluator(p *Plan) (Evaluator, error) {
	s := p.Sweep
	ds, err := data.Load(s.Dataset, s.Data)
	if err != nil {
		return nil, err
	}
	sp := &ds.Test
	if s.Split == "train" {
		sp = &ds.Train
	}
	n := sp.N
	if s.Limit > 0 {
		n = min(n, s.Limit)
	}
	return func(p *Plan, pt *Point) (Metrics, error) {
		spec, err := p.Spec(pt)
		if err != nil {
			return Metrics{}, err
		}
		g, err := models.DecodeNSM(p.Model(pt))
		if err != nil {
			return Metrics{}, err
		}
		prog, err := compiler.Compile(g, spec, compiler.Options{Seed: pt.Seed, CIMLayers: s.CIMLayers})
		if err != nil {
			return Metrics{}, err
		}
		x, err := chip.NewExec(spec, prog)
		if err != nil {
			return Metrics{}, err
		}
		res, err := x.RunSamples(n, sp.Image, func(i int) int { return int(sp.Labels[i]) }, chip.RunOptions{Workers: 1, LaneSize: s.Lane, Seed: pt.Seed})
		if err != nil {
			return Metrics{}, err
		}
		return metricsOf(x, res, prog)
	}, nil
}

func metricsOf(x *chip.Exec, res *chip.RunResult, prog *compiler.Program) (Metrics, error) {
	sum := x.Summarise(res)
	m := Metrics{
		Samples: sum.Samples, Accuracy: sum.Accuracy, SoftwareAccuracy: sum.RefAccuracy, Agreement: sum.Agreement,
		EnergyPJ: sum.EnergyTotal.Mean, LatencyS: sum.Latency.Mean, LatencyP99S: sum.Latency.P99, Counts: sum.Counts,
	}
	for i, s := range res.Samples {
		if s.Class == res.Labels[i] {
			m.Correct++
		}
	}
	var err error
	if m.SpecHash, err = chip.SpecHash(x.Spec); err != nil {
		return m, err
	}
	h := sha256.New() // Encode streams: no copy of the program is held
	if err := prog.Encode(h); err != nil {
		return m, err
	}
	m.ProgramHash = hex.EncodeToString(h.Sum(nil))
	return m, nil
}
