package chip

import (
	"fmt"
	"slices"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/sim"
)

// Attention cores (compiler/attention.go has the scheme).
//
// An attention core holds whole heads [h0, h1) of an attention layer and a
// box of its tokens. Its q, k and v inputs arrive as spike packets like any
// other, in the phases of their layers; a delivery costs no synaptic op (the
// axon has no synapses) and is counted into the core's buffer of counts per
// axon when the phase closes. In the layer's own phase (every input layer
// has fired before it: the per-layer barrier) the core runs its unit
// (core.KVAttention.Attend): first every binary k spike adds its token's
// buffered v counts to one row of the heads' state (dv state additions), so
// all k and v counts are in before the state is complete, then every binary
// q spike reads one state row (dv state reads, dv output additions). The
// output sums times the channel gains land in the accumulators (on top of the
// bias), and the neurons fire as those of a spike layer. The unit takes
// (state adds + output adds) × cycles_per_attn_op (cycles_per_synop when
// unset) before the neuron updates start; Counts.AttnStateAdds,
// AttnStateReads and AttnOutAdds are priced by the spec's attn_state_add,
// attn_state_read and attn_out_add; NewExec refuses an attention program on
// a spec that leaves one of them unset (rather than pricing it at 0).

// attnExec holds one attention core's read-only tables.
type attnExec struct {
	heads, dk, dv int
	nq, n         int     // query tokens on the core, tokens in all
	qIdx          []int32 // axon of q channel (head·dk + a) of local token tl at (head·dk+a)·nq + tl
	kIdx          []int32 // axon of k channel (head·dk + a) of token t at (head·dk+a)·n + t
	vIdx          []int32 // axon of v channel (head·dv + j) of token t at (head·dv+j)·n + t
	gain          []int32 // per local channel
}

// attnState is one Machine's mutable state of one attention core.
type attnState struct {
	buf     []int32 // counts per axon received in this step
	q, k, v []int32 // the counts gathered for the unit
	unit    *core.KVAttention
}

// newAttnExec builds the tables of core c of attention layer l.
func newAttnExec(l *compiler.Layer, c *compiler.Core, axons []compiler.Axon) (*attnExec, error) {
	a := l.Attn
	r := c.Region
	h0, h1 := r.C0/a.DV, (r.C1+a.DV-1)/a.DV
	w := r.X1 - r.X0
	W := l.Shape[len(l.Shape)-1]
	if len(l.Shape) == 1 {
		W = 1
	}
	ax := &attnExec{heads: h1 - h0, dk: a.DK, dv: a.DV, nq: (r.Y1 - r.Y0) * w, n: a.Tokens,
		gain: l.Inputs[2].Weights[r.C0:r.C1]}
	find := func(src, neuron int) (int32, error) {
		i, ok := slices.BinarySearchFunc(axons, compiler.Axon{Source: int32(src), Neuron: int32(neuron)}, func(x, y compiler.Axon) int {
			if x.Source != y.Source {
				return int(x.Source - y.Source)
			}
			return int(x.Neuron - y.Neuron)
		})
		if !ok {
			return 0, fmt.Errorf("chip: attention core %d lacks the axon of layer %d neuron %d", c.ID, src, neuron)
		}
		return int32(i), nil
	}
	q, k, v := l.Inputs[0].Source, l.Inputs[1].Source, l.Inputs[2].Source
	for hl := range ax.heads {
		for i := range a.DK {
			ch := (h0+hl)*a.DK + i
			for y := r.Y0; y < r.Y1; y++ {
				for x := r.X0; x < r.X1; x++ {
					id, err := find(q, ch*a.Tokens+y*W+x)
					if err != nil {
						return nil, err
					}
					ax.qIdx = append(ax.qIdx, id)
				}
			}
			for t := range a.Tokens {
				id, err := find(k, ch*a.Tokens+t)
				if err != nil {
					return nil, err
				}
				ax.kIdx = append(ax.kIdx, id)
			}
		}
		for j := range a.DV {
			ch := (h0+hl)*a.DV + j
			for t := range a.Tokens {
				id, err := find(v, ch*a.Tokens+t)
				if err != nil {
					return nil, err
				}
				ax.vIdx = append(ax.vIdx, id)
			}
		}
	}
	return ax, nil
}

// newAttnState returns a machine's state for attention core xc.
func newAttnState(xc *execCore) (*attnState, error) {
	ax := xc.attn
	u, err := core.NewKVAttention(ax.heads, ax.dk, ax.dv)
	if err != nil {
		return nil, err
	}
	return &attnState{buf: make([]int32, len(xc.axons)), q: make([]int32, len(ax.qIdx)),
		k: make([]int32, len(ax.kIdx)), v: make([]int32, len(ax.vIdx)), unit: u}, nil
}

// attend runs attention core ci's unit at phase start t on the counts of the
// step, adds the gained sums to its accumulators, counts the unit's events
// and returns when the unit is done.
func (m *Machine) attend(ci int, t sim.Time) sim.Time {
	xc := &m.x.cores[ci]
	ax, st := xc.attn, m.attn[ci]
	for i, a := range ax.qIdx {
		st.q[i] = st.buf[a]
	}
	for i, a := range ax.kIdx {
		st.k[i] = st.buf[a]
	}
	for i, a := range ax.vIdx {
		st.v[i] = st.buf[a]
	}
	u := st.unit
	sa, sr, oa := u.StateAdds, u.StateReads, u.OutAdds
	out, err := u.Attend(st.q, ax.nq, st.k, st.v, ax.n)
	if err != nil {
		panic("chip: attention tables inconsistent with the unit: " + err.Error()) // built together by NewExec
	}
	acc := m.acc[ci]
	for i, s := range out {
		acc[xc.perm[i]] += int64(ax.gain[i/ax.nq]) * s
	}
	dsa, dsr, doa := uint64(u.StateAdds-sa), uint64(u.StateReads-sr), uint64(u.OutAdds-oa)
	m.cur.AttnStateAdds += dsa
	m.cur.AttnStateReads += dsr
	m.cur.AttnOutAdds += doa
	dur := sim.Time(dsa+doa) * xc.attnOp
	start := max(m.busy[ci], t)
	m.busy[ci] = start + dur
	m.coreBusy[ci] += dur
	return start + dur
}

// attnPJ prices the attention counts.
func (c *Counts) attnPJ(e *arch.Energy) float64 {
	return float64(c.AttnStateAdds)*e.AttnStateAdd.PJ + float64(c.AttnStateReads)*e.AttnStateRead.PJ + float64(c.AttnOutAdds)*e.AttnOutAdd.PJ
}

// checkAttnEnergy refuses a program with attention cores on a spec whose
// energy table leaves an attention entry unset (no figure and no source),
// which would price the unit's events at 0 without saying so.
func (x *Exec) checkAttnEnergy() error {
	if !x.HasAttention() {
		return nil
	}
	e := &x.Spec.Energy
	for _, en := range []struct {
		name string
		e    arch.Entry
	}{{"attn_state_add", e.AttnStateAdd}, {"attn_state_read", e.AttnStateRead}, {"attn_out_add", e.AttnOutAdd}} {
		if en.e == (arch.Entry{}) {
			return fmt.Errorf("chip: the program has attention layers but the spec %q does not price energy.%s; add it (with its source, as the presets do: arch/presets/loihi.toml)", x.Spec.Chip.Name, en.name)
		}
	}
	return nil
}

// HasAttention reports whether the program has attention cores.
func (x *Exec) HasAttention() bool {
	for i := range x.cores {
		if x.cores[i].attn != nil {
			return true
		}
	}
	return false
}
