package core

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/neurosim/neurosim/neuron"
)

// cubaConsts are neuron.CUBA's step constants broadcast to sixteen lanes (the
// layout cuba_amd64.s reads).
type cubaConsts struct {
	el, em, ee, ei, ke, ki, vt, vr [16]float32
	rs, one                        [16]int32
}

// cubaSlices are the population's state.
type cubaSlices struct {
	v, ge, gi []float32
	ref       []int32
}

// newCubaConsts computes the constants as neuron.NewCUBA does (float64, then
// rounded to float32 as CUBA.Step rounds them); TestCUBAFastMatchesNeuron
// checks the two stay bit-identical.
func newCubaConsts(p neuron.CUBAParams, refSteps int) *cubaConsts {
	em := math.Exp(-p.DT / p.TauM)
	k := func(ts float64) float64 {
		if ts == p.TauM {
			return p.DT / p.TauM * em
		}
		return ts / (ts - p.TauM) * (math.Exp(-p.DT/ts) - em)
	}
	c := &cubaConsts{}
	for i := range c.el {
		c.el[i], c.em[i] = float32(p.El), float32(em)
		c.ee[i], c.ei[i] = float32(math.Exp(-p.DT/p.TauE)), float32(math.Exp(-p.DT/p.TauI))
		c.ke[i], c.ki[i] = float32(k(p.TauE)), float32(k(p.TauI))
		c.vt[i], c.vr[i] = float32(p.Vt), float32(p.Vr)
		c.rs[i], c.one[i] = int32(refSteps-1), 1
	}
	return c
}

// spikeLister is implemented by populations that report a step's spikes as
// a list of neuron indices (ascending) and consume their inputs: after the
// call exc and inh are zero. touchedE (touchedI) lists every neuron whose exc
// (inh) may be nonzero, duplicates allowed; both nil: any may be. The core
// prefers it to Step.
type spikeLister interface {
	StepList(exc, inh []float32, touchedE, touchedI, spikes []int32) []int32
}

// StepList advances the population by one step like Step, appends the
// indices of the neurons that fired to spikes, and zeroes exc and inh.
// touchedE (touchedI) lists every neuron whose exc (inh) may be nonzero,
// duplicates allowed; with both nil every neuron is checked.
//
// It first folds the inputs into the state, ge ← ge + inE and gi ← gi + inI
// (CUBA.Step's first operations, the same float32 additions), for the
// touched neurons only; the rest of the step then reads no input. On amd64
// with AVX-512 (AVX2) it steps sixteen (eight) neurons at a time with the
// same float32 operations in the same order as neuron.CUBA.Step
// (bit-identical results); elsewhere, and for the last neurons that do not
// fill a vector, it calls neuron.CUBA.Step with the (now zero) inputs.
func (c *CUBANeurons) StepList(exc, inh []float32, touchedE, touchedI, spikes []int32) []int32 {
	n := len(c.S.V)
	ge, gi := c.S.Ge[:n], c.S.Gi[:n]
	exc, inh = exc[:n], inh[:n]
	if touchedE == nil && touchedI == nil {
		for i := range exc {
			if exc[i] != 0 || inh[i] != 0 {
				ge[i] += exc[i]
				gi[i] += inh[i]
				exc[i], inh[i] = 0, 0
			}
		}
	} else {
		for _, t := range touchedE {
			ge[t] += exc[t]
			exc[t] = 0
		}
		for _, t := range touchedI {
			gi[t] += inh[t]
			inh[t] = 0
		}
	}
	done := cubaBlocks(&c.sl, c.mask, c.k)
	// Scan the mask eight bytes (64 neurons) at a time; bytes past the
	// stepped neurons stay zero.
	for w := 0; 8*w < done; w += 8 {
		m := binary.LittleEndian.Uint64(c.mask[w : w+8])
		for m != 0 {
			spikes = append(spikes, int32(8*w+bits.TrailingZeros64(m)))
			m &= m - 1
		}
	}
	if done < n {
		t := &c.tails[done/8]
		out := c.out[done:]
		c.M.Step(t, exc[done:], inh[done:], out)
		for i, f := range out {
			if f {
				spikes = append(spikes, int32(done+i))
			}
		}
	}
	return spikes
}
