package chip

import "math"

// FiringStats summarise a raster: the mean rate over all neurons and the
// mean coefficient of variation of inter-spike intervals over the neurons
// with at least two intervals (sample standard deviation, n−1).
type FiringStats struct {
	MeanRateHz float64
	MeanCV     float64 // NaN when no neuron has two intervals
	CVNeurons  int     // neurons that entered MeanCV
}

// Firing computes FiringStats for a raster of neurons neurons over steps
// steps of dtMS milliseconds. The raster must be sorted by (step, neuron),
// as Chip.Raster returns it.
func Firing(raster []Spike, neurons int, steps int64, dtMS float64) FiringStats {
	var fs FiringStats
	if neurons < 1 || steps < 1 || !(dtMS > 0) {
		return FiringStats{MeanRateHz: math.NaN(), MeanCV: math.NaN()}
	}
	fs.MeanRateHz = float64(len(raster)) / float64(neurons) / (float64(steps) * dtMS / 1000)
	last := make([]int32, neurons)
	for i := range last {
		last[i] = -1
	}
	// Welford's running mean and variance of the intervals of each neuron.
	cnt := make([]int32, neurons)
	mean := make([]float64, neurons)
	m2 := make([]float64, neurons)
	for _, s := range raster {
		if s.Neuron < 0 || int(s.Neuron) >= neurons {
			continue
		}
		n := s.Neuron
		if last[n] >= 0 {
			x := float64(s.Step - last[n])
			cnt[n]++
			d := x - mean[n]
			mean[n] += d / float64(cnt[n])
			m2[n] += d * (x - mean[n])
		}
		last[n] = s.Step
	}
	sum := 0.0
	for n := range cnt {
		if cnt[n] >= 2 && mean[n] > 0 {
			sum += math.Sqrt(m2[n]/float64(cnt[n]-1)) / mean[n]
			fs.CVNeurons++
		}
	}
	fs.MeanCV = math.NaN()
	if fs.CVNeurons > 0 {
		fs.MeanCV = sum / float64(fs.CVNeurons)
	}
	return fs
}
