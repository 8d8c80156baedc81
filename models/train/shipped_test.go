package train

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// The shipped default model (internal/assets/files/sfa-convnet-mnist.nsm) loads and runs.
// By default it is checked on the first 500 test images; with
// NEUROSIM_LONG=1 on all 10,000, where it must reach 99.3 %.
func TestShippedModel(t *testing.T) {
	g, err := models.Load("../../internal/assets/files/sfa-convnet-mnist.nsm")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("internal/assets/files/sfa-convnet-mnist.nsm not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	ds := loadMNIST(t)
	limit, want := 500, 0.98
	if os.Getenv("NEUROSIM_LONG") == "1" {
		limit, want = 0, 0.993
	} else {
		t.Log("checking 500 test images; NEUROSIM_LONG=1 checks all 10,000")
	}
	res, err := Evaluate(g, &ds.Test, limit, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("integer-inference accuracy %.2f%% on %d images (model says %s)", 100*res.Accuracy, res.N, g.Meta["test_accuracy"])
	if res.Accuracy < want {
		t.Errorf("accuracy %.4f < %.4f", res.Accuracy, want)
	}
}
