package data

import (
	"math"
	"math/rand/v2"
)

// checkLen panics on a programmer error: dst and src must have equal lengths.
func checkLen(fn string, dst, src int) {
	if dst != src {
		panic("data." + fn + ": len(dst) != len(src)")
	}
}

// Direct writes pixels normalised to [0,1] (p/255) into dst: the real-valued input of
// a first layer that multiplies (MAC) rather than accumulates spikes. It panics if the
// lengths differ.
func Direct(dst []float32, pixels []uint8) {
	checkLen("Direct", len(dst), len(pixels))
	for i, p := range pixels {
		dst[i] = float32(p) / 255
	}
}

// Rate writes step t (0-based) of a deterministic rate code into dst: over T steps
// input x ∈ [0,1] spikes round(T·x) times, as evenly spaced as possible (spike at t
// when ⌊(t+1)·x + ½⌋ > ⌊t·x + ½⌋). Values outside [0,1] are clamped. Rate needs no
// randomness, so repeated runs see identical trains. It panics if the lengths differ.
func Rate(dst []bool, x []float32, t int) {
	checkLen("Rate", len(dst), len(x))
	ft := float64(t)
	for i, v := range x {
		p := math.Min(math.Max(float64(v), 0), 1)
		dst[i] = math.Floor((ft+1)*p+0.5) > math.Floor(ft*p+0.5)
	}
}

// Poisson writes one step of a Bernoulli ("Poisson") spike code into dst: element i
// spikes with probability gain·x[i] (clamped to [0,1]), drawing one uniform number per
// element from rng in index order. The same rng state gives the same spikes. It panics
// if the lengths differ.
func Poisson(dst []bool, x []float32, gain float32, rng *rand.Rand) {
	checkLen("Poisson", len(dst), len(x))
	for i, v := range x {
		dst[i] = rng.Float32() < gain*v
	}
}

// PoissonF32 is Poisson writing 0 or 1 as float32, the form a trainer multiplies.
func PoissonF32(dst []float32, x []float32, gain float32, rng *rand.Rand) {
	checkLen("PoissonF32", len(dst), len(x))
	for i, v := range x {
		if rng.Float32() < gain*v {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// Thermometer writes virtual sub-step k ∈ [0,D) of the spike-driven expansion of
// integer spikes v ∈ [0,D] into dst: dst[i] = k < v[i], so the spikes come first and
// the D sub-steps of element i sum to v[i] (SpikeYOLO's expand_tensor_cumulative). It
// panics if the lengths differ.
func Thermometer(dst []bool, v []int32, k int) {
	checkLen("Thermometer", len(dst), len(v))
	k32 := int32(k)
	for i, s := range v {
		dst[i] = k32 < s
	}
}

// ThermometerAll writes all D sub-steps at once: dst has D·len(v) elements laid out
// [D][len(v)], sub-step k at dst[k·len(v):]. It panics if len(dst) != D·len(v).
func ThermometerAll(dst []bool, v []int32, d int) {
	n := len(v)
	if d < 0 || len(dst) != d*n {
		panic("data.ThermometerAll: len(dst) != D*len(v)")
	}
	for k := range d {
		Thermometer(dst[k*n:(k+1)*n], v, k)
	}
}
