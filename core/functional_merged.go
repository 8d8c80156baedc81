package core

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/neurosim/neurosim/neuron"
)

// mergedCUBA steps the CUBA populations of every core as one: when all the
// functional model's cores hold CUBANeurons of one model, their states are
// moved into one array (each core's CUBANeurons keeps working on its part)
// and a step runs the vector kernel once over all of them instead of once
// per core. Neurons do not interact within a step, so which neurons share
// a vector does not change any result (bit-identical to per-core
// StepList); on a chip of many small cores (748 cores of 56 neurons) the
// per-core calls cost more than the kernel.
type mergedCUBA struct {
	m     *neuron.CUBA
	k     *cubaConsts
	sl    cubaSlices
	mask  []uint8
	out   []bool
	zero  []float32 // inputs of the scalar tail (folded, so zero)
	start []int32   // per core: index of its first neuron; and the total
	pops  []*CUBANeurons
	g     []float32 // ge of every neuron, then gi: sl.ge and sl.gi are its halves
	spk   []int32   // the last step's spikes by merged index, ascending
	hot   []int32   // the cores with spikes in the last step, ascending
	loc   []int32   // the last step's spikes by index in their core: out's storage
	// coreOf[j]: the core of merged neuron j (spikes are few; walking
	// start for each step's took 11 ms of 10 000 steps of 748 cores)
	coreOf []int32
}

// mergeable reports whether every core holds CUBANeurons of one model (and
// there are at least two cores), the condition for newMergedCUBA.
func mergeable(cores []*Core) bool {
	if len(cores) < 2 {
		return false
	}
	var m0 *CUBANeurons
	for _, c := range cores {
		p, ok := c.nrn.(*CUBANeurons)
		if !ok || c.lister == nil {
			return false
		}
		if m0 == nil {
			m0 = p
		} else if *p.M != *m0.M || *p.k != *m0.k {
			return false
		}
	}
	return true
}

// newMergedCUBA returns the merged stepper for cores, or nil when they do
// not all hold CUBANeurons of the same model.
func newMergedCUBA(cores []*Core) *mergedCUBA {
	if !mergeable(cores) {
		return nil
	}
	g := &mergedCUBA{start: make([]int32, 1, len(cores)+1), pops: make([]*CUBANeurons, len(cores))}
	n := 0
	for i, c := range cores {
		p := c.nrn.(*CUBANeurons)
		g.m, g.k, g.pops[i] = p.M, p.k, p
		n += p.Len()
		g.start = append(g.start, int32(n))
	}
	s := g.m.NewState(n)
	g.g = make([]float32, 2*n)
	s.Ge, s.Gi = g.g[:n:n], g.g[n:]
	for i, p := range g.pops {
		a, b := g.start[i], g.start[i+1]
		copy(s.V[a:b], p.S.V)
		copy(s.Ge[a:b], p.S.Ge)
		copy(s.Gi[a:b], p.S.Gi)
		copy(s.Ref[a:b], p.S.Ref)
		p.rehome(&neuron.CUBAState{V: s.V[a:b:b], Ge: s.Ge[a:b:b], Gi: s.Gi[a:b:b], Ref: s.Ref[a:b:b]})
	}
	g.sl = cubaSlices{v: s.V, ge: s.Ge, gi: s.Gi, ref: s.Ref}
	g.mask = make([]uint8, (n/8+8)&^7)
	g.out = make([]bool, n) // the scalar tail: < 8 neurons with AVX2, all without
	g.zero = make([]float32, n)
	g.spk = make([]int32, 0, n)
	g.loc = make([]int32, 0, n)
	g.hot = make([]int32, 0, len(cores))
	g.coreOf = make([]int32, n)
	for i := range cores {
		for j := g.start[i]; j < g.start[i+1]; j++ {
			g.coreOf[j] = int32(i)
		}
	}
	return g
}

// rehome makes the population work on state s (same size), which holds its
// current state.
func (c *CUBANeurons) rehome(s *neuron.CUBAState) {
	c.S.V, c.S.Ge, c.S.Gi, c.S.Ref = s.V, s.Ge, s.Gi, s.Ref
	c.sl = cubaSlices{v: s.V, ge: s.Ge, gi: s.Gi, ref: s.Ref}
	for b := range c.tails {
		c.tails[b] = neuron.CUBAState{V: s.V[8*b:], Ge: s.Ge[8*b:], Gi: s.Gi[8*b:], Ref: s.Ref[8*b:]}
	}
}

// step is Core.update for every core at once: it folds each core's input
// as StepList does, steps all neurons, and sets out[i] to core i's spikes
// (ascending), appended to out[i][:0].
func (g *mergedCUBA) step(cores []*Core, out [][]int32) {
	g.fold(cores)
	g.advance(out)
}

