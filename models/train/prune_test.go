package train

import (
	"context"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

func TestKthLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 7, 100, 1001} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(50)) // many ties
		}
		s := slices.Clone(v)
		slices.Sort(s)
		for _, k := range []int{1, n / 2, n} {
			if k < 1 {
				continue
			}
			if got, want := kthLargest(slices.Clone(v), k), s[n-k]; got != want {
				t.Errorf("n=%d k=%d: got %g, want %g", n, k, got, want)
			}
		}
	}
}

func TestPrunedLinearMaskAndGradient(t *testing.T) {
	cfg := Options{Learning: LearnPrune}.Defaults().Prune
	cfg.Keep = 0.3
	l := &PrunedLinear{Lin: NewLinear(7, false), Cfg: cfg}
	if _, err := l.Init(Shape{1, 1, 10}, rand.New(rand.NewPCG(2, 2))); err != nil {
		t.Fatal(err)
	}
	if l.Kept() != 21 {
		t.Fatalf("kept %d of 70, want 21", l.Kept())
	}
	c := newTestCtx(1)
	x := randInput(rand.New(rand.NewPCG(3, 3)), 2*10)
	l.Forward(c, x, 2)
	nz := 0
	for i, w := range l.Lin.w.W {
		switch {
		case w == 0:
		case w == l.w0[i]:
			nz++
		default:
			t.Fatalf("weight %d is %g: neither 0 nor its random value %g", i, w, l.w0[i])
		}
	}
	if nz != 21 {
		t.Errorf("%d weights in use, want 21", nz)
	}
	dy := randInput(rand.New(rand.NewPCG(4, 4)), 2*7)
	clear32(l.score.G)
	l.Backward(c, dy, 2, false)
	// dL/dw_eff[o][i] = Σ_s dy[s][o]·x[s][i]; the score gets it times w0·sign(s).
	for o := 0; o < 7; o++ {
		for i := 0; i < 10; i++ {
			g := dy[o]*x[i] + dy[7+o]*x[10+i]
			want := g * l.w0[o*10+i]
			if l.score.W[o*10+i] < 0 {
				want = -want
			}
			if d := l.score.G[o*10+i] - want; d > 1e-6 || d < -1e-6 {
				t.Fatalf("score grad [%d][%d] = %g, want %g", o, i, l.score.G[o*10+i], want)
			}
		}
	}
}

func TestPruneTrainsAndExports(t *testing.T) {
	ds := synthDataset(400)
	opt := Options{Learning: LearnPrune, Arch: ArchPrimeMLP, Encoding: EncodingPoisson, Steps: 4, Epochs: 3, Batch: 16,
		Seed: 2, Optim: OptimConfig{LR: 1e-2}, Prune: PruneConfig{Hidden: []int{64}}}
	res, err := Train(context.Background(), ds, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.TestAcc < 0.8 {
		t.Errorf("pruned random net: test accuracy %.3f, want ≥ 0.8 on a separable problem", res.TestAcc)
	}
	if res.Graph.Meta["pruned_random"] != "true" || res.Graph.Meta["prune_kept_weights"] != "2144/4288" {
		t.Errorf("metadata %v", res.Graph.Meta)
	}
	// The exported weights are the frozen random values or 0.
	var w0 []float32
	for _, l := range res.Net.Layers {
		if pl, ok := l.(*PrunedLinear); ok {
			w0 = append(w0, pl.w0...)
		}
	}
	var got []float32
	for _, nd := range res.Graph.Nodes() {
		if nd.Op == "Affine" {
			got = append(got, nd.Tensor("weight").F32...)
		}
	}
	if len(got) != len(w0) {
		t.Fatalf("exported %d weights, want %d", len(got), len(w0))
	}
	for i, w := range got {
		if w != 0 && w != w0[i] {
			t.Fatalf("exported weight %d = %g, random value %g", i, w, w0[i])
		}
	}
	bad := opt
	bad.Arch = ArchSFAConvNet
	if _, err := Train(context.Background(), ds, bad, nil); err == nil {
		t.Error("prune on a conv net with BatchNorm accepted")
	}
	bad = opt
	bad.Prune.Keep = 1.5
	if _, err := Train(context.Background(), ds, bad, nil); err == nil {
		t.Error("keep 1.5 accepted")
	}
}

// TestPrunedSparseMatchesDense checks the sparse noise-free path against the
// wrapped Linear's dense kernels on the same masked weights: outputs, input
// gradients and score gradients agree within float32 rounding, for sparse
// binary input (spikes) and dense input.
func TestPrunedSparseMatchesDense(t *testing.T) {
	cfg := Options{Learning: LearnPrune}.Defaults().Prune
	for _, density := range []float64{0.15, 1} {
		l := &PrunedLinear{Lin: NewLinear(37, false), Cfg: cfg}
		if _, err := l.Init(Shape{1, 1, 50}, rand.New(rand.NewPCG(2, 2))); err != nil {
			t.Fatal(err)
		}
		const n = 21
		rng := rand.New(rand.NewPCG(3, 3))
		x := make([]float32, n*50)
		for i := range x {
			if rng.Float64() < density {
				x[i] = 1
				if density == 1 {
					x[i] = float32(rng.NormFloat64())
				}
			}
		}
		dy := randInput(rng, n*37)
		c := newTestCtx(2)
		y := slices.Clone(l.Forward(c, x, n))
		clear32(l.score.G)
		dx := slices.Clone(l.Backward(c, dy, n, true))
		gs := slices.Clone(l.score.G)
		if !l.fast {
			t.Fatal("noise-free forward did not take the sparse path")
		}
		// The reference: the wrapped Linear on the same weights.
		yr := l.Lin.Forward(c, x, n)
		clear32(l.Lin.w.G)
		dxr := l.Lin.Backward(c, dy, n, true)
		near := func(what string, got, want []float32) {
			t.Helper()
			for i := range want {
				if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("density %g: %s[%d] = %g, want %g", density, what, i, got[i], want[i])
				}
			}
		}
		near("y", y, yr)
		near("dx", dx, dxr)
		want := make([]float32, len(gs))
		for i, g := range l.Lin.w.G {
			want[i] = l.scoreGrad(i, g)
		}
		near("score grad", gs, want)
	}
}

func TestPruneWorkersIndependent(t *testing.T) {
	ds := synthDataset(200)
	opt := Options{Learning: LearnPrune, Arch: ArchPrimeMLP, Encoding: EncodingPoisson, Steps: 2, Epochs: 1, Batch: 40,
		Seed: 4, Optim: OptimConfig{LR: 1e-2}, Prune: PruneConfig{Hidden: []int{150}}}
	var ws [2][][]float32
	for i, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		res, err := Train(context.Background(), ds, opt, nil)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Net.Params() {
			ws[i] = append(ws[i], p.W)
		}
	}
	if !reflect.DeepEqual(ws[0], ws[1]) {
		t.Error("scores differ between GOMAXPROCS 1 and 2")
	}
}
