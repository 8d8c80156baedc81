package zoo

import (
	"testing"

	"github.com/neurosim/neurosim/models"
)

// BenchmarkBuildLarge768 builds e-spikeformer-large-768 with its 171,740,714
// random float32 weights (one PCG stream per tensor), and with placeholders.
func BenchmarkBuildLarge768(b *testing.B) {
	for _, tc := range []struct {
		name string
		opt  Options
	}{{"random", Options{Seed: 1}}, {"placeholder", Options{Placeholder: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := Build("e-spikeformer-large-768", tc.opt)
				if err != nil {
					b.Fatal(err)
				}
				if models.ParamCount(m.Graph) != 171_740_714 {
					b.Fatal("parameter count")
				}
			}
		})
	}
}

// BenchmarkAnalyzeSpikeYOLOS is `inspect --zoo spikeyolo-s --input 640` without
// printing.
func BenchmarkAnalyzeSpikeYOLOS(b *testing.B) {
	m, err := Build("spikeyolo-s", Options{Placeholder: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(m.Graph, map[string]models.Shape{"image": {3, 640, 640}}); err != nil {
			b.Fatal(err)
		}
	}
}
