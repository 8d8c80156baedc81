package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

func newTestCtx(workers int) *pass {
	return &pass{pool: newPool(workers), train: true}
}

// checkGrads compares every parameter gradient of net against central finite
// differences of the loss. Layers are float32, so the tolerance is relative
// with an absolute floor; eps is chosen large enough to beat rounding.
func checkGrads(t *testing.T, net *Net, c *pass, x []float32, labels []int, reseed func()) {
	checkGradsEps(t, net, c, x, labels, reseed, 1e-2)
}

func checkGradsEps(t *testing.T, net *Net, c *pass, x []float32, labels []int, reseed func(), eps float64) {
	t.Helper()
	k := net.Out.Size()
	b := len(labels)
	grad := make([]float32, b*k)
	loss := func() float64 {
		if reseed != nil {
			reseed()
		}
		out := net.forward(c, x, b*net.Steps)
		l, _ := softmaxCE(out, labels, k, grad)
		return l
	}
	net.zeroGrad()
	loss()
	net.backward(c, grad)
	checked, bad, kinks := 0, 0, 0
	for _, p := range net.Params() {
		an := append([]float32(nil), p.G...)
		// Check a spread of up to 12 entries per tensor.
		step := max(1, len(p.W)/12)
		for i := 0; i < len(p.W); i += step {
			fd := func(h float32) float64 {
				w := p.W[i]
				p.W[i] = w + h
				lp := loss()
				p.W[i] = w - h
				lm := loss()
				p.W[i] = w
				return (lp - lm) / float64((w+h)-(w-h))
			}
			f1, f2 := fd(float32(eps)), fd(float32(eps/2))
			a := float64(an[i])
			checked++
			tol := func(x, y float64) bool {
				return math.Abs(x-y) <= 3e-2*math.Max(math.Abs(x), math.Abs(y))+2e-4
			}
			if !tol(f1, f2) {
				// The two step sizes disagree: a kink (max pooling, a
				// flipped spike) lies within eps. Such entries are
				// counted, not compared.
				kinks++
				continue
			}
			if !tol(a, f1) {
				bad++
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", p.Name, i, a, f1)
			}
		}
	}
	if kinks*5 > checked {
		t.Errorf("%d of %d entries sit on kinks: the check says too little", kinks, checked)
	}
	if checked == 0 {
		t.Fatal("no parameters checked")
	}
	t.Logf("checked %d gradient entries, %d off, %d on kinks", checked, bad, kinks)
}

func randInput(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	return x
}

func randLabels(rng *rand.Rand, n, k int) []int {
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(k)
	}
	return y
}

func TestGradientsConvBNPool(t *testing.T) {
	for _, kind := range []PoolKind{AvgPool, SumPool, MaxPool} {
		t.Run(kind.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			front := []Layer{NewConv2d(4, 3, 1, 1, true), NewBatchNorm()}
			if kind == MaxPool {
				// Batch statistics couple every window: one weight step
				// flips many arg-maxes. Without BN the kinks are rare.
				front = front[:1]
			}
			net := &Net{In: Shape{8, 8, 2}, Steps: 1, Layers: append(front,
				NewPool2d(kind, 2),
				&Conv2d{Cout: 5, KH: 3, KW: 2, Stride: 2, Pad: 1},
				&Flatten{},
				NewLinear(3, true),
			)}
			if err := net.Init(rng); err != nil {
				t.Fatal(err)
			}
			const b = 11 // two chunks, the second partial
			// Max pooling has kinks where two inputs tie: a smaller step
			// crosses fewer of them.
			eps := 1e-2
			if kind == MaxPool {
				eps = 2e-3
			}
			checkGradsEps(t, net, newTestCtx(2), randInput(rng, b*net.In.Size()), randLabels(rng, b, 3), nil, eps)
		})
	}
}

func TestGradientsResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	net := &Net{In: Shape{6, 6, 3}, Steps: 1, Layers: []Layer{
		NewConv2d(4, 3, 1, 1, false),
		NewBatchNorm(),
		&Residual{Body: []Layer{NewConv2d(4, 3, 1, 1, false), NewBatchNorm()}},
		NewPool2d(AvgPool, 2),
		&Flatten{},
		NewLinear(10, true),
		NewBatchNorm(),
		NewLinear(4, true),
	}}
	if err := net.Init(rng); err != nil {
		t.Fatal(err)
	}
	checkGrads(t, net, newTestCtx(3), randInput(rng, 9*net.In.Size()), randLabels(rng, 9, 4), nil)
}

