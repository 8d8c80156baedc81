package chip

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/compiler"
)

// cimMachine returns a programmed machine for a default-model-shaped network
// (4/8 channels, FC 16) on cimSpec with the given layers on the macros, its
// macros exact or with the spec's noise (prime-40nm: read noise 0.2,
// variation 1 %, stuck-at 0.1 %, 8-bit ADC).
func cimMachine(t testing.TB, layers string, exact bool) (*Exec, *Machine) {
	spec := cimSpec(t, nil)
	p := compileCIM(t, convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), spec, layers)
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	if exact {
		for _, k := range x.CIMKinds() {
			m, _ := x.Macro(k)
			if err := x.SetMacro(k, Exactly(m)); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err := x.NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ProgramMacros(1); err != nil {
		t.Fatal(err)
	}
	return x, m
}

// BenchmarkCIMRun times one inference with the FC layers (dense) or every
// weight layer (all) on crossbar macros, exact or noisy, against the same
// network on digital cores only (none), on the same chip.
func BenchmarkCIMRun(b *testing.B) {
	for _, c := range []struct {
		layers string
		exact  bool
	}{{compiler.CIMNone, true}, {compiler.CIMDense, true}, {compiler.CIMDense, false}, {compiler.CIMAll, true}, {compiler.CIMAll, false}} {
		name := c.layers + "/noisy"
		if c.exact {
			name = c.layers + "/exact"
		}
		b.Run(name, func(b *testing.B) {
			x, m := cimMachine(b, c.layers, c.exact)
			imgs := images(8, 16, x.InputSize())
			frame := make([][]uint8, 1)
			var r SampleResult
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				frame[0] = imgs[i%len(imgs)]
				m.SetSample(i)
				if err := m.Run(frame, &r); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(r.Counts.XbarReads), "xbar-reads/op")
			b.ReportMetric(float64(r.Counts.CellReads), "cell-reads/op")
		})
	}
}

// TestCIMRunAllocations: once warm, a sample on a chip with noisy cim cores
// allocates no more than the digital chip's fixed NoC statistics snapshot.
// (The noise changes the spikes of every run, so the NoC's packet pool
// needs more runs than the digital test to reach its peak.)
func TestCIMRunAllocations(t *testing.T) {
	x, m := cimMachine(t, compiler.CIMDense, false)
	imgs := images(8, 4, x.InputSize())
	var r SampleResult
	for i := range 40 {
		if err := m.Run([][]uint8{imgs[i%len(imgs)]}, &r); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	frame := make([][]uint8, 1)
	allocs := testing.AllocsPerRun(10, func() {
		frame[0] = imgs[i%len(imgs)]
		m.Run(frame, &r)
		i++
	})
	stats := testing.AllocsPerRun(10, func() { m.net.Stats() })
	if allocs > stats {
		t.Fatalf("Machine.Run with cim cores allocates %.1f times per sample, the NoC stats snapshot %.1f", allocs, stats)
	}
	if r.Counts.XbarReads == 0 {
		t.Fatal("no macro reads")
	}
}
