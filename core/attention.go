package core

import "fmt"

// KVAttention is the functional model of a spike-driven attention unit, the
// scheme the compiler lowers models.OpSpikeAttention to (compiler/attention.go)
// and the chip runs on every attention core (Attend). It computes, per
// head h, out_h = q_h · (k_hᵀ · v_h) on integer spike counts (0…D per token and
// channel, the MultiSpike counts of SDT-V3) with additions only:
//
//  1. State phase. The unit keeps S_h = k_hᵀ·v_h, d×dv integers per head, in its
//     SRAM. For every binary k spike (channel a of head h at token t; a count c
//     arrives as c spikes over the D sub-steps) it adds token t's v counts of
//     that head, v[h·dv … h·dv+dv−1, t], to row a of S_h: dv additions, each a
//     read-modify-write of one SRAM word. k and v of a token must both be in
//     (the per-layer barrier) before its k spikes are applied.
//  2. Readout phase. For every binary q spike (channel a of head h at token t)
//     it adds row a of S_h to token t's output sums: dv SRAM reads and dv
//     additions.
//
// The integer result equals (q·kᵀ)·v exactly (matrix products of integers
// associate), so the Base models' published order qk_v runs on the same unit;
// the unit's cost is linear in the token count N where qk_v's N×N matrix is
// quadratic. The output scale (2·d^-½ or 0.125, times the spike norms) is left
// to the threshold of the MultiSpike that reads the sums.
type KVAttention struct {
	Heads, D, DV int // heads; channels per head of q and k, and of v

	s   []int64 // S_h, [heads][d][dv]
	out []int64 // output sums, [Cv][tokens], channel-major like the IR

	// Counts of events since the last Reset (each is one operation of the unit).
	StateAdds  int64 // additions into S (one per k spike per v channel of its head)
	StateReads int64 // SRAM words of S read in the readout
	OutAdds    int64 // additions into the output sums
	KSpikes    int64 // binary k spikes applied
	QSpikes    int64 // binary q spikes applied
}

// NewKVAttention returns a unit for heads heads of d (q, k) and dv (v) channels.
func NewKVAttention(heads, d, dv int) (*KVAttention, error) {
	if heads < 1 || d < 1 || dv < 1 {
		return nil, fmt.Errorf("core: attention unit needs heads, d, dv ≥ 1; have %d, %d, %d", heads, d, dv)
	}
	return &KVAttention{Heads: heads, D: d, DV: dv, s: make([]int64, heads*d*dv)}, nil
}

// StateWords is the SRAM the unit's state takes, in words.
func (u *KVAttention) StateWords() int { return len(u.s) }

// Reset clears the state, the outputs and the counts.
func (u *KVAttention) Reset() {
	clear(u.s)
	clear(u.out)
	u.StateAdds, u.StateReads, u.OutAdds, u.KSpikes, u.QSpikes = 0, 0, 0, 0, 0
}

// Run applies one inference: q and k are [Heads·D][tokens] counts and v is
// [Heads·DV][tokens] counts, channel-major (the IR's [C, H·W]). It returns the
// output sums [Heads·DV][tokens], valid until the next Run, Attend or Reset.
func (u *KVAttention) Run(q, k, v []int32, tokens int) ([]int64, error) {
	return u.Attend(q, tokens, k, v, tokens)
}

// Attend is Run for a unit that answers the queries of nq tokens (a core
// holding a box of the tokens) from the state of all n tokens: q is
// [Heads·D][nq], k [Heads·D][n], v [Heads·DV][n]; the output sums are
// [Heads·DV][nq]. Once the output buffer has grown it allocates nothing.
func (u *KVAttention) Attend(q []int32, nq int, k, v []int32, n int) ([]int64, error) {
	c, cv := u.Heads*u.D, u.Heads*u.DV
	if n < 1 || nq < 1 || len(q) != c*nq || len(k) != c*n || len(v) != cv*n {
		return nil, fmt.Errorf("core: attention: q %d, k %d, v %d values for %d query and %d key tokens; want %d, %d, %d",
			len(q), len(k), len(v), nq, n, c*nq, c*n, cv*n)
	}
	tokens := n
	if cap(u.out) < cv*nq {
		u.out = make([]int64, cv*nq)
	}
	u.out = u.out[:cv*nq]
	clear(u.out)
	clear(u.s)
	for h := range u.Heads {
		sh := u.s[h*u.D*u.DV : (h+1)*u.D*u.DV]
		for a := range u.D {
			row := sh[a*u.DV : (a+1)*u.DV]
			for t := range tokens {
				n := int64(k[(h*u.D+a)*tokens+t])
				if n <= 0 {
					continue
				}
				// n binary spikes, each adding the token's v row.
				for b := range u.DV {
					row[b] += n * int64(v[(h*u.DV+b)*tokens+t])
				}
				u.KSpikes += n
				u.StateAdds += n * int64(u.DV)
			}
		}
		for a := range u.D {
			row := sh[a*u.DV : (a+1)*u.DV]
			for t := range nq {
				n := int64(q[(h*u.D+a)*nq+t])
				if n <= 0 {
					continue
				}
				for b := range u.DV {
					u.out[(h*u.DV+b)*nq+t] += n * row[b]
				}
				u.QSpikes += n
				u.StateReads += n * int64(u.DV)
				u.OutAdds += n * int64(u.DV)
			}
		}
	}
	return u.out, nil
}
