package train

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// attnNet is a small net around a SpikeAttention whose branches are plain
// 1×1 convolutions (smooth, so that finite differences check the products'
// backward pass exactly), inside a membrane shortcut.
func attnNet(rng *rand.Rand) (*Net, error) {
	lin := func(c int) []Layer { return []Layer{NewConv2d(c, 1, 1, 0, true)} }
	net := &Net{In: Shape{5, 4, 2}, Steps: 1, Layers: []Layer{
		NewConv2d(4, 3, 1, 1, false),
		NewBatchNorm(),
		&Residual{Body: []Layer{
			&SpikeAttention{Heads: 2, Scale: 0.3, Q: lin(4), K: lin(4), V: lin(6)},
			NewConv2d(4, 1, 1, 0, false),
		}},
		&Mean{},
		NewLinear(3, true),
	}}
	return net, net.Init(rng)
}

func TestGradientsSpikeAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	net, err := attnNet(rng)
	if err != nil {
		t.Fatal(err)
	}
	checkGrads(t, net, newTestCtx(3), randInput(rng, 11*net.In.Size()), randLabels(rng, 11, 3), nil)
}

// naiveAttention is (q·kᵀ)·v·scale in the published order, per head.
func naiveAttention(q, k, v []float64, heads, N int, scale float64) []float64 {
	d, dv := len(q)/N/heads, len(v)/N/heads
	y := make([]float64, len(v))
	for h := range heads {
		for t := range N {
			for u := range N {
				var a float64
				for i := range d {
					a += q[(h*d+i)*N+t] * k[(h*d+i)*N+u]
				}
				for b := range dv {
					y[(h*dv+b)*N+t] += a * v[(h*dv+b)*N+u] * scale
				}
			}
		}
	}
	return y
}

// The forward pass equals the naive (q·kᵀ)·v, and the input gradient
// equals finite differences of a fixed linear loss (the parameter check
// above covers the weights).
func TestSpikeAttentionForwardAndInputGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	id := func() []Layer { return []Layer{identity{}} } // q = k = v = x
	l := &SpikeAttention{Heads: 3, Q: id(), K: id(), V: id()}
	in := Shape{3, 2, 6}
	if _, err := l.Init(in, rng); err != nil {
		t.Fatal(err)
	}
	const n = 10
	x := randInput(rng, n*in.Size())
	c := newTestCtx(2)
	y := l.Forward(c, x, n)
	N, sz := in.H*in.W, in.Size()
	sc := 2 / math.Sqrt(2) // d = 2
	for s := range n {
		xs := make([]float64, sz)
		for i := range xs {
			xs[i] = float64(x[s*sz+i])
		}
		want := naiveAttention(xs, xs, xs, 3, N, sc)
		for i, w := range want {
			if math.Abs(float64(y[s*sz+i])-w) > 1e-5*(1+math.Abs(w)) {
				t.Fatalf("sample %d value %d: %g, naive %g", s, i, y[s*sz+i], w)
			}
		}
	}
	// loss = Σ r·y with fixed random r
	r := randInput(rng, n*sz)
	loss := func() float64 {
		y := l.Forward(c, x, n)
		var s float64
		for i, v := range y {
			s += float64(v) * float64(r[i])
		}
		return s
	}
	loss()
	dx := append([]float32(nil), l.Backward(c, r, n, true)...)
	for i := 0; i < len(x); i += 7 {
		w := x[i]
		const h = 1e-2
		x[i] = w + h
		lp := loss()
		x[i] = w - h
		lm := loss()
		x[i] = w
		fd := (lp - lm) / (2 * h)
		if math.Abs(fd-float64(dx[i])) > 2e-2*math.Abs(fd)+1e-3 {
			t.Errorf("dx[%d]: analytic %g, finite difference %g", i, dx[i], fd)
		}
	}
}

// identity passes its input through unchanged.
type identity struct{}

func (identity) Init(in Shape, _ *rand.Rand) (Shape, error)              { return in, nil }
func (identity) Forward(_ *pass, x []float32, _ int) []float32           { return x }
func (identity) Backward(_ *pass, dy []float32, _ int, _ bool) []float32 { return dy }
func (identity) Params() []*Param                                        { return nil }

func TestSpikeAttentionBadConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	c := func(n int) []Layer { return []Layer{NewConv2d(n, 1, 1, 0, false)} }
	for name, l := range map[string]*SpikeAttention{
		"heads 0":         {Heads: 0, Q: c(4), K: c(4), V: c(4)},
		"heads divide":    {Heads: 3, Q: c(4), K: c(4), V: c(4)},
		"q, k differ":     {Heads: 1, Q: c(4), K: c(5), V: c(4)},
		"empty branch":    {Heads: 1, Q: nil, K: c(4), V: c(4)},
		"tokens differ":   {Heads: 1, Q: c(4), K: c(4), V: []Layer{NewConv2d(4, 3, 2, 1, false)}},
		"negative scale":  {Heads: 1, Scale: -1, Q: c(4), K: c(4), V: c(4)},
		"v not divisible": {Heads: 2, Q: c(4), K: c(4), V: c(3)},
	} {
		if _, err := l.Init(Shape{4, 4, 2}, rng); err == nil {
			t.Errorf("%s: Init accepted it", name)
		}
	}
	// branches that do not end with a MultiSpike train but do not export
	net, err := attnNet(rng)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Export(EncodingDirect); err == nil {
		t.Error("export of attention over real-valued branches succeeded")
	}
}

// The exported spikformer-tiny (SpikeAttention, Mean, membrane shortcuts)
// computes in the reference evaluator what the net computes.
func TestExportSpikformer(t *testing.T) {
	net, err := Build(ArchSpikformerTiny, Shape{28, 28, 1}, 10, ArchConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Init(rand.New(rand.NewPCG(3, 3))); err != nil {
		t.Fatal(err)
	}
	exportMatches(t, net, 1e-3)
	g, err := net.Export(EncodingDirect)
	if err != nil {
		t.Fatal(err)
	}
	var attn, mean int
	for _, n := range g.Nodes() {
		switch n.Op {
		case models.OpSpikeAttention:
			attn++
			if n.Int("heads", 0) != spikformerHeads || n.Str("order", "") != "qk_v" {
				t.Errorf("%s: heads %d, order %q", n.ID, n.Int("heads", 0), n.Str("order", ""))
			}
			want := 2 / math.Sqrt(spikformerDim/spikformerHeads) / 64 // 2·d^-½ over the three norms D = 4
			if math.Abs(n.Float("scale", 0)-want) > 1e-7 {
				t.Errorf("%s: scale %g, want %g", n.ID, n.Float("scale", 0), want)
			}
			for _, e := range g.InEdges(n.ID) {
				if p := g.Node(e.From); p.Op != models.OpMultiSpike || p.Float("norm", 0) != 1 {
					t.Errorf("%s: input %s is %s (norm %g), want an integer MultiSpike", n.ID, p.ID, p.Op, p.Float("norm", 0))
				}
			}
		case models.OpMean:
			mean++
		}
	}
	if attn != spikformerBlocks || mean != 1 {
		t.Errorf("%d SpikeAttention and %d Mean nodes, want %d and 1", attn, mean, spikformerBlocks)
	}
}

// A spikformer-tiny training run gives bit-identical weights for any number
// of workers.
func TestSpikformerDeterministicAcrossWorkers(t *testing.T) {
	ds := loadMNIST(t)
	var enc [][]byte
	for _, w := range []int{1, 3} {
		opt := Options{Arch: ArchSpikformerTiny, Epochs: 1, TrainLimit: 64, TestLimit: 16, Seed: 3, Workers: w, Batch: 20, Shift: 1}
		res, err := Train(context.Background(), ds, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := models.EncodeNSM(&buf, res.Graph); err != nil {
			t.Fatal(err)
		}
		enc = append(enc, buf.Bytes())
	}
	if !bytes.Equal(enc[0], enc[1]) {
		t.Error("spikformer-tiny trained with 3 workers differs from 1 worker")
	}
}

// A training step of the attention layer allocates nothing once its
// buffers have grown.
func TestSpikeAttentionNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	net, err := attnNet(rng)
	if err != nil {
		t.Fatal(err)
	}
	const b = 16
	x, y := randInput(rng, b*net.In.Size()), randLabels(rng, b, 3)
	c := newTestCtx(2)
	defer c.pool.close()
	grad := make([]float32, b*3)
	step := func() {
		net.zeroGrad()
		out := net.forward(c, x, b)
		softmaxCE(out, y, 3, grad)
		net.backward(c, grad)
	}
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Errorf("%g allocations per step, want 0", a)
	}
}

func BenchmarkStepSpikformerTiny(b *testing.B) { benchStep(b, ArchSpikformerTiny, 64) }
