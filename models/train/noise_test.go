package train

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// Absolute noise: W_eff − W is N(0, (σ·max|W|)²) for every weight of a
// selected layer, whatever its value; the gradient passes unchanged; a
// layer kind not selected keeps its weights.
func TestAbsoluteNoiseDistribution(t *testing.T) {
	const n, sigma, wmax = 200000, 0.1, 0.5
	r := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, n)
	for i := range w {
		w[i] = float32((2*r.Float64() - 1) * wmax)
	}
	w[17] = -wmax
	o := Options{Noise: sigma, NoiseMode: NoiseAbsolute}
	c := &pass{train: true, noiseRNG: rand.New(rand.NewPCG(3, 4))}
	c.setNoise(&o)
	var weff, eps []float32
	got := effWeights(c, false, w, &weff, &eps)
	// Moments of the noise, overall and for the small and large weights
	// separately (multiplicative noise would make the second near zero).
	type mom struct{ n, s, ss float64 }
	var all, small, large mom
	for i, v := range got {
		d := float64(v-w[i]) / (sigma * wmax)
		if math.Abs(float64(d)-float64(eps[i])) > 1e-4 {
			t.Fatalf("weight %d: noise %g is not σ·max|W|·ε (ε = %g)", i, d, eps[i])
		}
		for _, m := range []*mom{&all, map[bool]*mom{true: &small, false: &large}[math.Abs(float64(w[i])) < 0.1*wmax]} {
			m.n++
			m.s += d
			m.ss += d * d
		}
	}
	for name, m := range map[string]mom{"all": all, "|w| < 0.05": small, "|w| ≥ 0.05": large} {
		mean := m.s / m.n
		sd := math.Sqrt(m.ss/m.n - mean*mean)
		// 5 standard errors.
		if math.Abs(mean) > 5/math.Sqrt(m.n) || math.Abs(sd-1) > 5/math.Sqrt(2*m.n) {
			t.Errorf("%s (%d weights): noise/(σ·max|W|) has mean %.4f, sd %.4f; want 0, 1", name, int(m.n), mean, sd)
		}
	}
	// Kurtosis-free check of Gaussianity: about 68.27 % within one sd.
	var in1 int
	for _, e := range eps {
		if math.Abs(float64(e)) < 1 {
			in1++
		}
	}
	if f := float64(in1) / n; math.Abs(f-0.6827) > 0.005 {
		t.Errorf("%.4f of the draws within ±1 sd, want 0.6827", f)
	}

	g := []float32{1, -2, 3}
	dst := make([]float32, 3)
	addNoisyGrad(c, false, dst, g, eps[:3])
	for i := range g {
		if dst[i] != g[i] {
			t.Errorf("absolute noise: gradient %v, want %v unchanged", dst, g)
			break
		}
	}
	// The default selection of absolute noise is the dense layers only.
	if p := effWeights(c, true, w, &weff, &eps); &p[0] != &w[0] {
		t.Error("absolute noise (default layers dense) perturbed a conv layer")
	}
	o.NoiseLayers = NoiseLayersAll
	c.setNoise(&o)
	if p := effWeights(c, true, w, &weff, &eps); &p[0] == &w[0] {
		t.Error("noise layers all: conv layer not perturbed")
	}
	c.train = false
	if p := effWeights(c, false, w, &weff, &eps); &p[0] != &w[0] {
		t.Error("evaluation pass perturbed the weights")
	}
}

func TestNoiseOptionsValidate(t *testing.T) {
	for _, o := range []Options{{NoiseMode: "additive"}, {NoiseLayers: "fc"}} {
		o = o.Defaults()
		if err := o.validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// Training with absolute noise is bit-identical for any number of workers
// and differs from training without it.
func TestAbsoluteNoiseDeterministic(t *testing.T) {
	ds := loadMNIST(t)
	enc := map[int][]byte{}
	for _, w := range []int{1, 2, 0} {
		opt := Options{Arch: ArchSFAConvNet, Epochs: 1, TrainLimit: 200, TestLimit: 20, Seed: 5, Workers: w,
			Batch: 20, Noise: 0.2, NoiseMode: NoiseAbsolute}
		if w == 0 {
			opt.Workers, opt.Noise = 2, 0
		}
		res, err := Train(context.Background(), ds, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := models.EncodeNSM(&buf, res.Graph); err != nil {
			t.Fatal(err)
		}
		enc[w] = buf.Bytes()
	}
	if !bytes.Equal(enc[1], enc[2]) {
		t.Error("absolute noise: 1 and 2 workers give different models")
	}
	if bytes.Equal(enc[1], enc[0]) {
		t.Error("absolute noise changed nothing")
	}
}
