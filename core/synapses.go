package core

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/neurosim/neurosim/arch"
)

// Channel is the input a synapse adds into: excitatory or inhibitory
// (neuron.CUBA's ge and gi).
type Channel uint8

// Input channels.
const (
	Exc Channel = iota
	Inh
)

func (c Channel) String() string {
	switch c {
	case Exc:
		return "exc"
	case Inh:
		return "inh"
	}
	return fmt.Sprintf("Channel(%d)", uint8(c))
}

// AxonEntryBytes is the SRAM one input-axon table entry takes (synapse
// pointer, count and format bit). A shared-weight axon adds its weight,
// rounded up to whole bytes.
const AxonEntryBytes = 4

// axon is one input-axon table entry.
type axon struct {
	start, end int32
	ch         Channel
	shared     bool    // every synapse carries w
	w          float32 // the shared weight
}

// Synapses is a core's synapse memory: the input axon table and a CSR of
// (target neuron, weight). An axon whose synapses all carry the same
// quantised weight is stored in the shared-weight format: the weight once in
// its axon entry, each synapse as a target index only. Build it with a
// [SynapseBuilder].
type Synapses struct {
	axons   []axon
	target  []int32   // per synapse: neuron index in the core
	weight  []float32 // per synapse: quantised weight; nil while every axon is shared, unused for shared axons
	neurons int
	fp      Footprint
}

// Axons returns the number of input axons.
func (s *Synapses) Axons() int { return len(s.axons) }

// Len returns the number of synapses.
func (s *Synapses) Len() int { return len(s.target) }

// Bytes returns the synapse memory the table takes (see Footprint).
func (s *Synapses) Bytes() int { return s.fp.bytes }

// Footprint returns what the table stores.
func (s *Synapses) Footprint() Footprint { return s.fp }

// FanOut returns how many synapses axon a has.
func (s *Synapses) FanOut(a int) int { return int(s.axons[a].end - s.axons[a].start) }

// Synapse returns synapse k of axon a: its target neuron and quantised weight.
func (s *Synapses) Synapse(a, k int) (target int, w float32) {
	ax := &s.axons[a]
	j := ax.start + int32(k)
	if ax.shared {
		return int(s.target[j]), ax.w
	}
	return int(s.target[j]), s.weight[j]
}

// Channel returns the input channel of axon a.
func (s *Synapses) Channel(a int) Channel { return s.axons[a].ch }

// Shared reports whether axon a uses the shared-weight format.
func (s *Synapses) Shared(a int) bool { return s.axons[a].shared }

// input is a core's per-neuron input for the next step, by channel, and
// the neurons each channel touched since the last step (duplicates allowed).
type input struct {
	v       [2][]float32
	touched [2][]int32
}

// deliver adds axon a's weights into in on the axon's channel, records the
// targets as touched, and returns the synapse count.
func (s *Synapses) deliver(a int32, in *input) int {
	ax := &s.axons[a]
	tg := s.target[ax.start:ax.end]
	buf := in.v[ax.ch&1]
	touched := in.touched[ax.ch&1]
	k := len(touched)
	touched = slices.Grow(touched, len(tg))[:k+len(tg)]
	in.touched[ax.ch&1] = touched
	rec := touched[k:]
	rec = rec[:len(tg)]
	if ax.shared {
		w := ax.w
		for i, t := range tg {
			buf[t] += w
			rec[i] = t
		}
		return len(tg)
	}
	ws := s.weight[ax.start:ax.end]
	ws = ws[:len(tg)]
	for i, t := range tg {
		buf[t] += ws[i]
		rec[i] = t
	}
	return len(tg)
}

// SynapseBuilder accumulates a core's synapse table axon by axon.
type SynapseBuilder struct {
	kind    arch.CoreKind
	neurons int
	s       Synapses
	scale   float64
	maxM    float64
	err     error
	curW    float32 // first weight of the current axon
}

// NewSynapseBuilder starts a table for a core of the given kind holding
// neurons neurons.
func NewSynapseBuilder(kind arch.CoreKind, neurons int) (*SynapseBuilder, error) {
	if neurons < 1 || neurons > kind.Neurons {
		return nil, fmt.Errorf("core: %d neurons on a core of %d", neurons, kind.Neurons)
	}
	if kind.WeightBits < 2 || kind.WeightBits > 32 {
		return nil, fmt.Errorf("core: weight_bits %d not in [2, 32]", kind.WeightBits)
	}
	b := &SynapseBuilder{kind: kind, neurons: neurons, maxM: math.Ldexp(1, kind.WeightBits-1) - 1}
	b.s.neurons = neurons
	return b, nil
}

// MaxMantissa returns the largest weight mantissa, 2^(WeightBits−1) − 1.
func (b *SynapseBuilder) MaxMantissa() float64 { return b.maxM }

// AddAxon opens a new input axon on channel ch whose weights are stored as
// round(w/scale) clamped to ±MaxMantissa, and returns its index. Synapses
// added next belong to it. scale must be positive and finite.
func (b *SynapseBuilder) AddAxon(ch Channel, scale float64) int32 {
	if b.err != nil {
		return -1
	}
	n := len(b.s.axons)
	if ch > Inh {
		b.err = fmt.Errorf("core: axon %d: unknown channel %d", n, ch)
		return -1
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		b.err = fmt.Errorf("core: axon %d: weight scale %g must be positive and finite", n, scale)
		return -1
	}
	if n >= b.kind.Axons {
		b.err = fmt.Errorf("core: more than %d input axons (the core kind's fan-in limit)", b.kind.Axons)
		return -1
	}
	b.closeAxon()
	k := int32(len(b.s.target))
	b.s.axons = append(b.s.axons, axon{start: k, end: k, ch: ch})
	b.scale = scale
	return int32(n)
}

