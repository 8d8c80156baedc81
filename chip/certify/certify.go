package certify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/sim"
)

// ClopperPearsonLower returns the one-sided (1−alpha) Clopper–Pearson lower
// confidence bound on a binomial proportion from k successes in n trials:
// the alpha quantile of Beta(k, n−k+1), and 0 when k = 0. It is the p for
// which P(X ≥ k | n, p) = alpha.
func ClopperPearsonLower(k, n int, alpha float64) (float64, error) {
	if n < 1 || k < 0 || k > n || !(alpha > 0 && alpha < 1) {
		return 0, fmt.Errorf("certify: Clopper–Pearson bound of %d in %d at alpha %v: want 0 ≤ k ≤ n, n ≥ 1, 0 < alpha < 1", k, n, alpha)
	}
	if k == 0 {
		return 0, nil
	}
	if k == n {
		return math.Pow(alpha, 1/float64(n)), nil // closed form of the Beta(n, 1) quantile
	}
	return distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(alpha), nil
}

// Radius returns the certified L2 radius σ·Φ⁻¹(pA), and 0 when pA ≤ 1/2
// (an abstention).
func Radius(sigma, pA float64) float64 {
	if !(pA > 0.5) {
		return 0
	}
	return sigma * distuv.UnitNormal.Quantile(pA)
}

// Classifier is a base classifier: the class of one input, drawing any
// randomness of its own (Poisson spikes) from rng. One is used by one
// goroutine at a time.
type Classifier interface {
	Classify(pixels []uint8, rng *rand.Rand) (int, error)
}

// Factory makes a classifier per worker.
type Factory func() (Classifier, error)

// Software returns the program's software integer model as the base
// classifier.
func Software(p *compiler.Program) Factory {
	return func() (Classifier, error) {
		s, err := compiler.NewSimulator(p)
		if err != nil {
			return nil, err
		}
		return &software{s: s, poisson: p.Input.Encoding == "poisson"}, nil
	}
}

type software struct {
	s       *compiler.Simulator
	poisson bool
}

func (c *software) Classify(px []uint8, rng *rand.Rand) (int, error) {
	var r compiler.Result
	var err error
	if c.poisson {
		r, err = c.s.RunPoisson(px, rng)
	} else {
		r, err = c.s.Run(px)
	}
	return r.Class, err
}

// Chip returns the simulated chip as the base classifier: every draw runs
// on a machine reset before it.
func Chip(x *chip.Exec) Factory {
	return func() (Classifier, error) {
		m, err := x.NewMachine()
		if err != nil {
			return nil, err
		}
		return &onChip{x: x, m: m}, nil
	}
}

type onChip struct {
	x   *chip.Exec
	m   *chip.Machine
	res chip.SampleResult
}

func (c *onChip) Classify(px []uint8, rng *rand.Rand) (int, error) {
	frames, err := c.x.Frames(px, 0, rng.Uint64())
	if err != nil {
		return 0, err
	}
	if err := c.m.Reset(); err != nil {
		return 0, err
	}
	if err := c.m.Run(frames, &c.res); err != nil {
		return 0, err
	}
	return c.res.Class, nil
}

// Options control Certify.
type Options struct {
	Sigma   float64 // σ of the Gaussian input noise, in [0, 1] pixel units
	N0, N   int     // selection and estimation draws
	Alpha   float64 // 1 − confidence of the bound
	Seed    uint64
	Workers int // samples certified at once (0: GOMAXPROCS)
	Classes int // number of classes (scores of the program's output)
	// Randomized says the classifier draws randomness of its own (Poisson
	// coding), so σ = 0 is allowed.
	Randomized bool
	Progress   func(done int)
}

// Sample is the certificate of one input.
type Sample struct {
	Index   int     `json:"index"`
	Label   int     `json:"label"`
	Pred    int     `json:"prediction"` // −1: abstain
	CountA  int     `json:"count_a"`    // draws of the top class among N
	PA      float64 `json:"p_a_lower"`
	Radius  float64 `json:"radius"`
	Correct bool    `json:"correct"` // not abstained and Pred == Label
}

