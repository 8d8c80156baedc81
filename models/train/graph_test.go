package train

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/models/data"
)

func TestGradientsGraphConv(t *testing.T) {
	g := data.Graph{Nodes: 5, Edges: [][2]int32{{0, 1}, {1, 2}, {2, 3}, {1, 4}}}
	r, c, v := g.NormAdj()
	rng := rand.New(rand.NewPCG(5, 6))
	const steps = 3
	net := &Net{In: Shape{5, 3, 1}, Steps: steps, Layers: []Layer{
		NewGraphConv(4, false, r, c, v), NewSTFN(1),
		&LIF{Beta: 0.6, Vth: 0.3, A: 0.5, Reset: SubtractReset, smooth: true},
		NewGraphConv(3, true, r, c, v),
		&Flatten{},
		NewLinear(2, true),
		&TimeMean{},
	}}
	if err := net.Init(rng); err != nil {
		t.Fatal(err)
	}
	const b = 9
	x := randInput(rng, b*net.In.Size())
	xs := make([]float32, 0, steps*len(x))
	for range steps {
		xs = append(xs, x...)
	}
	checkGrads(t, net, newTestCtx(2), xs, randLabels(rng, b, 2), nil)
}

// TestGraphExport checks that the exported graph computes what the net
// computes in evaluation: same predictions on random graphs.
func TestGraphExport(t *testing.T) {
	g := data.Graph{Nodes: 6, Edges: [][2]int32{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {0, 5}, {1, 4}}}
	r, c, v := g.NormAdj()
	rng := rand.New(rand.NewPCG(7, 8))
	const steps = 4
	net := &Net{Arch: "test", In: Shape{6, 2, 1}, Steps: steps, Layers: []Layer{
		NewGraphConv(5, false, r, c, v), NewSTFN(1), NewLIF(0.5, 1),
		NewGraphConv(4, false, r, c, v), NewSTFN(1), NewLIF(0.5, 1),
		&Flatten{}, NewLinear(3, true), &TimeMean{},
	}}
	if err := net.Init(rng); err != nil {
		t.Fatal(err)
	}
	// Give STFN non-trivial statistics: a training pass, then evaluate.
	const b = 16
	imgs := make([]uint8, b*12)
	for i := range imgs {
		imgs[i] = uint8(rng.IntN(256))
	}
	x := make([]float32, steps*b*12)
	for t := range steps {
		data.Direct(x[t*b*12:(t+1)*b*12], imgs)
	}
	p := newPool(1)
	defer p.close()
	for _, l := range net.Layers {
		if s, ok := l.(*STFN); ok {
			for j := range s.gamma.W {
				s.gamma.W[j] = float32(0.5 + rng.Float64())
				s.beta.W[j] = float32(rng.Float64() - 0.3)
			}
		}
	}
	net.forward(&pass{pool: p, train: true}, x, steps*b)
	out := append([]float32(nil), net.forward(&pass{pool: p}, x, steps*b)...)
	gr, err := net.Export(EncodingDirect)
	if err != nil {
		t.Fatal(err)
	}
	split := &data.Split{N: b, Rows: 6, Cols: 2, Images: imgs, Labels: make([]uint8, b)}
	ev, err := Evaluate(gr, split, 0, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < b; i++ {
		want := argmax(out[i*3 : (i+1)*3])
		if ev.Pred[i] != want {
			t.Errorf("sample %d: exported graph predicts %d, net %d (logits %v)", i, ev.Pred[i], want, out[i*3:(i+1)*3])
		}
	}
}

// TestTrainKarate: the spiking GCN learns Zachary's club from the two
// leaders' labels (semi-supervised), and training does not depend on the
// number of workers.
func TestTrainKarate(t *testing.T) {
	task := data.Karate()
	var first *NodeResult
	for _, w := range []int{1, 2} {
		res, err := TrainNodes(context.Background(), task, Options{Arch: ArchSGNNKarate, Epochs: 200, Seed: 2, Workers: w,
			Optim: OptimConfig{LR: 0.01}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Acc < 0.9 {
			t.Errorf("workers %d: node accuracy %.3f < 0.9", w, res.Acc)
		}
		if first == nil {
			first = res
			continue
		}
		if !slices.Equal(first.Pred, res.Pred) || first.History[199].Loss != res.History[199].Loss {
			t.Errorf("workers 1 and 2 differ: loss %g vs %g", first.History[199].Loss, res.History[199].Loss)
		}
	}
	if _, err := TrainNodes(context.Background(), task, Options{Arch: ArchSGNNSuperpixel}, nil); err == nil {
		t.Error("TrainNodes accepted a graph-classification arch")
	}
	if _, err := TrainNodes(context.Background(), task, Options{Arch: ArchSGNNKarate, Shift: 1}, nil); err == nil {
		t.Error("TrainNodes accepted --shift")
	}
}

// BenchmarkSGNNSuperpixelStep measures one training step (forward, BPTT over
// T = 4, Adam) of sgnn-superpixel on a batch of 64 graphs; it allocates
// nothing once the buffers exist.
func BenchmarkSGNNSuperpixelStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const batch, steps = 64, 4
	net, err := Build(ArchSGNNSuperpixel, Shape{49, 3, 1}, 10, ArchConfig{Steps: steps})
	if err != nil {
		b.Fatal(err)
	}
	if err := net.Init(rng); err != nil {
		b.Fatal(err)
	}
	x := randInput(rng, steps*batch*147)
	y := randLabels(rng, batch, 10)
	c := &pass{pool: newPool(0), train: true}
	defer c.pool.close()
	ps := net.Params()
	opt := newOptimizer(OptimConfig{Kind: OptAdam, LR: 2e-3, Beta1: .9, Beta2: .999, Eps: 1e-8}, ps)
	grad := make([]float32, batch*10)
	step := func() {
		net.zeroGrad()
		out := net.forward(c, x, steps*batch)
		softmaxCE(out, y, 10, grad)
		net.backward(c, grad)
		opt.update(ps, 2e-3)
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
}
