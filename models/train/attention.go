package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SpikeAttention is E-SpikeFormer's spike-driven self-attention
// (seed-models §1.3, MS_Attention_linear) over the spatial positions of its
// input as tokens (N = H·W):
//
//	q = Q(x), k = K(x), v = V(x)              three branches, each ending in a MultiSpike
//	y_h = Scale · (q_h · k_hᵀ) · v_h           per head h (d = Cq/Heads, dv = Cv/Heads)
//
// with q_h the [N, d] slice of head h. Q, K and V are layer lists (usually a
// 1×1 Conv2d, a BatchNorm and a MultiSpike) that all read x; to be exported
// (spike-driven products of counts) each must end with a MultiSpike. q and k must
// have the same shape and v the same spatial size. y has v's shape. The
// product is computed as q_h · (k_hᵀ · v_h), the same value (and on spike
// counts the same integers) with d·dv·N instead of N²·(d+dv) operations.
//
// Backward goes through both products (each MultiSpike passes its gradient
// straight through, as everywhere in the trainer):
//
//	dKV = Scale · q_hᵀ · dy_h,  dq_h = Scale · dy_h · KVᵀ,  dk_h = v_h · dKVᵀ,  dv_h = k_h · dKV
//
// and dx is the sum of the three branches' input gradients. Every sample is
// computed alone in a fixed order, so results do not depend on the workers.
type SpikeAttention struct {
	Heads int
	// Scale multiplies the products; 0 means 2·d^-½ (MS_Attention_linear).
	Scale   float32
	Q, K, V []Layer

	in, qs, vs  Shape
	d, dv, tok  int
	q, k, v     []float32 // branch outputs of the last Forward
	y, dq, dk   []float32
	dvv, dx, dy []float32
	kv, dkv     [][]float32 // per worker, Heads·d·dv
	n           int
	fwdFn       func(w, c int)
	bwdFn       func(w, c int)
}

// scale returns the effective Scale.
func (l *SpikeAttention) scale() float32 {
	if l.Scale == 0 {
		return float32(2 / math.Sqrt(float64(l.d)))
	}
	return l.Scale
}

func (l *SpikeAttention) branches() [3][]Layer { return [3][]Layer{l.Q, l.K, l.V} }

func (l *SpikeAttention) Init(in Shape, rng *rand.Rand) (Shape, error) {
	if l.Heads < 1 {
		return Shape{}, fmt.Errorf("attention: heads %d < 1", l.Heads)
	}
	if l.Scale < 0 || math.IsNaN(float64(l.Scale)) || math.IsInf(float64(l.Scale), 0) {
		return Shape{}, fmt.Errorf("attention: bad scale %g", l.Scale)
	}
	var out [3]Shape
	for b, br := range l.branches() {
		name := "qkv"[b : b+1]
		if len(br) == 0 {
			return Shape{}, fmt.Errorf("attention: branch %s is empty", name)
		}
		s := in
		for i, ly := range br {
			var err error
			if s, err = ly.Init(s, rng); err != nil {
				return Shape{}, fmt.Errorf("attention branch %s layer %d: %w", name, i, err)
			}
		}
		out[b] = s
	}
	q, k, v := out[0], out[1], out[2]
	if q != k {
		return Shape{}, fmt.Errorf("attention: q %v and k %v differ in shape", q, k)
	}
	if v.H != q.H || v.W != q.W {
		return Shape{}, fmt.Errorf("attention: v %v and q %v differ in tokens", v, q)
	}
	if q.C%l.Heads != 0 || v.C%l.Heads != 0 {
		return Shape{}, fmt.Errorf("attention: heads %d does not divide channels q %d, v %d", l.Heads, q.C, v.C)
	}
	l.in, l.qs, l.vs = in, q, v
	l.d, l.dv, l.tok = q.C/l.Heads, v.C/l.Heads, q.H*q.W
	l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	return v, nil
}

