package train

import "fmt"

// LinearAttentionSpec fixes the sizes of a LinearAttention (the IR op of the
// same name, MetaLA's token mixer, seed-models §4): N tokens, query/key
// width DK, value width DV, Heads heads (DK and DV divisible by Heads), and
// Scale (the op's "scale", default (DK/Heads)^−½).
type LinearAttentionSpec struct {
	N, DK, DV, Heads int
	Scale            float64
}

func (s LinearAttentionSpec) check(q, k, v, alpha []float64) error {
	if s.N < 1 || s.DK < 1 || s.DV < 1 || s.Heads < 1 || s.DK%s.Heads != 0 || s.DV%s.Heads != 0 {
		return fmt.Errorf("linear attention: N %d, dk %d, dv %d, heads %d", s.N, s.DK, s.DV, s.Heads)
	}
	if len(q) != s.N*s.DK || len(k) != s.N*s.DK || len(v) != s.N*s.DV || len(alpha) != s.N*s.DK {
		return fmt.Errorf("linear attention: q %d, k %d, v %d, α %d values for N %d, dk %d, dv %d",
			len(q), len(k), len(v), len(alpha), s.N, s.DK, s.DV)
	}
	return nil
}

// LinearAttentionStep computes the op token by token, as a recurrent core
// would: per head h, with a state S ∈ R^{dk/H × dv/H} starting at 0,
//
//	S_t = diag(α_t) · S_{t−1} + k_tᵀ · v_t,    o_t = Scale · q_t · S_t
//
// where q, k, α are [N, DK] and v is [N, DV] row-major; α is the per-key
// decay (MetaLA's data-dependent gate exp(logsigmoid(g)/16), or the op's
// constant "decay" repeated). It writes o [N, DV] and needs O(DK·DV/H)
// state, whatever N.
func LinearAttentionStep(o []float64, s LinearAttentionSpec, q, k, v, alpha []float64) error {
	if err := s.check(q, k, v, alpha); err != nil {
		return err
	}
	if len(o) != s.N*s.DV {
		return fmt.Errorf("linear attention: output of %d values, want %d", len(o), s.N*s.DV)
	}
	dk, dv := s.DK/s.Heads, s.DV/s.Heads
	st := make([]float64, s.Heads*dk*dv)
	for t := 0; t < s.N; t++ {
		for h := 0; h < s.Heads; h++ {
			S := st[h*dk*dv : (h+1)*dk*dv]
			for i := 0; i < dk; i++ {
				a, kk := alpha[t*s.DK+h*dk+i], k[t*s.DK+h*dk+i]
				row := S[i*dv : (i+1)*dv]
				for j := range row {
					row[j] = a*row[j] + kk*v[t*s.DV+h*dv+j]
				}
			}
			for j := 0; j < dv; j++ {
				acc := 0.0
				for i := 0; i < dk; i++ {
					acc += q[t*s.DK+h*dk+i] * S[i*dv+j]
				}
				o[t*s.DV+h*dv+j] = s.Scale * acc
			}
		}
	}
	return nil
}

// LinearAttentionParallel computes the same output in the parallel
// (attention-matrix) form: per head,
//
//	o_t = Scale · Σ_{s ≤ t} Σ_i q_t[i] · (Π_{r=s+1..t} α_r[i]) · k_s[i] · v_s
//
// a causal attention whose scores are decayed inner products; O(N²) work
// and no state. It equals LinearAttentionStep up to rounding.
func LinearAttentionParallel(o []float64, s LinearAttentionSpec, q, k, v, alpha []float64) error {
	if err := s.check(q, k, v, alpha); err != nil {
		return err
	}
	if len(o) != s.N*s.DV {
		return fmt.Errorf("linear attention: output of %d values, want %d", len(o), s.N*s.DV)
	}
	dk, dv := s.DK/s.Heads, s.DV/s.Heads
	prod := make([]float64, dk)
	for t := 0; t < s.N; t++ {
		for h := 0; h < s.Heads; h++ {
			out := o[t*s.DV+h*dv : t*s.DV+(h+1)*dv]
			clear(out)
			for i := range prod {
				prod[i] = 1
			}
			for u := t; u >= 0; u-- {
				score := 0.0
				for i := 0; i < dk; i++ {
					score += q[t*s.DK+h*dk+i] * prod[i] * k[u*s.DK+h*dk+i]
					prod[i] *= alpha[u*s.DK+h*dk+i]
				}
				for j := range out {
					out[j] += s.Scale * score * v[u*s.DV+h*dv+j]
				}
			}
		}
	}
	return nil
}
