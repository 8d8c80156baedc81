package chip

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkMachineRun times one inference of a default-model-shaped network
// (8/16 channels) on the default chip: functional model, cycle-level NoC and
// timing together.
func BenchmarkMachineRun(b *testing.B) {
	for _, model := range []string{"cycle", "packet", "analytic"} {
		b.Run(model, func(b *testing.B) {
			spec, p := compileFor(b, convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), "default")
			x, err := NewExec(spec, p)
			if err != nil {
				b.Fatal(err)
			}
			if err := x.SetNoCModel(model); err != nil {
				b.Fatal(err)
			}
			m, err := x.NewMachine()
			if err != nil {
				b.Fatal(err)
			}
			imgs := images(8, 16, x.InputSize())
			frame := make([][]uint8, 1)
			var r SampleResult
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				frame[0] = imgs[i%len(imgs)]
				if err := m.Run(frame, &r); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(r.Counts.Packets), "packets/op")
		})
	}
}
