package train

import (
	"github.com/neurosim/neurosim/models/data"
)

// bpTrainer trains the DF blocks end to end by backpropagation: pixels (no
// label input) → blocks (with the same normalisation between them, now
// differentiated) → a linear head → softmax cross-entropy. It is DF's
// baseline for accuracy and memory: the same kernels, the same batch, the
// same block widths. Backpropagation must keep every block's input and
// pre-activation for the backward pass and a gradient for every weight at
// once; that is the memory DF saves.
type bpTrainer struct {
	net  *dfNet
	acct memAcct
	cap  int
	op   *optimizer

	x      []float32   // B×pixels
	u      [][]float32 // per block: its normalised output (the next block's input)
	z      [][]float32 // per block: pre-activation
	r      [][]float64 // per block: normalisation factors
	h      []float32   // B×Hmax scratch: activation, recomputed from z
	logits []float32   // B×K
	dlog   []float32   // B×K
	d      [2][]float32
	grads  []float32
}

func newBPTrainer(net *dfNet, batch int, oc OptimConfig) *bpTrainer {
	return newBPTrainerOpt(net, batch, newOptimizer(oc, net.params()))
}

// newBPTrainerOpt allocates the trainer's buffers around an optimiser made
// for net.params().
func newBPTrainerOpt(net *dfNet, batch int, op *optimizer) *bpTrainer {
	t := &bpTrainer{net: net, cap: batch, op: op}
	a := &t.acct
	hmax := 0
	t.x = a.acts(batch * net.pixels)
	for _, b := range net.blocks {
		hmax = max(hmax, b.out)
		t.z = append(t.z, a.acts(batch*b.out))
		t.u = append(t.u, a.acts(batch*b.out))
		t.r = append(t.r, make([]float64, batch))
		a.Acts += 8 * int64(batch)
	}
	t.h = a.acts(batch * hmax)
	t.logits = a.acts(batch * net.classes)
	t.dlog = a.acts(batch * net.classes)
	t.d[0], t.d[1] = a.acts(batch*hmax), a.acts(batch*hmax)
	ps := net.params()
	n := 0
	for _, p := range ps {
		n += len(p.W)
	}
	t.grads = a.grads(n)
	off := 0
	for _, p := range ps {
		p.G = t.grads[off : off+len(p.W)]
		off += len(p.W)
		a.Params += 4 * int64(len(p.W))
	}
	net.head.op = t.op
	a.OptState = optBytes(t.op)
	return t
}

func (t *bpTrainer) input() []float32 { return t.x }
func (t *bpTrainer) memory() MemStats { return t.acct.MemStats }

// forward fills z, u, r of every block and the logits for B samples.
func (t *bpTrainer) forward(B int) {
	n := t.net
	in, inW := t.x, n.pixels
	for l, b := range n.blocks {
		H := b.out
		z, h := t.z[l][:B*H], t.h[:B*H]
		gemmNT(z, H, in, inW, b.w.W, b.in, B, H, b.in, 0)
		addBias(z, b.b.W, B)
		n.act(h, z)
		n.normalize(t.u[l][:B*H], h, t.r[l], B, H)
		in, inW = t.u[l], H
	}
	hd := n.head
	gemmNT(t.logits, hd.out, in, inW, hd.w.W, hd.in, B, hd.out, hd.in, 0)
	addBias(t.logits[:B*hd.out], hd.b.W, B)
}

func (t *bpTrainer) step(y []int, lr float64, pred []int) (float64, int) {
	n := t.net
	B, K, L := len(y), n.classes, len(n.blocks)
	t.forward(B)
	loss, correct := softmaxCE(t.logits[:B*K], y, K, t.dlog[:B*K])
	clear32(t.grads)
	hd := n.head
	last := t.u[L-1]
	gemmTN(hd.w.G, hd.in, t.dlog, K, last, hd.in, K, hd.in, B)
	colSum(hd.b.G, t.dlog, B)
	du := t.d[0]
	gemmNN(du, hd.in, t.dlog, K, hd.w.W, hd.in, B, hd.in, K)
	for l := L - 1; l >= 0; l-- {
		b := n.blocks[l]
		H := b.out
		z, h := t.z[l][:B*H], t.h[:B*H]
		n.act(h, z)
		dh := du[:B*H]
		for s := 0; s < B; s++ {
			n.normBackward(dh[s*H:(s+1)*H], h[s*H:(s+1)*H], t.r[l][s])
		}
		n.actGrad(dh, z)
		var in []float32
		if l == 0 {
			in = t.x
		} else {
			in = t.u[l-1]
		}
		gemmTN(b.w.G, b.in, dh, H, in, b.in, H, b.in, B)
		colSum(b.b.G, dh, B)
		if l > 0 {
			next := t.d[(L-l)%2]
			gemmNN(next, b.in, dh, H, b.w.W, b.in, B, b.in, H)
			du = next
		}
	}
	t.op.update(n.params(), lr)
	return loss, correct
}

// colSum adds the column sums of the B×len(dst) matrix m to dst.
func colSum(dst, m []float32, B int) {
	w := len(dst)
	for s := 0; s < B; s++ {
		for o, v := range m[s*w : (s+1)*w] {
			dst[o] += v
		}
	}
}

// normBackward turns du = dL/du into dL/dh in place for u = r(h)·h.
func (n *dfNet) normBackward(du, h []float32, r float64) {
	if n.cfg.Norm == DFNormNone {
		return
	}
	dot := 0.0
	for i, v := range h {
		dot += float64(du[i]) * float64(v)
	}
	// dr/dh_j = c·h_j
	var c float64
	if n.cfg.Norm == DFNormL2 {
		norm := 1/r - 1e-8
		if norm > 0 {
			c = -r * r / norm
		}
	} else {
		c = -r * r * r / float64(len(h))
	}
	for i, v := range h {
		du[i] = float32(r*float64(du[i]) + dot*c*float64(v))
	}
}

func (t *bpTrainer) evaluate(split *data.Split, limit int) float64 {
	n := split.N
	if limit > 0 && limit < n {
		n = limit
	}
	sz, K := t.net.pixels, t.net.classes
	correct := 0
	for lo := 0; lo < n; lo += t.cap {
		B := min(t.cap, n-lo)
		for j := 0; j < B; j++ {
			data.Direct(t.x[j*sz:(j+1)*sz], split.Image(lo+j))
		}
		t.forward(B)
		for j := 0; j < B; j++ {
			if argmax(t.logits[j*K:(j+1)*K]) == int(split.Labels[lo+j]) {
				correct++
			}
		}
	}
	return float64(correct) / float64(n)
}
