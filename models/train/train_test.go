package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

func loadMNIST(t testing.TB) *data.Dataset {
	t.Helper()
	ds, err := data.Load(data.MNISTName, "")
	if err != nil {
		if errors.Is(err, data.ErrNotFound) {
			t.Skipf("MNIST not available: %v", err)
		}
		t.Fatal(err)
	}
	return ds
}

// A short run on a subset: the loss falls, the exported graph verifies, and
// train → save → load → predict gives bit-identical predictions.
func TestTrainSaveLoadPredict(t *testing.T) {
	ds := loadMNIST(t)
	opt := Options{Arch: ArchTorchBench, Epochs: 1, TrainLimit: 2048, TestLimit: 200, Seed: 7, Shift: 1}
	var calls int
	res, err := Train(context.Background(), ds, opt, func(p Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2048/64+1 {
		t.Errorf("progress called %d times, want %d", calls, 2048/64+1)
	}
	if res.TestAcc < 0.6 {
		t.Errorf("test accuracy after 2048 samples = %.3f, want ≥ 0.6", res.TestAcc)
	}
	path := filepath.Join(t.TempDir(), "m.nsm")
	if err := models.Save(path, res.Graph); err != nil {
		t.Fatal(err)
	}
	g2, err := models.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Evaluate(res.Graph, &ds.Test, 200, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Evaluate(g2, &ds.Test, 200, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Pred, b.Pred) || a.Accuracy != res.TestAcc {
		t.Errorf("predictions differ after save/load (acc %.4f vs %.4f, train reported %.4f)", a.Accuracy, b.Accuracy, res.TestAcc)
	}
}

// The same seed gives bit-identical weights for any number of workers.
func TestDeterministicAcrossWorkers(t *testing.T) {
	ds := loadMNIST(t)
	var enc [][]byte
	for _, w := range []int{1, 2, 3} {
		opt := Options{Arch: ArchSFAConvNet, Epochs: 1, TrainLimit: 200, TestLimit: 50, Seed: 3, Workers: w,
			Batch: 20, Shift: 2, Noise: 0.1}
		res, err := Train(context.Background(), ds, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := models.EncodeNSM(&buf, res.Graph); err != nil {
			t.Fatal(err)
		}
		enc = append(enc, buf.Bytes())
	}
	for i := 1; i < len(enc); i++ {
		if !bytes.Equal(enc[0], enc[i]) {
			t.Errorf("model trained with %d workers differs from 1 worker", i+1)
		}
	}
}

// Resuming from the checkpoint of epoch 1 gives the same model as training
// two epochs straight.
func TestCheckpointResume(t *testing.T) {
	ds := loadMNIST(t)
	dir := t.TempDir()
	base := Options{Arch: ArchMLP, TrainLimit: 256, TestLimit: 50, Seed: 5, Batch: 32, Shift: 1,
		Optim: OptimConfig{Kind: OptSGD, LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Schedule: SchedCosine}}
	straight := base
	straight.Epochs = 2
	r1, err := Train(context.Background(), ds, straight, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The first run is stopped (cancelled) right after epoch 1 has been
	// checkpointed, as a killed process would be.
	first := straight
	first.Checkpoint = filepath.Join(dir, "ck")
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = Train(cctx, ds, first, func(p Progress) {
		if p.EpochDone && p.Epoch == 1 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run returned %v", err)
	}
	second := first
	second.Resume = true
	var resumed int
	r2, err := Train(context.Background(), ds, second, func(p Progress) {
		if p.Resumed {
			resumed++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if resumed != 1 {
		t.Errorf("%d resumed epochs reported, want 1", resumed)
	}
	var b1, b2 bytes.Buffer
	models.EncodeNSM(&b1, r1.Graph)
	models.EncodeNSM(&b2, r2.Graph)
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Error("resumed model differs from the straight run")
	}
	// A checkpoint for other options is refused.
	other := second
	other.Seed = 6
	if _, err := Train(context.Background(), ds, other, nil); err == nil {
		t.Error("resume with a different seed succeeded")
	}
	// A corrupt checkpoint is an error, not a panic.
	if err := os.WriteFile(second.Checkpoint, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(context.Background(), ds, second, nil); err == nil {
		t.Error("corrupt checkpoint accepted")
	}
}

// One full epoch of torch-bench on MNIST (about 20 s on two idle cores): the
// integer-inference test accuracy matches PyTorch's 97–98 % after one epoch.
func TestLongTorchBenchEpoch(t *testing.T) {
	if os.Getenv("NEUROSIM_LONG") != "1" {
		t.Skip("full MNIST epoch; set NEUROSIM_LONG=1 to run")
	}
	ds := loadMNIST(t)
	res, err := Train(context.Background(), ds, Options{Arch: ArchTorchBench, Epochs: 1, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("epoch %.1f s, integer-inference test accuracy %.2f%%", res.History[0].Seconds, 100*res.TestAcc)
	if res.TestAcc < 0.97 {
		t.Errorf("test accuracy %.4f after one epoch, want ≥ 0.97", res.TestAcc)
	}
}
