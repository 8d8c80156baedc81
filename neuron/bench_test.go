package neuron

import (
	"fmt"
	"testing"
)

// cubaBenchDrive fills a drive like the CUBA network's: about 2 % of
// neurons receive excitation and 0.5 % inhibition each step.
func cubaBenchDrive(n int) (e, i []float32, eq, iq []int32) {
	e, i = make([]float32, n), make([]float32, n)
	eq, iq = make([]int32, n), make([]int32, n)
	rng := newRand(11)
	for k := 0; k < n; k++ {
		if rng.IntN(50) == 0 {
			e[k], eq[k] = 1.62, DefaultCUBAPrecision.Quantize(1.62)
		}
		if rng.IntN(200) == 0 {
			i[k], iq[k] = -9, DefaultCUBAPrecision.Quantize(-9)
		}
	}
	return
}

func BenchmarkCUBAStep(b *testing.B) {
	for _, n := range []int{4000, 40000} {
		m, _ := NewCUBA(DefaultCUBA)
		e, i, eq, iq := cubaBenchDrive(n)
		out := make([]bool, n)
		b.Run(fmt.Sprintf("float32/N=%d", n), func(b *testing.B) {
			s := m.NewState(n)
			rng := newRand(12)
			for k := range s.V {
				s.V[k] = float32(-60 + 10*rng.Float64())
			}
			b.ReportAllocs()
			b.SetBytes(int64(n) * 16)
			for b.Loop() {
				m.Step(s, e, i, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/neuron")
		})
		b.Run(fmt.Sprintf("fixed/N=%d", n), func(b *testing.B) {
			f, _ := m.Fixed(DefaultCUBAPrecision)
			s := f.NewState(n)
			rng := newRand(12)
			for k := range s.V {
				s.V[k] = DefaultCUBAPrecision.Quantize(-60 + 10*rng.Float64())
			}
			b.ReportAllocs()
			b.SetBytes(int64(n) * 16)
			for b.Loop() {
				f.Step(s, eq, iq, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/neuron")
		})
	}
}

func BenchmarkLIFStep(b *testing.B) {
	const n = 4096
	m, _ := NewLIF(LIFParams{Tau: 0.0025, R: 1, VThreshold: 0.1, DT: 1e-4})
	x := make([]float64, n)
	xq := make([]int32, n)
	for k := range x {
		x[k] = float64(k%7) * 0.3
		xq[k] = DefaultPrecision.Quantize(x[k])
	}
	out := make([]bool, n)
	b.Run("float", func(b *testing.B) {
		s := m.NewState(n)
		b.ReportAllocs()
		for b.Loop() {
			m.Step(s, x, out)
		}
	})
	b.Run("fixed", func(b *testing.B) {
		f, _ := m.Fixed(DefaultPrecision)
		s := f.NewState(n)
		b.ReportAllocs()
		for b.Loop() {
			f.Step(s, xq, out)
		}
	})
}

func BenchmarkILIFStep(b *testing.B) {
	const n = 4096
	m, _ := NewILIF(DefaultILIF)
	x := make([]float64, n)
	xq := make([]int32, n)
	for k := range x {
		x[k] = float64(k%11)*0.45 - 1
		xq[k] = DefaultPrecision.Quantize(x[k])
	}
	out := make([]int32, n)
	b.Run("float", func(b *testing.B) {
		s := m.NewState(n)
		b.ReportAllocs()
		for b.Loop() {
			m.Step(s, x, out)
		}
	})
	b.Run("fixed", func(b *testing.B) {
		f, _ := m.Fixed(DefaultPrecision)
		s := f.NewState(n)
		b.ReportAllocs()
		for b.Loop() {
			f.Step(s, xq, out)
		}
	})
}

func BenchmarkMultiSpikeStep(b *testing.B) {
	const n = 4096
	m, _ := NewMultiSpike(4, HalfEven)
	x := make([]float64, n)
	xq := make([]int32, n)
	for k := range x {
		x[k] = float64(k%13)*0.41 - 1
		xq[k] = DefaultPrecision.Quantize(x[k])
	}
	out := make([]int32, n)
	b.Run("float", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Step(x, out)
		}
	})
	b.Run("fixed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.StepFixed(DefaultPrecision, xq, out)
		}
	})
}
