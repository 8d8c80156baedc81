package neuron_test

import (
	"fmt"

	"github.com/neurosim/neurosim/neuron"
)

// The NIR paper's LIF neuron, stepped with forward Euler as Norse does.
func ExampleLIF() {
	m, err := neuron.NewLIF(neuron.LIFParams{Tau: 0.0025, R: 1, VThreshold: 0.1, DT: 1e-4, Integration: neuron.Euler})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := m.NewState(1)
	out := make([]bool, 1)
	for step := 0; step < 4; step++ {
		m.Step(s, []float64{1}, out)
		fmt.Printf("t=%.1f ms v=%.4f spike=%v\n", float64(step+1)*0.1, s.V[0], out[0])
	}
	// Output:
	// t=0.1 ms v=0.0400 spike=false
	// t=0.2 ms v=0.0784 spike=false
	// t=0.3 ms v=0.0000 spike=true
	// t=0.4 ms v=0.0400 spike=false
}

// The fixed-point twin of an LIF, with its declared error bound.
func ExampleLIF_Fixed() {
	m, _ := neuron.NewLIF(neuron.LIFParams{Tau: 0.0025, R: 1, VThreshold: 0.1, DT: 1e-4})
	f, err := m.Fixed(neuron.DefaultPrecision)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := neuron.DefaultPrecision
	s := f.NewState(1)
	out := make([]bool, 1)
	f.Step(s, []int32{p.Quantize(1)}, out)
	fmt.Printf("v=%.5f bound=%.1e\n", p.Dequantize(s.V[0]), f.ErrorBound(0.2, 1))
	// Output:
	// v=0.03922 bound=4.9e-04
}

func ExampleNewIF() {
	m, _ := neuron.NewIF(neuron.IFParams{R: 1, DT: 1, VThreshold: 2, Reset: neuron.ResetSubtract})
	s := m.NewState(1)
	out := make([]bool, 1)
	for _, x := range []float64{1, 1.5, 0.5} {
		m.Step(s, []float64{x}, out)
		fmt.Println(s.V[0], out[0])
	}
	// Output:
	// 1 false
	// 0.5 true
	// 1 false
}

func ExampleNewCubaLIF() {
	m, _ := neuron.NewCubaLIF(neuron.CubaLIFParams{TauSyn: 0.005, TauMem: 0.01, R: 1, WIn: 1, VThreshold: 1, DT: 1e-3})
	s := m.NewState(1)
	out := make([]bool, 1)
	m.Step(s, []float64{10}, out)
	fmt.Printf("I=%.4f v=%.4f\n", s.I[0], s.V[0])
	m.Step(s, []float64{0}, out)
	fmt.Printf("I=%.4f v=%.4f\n", s.I[0], s.V[0])
	// Output:
	// I=1.8127 v=0.0906
	// I=1.4841 v=0.2380
}

func ExampleMultiSpike() {
	base, _ := neuron.NewMultiSpike(4, neuron.HalfEven)
	large, _ := neuron.NewMultiSpike(4, neuron.HalfUp)
	for _, x := range []float64{-1, 0.5, 2.5, 3.7, 9} {
		fmt.Println(x, base.Fire(x), large.Fire(x))
	}
	// Output:
	// -1 0 0
	// 0.5 0 1
	// 2.5 2 3
	// 3.7 4 4
	// 9 4 4
}

func ExampleExpandThermometer() {
	counts := []int32{0, 1, 3, 4}
	sub := make([]bool, len(counts))
	for k := 0; k < 4; k++ {
		neuron.ExpandThermometer(sub, counts, k)
		fmt.Println(k, sub)
	}
	// Output:
	// 0 [false true true true]
	// 1 [false false true true]
	// 2 [false false true true]
	// 3 [false false false true]
}

func ExampleNewQIF() {
	m, _ := neuron.NewQIF(neuron.QIFParams{D: 4, VThreshold: 1})
	s := m.NewState(1)
	out := make([]int32, 1)
	for _, x := range []float64{0.3, 1.4, 5} {
		m.Step(s, []float64{x}, out)
		fmt.Printf("S=%d V=%.1f\n", out[0], s.V[0])
	}
	// Output:
	// S=0 V=0.3
	// S=2 V=-0.3
	// S=4 V=0.7
}

func ExampleILIF() {
	m, _ := neuron.NewILIF(neuron.DefaultILIF)
	s := m.NewState(1)
	out := make([]int32, 1)
	for _, x := range []float64{2.5, 1, 6} {
		m.Step(s, []float64{x}, out)
		fmt.Println(s.Mem[0], out[0])
	}
	// Output:
	// 2.5 2
	// 1.125 1
	// 6.03125 4
}

func ExamplePrimeLIF() {
	m, _ := neuron.NewPrimeLIF(neuron.DefaultPrimeLIF)
	s := m.NewState(1)
	out := make([]bool, 1)
	for _, x := range []float64{0.1, 0.18, 0.1} {
		m.Step(s, []float64{x}, out)
		fmt.Printf("u=%.3f o=%v\n", s.U[0], out[0])
	}
	// Output:
	// u=0.100 o=false
	// u=0.205 o=true
	// u=0.100 o=false
}

func ExampleCUBA() {
	m, _ := neuron.NewCUBA(neuron.DefaultCUBA)
	s := m.NewState(2)
	s.V[0], s.V[1] = -50.1, -55
	inE := []float32{1.62 * 20, 0}
	inI := []float32{0, -9}
	out := make([]bool, 2)
	n := m.Step(s, inE, inI, out)
	fmt.Printf("spikes=%d out=%v v=[%.2f %.2f] refractory=%d steps\n", n, out, s.V[0], s.V[1], m.RefractorySteps())
	// Output:
	// spikes=1 out=[true false] v=[-60.00 -55.01] refractory=50 steps
}

func ExampleParse() {
	k, err := neuron.Parse("prime-lif")
	fmt.Println(k, err, k.IntegerSpikes())
	_, err = neuron.Parse("hh")
	fmt.Println(err)
	// Output:
	// prime-lif <nil> false
	// neuron: unknown neuron model "hh" (known: if, lif, cubalif, multispike, ilif, prime-lif, cuba)
}
