package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// meanNet is tinyNet with the pooling and flattening replaced: either a Mean
// of the spikes, or (expr) a second convolution whose real-valued output is
// averaged and read by a MultiSpike.
func meanNet(expr bool, cout int) *models.Graph {
	g := tinyNet()
	g.RemoveNode("pool")
	g.RemoveNode("flat")
	g.RemoveNode("fc")
	g.RemoveNode("output")
	rng := rand.New(rand.NewPCG(4, 4))
	rnd := func(n int) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * 0.4)
		}
		return w
	}
	g.Add("mean", models.OpMean)
	c := 2
	if expr {
		g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{cout, 2, 3, 3}, rnd(cout*18)).SetInts("padding", 1, 1).SetInts("stride", 2, 2)
		g.Add("spike2", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
		g.Chain("spike", "conv2", "mean", "spike2")
		c = cout
	} else {
		g.Chain("spike", "mean")
	}
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{3, c}, rnd(3*c)).SetF32("bias", models.Shape{3}, []float32{0, 0.1, -0.1})
	g.Add("output", models.OpOutput)
	last := "mean"
	if expr {
		last = "spike2"
	}
	g.Chain(last, "fc", "output")
	return g
}

// TestMeanOfSpikesIsAvgPool: a Mean of spike counts compiles to the same
// integer program as a whole-plane AvgPool2d and Flatten.
func TestMeanOfSpikesIsAvgPool(t *testing.T) {
	a := meanNet(false, 0)
	b := a.Clone()
	b.RemoveNode("mean")
	b.Add("pool", models.OpAvgPool2d).SetInts("kernel_size", 6, 6)
	b.Add("flat", models.OpFlatten)
	b.Chain("spike", "pool", "flat", "fc")
	pa, err := Compile(a, mustPreset("default"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Compile(b, mustPreset("default"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pa.Layers[1].Kind != LayerPool || pa.Layers[1].Size() != 2 {
		t.Fatalf("mean layer %+v, want a pool of 2 neurons", pa.Layers[1])
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for k := 0; k < 20; k++ {
		px := randImage(rng, 36)
		ra, _ := Simulate(pa, px)
		sa := append([]int64(nil), ra.Scores...)
		rb, _ := Simulate(pb, px)
		if !equalI64(sa, rb.Scores) {
			t.Fatalf("image %d: scores %v with Mean, %v with AvgPool", k, sa, rb.Scores)
		}
	}
}

// TestAverageConv: the averaged projection applied to any input equals the
// mean over the output plane of the convolution computed directly.
func TestAverageConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []struct{ cin, cout, h, w, k, st, pad, groups int }{
		{2, 3, 6, 6, 3, 1, 1, 1}, {4, 4, 5, 7, 3, 2, 1, 2}, {3, 3, 4, 4, 1, 1, 0, 3}, {2, 2, 7, 5, 3, 2, 0, 1},
	} {
		cig := c.cin / c.groups
		pr := &Projection{Kind: ProjConv, InShape: []int{c.cin, c.h, c.w}, Cout: c.cout, KH: c.k, KW: c.k, Stride: c.st, Pad: c.pad, Groups: c.groups}
		pr.real = make([]float64, c.cout*cig*c.k*c.k)
		for i := range pr.real {
			pr.real[i] = rng.NormFloat64()
		}
		ho, wo := (c.h+2*c.pad-c.k)/c.st+1, (c.w+2*c.pad-c.k)/c.st+1
		av := averageConv(pr, []int{c.cout, ho, wo})
		x := make([]float64, c.cin*c.h*c.w)
		for i := range x {
			x[i] = float64(rng.IntN(5))
		}
		for o := 0; o < c.cout; o++ {
			g := o / (c.cout / c.groups)
			var direct float64
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					for ci := 0; ci < cig; ci++ {
						for ky := 0; ky < c.k; ky++ {
							for kx := 0; kx < c.k; kx++ {
								y, xx := oy*c.st+ky-c.pad, ox*c.st+kx-c.pad
								if y >= 0 && y < c.h && xx >= 0 && xx < c.w {
									direct += pr.real[((o*cig+ci)*c.k+ky)*c.k+kx] * x[((g*cig+ci)*c.h+y)*c.w+xx]
								}
							}
						}
					}
				}
			}
			direct /= float64(ho * wo)
			var got float64
			for ci := 0; ci < cig; ci++ {
				for p := 0; p < c.h*c.w; p++ {
					got += av.real[(o*cig+ci)*c.h*c.w+p] * x[(g*cig+ci)*c.h*c.w+p]
				}
			}
			if math.Abs(got-direct) > 1e-9*(1+math.Abs(direct)) {
				t.Errorf("%+v output %d: averaged %g, direct mean %g", c, o, got, direct)
			}
		}
	}
}

// TestMeanOfExpression: a Mean of a convolution's real-valued output
// compiles and runs; a mean too wide to average in one neuron is
// materialised (psum.go) and gives the averaged program's spike counts up
// to the rounding of the materialised sums.
func TestMeanOfExpression(t *testing.T) {
	p, err := Compile(meanNet(true, 3), mustPreset("default"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := &p.Layers[len(p.Layers)-2]
	if l.Kind != LayerSpike || l.Size() != 3 || len(l.Inputs) != 1 || l.Inputs[0].KH != 6 {
		t.Fatalf("layer after the mean %+v", l)
	}
	if _, err := Simulate(p, randImage(rand.New(rand.NewPCG(1, 1)), 36)); err != nil {
		t.Fatal(err)
	}
	spec := mustPreset("default")
	for name, k := range spec.Cores {
		k.Axons = 50 // 2 channels × 36 positions = 72 axons needed
		spec.Cores[name] = k
	}
	q, err := Compile(meanNet(true, 3), spec, Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	var sum, mean *Layer
	for li := range q.Layers {
		switch q.Layers[li].Name {
		case "mean.in.sum":
			sum = &q.Layers[li]
		case "mean":
			mean = &q.Layers[li]
		}
	}
	if sum == nil || mean == nil || sum.Kind != LayerPsum || mean.Kind != LayerPsum || mean.Shift == 0 || mean.Size() != 3 {
		t.Fatalf("the wide mean was not materialised: %+v", q.Layers)
	}
	sp, sq := len(p.Layers)-2, len(q.Layers)-2
	same, all := 0, 0
	rng := rand.New(rand.NewPCG(5, 5))
	a, _ := NewSimulator(p)
	b, _ := NewSimulator(q)
	spikes := 0
	for k := 0; k < 50; k++ {
		img := randImage(rng, 36)
		ra, err := a.Run(img)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.Run(img)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range ra.Counts[sp] {
			all++
			spikes += int(v)
			if rb.Counts[sq][i] == v {
				same++
			}
		}
	}
	if spikes == 0 || same < all*9/10 {
		t.Errorf("materialised mean: %d of %d counts as the averaged one (%d spikes)", same, all, spikes)
	}
}
