package certify

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/internal/assets"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// binomTail returns P(X ≥ k) for X ~ Binomial(n, p), summed exactly in
// log space: an independent check of the Beta quantile.
func binomTail(k, n int, p float64) float64 {
	s := 0.0
	for j := k; j <= n; j++ {
		lg1, _ := math.Lgamma(float64(n + 1))
		lg2, _ := math.Lgamma(float64(j + 1))
		lg3, _ := math.Lgamma(float64(n - j + 1))
		s += math.Exp(lg1 - lg2 - lg3 + float64(j)*math.Log(p) + float64(n-j)*math.Log1p(-p))
	}
	return s
}

func TestClopperPearsonLower(t *testing.T) {
	// Hand-worked values: k = n gives alpha^(1/n); 50 of 100 at alpha 0.025
	// is the lower end of the classic two-sided 95 % interval [0.3983, 0.6017];
	// 0 of n gives 0.
	for _, c := range []struct {
		k, n  int
		alpha float64
		want  float64
		tol   float64
	}{
		{100, 100, 0.001, math.Pow(0.001, 0.01), 1e-15}, // 0.93325430…
		{10, 10, 0.05, 0.7411344491069477, 1e-12},       // 0.05^(1/10)
		{50, 100, 0.025, 0.3983, 5e-5},
		{0, 20, 0.05, 0, 0},
		{1, 1, 0.5, 0.5, 1e-15},
	} {
		got, err := ClopperPearsonLower(c.k, c.n, c.alpha)
		if err != nil || math.Abs(got-c.want) > c.tol {
			t.Errorf("ClopperPearsonLower(%d, %d, %v) = %v, %v; want %v", c.k, c.n, c.alpha, got, err, c.want)
		}
	}
	// The defining equation P(X ≥ k | n, p_lower) = alpha, over a grid.
	for _, n := range []int{5, 37, 100, 1000} {
		for _, k := range []int{1, n / 3, n / 2, n - 1} {
			if k < 1 {
				continue
			}
			for _, alpha := range []float64{0.001, 0.05} {
				p, err := ClopperPearsonLower(k, n, alpha)
				if err != nil {
					t.Fatal(err)
				}
				if got := binomTail(k, n, p); math.Abs(got-alpha) > 1e-6*max(1, alpha*1e3) {
					t.Errorf("k=%d n=%d alpha=%v: P(X≥k | p=%v) = %v, want alpha", k, n, alpha, p, got)
				}
			}
		}
	}
	for _, bad := range [][3]float64{{5, 4, 0.05}, {-1, 4, 0.05}, {1, 0, 0.05}, {1, 4, 0}, {1, 4, 1}} {
		if _, err := ClopperPearsonLower(int(bad[0]), int(bad[1]), bad[2]); err == nil {
			t.Errorf("ClopperPearsonLower%v accepted", bad)
		}
	}
}

func TestRadius(t *testing.T) {
	phi := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	for _, c := range []struct{ sigma, pA, want float64 }{
		{0.25, phi(1), 0.25}, // Φ⁻¹(Φ(1)) = 1
		{0.5, phi(2), 1.0},   // σ·2
		{0.12, 0.975, 0.12 * 1.959963984540054},
		{0.25, 0.5, 0}, // abstain: no radius
		{0.25, 0.3, 0},
	} {
		if got := Radius(c.sigma, c.pA); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Radius(%v, %v) = %v, want %v", c.sigma, c.pA, got, c.want)
		}
	}
}

// threshold classifies by mean brightness: class 1 when the mean pixel is
// above 100, else 0; under noise it is a coin with a known bias.
type threshold struct{}

func (threshold) Classify(px []uint8, _ *rand.Rand) (int, error) {
	s := 0
	for _, p := range px {
		s += int(p)
	}
	if s > 100*len(px) {
		return 1, nil
	}
	return 0, nil
}