// Certify certifies samples 0..n−1 (image(i), label(i)).
func Certify(n int, image func(int) []uint8, label func(int) int, f Factory, o Options) ([]Sample, error) {
	switch {
	case o.N0 < 1 || o.N < 1:
		return nil, fmt.Errorf("certify: n0 = %d and n = %d draws: want at least 1 each", o.N0, o.N)
	case !(o.Alpha > 0 && o.Alpha < 1):
		return nil, fmt.Errorf("certify: alpha %v: want 0 < alpha < 1", o.Alpha)
	case !(o.Sigma >= 0) || math.IsInf(o.Sigma, 0):
		return nil, fmt.Errorf("certify: sigma %v: want a finite σ ≥ 0", o.Sigma)
	case o.Sigma == 0 && !o.Randomized:
		return nil, errors.New("certify: σ = 0 with a deterministic classifier: nothing is smoothed; give --sigma > 0 (or use Poisson coding)")
	case o.Classes < 2:
		return nil, fmt.Errorf("certify: %d classes", o.Classes)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	out := make([]Sample, n)
	streams := sim.NewStreams(o.Seed)
	var (
		mu       sync.Mutex
		next     int
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		c, err := f()
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts := make([]int, o.Classes)
			var noisy []uint8
			for {
				mu.Lock()
				i := next
				next++
				stop := firstErr != nil || i >= n
				mu.Unlock()
				if stop {
					return
				}
				img := image(i)
				if len(noisy) != len(img) {
					noisy = make([]uint8, len(img))
				}
				rng := streams.For(fmt.Sprintf("certify/sample[%d]", i))
				s, err := certifyOne(c, img, noisy, label(i), rng, counts, &o)
				s.Index = i
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("certify: sample %d: %w", i, err)
				}
				out[i] = s
				done++
				if o.Progress != nil && err == nil {
					o.Progress(done)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

func certifyOne(c Classifier, img, noisy []uint8, label int, rng *rand.Rand, counts []int, o *Options) (Sample, error) {
	draw := func(m int) error {
		clear(counts)
		for d := 0; d < m; d++ {
			perturb(noisy, img, o.Sigma, rng)
			k, err := c.Classify(noisy, rng)
			if err != nil {
				return err
			}
			if k < 0 || k >= len(counts) {
				return fmt.Errorf("class %d outside [0, %d)", k, len(counts))
			}
			counts[k]++
		}
		return nil
	}
	s := Sample{Label: label, Pred: -1}
	if err := draw(o.N0); err != nil {
		return s, err
	}
	cA := argmax(counts)
	if err := draw(o.N); err != nil {
		return s, err
	}
	s.CountA = counts[cA]
	pA, err := ClopperPearsonLower(s.CountA, o.N, o.Alpha)
	if err != nil {
		return s, err
	}
	s.PA = pA
	if pA > 0.5 {
		s.Pred = cA
		s.Radius = Radius(o.Sigma, pA)
		s.Correct = cA == label
	}
	return s, nil
}

// perturb sets dst to src plus Gaussian noise of σ (in [0, 1] units),
// rounded to pixels and clipped to [0, 255].
func perturb(dst, src []uint8, sigma float64, rng *rand.Rand) {
	if sigma == 0 {
		copy(dst, src)
		return
	}
	s := 255 * sigma
	for i, p := range src {
		v := math.Round(float64(p) + s*rng.NormFloat64())
		dst[i] = uint8(min(255, max(0, v)))
	}
}

func argmax(c []int) int {
	best := 0
	for i, v := range c {
		if v > c[best] {
			best = i
		}
	}
	return best
}

// Point is one point of the certified-accuracy curve.
type Point struct {
	Radius   float64 `json:"radius"`
	Accuracy float64 `json:"certified_accuracy"`
}

// Curve returns the certified accuracy at each radius of radii: the
// fraction of samples predicted correctly with a radius ≥ r.
func Curve(ss []Sample, radii []float64) []Point {
	out := make([]Point, len(radii))
	for j, r := range radii {
		k := 0
		for _, s := range ss {
			if s.Correct && s.Radius >= r {
				k++
			}
		}
		out[j] = Point{r, float64(k) / float64(max(1, len(ss)))}
	}
	return out
}

// Radii returns a grid from 0 to just past the largest certified radius in
// steps of step, for tables and plots.
func Radii(ss []Sample, step float64) []float64 {
	hi := 0.0
	for _, s := range ss {
		hi = max(hi, s.Radius)
	}
	var rs []float64
	for k := 0; ; k++ {
		r := float64(k) * step
		rs = append(rs, r)
		if r > hi {
			break
		}
	}
	return rs
}

// Summary counts the samples' outcomes.
type Summary struct {
	Samples      int     `json:"samples"`
	Correct      int     `json:"correct"`
	Wrong        int     `json:"wrong"`
	Abstain      int     `json:"abstain"`
	MedianRadius float64 `json:"median_radius"` // over correct certified samples (upper median)
}

// Summarise counts correct, wrong and abstained predictions.
func Summarise(ss []Sample) Summary {
	var s Summary
	var rs []float64
	s.Samples = len(ss)
	for _, x := range ss {
		switch {
		case x.Pred < 0:
			s.Abstain++
		case x.Correct:
			s.Correct++
			rs = append(rs, x.Radius)
		default:
			s.Wrong++
		}
	}
	if len(rs) > 0 {
		sort.Float64s(rs)
		s.MedianRadius = rs[len(rs)/2]
	}
	return s
}