// closeAxon decides the format of the last axon.
func (b *SynapseBuilder) closeAxon() {
	n := len(b.s.axons)
	if n == 0 {
		return
	}
	ax := &b.s.axons[n-1]
	ax.end = int32(len(b.s.target))
	ax.shared = ax.end > ax.start
	w := b.curW
	if b.s.weight != nil && ax.shared {
		ws := b.s.weight[ax.start:ax.end]
		w = ws[0]
		for _, x := range ws {
			if x != w {
				ax.shared = false
				break
			}
		}
	}
	if ax.shared {
		ax.w = w
		b.s.fp.SharedAxons++
		b.s.fp.SharedSynapses += int(ax.end - ax.start)
	}
}

// weigh records quantised weight q for the next synapse of the current
// axon. The per-synapse weight array exists only once some axon has two
// different weights; until then every axon is shared and its weight is curW.
func (b *SynapseBuilder) weigh(q float32) {
	start := b.s.axons[len(b.s.axons)-1].start
	switch {
	case b.s.weight != nil:
		b.s.weight = append(b.s.weight, q)
	case int32(len(b.s.target)) == start:
		b.curW = q
	case q != b.curW:
		b.s.weight = make([]float32, len(b.s.target), cap(b.s.target))
		for j := start; j < int32(len(b.s.target)); j++ {
			b.s.weight[j] = b.curW
		}
		b.s.weight = append(b.s.weight, q)
	}
}

// AddSynapse adds a synapse from the current axon to neuron target with
// weight w (quantised with the axon's scale).
func (b *SynapseBuilder) AddSynapse(target int, w float64) {
	if b.err != nil {
		return
	}
	if len(b.s.axons) == 0 {
		b.err = fmt.Errorf("core: synapse added before any axon")
		return
	}
	if target < 0 || target >= b.neurons {
		b.err = fmt.Errorf("core: axon %d: target neuron %d out of range [0, %d)", len(b.s.axons)-1, target, b.neurons)
		return
	}
	if math.IsNaN(w) || math.IsInf(w, 0) {
		b.err = fmt.Errorf("core: axon %d: weight %g is not finite", len(b.s.axons)-1, w)
		return
	}
	if len(b.s.target) >= math.MaxInt32 {
		b.err = fmt.Errorf("core: too many synapses")
		return
	}
	m := math.Max(-b.maxM, math.Min(b.maxM, math.Round(w/b.scale)))
	b.weigh(float32(m * b.scale))
	b.s.target = append(b.s.target, int32(target))
}

// Grow reserves room for axons more axons and synapses more synapses.
func (b *SynapseBuilder) Grow(axons, synapses int) {
	b.s.axons = slices.Grow(b.s.axons, max(axons, 0))
	b.s.target = slices.Grow(b.s.target, max(synapses, 0))
}

// AddSynapses adds synapses from the current axon to neurons
// targets[k] − offset, all with weight w: AddSynapse in bulk.
func (b *SynapseBuilder) AddSynapses(targets []int32, offset int32, w float64) {
	if b.err != nil {
		return
	}
	if len(b.s.axons) == 0 {
		b.err = fmt.Errorf("core: synapse added before any axon")
		return
	}
	if math.IsNaN(w) || math.IsInf(w, 0) {
		b.err = fmt.Errorf("core: axon %d: weight %g is not finite", len(b.s.axons)-1, w)
		return
	}
	if len(b.s.target)+len(targets) >= math.MaxInt32 {
		b.err = fmt.Errorf("core: too many synapses")
		return
	}
	m := math.Max(-b.maxM, math.Min(b.maxM, math.Round(w/b.scale)))
	q := float32(m * b.scale)
	for _, t := range targets {
		t -= offset
		if t < 0 || int(t) >= b.neurons {
			b.err = fmt.Errorf("core: axon %d: target neuron %d out of range [0, %d)", len(b.s.axons)-1, t, b.neurons)
			return
		}
		b.weigh(q)
		b.s.target = append(b.s.target, t)
	}
}

// Footprint counts what a synapse table stores: all axons and synapses, and
// those in the shared-weight format.
type Footprint struct {
	Axons, SharedAxons       int
	Synapses, SharedSynapses int
	bytes                    int
}

// IndexBits returns the bits of a synapse's target index on a core of this
// kind: ceil(log2 Neurons).
func IndexBits(kind arch.CoreKind) int { return bits.Len(uint(max(kind.Neurons, 2) - 1)) }

// Bytes returns the synapse memory the footprint takes on a core of this
// kind:
//
//	ceil((synapses·IndexBits + full synapses·WeightBits) / 8)
//	  + axons·AxonEntryBytes + shared axons·ceil(WeightBits/8)
func (f Footprint) Bytes(kind arch.CoreKind) int {
	b := f.Synapses*IndexBits(kind) + (f.Synapses-f.SharedSynapses)*kind.WeightBits
	return (b+7)/8 + AxonEntryBytes*f.Axons + f.SharedAxons*((kind.WeightBits+7)/8)
}

// Build closes the table and checks it against the core kind's synapse
// memory. It returns the first error met while building.
func (b *SynapseBuilder) Build() (*Synapses, error) {
	if b.err != nil {
		return nil, b.err
	}
	b.closeAxon()
	s := b.s
	s.fp.Axons, s.fp.Synapses = len(s.axons), len(s.target)
	s.fp.bytes = s.fp.Bytes(b.kind)
	if s.fp.bytes > b.kind.SynapseMemoryBytes {
		return nil, fmt.Errorf("core: synapse table of %d axons and %d synapses needs %d bytes > synapse_memory_bytes %d",
			len(s.axons), len(s.target), s.fp.bytes, b.kind.SynapseMemoryBytes)
	}
	return &s, nil
}