func TestCertifyHandWorked(t *testing.T) {
	imgs := [][]uint8{
		{200, 200, 200, 200}, // far above the threshold: always 1
		{100, 100, 100, 101}, // on the edge: about half 1, half 0 → abstain
		{0, 0, 0, 0},         // always 0, label says 1: wrong
	}
	labels := []int{1, 1, 1}
	o := Options{Sigma: 0.01, N0: 10, N: 100, Alpha: 0.001, Seed: 3, Classes: 2, Workers: 2}
	ss, err := Certify(3, func(i int) []uint8 { return imgs[i] }, func(i int) int { return labels[i] }, func() (Classifier, error) { return threshold{}, nil }, o)
	if err != nil {
		t.Fatal(err)
	}
	// Sample 0: 100 of 100 → p_A = 0.001^(1/100), radius 0.01·Φ⁻¹(p_A).
	pA := math.Pow(0.001, 0.01)
	if s := ss[0]; !s.Correct || s.CountA != 100 || math.Abs(s.PA-pA) > 1e-12 || math.Abs(s.Radius-Radius(0.01, pA)) > 1e-12 {
		t.Errorf("sample 0 = %+v, want 100/100, p_A %v", s, pA)
	}
	if s := ss[1]; s.Pred != -1 || s.Correct || s.Radius != 0 || s.PA > 0.5 {
		t.Errorf("sample 1 = %+v, want an abstention", s)
	}
	if s := ss[2]; s.Pred != 0 || s.Correct || s.CountA != 100 {
		t.Errorf("sample 2 = %+v, want a certified wrong prediction", s)
	}
	curve := Curve(ss, []float64{0, ss[0].Radius, ss[0].Radius + 1e-9})
	if want := []Point{{0, 1.0 / 3}, {ss[0].Radius, 1.0 / 3}, {ss[0].Radius + 1e-9, 0}}; !reflect.DeepEqual(curve, want) {
		t.Errorf("curve = %v, want %v", curve, want)
	}
	if sum := Summarise(ss); sum != (Summary{Samples: 3, Correct: 1, Wrong: 1, Abstain: 1, MedianRadius: ss[0].Radius}) {
		t.Errorf("summary = %+v", sum)
	}
	o.Workers = 1
	ss1, _ := Certify(3, func(i int) []uint8 { return imgs[i] }, func(i int) int { return labels[i] }, func() (Classifier, error) { return threshold{}, nil }, o)
	if !reflect.DeepEqual(ss, ss1) {
		t.Error("results depend on the number of workers")
	}
	o.Sigma = 0
	if _, err := Certify(1, func(i int) []uint8 { return imgs[i] }, func(int) int { return 1 }, func() (Classifier, error) { return threshold{}, nil }, o); err == nil || !strings.Contains(err.Error(), "σ = 0") {
		t.Errorf("σ = 0 on a deterministic classifier: %v", err)
	}
}

// TestCertifySoftwareModel certifies a few MNIST digits with the shipped
// model: at small σ the smoothed prediction is the label with a radius.
func TestCertifySoftwareModel(t *testing.T) {
	ds, err := data.Load("mnist", "")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	b, err := assets.Model()
	if err != nil {
		t.Skip(err)
	}
	g, err := models.DecodeNSM(b)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := arch.Preset("default")
	prog, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Sigma: 0.05, N0: 5, N: 40, Alpha: 0.01, Seed: 1, Classes: 10, Workers: 2}
	ss, err := Certify(3, ds.Test.Image, func(i int) int { return int(ds.Test.Labels[i]) }, Software(prog), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		// 40 of 40 at α = 0.01: p_A = 0.01^(1/40) = 0.8913, radius 0.05·1.2324.
		if !s.Correct || s.CountA != 40 || math.Abs(s.Radius-0.05*1.2324) > 1e-3 {
			t.Errorf("sample %d = %+v", s.Index, s)
		}
	}
}