func (l *SpikeAttention) Params() []*Param {
	var ps []*Param
	for _, br := range l.branches() {
		for _, ly := range br {
			ps = append(ps, ly.Params()...)
		}
	}
	return ps
}

// grow makes kv and dkv scratch buffers for workers workers.
func (l *SpikeAttention) grow(workers int) {
	for len(l.kv) < workers {
		l.kv = append(l.kv, make([]float32, l.Heads*l.d*l.dv))
		l.dkv = append(l.dkv, make([]float32, l.Heads*l.d*l.dv))
	}
}

func (l *SpikeAttention) Forward(c *pass, x []float32, n int) []float32 {
	var o [3][]float32
	for b, br := range l.branches() {
		h := x
		for _, ly := range br {
			h = ly.Forward(c, h, n)
		}
		o[b] = h
	}
	l.q, l.k, l.v = o[0], o[1], o[2]
	l.y = grow(l.y, n*l.vs.Size())
	l.grow(c.pool.workers)
	l.n = n
	c.pool.run(numChunks(n), l.fwdFn)
	return l.y
}

// kvProduct sets kv[h][a][b] = Σ_t k[h·d+a][t]·v[h·dv+b][t] for one sample.
func (l *SpikeAttention) kvProduct(kv, k, v []float32) {
	N, d, dv := l.tok, l.d, l.dv
	for h := 0; h < l.Heads; h++ {
		for a := 0; a < d; a++ {
			kr := k[(h*d+a)*N : (h*d+a+1)*N]
			row := kv[(h*d+a)*dv : (h*d+a+1)*dv]
			for b := range row {
				vr := v[(h*dv+b)*N : (h*dv+b+1)*N]
				var s float32
				for t, kt := range kr {
					s += kt * vr[t]
				}
				row[b] = s
			}
		}
	}
}

func (l *SpikeAttention) forwardChunk(w, ch int) {
	lo, hi := chunkRange(ch, l.n)
	qsz, vsz := l.qs.Size(), l.vs.Size()
	N, d, dv, sc := l.tok, l.d, l.dv, l.scale()
	kv := l.kv[w]
	for s := lo; s < hi; s++ {
		q := l.q[s*qsz : (s+1)*qsz]
		y := l.y[s*vsz : (s+1)*vsz]
		l.kvProduct(kv, l.k[s*qsz:(s+1)*qsz], l.v[s*vsz:(s+1)*vsz])
		clear32(y)
		for h := 0; h < l.Heads; h++ {
			for a := 0; a < d; a++ {
				qr := q[(h*d+a)*N : (h*d+a+1)*N]
				row := kv[(h*d+a)*dv : (h*d+a+1)*dv]
				for b, kvab := range row {
					yr := y[(h*dv+b)*N : (h*dv+b+1)*N]
					for t, qt := range qr {
						yr[t] += qt * kvab
					}
				}
			}
		}
		for i := range y {
			y[i] *= sc
		}
	}
}

func (l *SpikeAttention) Backward(c *pass, dy []float32, n int, needDX bool) []float32 {
	qsz, vsz := l.qs.Size(), l.vs.Size()
	l.dq = grow(l.dq, n*qsz)
	l.dk = grow(l.dk, n*qsz)
	l.dvv = grow(l.dvv, n*vsz)
	l.dy, l.n = dy, n
	l.grow(c.pool.workers)
	c.pool.run(numChunks(n), l.bwdFn)
	l.dy = nil
	var g [3][]float32
	for b, br := range l.branches() {
		h := [3][]float32{l.dq, l.dk, l.dvv}[b]
		for i := len(br) - 1; i >= 0; i-- {
			h = br[i].Backward(c, h, n, i > 0 || needDX)
		}
		g[b] = h
	}
	if !needDX {
		return nil
	}
	l.dx = grow(l.dx, n*l.in.Size())
	for i := range l.dx {
		l.dx[i] = g[0][i] + g[1][i] + g[2][i]
	}
	return l.dx
}

