package core

import (
	"fmt"

	"github.com/neurosim/neurosim/neuron"
)

// Neurons is a population a core updates once per step: exc and inh hold the
// input accumulated on each channel since the last step; out reports spikes.
// Step returns the number of spikes and must not allocate.
type Neurons interface {
	Len() int
	Step(exc, inh []float32, out []bool) int
}

// CUBANeurons adapts a neuron.CUBA population (float32 reference): exc adds
// to ge and inh to gi, in millivolts.
type CUBANeurons struct {
	M *neuron.CUBA
	S *neuron.CUBAState

	k     *cubaConsts
	sl    cubaSlices
	mask  []uint8
	out   []bool
	tails []neuron.CUBAState // tails[b]: the state from neuron 8·b on
}

// NewCUBANeurons returns n CUBA neurons at v = Vr, or at v0 if given.
func NewCUBANeurons(p neuron.CUBAParams, n int, v0 []float32) (*CUBANeurons, error) {
	if n < 1 {
		return nil, fmt.Errorf("core: CUBA population of %d neurons", n)
	}
	if v0 != nil && len(v0) != n {
		return nil, fmt.Errorf("core: %d initial voltages for %d neurons", len(v0), n)
	}
	m, err := neuron.NewCUBA(p)
	if err != nil {
		return nil, err
	}
	s := m.NewState(n)
	if v0 != nil {
		copy(s.V, v0)
	}
	c := &CUBANeurons{M: m, S: s, k: newCubaConsts(p, m.RefractorySteps()), mask: make([]uint8, (n/8+8)&^7), out: make([]bool, n)}
	c.sl = cubaSlices{v: s.V, ge: s.Ge, gi: s.Gi, ref: s.Ref}
	for b := 0; b <= n/8; b++ {
		c.tails = append(c.tails, neuron.CUBAState{V: s.V[8*b:], Ge: s.Ge[8*b:], Gi: s.Gi[8*b:], Ref: s.Ref[8*b:]})
	}
	return c, nil
}

// Len returns the number of neurons.
func (c *CUBANeurons) Len() int { return len(c.S.V) }

// Step advances the population by one step.
func (c *CUBANeurons) Step(exc, inh []float32, out []bool) int { return c.M.Step(c.S, exc, inh, out) }