// fold adds each core's input into ge and gi as StepList does and consumes
// it.
func (g *mergedCUBA) fold(cores []*Core) {
	for i, c := range cores {
		in := &c.in
		p := g.pops[i]
		exc, inh := in.v[Exc], in.v[Inh]
		ge, gi := p.S.Ge, p.S.Gi
		if in.touched[Exc] == nil && in.touched[Inh] == nil {
			for j := range exc {
				if exc[j] != 0 || inh[j] != 0 {
					ge[j] += exc[j]
					gi[j] += inh[j]
					exc[j], inh[j] = 0, 0
				}
			}
		} else {
			for _, t := range in.touched[Exc] {
				ge[t] += exc[t]
				exc[t] = 0
			}
			for _, t := range in.touched[Inh] {
				gi[t] += inh[t]
				inh[t] = 0
			}
		}
		in.touched[Exc], in.touched[Inh] = in.touched[Exc][:0], in.touched[Inh][:0]
	}
}

// advance steps all neurons, whose input is folded, sets out[i] to core i's
// spikes (ascending), appended to out[i][:0] (out must hold the last
// step's spikes: only the cores in hot are emptied), spk to all of them
// by merged index and hot to the cores that have some.
func (g *mergedCUBA) advance(out [][]int32) {
	g.begin(out)
	g.emit(out, cubaBlocks(&g.sl, g.mask, g.k))
}

// advanceFold is advance for inputs not yet folded: in holds every
// neuron's exc input, then every neuron's inh input, −0 where nothing
// arrived (x + −0 = x for every x, so adding an untouched input changes
// nothing); it folds them all as it steps and leaves in at −0. With
// AVX-512 the kernel folds while it reads the state; otherwise it folds
// here first.
func (g *mergedCUBA) advanceFold(out [][]int32, in []float32) {
	g.begin(out)
	n := len(g.sl.v)
	inE, inI := in[:n:n], in[n:2*n:2*n]
	done := 0
	if useAVX512 && n >= 16 {
		s := &g.sl
		cubaStepFoldAVX512(&s.v[0], &s.ge[0], &s.gi[0], &s.ref[0], &inE[0], &inI[0], &g.mask[0], n/16, g.k)
		done = n &^ 15
	}
	ge, gi := g.sl.ge[:n], g.sl.gi[:n]
	for j := done; j < n; j++ {
		ge[j] += inE[j]
		gi[j] += inI[j]
		inE[j], inI[j] = negZero, negZero
	}
	if done == 0 {
		g.emit(out, cubaBlocks(&g.sl, g.mask, g.k))
		return
	}
	rest := cubaSlices{v: g.sl.v[done:], ge: g.sl.ge[done:], gi: g.sl.gi[done:], ref: g.sl.ref[done:]}
	g.emit(out, done+cubaBlocks(&rest, g.mask[done/8:], g.k))
}

// negZero is −0, the value of an input nothing arrived at (advanceFold).
var negZero = float32(math.Copysign(0, -1))

// begin empties out's cores with spikes and the spike lists.
func (g *mergedCUBA) begin(out [][]int32) {
	for _, c := range g.hot {
		out[c] = out[c][:0] // the others are empty
	}
	g.hot = g.hot[:0]
	g.spk = g.spk[:0]
}

// emit reads the spikes of the first done neurons (stepped by the vector
// kernels) from the mask, steps the rest with neuron.CUBA.Step (inputs
// folded), and sets out[i] to core i's (cut from loc: valid until the next
// step), spk to all and hot to their cores.
func (g *mergedCUBA) emit(out [][]int32, done int) {
	n := len(g.sl.v)
	// Spikes come in ascending order, so core by core: each core's are a
	// run in one buffer (748 separate arrays cost a cache miss a spike).
	loc, cur, from := g.loc[:0], int32(-1), 0
	add := func(j int) {
		if ci := g.coreOf[j]; ci != cur {
			if cur >= 0 {
				out[cur] = loc[from:len(loc):len(loc)]
			}
			cur, from = ci, len(loc)
			g.hot = append(g.hot, ci)
		}
		loc = append(loc, int32(j)-g.start[cur])
		g.spk = append(g.spk, int32(j))
	}

	for w := 0; 8*w < done; w += 8 {
		m := binary.LittleEndian.Uint64(g.mask[w : w+8])
		for m != 0 {
			add(8*w + bits.TrailingZeros64(m))
			m &= m - 1
		}
	}
	if done < n {
		t := &neuron.CUBAState{V: g.sl.v[done:], Ge: g.sl.ge[done:], Gi: g.sl.gi[done:], Ref: g.sl.ref[done:]}
		k := n - done
		o := g.out[:k]
		g.m.Step(t, g.zero[:k], g.zero[:k], o)
		for i, f := range o {
			if f {
				add(done + i)
			}
		}
	}
	if cur >= 0 {
		out[cur] = loc[from:len(loc):len(loc)]
	}
	g.loc = loc
}
