package train

import (
	"math/rand/v2"
	"testing"
)

// benchStep measures one training step (forward, backward, Adam) of an
// architecture on MNIST-sized synthetic input with ~80 % zero pixels.
func benchStep(b *testing.B, arch string, batch int) {
	rng := rand.New(rand.NewPCG(1, 1))
	net, err := Build(arch, Shape{28, 28, 1}, 10, ArchConfig{})
	if err != nil {
		b.Fatal(err)
	}
	if err := net.Init(rng); err != nil {
		b.Fatal(err)
	}
	x := make([]float32, batch*784)
	for i := range x {
		if rng.Float64() < 0.2 {
			x[i] = float32(rng.Float64())
		}
	}
	y := randLabels(rng, batch, 10)
	c := &pass{pool: newPool(0), train: true}
	defer c.pool.close()
	ps := net.Params()
	opt := newOptimizer(OptimConfig{Kind: OptAdam, LR: 2e-3, Beta1: .9, Beta2: .999, Eps: 1e-8}, ps)
	opt.pool = c.pool
	grad := make([]float32, batch*10)
	step := func() {
		net.zeroGrad()
		out := net.forward(c, x, batch)
		softmaxCE(out, y, 10, grad)
		net.backward(c, grad)
		opt.update(ps, 2e-3)
	}
	step()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)*60000/float64(batch), "s/epoch")
	if cpu0 >= 0 {
		// CPU time of the whole process per step: on a shared machine it
		// varies less than the wall time (it includes the workers' spinning).
		b.ReportMetric((cpuTime()-cpu0)/float64(b.N)*1e3, "cpu-ms/op")
	}
}

func BenchmarkStepTorchBench(b *testing.B) { benchStep(b, ArchTorchBench, 64) }
func BenchmarkStepSFAConvNet(b *testing.B) { benchStep(b, ArchSFAConvNet, 64) }

// BenchmarkStepPrune measures one edge-popup step of PRIME's MLP
// (784-1024-10, T = 4, batch 64) on binary rate-coded input with ~13 %
// ones, as Poisson-coded MNIST gives.
func BenchmarkStepPrune(b *testing.B) {
	const batch, steps = 64, 4
	rng := rand.New(rand.NewPCG(1, 1))
	net, err := Build(ArchPrimeMLP, Shape{28, 28, 1}, 10, ArchConfig{Steps: steps})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Options{Learning: LearnPrune}.pruneDefaults().Prune
	if net.Layers, err = prunify(net.Layers, cfg); err != nil {
		b.Fatal(err)
	}
	if err := net.Init(rng); err != nil {
		b.Fatal(err)
	}
	x := make([]float32, steps*batch*784)
	for i := range x {
		if rng.Float64() < 0.13 {
			x[i] = 1
		}
	}
	y := randLabels(rng, batch, 10)
	c := &pass{pool: newPool(0), train: true}
	defer c.pool.close()
	ps := net.Params()
	opt := newOptimizer(OptimConfig{Kind: OptAdam, LR: 5e-3, Beta1: .9, Beta2: .999, Eps: 1e-8}, ps)
	opt.pool = c.pool
	grad := make([]float32, batch*10)
	step := func() {
		net.zeroGrad()
		out := net.forward(c, x, steps*batch)
		softmaxCE(out, y, 10, grad)
		net.backward(c, grad)
		opt.update(ps, 5e-3)
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*60000/batch, "s/epoch")
}
