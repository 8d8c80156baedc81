package core

import (
	"math/rand/v2"
	"testing"
)

// The unit's integer output equals (q·kᵀ)·v computed naively per head, and it
// counts dv additions per binary k spike and per binary q spike.
func TestKVAttentionEqualsQKV(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const heads, d, dv, tokens = 3, 4, 6, 10
	spikes := func(n int) []int32 {
		x := make([]int32, n)
		for i := range x {
			x[i] = int32(rng.IntN(5)) // 0…D, D = 4
		}
		return x
	}
	q, k, v := spikes(heads*d*tokens), spikes(heads*d*tokens), spikes(heads*dv*tokens)
	u, err := NewKVAttention(heads, d, dv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := u.Run(q, k, v, tokens)
	if err != nil {
		t.Fatal(err)
	}
	var qs, ks int64
	for h := range heads {
		// A = q_h k_hᵀ, [tokens][tokens]; out = A v_h.
		for t1 := range tokens {
			for b := range dv {
				var want int64
				for t2 := range tokens {
					var a int64
					for c := range d {
						a += int64(q[(h*d+c)*tokens+t1]) * int64(k[(h*d+c)*tokens+t2])
					}
					want += a * int64(v[(h*dv+b)*tokens+t2])
				}
				if got := out[(h*dv+b)*tokens+t1]; got != want {
					t.Fatalf("head %d token %d channel %d: %d, want %d", h, t1, b, got, want)
				}
			}
		}
	}
	for i := range q {
		qs += int64(q[i])
		ks += int64(k[i])
	}
	if u.QSpikes != qs || u.KSpikes != ks || u.StateAdds != ks*dv || u.OutAdds != qs*dv || u.StateReads != qs*dv {
		t.Errorf("counts %+v for %d q and %d k spikes", u, qs, ks)
	}
	if u.StateWords() != heads*d*dv {
		t.Errorf("state %d words", u.StateWords())
	}
	if _, err := u.Run(q, k, v[:1], tokens); err == nil {
		t.Error("a short v was accepted")
	}
	if _, err := NewKVAttention(0, 1, 1); err == nil {
		t.Error("zero heads accepted")
	}
}
