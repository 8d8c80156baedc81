package neuron

import (
	"fmt"
	"strings"
)

// Kind names a neuron model. The zero value is invalid. arch lists the kinds a
// core supports and the compiler checks a graph's neurons against that list.
type Kind uint8

// The neuron models of this package.
const (
	KindIF         Kind = iota + 1 // integrate-and-fire (NIR IF)
	KindLIF                        // leaky integrate-and-fire (NIR LIF)
	KindCubaLIF                    // current-based LIF (NIR CubaLIF)
	KindMultiSpike                 // SFA MultiSpike integer neuron (stateless, or DVS IF variant)
	KindILIF                       // SpikeYOLO I-LIF (integer LIF, soft reset by the count)
	KindPrimeLIF                   // PRIME LIF (multiplicative hard reset)
	KindCUBA                       // Vogels–Abbott CUBA benchmark LIF with two synaptic currents
)

var kindInfo = [...]struct{ name, desc string }{
	KindIF:         {"if", "integrate-and-fire: v += r·dt·I, binary spike, reset to v_reset or by subtraction"},
	KindLIF:        {"lif", "leaky integrate-and-fire: tau·dv/dt = (v_leak − v) + r·I, binary spike"},
	KindCubaLIF:    {"cubalif", "current-based LIF: tau_syn·dI/dt = −I + w_in·x, tau_mem·dv/dt = (v_leak − v) + r·I"},
	KindMultiSpike: {"multispike", "SFA MultiSpike: integer spike s = round(clamp(x, 0, D)), optional IF membrane"},
	KindILIF:       {"ilif", "SpikeYOLO I-LIF: mem = (mem − s)·decay + x, s = round(clamp(mem, 0, D))"},
	KindPrimeLIF:   {"prime-lif", "PRIME LIF: u = tau·u·(1 − o) + x, o = [u > v_th]"},
	KindCUBA:       {"cuba", "Vogels–Abbott CUBA LIF: separate excitatory/inhibitory currents, refractory period"},
}

// Kinds returns every valid Kind in declaration order.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindInfo)-1)
	for k := KindIF; int(k) < len(kindInfo); k++ {
		ks = append(ks, k)
	}
	return ks
}

// Valid reports whether k is one of the declared kinds.
func (k Kind) Valid() bool { return k >= KindIF && int(k) < len(kindInfo) }

// String returns the kind's registry name ("lif", "prime-lif", ...).
func (k Kind) String() string {
	if !k.Valid() {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindInfo[k].name
}

// Describe returns a one-line description of the model's equations.
func (k Kind) Describe() string {
	if !k.Valid() {
		return ""
	}
	return kindInfo[k].desc
}

// IntegerSpikes reports whether the model emits integer spike counts in [0, D]
// (which the chip sends as D binary sub-steps) rather than binary spikes.
func (k Kind) IntegerSpikes() bool { return k == KindMultiSpike || k == KindILIF }

// Parse returns the Kind named name. Matching ignores case and surrounding
// space; an unknown name is an error that lists the known ones.
func Parse(name string) (Kind, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, k := range Kinds() {
		if kindInfo[k].name == n {
			return k, nil
		}
	}
	names := make([]string, 0, len(kindInfo))
	for _, k := range Kinds() {
		names = append(names, k.String())
	}
	return 0, fmt.Errorf("neuron: unknown neuron model %q (known: %s)", name, strings.Join(names, ", "))
}

// MarshalText implements encoding.TextMarshaler (used by TOML and JSON).
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("neuron: invalid kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler through Parse.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
