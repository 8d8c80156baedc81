package core

import (
	"fmt"
	"math"
	"math/bits"

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
// pointer and count).
const AxonEntryBytes = 4

// Synapses is a core's synapse memory: the input axon table and a CSR of
// (target neuron, weight). Build it with a [SynapseBuilder].
type Synapses struct {
	start   []int32   // axon a's synapses are [start[a], start[a+1])
	channel []Channel // per axon
	target  []int32   // per synapse: neuron index in the core
	weight  []float32 // per synapse: quantised weight (mantissa · scale)
	neurons int
	bytes   int
}

// Axons returns the number of input axons.
func (s *Synapses) Axons() int { return len(s.channel) }

// Len returns the number of synapses.
func (s *Synapses) Len() int { return len(s.target) }

// Bytes returns the synapse memory the table takes (see the package doc).
func (s *Synapses) Bytes() int { return s.bytes }

// FanOut returns how many synapses axon a has.
func (s *Synapses) FanOut(a int) int { return int(s.start[a+1] - s.start[a]) }

// Synapse returns synapse k of axon a: its target neuron and quantised weight.
func (s *Synapses) Synapse(a, k int) (target int, w float32) {
	j := s.start[a] + int32(k)
	return int(s.target[j]), s.weight[j]
}

// Channel returns the input channel of axon a.
func (s *Synapses) Channel(a int) Channel { return s.channel[a] }

// deliver adds axon a's weights into exc or inh and returns the synapse count.
func (s *Synapses) deliver(a int32, exc, inh []float32) int {
	lo, hi := s.start[a], s.start[a+1]
	tg, w := s.target[lo:hi], s.weight[lo:hi]
	buf := exc
	if s.channel[a] == Inh {
		buf = inh
	}
	for k, t := range tg {
		buf[t] += w[k]
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
	b.s.start = []int32{0}
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
	if ch > Inh {
		b.err = fmt.Errorf("core: axon %d: unknown channel %d", len(b.s.channel), ch)
		return -1
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		b.err = fmt.Errorf("core: axon %d: weight scale %g must be positive and finite", len(b.s.channel), scale)
		return -1
	}
	if len(b.s.channel) >= b.kind.Axons {
		b.err = fmt.Errorf("core: more than %d input axons (the core kind's fan-in limit)", b.kind.Axons)
		return -1
	}
	if len(b.s.channel) > 0 {
		b.s.start = append(b.s.start, int32(len(b.s.target)))
	}
	b.s.channel = append(b.s.channel, ch)
	b.scale = scale
	return int32(len(b.s.channel) - 1)
}

// AddSynapse adds a synapse from the current axon to neuron target with
// weight w (quantised with the axon's scale).
func (b *SynapseBuilder) AddSynapse(target int, w float64) {
	if b.err != nil {
		return
	}
	if len(b.s.channel) == 0 {
		b.err = fmt.Errorf("core: synapse added before any axon")
		return
	}
	if target < 0 || target >= b.neurons {
		b.err = fmt.Errorf("core: axon %d: target neuron %d out of range [0, %d)", len(b.s.channel)-1, target, b.neurons)
		return
	}
	if math.IsNaN(w) || math.IsInf(w, 0) {
		b.err = fmt.Errorf("core: axon %d: weight %g is not finite", len(b.s.channel)-1, w)
		return
	}
	if len(b.s.target) >= math.MaxInt32 {
		b.err = fmt.Errorf("core: too many synapses")
		return
	}
	m := math.Max(-b.maxM, math.Min(b.maxM, math.Round(w/b.scale)))
	b.s.target = append(b.s.target, int32(target))
	b.s.weight = append(b.s.weight, float32(m*b.scale))
}

// SynapseBits returns the bits one synapse entry takes: the target index
// (ceil(log2 Neurons) bits of the core kind) and the weight.
func SynapseBits(kind arch.CoreKind) int {
	return bits.Len(uint(max(kind.Neurons, 2)-1)) + kind.WeightBits
}

// MemoryBytes returns the synapse memory a table of axons and synapses takes
// on a core of this kind.
func MemoryBytes(kind arch.CoreKind, axons, synapses int) int {
	return (synapses*SynapseBits(kind)+7)/8 + AxonEntryBytes*axons
}

// Build closes the table and checks it against the core kind's synapse
// memory. It returns the first error met while building.
func (b *SynapseBuilder) Build() (*Synapses, error) {
	if b.err != nil {
		return nil, b.err
	}
	s := b.s
	if len(s.channel) > 0 {
		s.start = append(s.start, int32(len(s.target)))
	}
	s.bytes = MemoryBytes(b.kind, len(s.channel), len(s.target))
	if s.bytes > b.kind.SynapseMemoryBytes {
		return nil, fmt.Errorf("core: synapse table of %d axons and %d synapses needs %d bytes > synapse_memory_bytes %d",
			len(s.channel), len(s.target), s.bytes, b.kind.SynapseMemoryBytes)
	}
	return &s, nil
}
