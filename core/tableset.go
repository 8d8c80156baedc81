package core

import (
	"fmt"
	"math"
	"sort"

	"github.com/neurosim/neurosim/arch"
)

// SharedTables builds the synapse tables of many cores of one kind at once
// when every axon carries one weight (the shared-weight format): the same
// tables SynapseBuilder makes from AddAxon and AddSynapses, in one storage
// for all cores, sized exactly beforehand. Axons may be added to the cores
// in any interleaving; each core numbers its own in the order they come.
// Adding one axon touches a few words (no per-core builder state), which
// matters when a network's pre neurons are walked in order and nearly every
// axon lands on a different core.
type SharedTables struct {
	kind                 arch.CoreKind
	neurons              []int32
	axBase, axEnd, axCur []int32 // per core: its axons in axons
	tgBase, tgEnd, tgCur []int32 // per core: its synapses in target
	axons                []axon
	target               []int32
	shared               []int32 // per core: its axons with synapses (the shared-weight ones)
	err                  error
	// the last quantisation: weight, scale and stored weight
	lastW, lastScale float64
	lastQ            float32
}

// NewSharedTables prepares the tables of len(neurons) cores of the given
// kind: core i holds neurons[i] neurons and will receive exactly axons[i]
// axons with synapses[i] synapses in all.
func NewSharedTables(kind arch.CoreKind, neurons, axons, synapses []int) (*SharedTables, error) {
	if len(axons) != len(neurons) || len(synapses) != len(neurons) {
		return nil, fmt.Errorf("core: shared tables: %d cores, %d axon and %d synapse counts", len(neurons), len(axons), len(synapses))
	}
	if kind.WeightBits < 2 || kind.WeightBits > 32 {
		return nil, fmt.Errorf("core: weight_bits %d not in [2, 32]", kind.WeightBits)
	}
	nc := len(neurons)
	t := &SharedTables{kind: kind, neurons: make([]int32, nc),
		axBase: make([]int32, nc), axEnd: make([]int32, nc), axCur: make([]int32, nc),
		tgBase: make([]int32, nc), tgEnd: make([]int32, nc), tgCur: make([]int32, nc), shared: make([]int32, nc)}
	var na, ns int64
	for i, n := range neurons {
		if n < 1 || n > kind.Neurons {
			return nil, fmt.Errorf("core: %d neurons on a core of %d", n, kind.Neurons)
		}
		if axons[i] < 0 || synapses[i] < 0 {
			return nil, fmt.Errorf("core: shared tables: core %d: %d axons, %d synapses", i, axons[i], synapses[i])
		}
		t.neurons[i] = int32(n)
		t.axBase[i], t.tgBase[i] = int32(na), int32(ns)
		na += int64(axons[i])
		ns += int64(synapses[i])
		if na > math.MaxInt32 || ns >= math.MaxInt32 {
			return nil, fmt.Errorf("core: too many synapses")
		}
		t.axEnd[i], t.tgEnd[i] = int32(na), int32(ns)
	}
	copy(t.axCur, t.axBase)
	copy(t.tgCur, t.tgBase)
	t.axons = make([]axon, na)
	t.target = make([]int32, ns)
	return t, nil
}

// AddAxon adds to core c an input axon on channel ch with synapses to
// neurons targets[k] − offset, all with weight w stored as round(w/scale)
// clamped to ±(2^(WeightBits−1) − 1), and returns its index on the core:
// SynapseBuilder.AddAxon then AddSynapses. The first error (a bad channel,
// scale or weight, a target out of range, more axons or synapses than
// announced) is kept and returned by Table.
func (t *SharedTables) AddAxon(c int, ch Channel, scale float64, targets []int32, offset int32, w float64) int32 {
	return t.AddAxons(c, ch, scale, targets, []int32{0, int32(len(targets))}, offset, w)
}

