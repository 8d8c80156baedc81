package modeltest

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

func TestBuildersVerifyAndRepeat(t *testing.T) {
	for name, build := range map[string]func(*rand.Rand) *models.Graph{
		"ConvNet": func(r *rand.Rand) *models.Graph { return ConvNet(r, 4, 8, 16, 10) },
		"LIFNet":  func(r *rand.Rand) *models.Graph { return LIFNet(r, 4, 8, 10, 3) },
	} {
		a, b := build(rand.New(rand.NewPCG(1, 2))), build(rand.New(rand.NewPCG(1, 2)))
		if err := models.Verify(a); err != nil {
			t.Errorf("%s does not verify: %v", name, err)
		}
		var ea, eb bytes.Buffer
		if err := models.EncodeNSM(&ea, a); err != nil {
			t.Fatal(err)
		}
		models.EncodeNSM(&eb, b)
		if !bytes.Equal(ea.Bytes(), eb.Bytes()) {
			t.Errorf("%s: the same seed gave different graphs", name)
		}
	}
}
