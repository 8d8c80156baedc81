package compiler

import (
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/train"
)

// trainedModel returns the trained default model: $NEUROSIM_MODEL, else
// internal/assets/files/<asset> (where the shipped models live); the test
// skips when neither exists.
func trainedModel(t *testing.T, env, asset string) *models.Graph {
	path := os.Getenv(env)
	if path == "" {
		path = filepath.Join("..", "internal", "assets", "files", asset)
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no trained model at %s (train one with neurosim train, or set NEUROSIM_MODEL)", path)
	}
	g, err := models.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestTrainedModelOnMNIST compiles the trained model for the three presets and
// checks the integer program's accuracy on MNIST against the trainer's own
// reference inference of the graph: the predictions agree on almost every
// image and the accuracy stays within half a point. 500 images by default,
// the whole test set with NEUROSIM_LONG=1.
func TestTrainedModelOnMNIST(t *testing.T) {
	t.Run("sfa-convnet", func(t *testing.T) { checkTrained(t, trainedModel(t, "NEUROSIM_MODEL", "sfa-convnet-mnist.nsm")) })
	t.Run("lif-convnet", func(t *testing.T) { checkTrained(t, trainedModel(t, "NEUROSIM_LIF_MODEL", "lif-convnet-mnist.nsm")) })
}

// evalRNG is the Poisson stream models/train's Evaluate uses for sample i.
func evalRNG(seed uint64, i int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte("eval/poisson"))
	return rand.New(rand.NewPCG(seed, h.Sum64()^uint64(i)*0x9E3779B97F4A7C15))
}

func checkTrained(t *testing.T, g *models.Graph) {
	ds, err := data.MNIST("")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	n := 500
	if os.Getenv("NEUROSIM_LONG") == "1" {
		n = ds.Test.N
	}
	ref, err := train.Evaluate(g, &ds.Test, n, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, preset := range []string{"default", "loihi", "prime-40nm"} {
		p, err := Compile(g, mustPreset(preset), Options{Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", preset, err)
		}
		sim, err := NewSimulator(p)
		if err != nil {
			t.Fatal(err)
		}
		correct, agree := 0, 0
		for i := 0; i < n; i++ {
			var res Result
			if p.Input.Encoding == "poisson" {
				res, err = sim.RunPoisson(ds.Test.Image(i), evalRNG(1, i))
			} else {
				res, err = sim.Run(ds.Test.Image(i))
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Class == int(ds.Test.Labels[i]) {
				correct++
			}
			if res.Class == ref.Pred[i] {
				agree++
			}
		}
		acc := float64(correct) / float64(n)
		t.Logf("%s: integer program %.2f%%, float reference %.2f%%, agreement %.2f%% on %d images",
			preset, 100*acc, 100*ref.Accuracy, 100*float64(agree)/float64(n), n)
		if acc < ref.Accuracy-0.005 {
			t.Errorf("%s: accuracy %.4f more than half a point below the reference %.4f", preset, acc, ref.Accuracy)
		}
		if agree < n*99/100 {
			t.Errorf("%s: predictions agree on %d/%d", preset, agree, n)
		}
	}
}

// BenchmarkSimulateMNIST runs the integer program of the trained model on MNIST
// test images (skipped without a model or MNIST).
func BenchmarkSimulateMNIST(b *testing.B) {
	path := os.Getenv("NEUROSIM_MODEL")
	if path == "" {
		path = filepath.Join("..", "internal", "assets", "files", "sfa-convnet-mnist.nsm")
	}
	g, err := models.Load(path)
	if err != nil {
		b.Skipf("no trained model: %v", err)
	}
	if g.Meta["encoding"] != "direct" {
		b.Skip("benchmark of a direct-encoded model")
	}
	ds, err := data.MNIST("")
	if err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	p, err := Compile(g, mustPreset("default"), Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	sim, _ := NewSimulator(p)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := sim.Run(ds.Test.Image(i % ds.Test.N)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