// AddAxons adds to core c len(at)−1 axons as AddAxon does, all on channel
// ch with weight w (and scale): axon k's synapses reach neurons
// targets[at[k]:at[k+1]] − offset. It returns the index of the first.
func (t *SharedTables) AddAxons(c int, ch Channel, scale float64, targets []int32, at []int32, offset int32, w float64) int32 {
	if t.err != nil {
		return -1
	}
	first := t.axCur[c] - t.axBase[c]
	na := len(at) - 1
	n := first
	switch {
	case ch > Inh:
		t.err = fmt.Errorf("core: axon %d: unknown channel %d", n, ch)
	case !(scale > 0) || math.IsInf(scale, 0):
		t.err = fmt.Errorf("core: axon %d: weight scale %g must be positive and finite", n, scale)
	case int(n)+na > t.kind.Axons:
		t.err = fmt.Errorf("core: more than %d input axons (the core kind's fan-in limit)", t.kind.Axons)
	case math.IsNaN(w) || math.IsInf(w, 0):
		t.err = fmt.Errorf("core: axon %d: weight %g is not finite", n, w)
	case na < 0 || int(t.axEnd[c]-t.axCur[c]) < na || int(t.tgEnd[c]-t.tgCur[c]) < int(at[na]-at[0]):
		t.err = fmt.Errorf("core: shared tables: core %d receives more axons or synapses than announced", c)
	}
	if t.err != nil {
		return -1
	}
	if w != t.lastW || scale != t.lastScale {
		t.lastW, t.lastScale, t.lastQ = w, scale, StoredWeight(t.kind, w, scale)
	}
	q := t.lastQ
	k := t.tgCur[c]
	src := targets[at[0]:at[na]]
	tg := t.target[k : int(k)+len(src)]
	nn := t.neurons[c]
	for j, x := range src {
		x -= offset
		if x < 0 || x >= nn {
			t.err = fmt.Errorf("core: axon %d: target neuron %d out of range [0, %d)", n+int32(sort.Search(na, func(a int) bool { return int(at[a+1]-at[0]) > j })), x, nn)
			return -1
		}
		tg[j] = x
	}
	base := t.tgBase[c]
	axs := t.axons[t.axCur[c] : int(t.axCur[c])+na]
	shared := int32(0)
	for a := range axs {
		s, e := k+at[a]-at[0], k+at[a+1]-at[0]
		if e > s {
			axs[a] = axon{start: s - base, end: e - base, ch: ch, shared: true, w: q}
			shared++
		} else {
			axs[a] = axon{start: s - base, end: e - base, ch: ch}
		}
	}
	t.axCur[c] += int32(na)
	t.tgCur[c] = k + int32(len(src))
	t.shared[c] += shared
	return first
}

// Table returns core c's table once all its axons were added, checked
// against the core kind's synapse memory as SynapseBuilder.Build does.
func (t *SharedTables) Table(c int) (*Synapses, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.axCur[c] != t.axEnd[c] || t.tgCur[c] != t.tgEnd[c] {
		return nil, fmt.Errorf("core: shared tables: core %d received %d of %d axons and %d of %d synapses",
			c, t.axCur[c]-t.axBase[c], t.axEnd[c]-t.axBase[c], t.tgCur[c]-t.tgBase[c], t.tgEnd[c]-t.tgBase[c])
	}
	s := &Synapses{axons: t.axons[t.axBase[c]:t.axEnd[c]:t.axEnd[c]], target: t.target[t.tgBase[c]:t.tgEnd[c]:t.tgEnd[c]],
		neurons: int(t.neurons[c])}
	// Every axon with synapses is shared, so every synapse is.
	s.fp.SharedAxons, s.fp.SharedSynapses = int(t.shared[c]), len(s.target)
	s.fp.Axons, s.fp.Synapses = len(s.axons), len(s.target)
	s.fp.bytes = s.fp.Bytes(t.kind)
	if s.fp.bytes > t.kind.SynapseMemoryBytes {
		return nil, fmt.Errorf("core: synapse table of %d axons and %d synapses needs %d bytes > synapse_memory_bytes %d",
			len(s.axons), len(s.target), s.fp.bytes, t.kind.SynapseMemoryBytes)
	}
	return s, nil
}