// The LIF's BPTT is checked on its smooth twin (sigmoid spike, exact
// derivative, reset not detached), where finite differences are meaningful.
func TestGradientsLIFBPTT(t *testing.T) {
	for _, reset := range []Reset{HardReset, SubtractReset} {
		t.Run([]string{"hard", "subtract"}[reset], func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			lif := &LIF{Beta: 0.6, Vth: 0.3, A: 0.5, Reset: reset, smooth: true}
			net := &Net{In: Shape{5, 5, 1}, Steps: 4, Layers: []Layer{
				NewConv2d(3, 3, 1, 0, true),
				lif,
				&Flatten{},
				NewLinear(4, true),
				&TimeMean{},
			}}
			if err := net.Init(rng); err != nil {
				t.Fatal(err)
			}
			const b = 10
			checkGrads(t, net, newTestCtx(2), randInput(rng, net.Steps*b*net.In.Size()), randLabels(rng, b, 4), nil)
		})
	}
}

func TestGradientsNoiseAware(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	net := &Net{In: Shape{6, 6, 1}, Steps: 1, Layers: []Layer{
		NewConv2d(3, 3, 1, 1, true),
		NewBatchNorm(),
		&Flatten{},
		NewLinear(4, true),
	}}
	if err := net.Init(rng); err != nil {
		t.Fatal(err)
	}
	c := newTestCtx(2)
	c.noise = 0.2
	// The same noise draw for every evaluation, so the loss is a function of W.
	reseed := func() { c.noiseRNG = rand.New(rand.NewPCG(9, 9)) }
	reseed()
	checkGrads(t, net, c, randInput(rng, 8*net.In.Size()), randLabels(rng, 8, 4), reseed)
}

func TestSpikeCountRounding(t *testing.T) {
	below := math.Nextafter32(0.5, 0)
	cases := []struct {
		x        float32
		d        int
		even, up float32
	}{
		{-1, 4, 0, 0}, {0, 4, 0, 0}, {below, 4, 0, 0}, {0.5, 4, 0, 1}, {1.5, 4, 2, 2},
		{2.5, 4, 2, 3}, {3.5, 4, 4, 4}, {4.4, 4, 4, 4}, {100, 4, 4, 4},
		{math.Nextafter32(2.5, 3), 4, 3, 3}, {float32(math.NaN()), 4, 0, 0},
		{float32(math.Inf(1)), 8, 8, 8}, {7.5, 8, 8, 8}, {6.5, 8, 6, 7},
	}
	for _, c := range cases {
		if got := SpikeCount(c.x, c.d, HalfEven); got != c.even {
			t.Errorf("SpikeCount(%v, %d, half-even) = %v, want %v", c.x, c.d, got, c.even)
		}
		if got := SpikeCount(c.x, c.d, HalfUp); got != c.up {
			t.Errorf("SpikeCount(%v, %d, half-up) = %v, want %v", c.x, c.d, got, c.up)
		}
	}
	// Differential check against math.RoundToEven on a dense grid.
	for i := -100; i <= 1000; i++ {
		x := float32(i) / 97
		want := float32(math.RoundToEven(math.Min(math.Max(float64(x), 0), 8)))
		if got := SpikeCount(x, 8, HalfEven); got != want {
			t.Fatalf("SpikeCount(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestMultiSpikeSTE(t *testing.T) {
	l := &MultiSpike{D: 4}
	if _, err := l.Init(Shape{1, 1, 6}, nil); err != nil {
		t.Fatal(err)
	}
	c := newTestCtx(1)
	x := []float32{-0.1, 0, 1.5, 2.5, 4, 4.1}
	y := l.Forward(c, x, 1)
	wantY := []float32{0, 0, 0.5, 0.5, 1, 1}
	dx := l.Backward(c, []float32{1, 1, 1, 1, 1, 1}, 1, true)
	wantDX := []float32{0, 0.25, 0.25, 0.25, 0.25, 0} // window [0, D] inclusive, gain 1/D
	for i := range x {
		if y[i] != wantY[i] || dx[i] != wantDX[i] {
			t.Errorf("x=%v: y=%v dx=%v, want %v %v", x[i], y[i], dx[i], wantY[i], wantDX[i])
		}
	}
}
