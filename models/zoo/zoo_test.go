package zoo

import (
	"testing"

	"github.com/neurosim/neurosim/models"
)

// The published parameter counts, computed by the reference (seed-models.md §1.3,
// §1.4, §2.2) by instantiating the authors' PyTorch models.
func TestParamCounts(t *testing.T) {
	want := map[string]int64{
		"e-spikeformer-t":         2_702_048,
		"e-spikeformer-s":         5_105_608,
		"e-spikeformer-m":         10_023_112,
		"e-spikeformer-l":         18_987_504,
		"e-spikeformer-large-512": 83_015_952,
		"e-spikeformer-large-768": 171_740_714,
		"spikeyolo-n":             13_271_632,
		"spikeyolo-s":             23_153_024,
		"spikeyolo-m":             47_841_856,
		"spikeyolo-l":             68_478_400,
	}
	if len(Names()) != len(want) {
		t.Errorf("zoo has %d models %v, the table %d", len(Names()), Names(), len(want))
	}
	for name, w := range want {
		m, err := Build(name, Options{Placeholder: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := models.ParamCount(m.Graph); got != w {
			t.Errorf("%s: %d parameters, want %d (off by %d)", name, got, w, got-w)
		}
	}
}
