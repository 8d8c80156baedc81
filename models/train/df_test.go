package train

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/neurosim/neurosim/models/data"
)

// tinyDFNet returns a DF net over 6 pixels and 3 classes with a filled batch.
func tinyDFNet(t *testing.T, cfg DFConfig, bp bool) (*dfNet, []float32, []int) {
	t.Helper()
	cfg = cfg.defaults()
	if err := cfg.validate(bp); err != nil {
		t.Fatal(err)
	}
	net := newDFNet(cfg, 4, 6, 3, bp, rand.New(rand.NewPCG(1, 2)))
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 5*6)
	for i := range x {
		x[i] = rng.Float32()
	}
	return net, x, []int{0, 2, 1, 1, 0}
}

// checkParamGrads compares p.G against central differences of loss.
func checkParamGrads(t *testing.T, ps []*Param, loss func() float64) {
	t.Helper()
	checked := 0
	for _, p := range ps {
		an := append([]float32(nil), p.G...)
		for i := 0; i < len(p.W); i += max(1, len(p.W)/10) {
			w := p.W[i]
			const h = 1e-3
			p.W[i] = w + h
			lp := loss()
			p.W[i] = w - h
			lm := loss()
			p.W[i] = w
			fd := (lp - lm) / float64((w+h)-(w-h))
			checked++
			if math.Abs(fd-float64(an[i])) > 2e-2*math.Max(math.Abs(fd), math.Abs(float64(an[i])))+1e-4 {
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", p.Name, i, an[i], fd)
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

func TestDFBlockGradients(t *testing.T) {
	for _, cfg := range []DFConfig{
		{Hidden: []int{5, 4, 3}, Collab: DFCollabPrev},
		{Hidden: []int{5, 4}, Norm: DFNormL2, Collab: DFCollabAll, Gamma: 0.5, Margin: 0.3, Alpha: 2},
		{Hidden: []int{5, 4}, Norm: DFNormNone, Goodness: DFGoodSum, Collab: DFCollabNone, LabelScale: 2},
	} {
		net, x, y := tinyDFNet(t, cfg, false)
		tr := newDFTrainer(net, len(y))
		copy(tr.x, x)
		pred := make([]int, len(y))
		for l, b := range net.blocks {
			tr.pixelProduct(len(y))
			tr.blockGrad(l, y, pred)
			if l == 0 { // block 1's weight gradient is made row by row on update
				b.w.G = make([]float32, len(b.w.W))
				tr.grad1(b.w.G, len(y))
			}
			// The other blocks' goodness enters block l's loss as a
			// constant (stop-gradient): hold it at its current value.
			tr.blockLossOnly(l, y)
			frozen := append([]float64(nil), tr.good...)
			L := len(net.blocks)
			checkParamGrads(t, []*Param{b.w, b.b}, func() float64 {
				tr.pixelProduct(len(y))
				for k := 0; k < net.classes; k++ {
					tr.runLabel(k, l, len(y))
				}
				for i := range tr.good {
					if i%L != l {
						tr.good[i] = frozen[i]
					}
				}
				return tr.blockLoss(l, y) / float64(len(y))
			})
		}
	}
}

func TestDFBaselineGradients(t *testing.T) {
	for _, norm := range []string{DFNormRMS, DFNormL2, DFNormNone} {
		net, x, y := tinyDFNet(t, DFConfig{Hidden: []int{5, 4}, Norm: norm}, true)
		tr := newBPTrainer(net, len(y), OptimConfig{Kind: OptSGD, LR: 1e-9})
		copy(tr.x, x)
		tr.forward(len(y))
		loss := func() float64 {
			tr.forward(len(y))
			l, _ := softmaxCE(tr.logits[:len(y)*3], y, 3, tr.dlog[:len(y)*3])
			return l
		}
		// One step with a negligible learning rate leaves the gradients in G.
		ws := make([][]float32, 0)
		for _, p := range net.params() {
			ws = append(ws, append([]float32(nil), p.W...))
		}
		tr.step(y, 1e-30, nil)
		for i, p := range net.params() {
			copy(p.W, ws[i])
		}
		checkParamGrads(t, net.params(), loss)
	}
}

// synthDataset is a separable toy problem: class c lights a 3×3 patch at
// one of three places, plus noise.
func synthDataset(n int) *data.Dataset {
	rng := rand.New(rand.NewPCG(7, 8))
	mk := func(n int) data.Split {
		s := data.Split{N: n, Rows: 8, Cols: 8, Images: make([]uint8, n*64), Labels: make([]uint8, n)}
		for i := 0; i < n; i++ {
			c := rng.IntN(3)
			s.Labels[i] = uint8(c)
			img := s.Images[i*64 : (i+1)*64]
			for j := range img {
				img[j] = uint8(rng.IntN(60))
			}
			for dy := 0; dy < 3; dy++ {
				for dx := 0; dx < 3; dx++ {
					img[(1+dy)*8+1+2*c+dx] = 200 + uint8(rng.IntN(55))
				}
			}
		}
		return s
	}
	return &data.Dataset{Name: "synth", Classes: 3, Train: mk(n), Test: mk(n / 2)}
}

func TestDFTrainsAndSavesMemory(t *testing.T) {
	ds := synthDataset(600)
	base := Options{Epochs: 3, Batch: 32, Seed: 5, Optim: OptimConfig{LR: 3e-3}, EvalEvery: 0,
		DF: DFConfig{Hidden: []int{32, 32, 32}}}
	df, bp := base, base
	df.Learning, bp.Learning = LearnDF, LearnDFBP
	rd, err := Train(context.Background(), ds, df, nil)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Train(context.Background(), ds, bp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rd.TestAcc < 0.9 || rb.TestAcc < 0.9 {
		t.Errorf("test accuracy df %.3f, df-bp %.3f; want ≥ 0.9 on a separable problem", rd.TestAcc, rb.TestAcc)
	}
	if rd.Memory.Params != rb.Memory.Params-4*(3*32+3)+4*(32*3) {
		t.Errorf("df parameters %d B, baseline %d B: should differ by the head and the label inputs only", rd.Memory.Params, rb.Memory.Params)
	}
	if rd.Memory.Grads*3 > rb.Memory.Grads*2 || rd.Memory.Training() >= rb.Memory.Training() {
		t.Errorf("df memory %+v not below the baseline's %+v", rd.Memory, rb.Memory)
	}
	if rd.Graph != nil || rd.ExportErr == nil {
		t.Error("a relu/rms DF net should not export")
	}
	// The measured heap: sampled after every batch; after setup it holds
	// what the trainer accounted (parameters, optimiser, gradients,
	// activations), give or take allocation rounding and small bookkeeping.
	for _, r := range []*Result{rd, rb} {
		h, m := r.Heap, r.Memory
		if h.Samples != 3*19 { // ⌈600/32⌉ batches × 3 epochs
			t.Errorf("%s: %d heap samples, want %d", r.Options.Learning, h.Samples, 3*19)
		}
		if h.Model < m.Params || h.Optim < h.Model+m.OptState || h.Optim > h.Model+m.OptState+16<<10 || h.Setup < m.Total() || h.Setup > m.Total()+64<<10 || h.PeakLive < h.Setup-4<<10 || h.PeakObjects < h.PeakLive {
			t.Errorf("%s: measured heap %+v does not match accounted %+v (total %d)", r.Options.Learning, h, m, m.Total())
		}
	}
}

func TestDFResumeAndExport(t *testing.T) {
	ds := synthDataset(300)
	ck := filepath.Join(t.TempDir(), "df.ckpt")
	opt := Options{Learning: LearnDF, Epochs: 2, Batch: 16, Seed: 3, Optim: OptimConfig{LR: 3e-3},
		DF: DFConfig{Hidden: []int{16, 8}, Act: DFActMultiSpike, Goodness: DFGoodSum, Norm: DFNormNone}}
	full, err := Train(context.Background(), ds, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	half := opt
	half.Epochs, half.Checkpoint, half.Resume = 1, ck, true
	if _, err := Train(context.Background(), ds, half, nil); err != nil {
		t.Fatal(err)
	}
	half.Epochs = 2
	res, err := Train(context.Background(), ds, half, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range full.DFNet.params() {
		if !reflect.DeepEqual(p.W, res.DFNet.params()[i].W) {
			t.Fatalf("%s differs after resuming", p.Name)
		}
	}
	if full.Graph == nil {
		t.Fatalf("export failed: %v", full.ExportErr)
	}
	ev, err := Evaluate(full.Graph, &ds.Test, 0, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := newDFTrainer(full.DFNet, 16)
	if sw := tr.evaluate(&ds.Test, 0); math.Abs(sw-ev.Accuracy) > 1e-9 {
		t.Errorf("exported graph accuracy %.4f, DF inference %.4f", ev.Accuracy, sw)
	}
}

// TestDFWorkersIndependent trains with GOMAXPROCS 1 and 2: gonum's Sgemm
// parallelises over output blocks, each summed in a fixed order, so the
// weights must be identical.
func TestDFWorkersIndependent(t *testing.T) {
	ds := synthDataset(200)
	opt := Options{Learning: LearnDF, Epochs: 1, Batch: 100, Seed: 9, Optim: OptimConfig{LR: 3e-3},
		DF: DFConfig{Hidden: []int{130, 70}}}
	var ws [2][][]float32
	for i, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		res, err := Train(context.Background(), ds, opt, nil)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.DFNet.params() {
			ws[i] = append(ws[i], p.W)
		}
	}
	if !reflect.DeepEqual(ws[0], ws[1]) {
		t.Error("weights differ between GOMAXPROCS 1 and 2")
	}
}

func TestDFOptionErrors(t *testing.T) {
	ds := synthDataset(30)
	for _, c := range []DFConfig{{Hidden: []int{0}}, {Act: "tanh"}, {Norm: "batch"}, {Collab: "x"}, {Alpha: -1}, {InferFrom: 5}} {
		if _, err := Train(context.Background(), ds, Options{Learning: LearnDF, DF: c}, nil); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := Train(context.Background(), ds, Options{Learning: "hebb"}, nil); err == nil {
		t.Error("unknown learning rule accepted")
	}
}

// BenchmarkDFStep is one DF batch (3 blocks of 500, batch 64, MNIST-sized
// input) against one backpropagation batch of the same network. The only
// allocations are gonum's Sgemm dispatching its goroutines.
func BenchmarkDFStep(b *testing.B) {
	for _, bp := range []bool{false, true} {
		name := "df"
		if bp {
			name = "df-bp"
		}
		b.Run(name, func(b *testing.B) {
			cfg := DFConfig{Hidden: []int{500, 500, 500}, Collab: DFCollabNone}.defaults()
			net := newDFNet(cfg, 4, 784, 10, bp, rand.New(rand.NewPCG(1, 1)))
			y := make([]int, 64)
			for i := range y {
				y[i] = i % 10
			}
			var r dfRunner
			if bp {
				r = newBPTrainer(net, 64, OptimConfig{Kind: OptAdam, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
			} else {
				t := newDFTrainer(net, 64)
				for _, blk := range net.blocks {
					blk.op = newOptimizer(OptimConfig{Kind: OptAdam, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, []*Param{blk.w, blk.b})
				}
				r = t
			}
			x := r.input()
			rng := rand.New(rand.NewPCG(2, 2))
			for i := range x {
				x[i] = rng.Float32()
			}
			pred := make([]int, 64)
			b.ReportAllocs()
			for b.Loop() {
				r.step(y, 1e-3, pred)
			}
		})
	}
}

// TestDFRowwiseUpdate: block 1's update, its weight gradient made and
// applied dfRowBlock rows at a time, gives the bits of the update with the
// whole gradient at once.
func TestDFRowwiseUpdate(t *testing.T) {
	cfg := DFConfig{Hidden: []int{2*dfRowBlock + 6, 9}}.defaults()
	oc := OptimConfig{Kind: OptAdam, LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, 7*40)
	for i := range x {
		x[i] = rng.Float32()
	}
	y := []int{0, 2, 1, 1, 0, 2, 2}
	var w [2][]float32
	for i := range w {
		net := newDFNet(cfg, 4, 40, 3, false, rand.New(rand.NewPCG(1, 2)))
		tr := newDFTrainer(net, len(y))
		for _, b := range net.blocks {
			b.op = newOptimizer(oc, []*Param{b.w, b.b})
		}
		copy(tr.x, x)
		b := net.blocks[0]
		for range 3 {
			tr.pixelProduct(len(y))
			tr.blockGrad(0, y, make([]int, len(y)))
			if i == 0 {
				tr.update1(len(y), 1e-2)
				continue
			}
			b.w.G = make([]float32, len(b.w.W))
			tr.grad1(b.w.G, len(y))
			b.op.update([]*Param{b.w, b.b}, 1e-2)
		}
		w[i] = b.w.W
	}
	if !reflect.DeepEqual(w[0], w[1]) {
		t.Error("row-wise update of block 1 differs from the whole-gradient update")
	}
}
