package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
)

// vggNet builds a synthetic VGG-style spiking conv network on a 3×32×32 input:
// 3×3 convs (64, 128 | pool | 256, 256 | pool | 512 ×4 | pool | pool) each
// followed by a MultiSpike, then a dense classifier 2048 → classes. About 10.0 M
// parameters at 400 classes.
func vggNet(rng *rand.Rand, classes int) *models.Graph {
	g := models.NewGraph()
	g.Add("input", models.OpInput).SetInts("shape", 3, 32, 32)
	prev, cin, hw := "input", 3, 32
	id := 0
	for _, c := range []int{64, 128, -1, 256, 256, -1, 512, 512, 512, 512, -1, -1} {
		id++
		if c < 0 {
			name := "pool" + string(rune('0'+id/10)) + string(rune('0'+id%10))
			g.Add(name, models.OpSumPool2d).SetInts("kernel_size", 2)
			g.Connect(prev, name)
			prev, hw = name, hw/2
			continue
		}
		conv, sp := "conv"+string(rune('0'+id/10))+string(rune('0'+id%10)), "spike"+string(rune('0'+id/10))+string(rune('0'+id%10))
		w := make([]float32, c*cin*9)
		for i := range w {
			w[i] = float32(rng.NormFloat64() / math.Sqrt(float64(cin*9)))
		}
		g.Add(conv, models.OpConv2d).SetF32("weight", models.Shape{c, cin, 3, 3}, w).SetF32("bias", models.Shape{c}, make([]float32, c)).SetInts("padding", 1)
		g.Add(sp, models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 4)
		g.Chain(prev, conv, sp)
		prev, cin = sp, c
	}
	g.Add("flat", models.OpFlatten)
	nf := cin * hw * hw
	w := make([]float32, classes*nf)
	for i := range w {
		w[i] = float32(rng.NormFloat64() / math.Sqrt(float64(nf)))
	}
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{classes, nf}, w).SetF32("bias", models.Shape{classes}, make([]float32, classes))
	g.Add("output", models.OpOutput)
	g.Chain(prev, "flat", "fc", "output")
	return g
}

// bigBoard is the default chip with larger cores (16,384 axons and 1 MiB of
// synapse memory, so a 512-channel 3×3 conv's fan-in of 4,608 fits) on a 4×4
// board of 16×16-tile chips (4,096 cores).
func bigBoard() *arch.Spec {
	s := mustPreset("default")
	s.Chip.Width, s.Chip.Height = 16, 16
	s.Board.ChipsX, s.Board.ChipsY = 4, 4
	k := s.Cores["digital"]
	k.Axons, k.SynapseMemoryBytes = 16384, 1<<20
	s.Cores["digital"] = k
	return s
}

func TestVGGSize(t *testing.T) {
	if n := models.ParamCount(vggNet(rand.New(rand.NewPCG(1, 1)), 400)); n < 9_500_000 || n > 10_500_000 {
		t.Fatalf("synthetic network has %d parameters, want ≈ 10 M", n)
	}
}

// BenchmarkCompile10M compiles the ≈10 M-parameter synthetic conv network onto a
// 4,096-core board. Run: go test -run=^$ -bench=Compile10M -benchmem ./compiler
func BenchmarkCompile10M(b *testing.B) {
	g := vggNet(rand.New(rand.NewPCG(1, 1)), 400)
	spec := bigBoard()
	b.ReportAllocs()
	var p *Program
	for b.Loop() {
		var err error
		if p, err = Compile(g, spec, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Cores)), "cores")
	b.ReportMetric(float64(models.ParamCount(g))/1e6, "Mparams")
	b.ReportMetric(p.Report.Placement.Ratio, "place/rowmajor")
}

// BenchmarkSimulate runs the functional reference on the default-shaped model.
func BenchmarkSimulate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	p, err := Compile(convNet(rng, 32, 64, 128, 10), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	s, _ := NewSimulator(p)
	px := randImage(rng, 784)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(px); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSynapses expands every axon of the default model's busiest conv core
// into (neuron, weight) pairs, as a chip core does per incoming spike.
func BenchmarkSynapses(b *testing.B) {
	p, err := Compile(convNet(rand.New(rand.NewPCG(1, 2)), 32, 64, 128, 10), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	c := &p.Cores[p.Layers[2].Cores[0]] // conv2
	dst := make([]Synapse, 0, 4096)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for a := range c.NumAxons {
			dst = p.Synapses(dst[:0], c, a)
			n += len(dst)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N)/float64(c.NumAxons), "synapses/axon")
}
