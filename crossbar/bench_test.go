package crossbar_test

import (
	"fmt"
	"slices"
	"testing"
)

// The benchmarks read square macros of 256×256 and 512×512 cells (pairs: 128
// and 256 outputs) with 10 % and 100 % of the rows spiking, on an ideal
// device ("ideal") and with every non-ideality on ("noisy": variation,
// stuck-at, drift, IR drop, 20 % multiplicative and additive read noise,
// 8-bit ADC). "naive" is the digital integer model, a loop over active rows
// and outputs of an int32 weight matrix, as the reference.

var benchSizes = []int{256, 512}

// benchActive returns the active rows in ascending order, as a core that
// collects its input spikes by index hands them over.
func benchActive(n int, frac float64) []int32 {
	a := randActive(newRNG(21), n, frac)
	slices.Sort(a)
	return a
}

func BenchmarkMulSpikes(b *testing.B) {
	for _, n := range benchSizes {
		for _, frac := range []float64{0.1, 1} {
			active := benchActive(n, frac)
			w := randWeights(newRNG(20), n, n/2, -15, 15)
			for _, kind := range []string{"ideal", "noisy"} {
				m := ideal(n, n)
				if kind == "noisy" {
					m = prime(n, n)
				}
				x := mustNew(b, m)
				if err := x.Program(w, 1, newRNG(22)); err != nil {
					b.Fatal(err)
				}
				dst := make([]float32, n/2)
				rrng := newRNG(23)
				b.Run(fmt.Sprintf("%dx%d/active=%.0f%%/%s", n, n, 100*frac, kind), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						x.MulSpikes(dst, active, 10, rrng)
					}
				})
			}
			b.Run(fmt.Sprintf("%dx%d/active=%.0f%%/naive", n, n, 100*frac), func(b *testing.B) {
				b.ReportAllocs()
				dst := make([]int32, n/2)
				for b.Loop() {
					naiveInto(dst, w, n/2, active)
				}
			})
		}
	}
}

func BenchmarkMulVec(b *testing.B) {
	for _, n := range benchSizes {
		w := randWeights(newRNG(20), n, n/2, -15, 15)
		v := make([]float32, n)
		rng := newRNG(24)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		for _, kind := range []string{"ideal", "noisy"} {
			m := ideal(n, n)
			if kind == "noisy" {
				m = prime(n, n)
			}
			x := mustNew(b, m)
			if err := x.Program(w, 1, newRNG(22)); err != nil {
				b.Fatal(err)
			}
			dst := make([]float32, n/2)
			rrng := newRNG(23)
			b.Run(fmt.Sprintf("%dx%d/%s", n, n, kind), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					x.MulVec(dst, v, 10, rrng)
				}
			})
		}
		b.Run(fmt.Sprintf("%dx%d/naive", n, n), func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]float32, n/2)
			outs := n / 2
			for b.Loop() {
				clear(dst)
				for r, a := range v {
					row := w[r*outs : (r+1)*outs]
					for j, wv := range row {
						dst[j] += a * float32(wv)
					}
				}
			}
		})
	}
}

// naiveInto is the integer model written row-major (the cache-friendly
// order), so the comparison is with a fair digital loop.
func naiveInto(dst []int32, w []int32, outs int, active []int32) {
	clear(dst)
	for _, r := range active {
		row := w[int(r)*outs : int(r+1)*outs]
		for j, v := range row {
			dst[j] += v
		}
	}
}
