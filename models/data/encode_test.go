package data

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDirect(t *testing.T) {
	dst := make([]float32, 3)
	Direct(dst, []uint8{0, 51, 255})
	if dst[0] != 0 || dst[1] != 0.2 || dst[2] != 1 {
		t.Errorf("Direct = %v", dst)
	}
}

func TestRateCounts(t *testing.T) {
	xs := []float32{0, 0.1, 0.25, 0.5, 0.7, 0.99, 1, -0.5, 1.5}
	for _, steps := range []int{1, 4, 7, 32} {
		counts := make([]int, len(xs))
		dst := make([]bool, len(xs))
		for s := range steps {
			Rate(dst, xs, s)
			for i, b := range dst {
				if b {
					counts[i]++
				}
			}
		}
		for i, x := range xs {
			p := math.Min(math.Max(float64(x), 0), 1)
			if want := int(math.Floor(float64(steps)*p + 0.5)); counts[i] != want {
				t.Errorf("T=%d x=%g: %d spikes, want %d", steps, x, counts[i], want)
			}
		}
	}
}

func TestPoissonRateAndDeterminism(t *testing.T) {
	x := []float32{0, 0.2, 0.5, 0.9, 1}
	const steps = 20000
	run := func(seed uint64) []int {
		rng := rand.New(rand.NewPCG(seed, 1))
		dst := make([]bool, len(x))
		counts := make([]int, len(x))
		for range steps {
			Poisson(dst, x, 1, rng)
			for i, b := range dst {
				if b {
					counts[i]++
				}
			}
		}
		return counts
	}
	a, b := run(7), run(7)
	for i, xi := range x {
		if a[i] != b[i] {
			t.Fatalf("same seed, different spikes: %v vs %v", a, b)
		}
		rate := float64(a[i]) / steps
		// Binomial standard deviation ≤ 0.0036 at 20000 steps; allow 5σ.
		if math.Abs(rate-float64(xi)) > 0.018 {
			t.Errorf("x=%g: rate %g", xi, rate)
		}
	}
	if a[0] != 0 || a[4] != steps {
		t.Errorf("x=0 or x=1 not exact: %v", a)
	}
	// The float form draws the same numbers.
	r1, r2 := rand.New(rand.NewPCG(3, 4)), rand.New(rand.NewPCG(3, 4))
	db, df := make([]bool, len(x)), make([]float32, len(x))
	for range 100 {
		Poisson(db, x, 0.5, r1)
		PoissonF32(df, x, 0.5, r2)
		for i := range x {
			if db[i] != (df[i] == 1) {
				t.Fatal("Poisson and PoissonF32 disagree")
			}
		}
	}
}

func TestThermometer(t *testing.T) {
	const d = 4
	v := []int32{0, 1, 2, 3, 4}
	all := make([]bool, d*len(v))
	ThermometerAll(all, v, d)
	for i, vi := range v {
		sum := 0
		for k := range d {
			spike := all[k*len(v)+i]
			if spike != (int32(k) < vi) {
				t.Errorf("v=%d k=%d: spike %v, want spikes first", vi, k, spike)
			}
			if spike {
				sum++
			}
		}
		if sum != int(vi) {
			t.Errorf("v=%d: %d spikes", vi, sum)
		}
	}
}

func BenchmarkPoisson784(b *testing.B) {
	x := make([]float32, 784)
	for i := range x {
		x[i] = float32(i%256) / 255
	}
	dst := make([]bool, 784)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		Poisson(dst, x, 1, rng)
	}
}

func BenchmarkRate784(b *testing.B) {
	x := make([]float32, 784)
	for i := range x {
		x[i] = float32(i%256) / 255
	}
	dst := make([]bool, 784)
	b.ReportAllocs()
	t := 0
	for b.Loop() {
		Rate(dst, x, t&7)
		t++
	}
}

func BenchmarkThermometer784(b *testing.B) {
	v := make([]int32, 784)
	for i := range v {
		v[i] = int32(i % 5)
	}
	dst := make([]bool, 4*784)
	b.ReportAllocs()
	for b.Loop() {
		ThermometerAll(dst, v, 4)
	}
}

func BenchmarkDirect784(b *testing.B) {
	p := make([]uint8, 784)
	dst := make([]float32, 784)
	b.ReportAllocs()
	for b.Loop() {
		Direct(dst, p)
	}
}
