package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// randomiseBN gives every BatchNorm non-trivial statistics and affine
// parameters, so that folding is really exercised.
func randomiseBN(ls []Layer, rng *rand.Rand) {
	for _, bn := range batchNorms(ls) {
		for i := range bn.RunMean {
			bn.RunMean[i] = float32(rng.NormFloat64() * 0.3)
			bn.RunVar[i] = float32(0.2 + rng.Float64())
			bn.gamma.W[i] = float32(0.5 + rng.Float64())
			bn.beta.W[i] = float32(rng.NormFloat64() * 0.3)
		}
	}
}

// exportMatches checks that the exported graph, run by the reference
// evaluator, computes what the net computes in evaluation mode.
func exportMatches(t *testing.T, net *Net, tol float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(42, 1))
	randomiseBN(net.Layers, rng)
	g, err := net.Export(EncodingDirect)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	const b = 6
	sz := net.In.Size()
	x := randInput(rng, b*sz)
	// the net sees each item repeated over its T steps (time-major)
	xt := make([]float32, net.Steps*b*sz)
	for s := 0; s < net.Steps; s++ {
		copy(xt[s*b*sz:], x)
	}
	c := &pass{pool: newPool(2)}
	want := net.forward(c, xt, net.Steps*b)
	r := m.newRunner()
	k := net.Out.Size()
	for i := 0; i < b; i++ {
		r.predict(x[i*sz:(i+1)*sz], 0, i)
		for j := 0; j < k; j++ {
			gj := j
			if net.Out.W == 1 && net.Out.H > 1 { // a graph tensor: feature-major in the net, node-major in the graph
				gj = (j%net.Out.H)*net.Out.C + j/net.Out.H
			}
			got := float64(r.acc[gj]) / float64(net.Steps)
			w := float64(want[i*k+j])
			if math.Abs(got-w) > tol*(1+math.Abs(w)) {
				t.Fatalf("sample %d output %d: graph %.6g, net %.6g", i, j, got, w)
			}
		}
	}
}

func TestExportFoldsBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	net := &Net{In: Shape{9, 9, 2}, Steps: 1, Layers: []Layer{
		NewConv2d(4, 3, 1, 1, true), NewBatchNorm(), NewPool2d(AvgPool, 2),
		&Conv2d{Cout: 5, KH: 2, KW: 2, Stride: 1, Pad: 0}, NewBatchNorm(), NewPool2d(MaxPool, 3),
		&Flatten{}, NewLinear(7, false), NewBatchNorm(), NewLinear(3, true),
	}}
	if err := net.Init(rng); err != nil {
		t.Fatal(err)
	}
	exportMatches(t, net, 1e-4)
}

func TestExportSpikingNets(t *testing.T) {
	for _, arch := range Archs() {
		t.Run(arch, func(t *testing.T) {
			cfg := ArchConfig{D: 4, Steps: 1}
			in := Shape{12, 12, 1}
			if arch == ArchLIFConvNet || IsGraphArch(arch) {
				cfg.Steps = 3
			}
			if IsGraphArch(arch) {
				g, err := graphArchs[arch]()
				if err != nil {
					t.Fatal(err)
				}
				in = Shape{g.Nodes, 3, 1}
			}
			net, err := Build(arch, in, 5, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := net.Init(rand.New(rand.NewPCG(2, 2))); err != nil {
				t.Fatal(err)
			}
			exportMatches(t, net, 1e-3)
		})
	}
}

func TestExportResidual(t *testing.T) {
	net := &Net{In: Shape{6, 6, 2}, Steps: 1, Layers: []Layer{
		NewConv2d(3, 3, 1, 1, false), NewBatchNorm(), &MultiSpike{D: 2, Round: HalfUp},
		&Residual{Body: []Layer{NewConv2d(3, 3, 1, 1, false), NewBatchNorm()}},
		&MultiSpike{D: 2}, NewPool2d(AvgPool, 2), &Flatten{}, NewLinear(4, true),
	}}
	if err := net.Init(rand.New(rand.NewPCG(3, 3))); err != nil {
		t.Fatal(err)
	}
	g, err := net.Export(EncodingDirect)
	if err != nil {
		t.Fatal(err)
	}
	var adds int
	for _, n := range g.Nodes() {
		if n.Op == models.OpAdd {
			adds++
		}
	}
	if adds != 1 {
		t.Fatalf("%d Add nodes, want 1", adds)
	}
	exportMatches(t, net, 1e-3)
}

// The evaluator refuses what it cannot run, with an error.
func TestNewModelErrors(t *testing.T) {
	g := models.NewGraph()
	g.Add("in", models.OpInput).SetInts("shape", 4)
	g.Add("cubalif", models.OpCubaLIF).
		SetF32("tau_syn", models.Shape{4}, []float32{1, 1, 1, 1}).
		SetF32("tau_mem", models.Shape{4}, []float32{1, 1, 1, 1}).
		SetF32("r", models.Shape{4}, []float32{1, 1, 1, 1}).
		SetF32("v_leak", models.Shape{4}, make([]float32, 4)).
		SetF32("v_threshold", models.Shape{4}, []float32{1, 1, 1, 1})
	g.Add("out", models.OpOutput)
	g.Chain("in", "cubalif", "out")
	if _, err := NewModel(g); err == nil {
		t.Error("CubaLIF graph accepted")
	}
	bad := models.NewGraph()
	bad.Add("in", models.OpInput)
	if _, err := NewModel(bad); err == nil {
		t.Error("invalid graph accepted")
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{
		{Arch: "nope"}, {Epochs: -1}, {Rounding: "up"}, {Encoding: "morse"}, {Noise: -1},
		{Shift: 20}, {Resume: true}, {Optim: OptimConfig{Kind: "lbfgs"}},
		{Optim: OptimConfig{Schedule: SchedStep}}, {Optim: OptimConfig{LR: math.NaN()}},
	} {
		o = o.Defaults()
		if err := o.validate(); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}
