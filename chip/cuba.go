package chip

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/internal/mem"
	"github.com/neurosim/neurosim/neuron"
)

// CUBA benchmark constants (Vogels & Abbott 2005; Brette et al. 2007), as
// in ../shared/bench/brian2_cuba.py: we = 60·0.27/10 mV, wi = −20·4.5/10 mV,
// each pair connected with probability 80/N, 80 % excitatory.
const (
	CUBAWe       = 60 * 0.27 / 10 // mV
	CUBAWi       = -20 * 4.5 / 10 // mV
	CUBAFanOut   = 80.0           // expected synapses per neuron (p = 80/N)
	CUBAExcShare = 0.8
)

// CUBANetwork builds the Vogels–Abbott CUBA network of n neurons exactly as
// brian2_cuba.py: one population with neuron.DefaultCUBA, initial v uniform
// in [Vr, Vt), ge = gi = 0; the first int(0.8·n) neurons excitatory
// (projection "Ce" onto ge, weight we) and the rest inhibitory ("Ci" onto
// gi, weight wi); every ordered pair (self-pairs included, as Brian2's
// connect(p=...)) connected with probability p = 80/n (1 if n ≤ 80). All
// draws come from rng: first the voltages, then Ce row by row, then Ci.
func CUBANetwork(n int, rng *rand.Rand) (*Network, error) {
	if n < 2 || n > 1<<28 {
		return nil, fmt.Errorf("chip: CUBA network of %d neurons (want 2 … 2^28)", n)
	}
	p := neuron.DefaultCUBA
	v0 := make([]float32, n)
	for i := range v0 {
		v0[i] = float32(p.Vr + rng.Float64()*(p.Vt-p.Vr))
	}
	ne := int(float64(n) * CUBAExcShare)
	prob := math.Min(1, CUBAFanOut/float64(n))
	ce := connect(0, ne, n, prob, rng)
	ci := connect(ne, n, n, prob, rng)
	ce.Name, ce.Channel, ce.Weight = "Ce", core.Exc, CUBAWe
	ci.Name, ci.Channel, ci.Weight = "Ci", core.Inh, CUBAWi
	return &Network{
		Populations: []Population{{Name: "P", N: n, Model: ModelCUBA, CUBA: p, V0: v0}},
		Projections: []Projection{ce, ci},
	}, nil
}

// connect draws a projection from pre neurons [lo, hi) of a population of n
// onto all n neurons, each pair with probability prob, by geometric skips
// (one draw per synapse instead of one per pair): the gap before the next
// connected target is floor(E/λ) with E exponential(1) and λ = −ln(1−prob),
// which is geometric with success probability prob.
func connect(lo, hi, n int, prob float64, rng *rand.Rand) Projection {
	pr := Projection{Start: make([]int32, n+1)}
	// Written once, front to back, on the build's serial path: a fault per
	// 2 MiB, not per 4 KiB.
	pr.Targets = mem.MakeHuge[int32](int(float64(hi-lo)*float64(n)*prob*1.05) + 16)
	lambda := -math.Log1p(-prob)
	for i := 0; i < n; i++ {
		pr.Start[i] = int32(len(pr.Targets))
		if i < lo || i >= hi {
			continue
		}
		if prob >= 1 {
			for j := 0; j < n; j++ {
				pr.Targets = append(pr.Targets, int32(j))
			}
			continue
		}
		for j := -1; ; {
			skip := math.Floor(rng.ExpFloat64() / lambda)
			if skip >= float64(n-j) {
				break
			}
			j += 1 + int(skip)
			if j >= n {
				break
			}
			pr.Targets = append(pr.Targets, int32(j))
		}
	}
	pr.Start[n] = int32(len(pr.Targets))
	return pr
}
