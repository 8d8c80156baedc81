package chip

import (
	"errors"
	"fmt"
	"math"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/neuron"
)

// Neuron models a Population may use.
const (
	ModelCUBA  = "cuba"  // neuron.CUBA (float32 reference)
	ModelInput = "input" // a spike source replaying Population.Input
)

// Population is a group of neurons of one model.
type Population struct {
	Name  string
	N     int
	Model string            // ModelCUBA or ModelInput
	CUBA  neuron.CUBAParams // for ModelCUBA
	V0    []float32         // ModelCUBA: initial membrane voltages (nil: Vr)
	// Input, for ModelInput: Input[s] lists the neurons that spike at step
	// s (steps beyond len(Input) are silent). This is how a run injects input.
	Input [][]int32
}

// Projection connects population Pre to population Post. The synapses of
// pre neuron i are Targets[Start[i]:Start[i+1]] (post neuron indices, in
// non-decreasing order); their weights are Weights (same indexing) or, when
// Weights is nil, Weight. Weights are in the unit of the post model's input
// (mV for CUBA) and land on channel Channel.
type Projection struct {
	Name      string
	Pre, Post int
	Channel   core.Channel
	Start     []int32
	Targets   []int32
	Weights   []float32
	Weight    float64
}

// Synapses returns the number of synapses.
func (p *Projection) Synapses() int { return len(p.Targets) }

// weight returns the weight of synapse k.
func (p *Projection) weight(k int32) float64 {
	if p.Weights != nil {
		return float64(p.Weights[k])
	}
	return p.Weight
}

// maxAbs returns the largest weight magnitude.
func (p *Projection) maxAbs() float64 {
	if p.Weights == nil {
		return math.Abs(p.Weight)
	}
	m := 0.0
	for _, w := range p.Weights {
		m = math.Max(m, math.Abs(float64(w)))
	}
	return m
}

// Network is a set of populations joined by projections: what the chip
// runs until the compiler produces programs.
type Network struct {
	Populations []Population
	Projections []Projection
}

// Neurons returns the total number of neurons.
func (n *Network) Neurons() int {
	s := 0
	for _, p := range n.Populations {
		s += p.N
	}
	return s
}

// Synapses returns the total number of synapses.
func (n *Network) Synapses() int {
	s := 0
	for i := range n.Projections {
		s += n.Projections[i].Synapses()
	}
	return s
}

// Validate returns every problem of the network, joined.
func (n *Network) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf("chip: "+f, a...)) }
	if len(n.Populations) == 0 {
		bad("network has no populations")
	}
	for i, p := range n.Populations {
		if p.N < 1 {
			bad("population %d (%s): %d neurons", i, p.Name, p.N)
			continue
		}
		switch p.Model {
		case ModelCUBA:
			if _, err := neuron.NewCUBA(p.CUBA); err != nil {
				bad("population %d (%s): %v", i, p.Name, err)
			}
			if p.V0 != nil && len(p.V0) != p.N {
				bad("population %d (%s): %d initial voltages for %d neurons", i, p.Name, len(p.V0), p.N)
			}
			for k, v := range p.V0 {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					bad("population %d (%s): initial voltage %d is %g", i, p.Name, k, v)
					break
				}
			}
		case ModelInput:
		check:
			for s, l := range p.Input {
				for _, j := range l {
					if j < 0 || int(j) >= p.N {
						bad("population %d (%s): input at step %d names neuron %d of %d", i, p.Name, s, j, p.N)
						break check
					}
				}
			}
		default:
			bad("population %d (%s): unknown model %q (want %s or %s)", i, p.Name, p.Model, ModelCUBA, ModelInput)
		}
	}
	for i := range n.Projections {
		pr := &n.Projections[i]
		if pr.Pre < 0 || pr.Pre >= len(n.Populations) || pr.Post < 0 || pr.Post >= len(n.Populations) {
			bad("projection %d (%s): populations %d → %d out of range", i, pr.Name, pr.Pre, pr.Post)
			continue
		}
		pre, post := n.Populations[pr.Pre], n.Populations[pr.Post]
		if post.Model == ModelInput {
			bad("projection %d (%s): targets input population %s", i, pr.Name, post.Name)
		}
		if pr.Channel > core.Inh {
			bad("projection %d (%s): unknown channel %d", i, pr.Name, pr.Channel)
		}
		if len(pr.Start) != pre.N+1 || pr.Start[0] != 0 || int(pr.Start[pre.N]) != len(pr.Targets) {
			bad("projection %d (%s): Start must have %d entries from 0 to len(Targets) = %d", i, pr.Name, pre.N+1, len(pr.Targets))
			continue
		}
		if pr.Weights != nil && len(pr.Weights) != len(pr.Targets) {
			bad("projection %d (%s): %d weights for %d synapses", i, pr.Name, len(pr.Weights), len(pr.Targets))
			continue
		}
		if w := pr.maxAbs(); math.IsNaN(w) || math.IsInf(w, 0) {
			bad("projection %d (%s): a weight is not finite", i, pr.Name)
		}
	rows:
		for j := 0; j < pre.N; j++ {
			lo, hi := pr.Start[j], pr.Start[j+1]
			if lo > hi {
				bad("projection %d (%s): Start decreases at pre neuron %d", i, pr.Name, j)
				break
			}
			for k := lo; k < hi; k++ {
				t := pr.Targets[k]
				if t < 0 || int(t) >= post.N {
					bad("projection %d (%s): pre neuron %d targets %d of %d", i, pr.Name, j, t, post.N)
					break rows
				}
				if k > lo && pr.Targets[k-1] > t {
					bad("projection %d (%s): targets of pre neuron %d are not sorted", i, pr.Name, j)
					break rows
				}
			}
		}
	}
	return errors.Join(errs...)
}