func (l *SpikeAttention) backwardChunk(w, ch int) {
	lo, hi := chunkRange(ch, l.n)
	qsz, vsz := l.qs.Size(), l.vs.Size()
	N, d, dv, sc := l.tok, l.d, l.dv, l.scale()
	kv, dkv := l.kv[w], l.dkv[w]
	for s := lo; s < hi; s++ {
		q, k := l.q[s*qsz:(s+1)*qsz], l.k[s*qsz:(s+1)*qsz]
		v, dy := l.v[s*vsz:(s+1)*vsz], l.dy[s*vsz:(s+1)*vsz]
		dq, dk, dvs := l.dq[s*qsz:(s+1)*qsz], l.dk[s*qsz:(s+1)*qsz], l.dvv[s*vsz:(s+1)*vsz]
		l.kvProduct(kv, k, v)
		clear32(dq)
		clear32(dk)
		clear32(dvs)
		for h := 0; h < l.Heads; h++ {
			for a := 0; a < d; a++ {
				qr := q[(h*d+a)*N : (h*d+a+1)*N]
				dqr := dq[(h*d+a)*N : (h*d+a+1)*N]
				kvr := kv[(h*d+a)*dv : (h*d+a+1)*dv]
				dkvr := dkv[(h*d+a)*dv : (h*d+a+1)*dv]
				for b := 0; b < dv; b++ {
					dyr := dy[(h*dv+b)*N : (h*dv+b+1)*N]
					// dKV[a][b] = Scale·Σ_t q[a][t]·dy[b][t]
					var s float32
					for t, qt := range qr {
						s += qt * dyr[t]
					}
					dkvr[b] = s * sc
					// dq[a][t] += Scale·dy[b][t]·KV[a][b]
					f := kvr[b] * sc
					for t, g := range dyr {
						dqr[t] += g * f
					}
				}
			}
			for a := 0; a < d; a++ {
				kr := k[(h*d+a)*N : (h*d+a+1)*N]
				dkr := dk[(h*d+a)*N : (h*d+a+1)*N]
				dkvr := dkv[(h*d+a)*dv : (h*d+a+1)*dv]
				for b, g := range dkvr {
					vr := v[(h*dv+b)*N : (h*dv+b+1)*N]
					dvr := dvs[(h*dv+b)*N : (h*dv+b+1)*N]
					for t := range N {
						dkr[t] += g * vr[t] // dk[a][t] = Σ_b dKV[a][b]·v[b][t]
						dvr[t] += g * kr[t] // dv[b][t] = Σ_a k[a][t]·dKV[a][b]
					}
				}
			}
		}
	}
}

// Mean averages every channel over its spatial positions, C×H×W → C (the
// global average pool before E-SpikeFormer's head; the IR's Mean over every
// dimension but the channels).
type Mean struct {
	in    Shape
	y, dx []float32
}

func (l *Mean) Init(in Shape, _ *rand.Rand) (Shape, error) {
	if in.Size() == 0 {
		return Shape{}, fmt.Errorf("mean: empty input %v", in)
	}
	l.in = in
	return Shape{1, 1, in.C}, nil
}

func (l *Mean) Params() []*Param { return nil }

func (l *Mean) Forward(_ *pass, x []float32, n int) []float32 {
	hw, C := l.in.H*l.in.W, l.in.C
	l.y = grow(l.y, n*C)
	inv := 1 / float32(hw)
	for i := range l.y {
		var s float32
		for _, v := range x[i*hw : (i+1)*hw] {
			s += v
		}
		l.y[i] = s * inv
	}
	return l.y
}

func (l *Mean) Backward(_ *pass, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	hw := l.in.H * l.in.W
	l.dx = grow(l.dx, n*l.in.Size())
	inv := 1 / float32(hw)
	for i, g := range dy[:n*l.in.C] {
		g *= inv
		d := l.dx[i*hw : (i+1)*hw]
		for j := range d {
			d[j] = g
		}
	}
	return l.dx
}
