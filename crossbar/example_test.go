package crossbar_test

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/crossbar"
)

// A 4-input, 2-output macro of differential pairs, read with spikes on
// rows 0, 2 and 3: the ideal device returns the integer sums exactly, and
// the counts price the read with PRIME's energy table.
func ExampleCrossbar_MulSpikes() {
	m := arch.Macro{
		Rows: 4, Cols: 4, CellsPerWeight: 2, GOnUS: 100, GOffUS: 1, Levels: 16,
		ADCBits: 0, ColsPerADC: 2, ReadLatencyNS: 10, VariationMode: "proportional", DriftT0S: 1,
	}
	x, err := crossbar.New(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	w := []int32{ // w[r*2+j]: input r to output j
		3, -1,
		5, 2,
		-7, 0,
		1, 1,
	}
	if err := x.Program(w, 1, nil); err != nil {
		fmt.Println(err)
		return
	}
	dst := make([]float32, x.Outputs())
	c := x.MulSpikes(dst, []int32{0, 2, 3}, 0, nil)
	fmt.Println("outputs:", dst)
	fmt.Printf("counts: %+v\n", c)
	s, _ := arch.Preset("prime-40nm")
	fmt.Printf("energy: %.4f pJ, latency: %g ns\n", c.EnergyPJ(s.Energy), x.LatencyNS(c))
	// Output:
	// outputs: [-3 0]
	// counts: {Reads:1 RowDrives:3 ADCConversions:4 CellReads:12}
	// energy: 6.4852 pJ, latency: 20 ns
}

// The prime-40nm macro with its preset non-idealities (1 % programming
// variation, 0.1 % stuck-at cells, 20 % multiplicative read noise, 8-bit
// ADC): the same read repeated differs from the integer model by a spread
// the caller can measure. Streams are passed in explicitly.
func ExampleNew() {
	s, _ := arch.Preset("prime-40nm")
	m := s.Cores["xbar"].Macro
	x, err := crossbar.New(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	prog, noise := newRNG(1), newRNG(2)
	w := randWeights(prog, x.Rows(), x.Outputs(), -x.MaxLevel(), x.MaxLevel())
	if err := x.Program(w, 1, prog); err != nil {
		fmt.Println(err)
		return
	}
	active := randActive(prog, x.Rows(), 0.1)
	want := naive(w, x.Outputs(), active)
	dst := make([]float32, x.Outputs())
	var se, n float64
	for range 20 {
		x.MulSpikes(dst, active, 1, noise)
		for j, v := range dst {
			d := float64(v) - float64(want[j])
			se += d * d
			n++
		}
	}
	on, off := x.FaultCounts()
	fmt.Printf("%d×%d cells, %d outputs, %d stuck cells\n", x.Rows(), x.Cols(), x.Outputs(), on+off)
	fmt.Printf("RMS error over 20 reads: about %.0f levels\n", math.Round(math.Sqrt(se/n)))
	// Output:
	// 512×512 cells, 256 outputs, 535 stuck cells
	// RMS error over 20 reads: about 15 levels
}

// Real, signed row drives: the positive rows are read first, the negative
// rows in a second read with inverted polarity, and the two results are
// subtracted, so the counts show two reads.
func ExampleCrossbar_MulVec() {
	m := arch.Macro{
		Rows: 3, Cols: 2, CellsPerWeight: 2, GOnUS: 100, GOffUS: 1, Levels: 16,
		ColsPerADC: 2, ReadLatencyNS: 10, VariationMode: "proportional", DriftT0S: 1,
	}
	x, _ := crossbar.New(m)
	if err := x.ProgramFloat([]float32{0.6, -0.32, 0.16}, nil); err != nil {
		fmt.Println(err)
		return
	}
	dst := make([]float32, 1)
	c := x.MulVec(dst, []float32{1, 0.5, -2}, 0, nil)
	fmt.Printf("scale %.2f, y = %.2f (0.6·1 − 0.32·0.5 + 0.16·(−2)), %d reads, %.0f ns\n", x.Scale(), dst[0], c.Reads, x.LatencyNS(c))
	// Output:
	// scale 0.04, y = 0.12 (0.6·1 − 0.32·0.5 + 0.16·(−2)), 2 reads, 20 ns
}

// Drift shrinks every conductance as (t/t0)^−ν after t0; the ideal read
// shows it directly in the output.
func ExampleCrossbar_DriftFactor() {
	m := arch.Macro{
		Rows: 1, Cols: 2, CellsPerWeight: 2, GOnUS: 25, GOffUS: 0.1, Levels: 11,
		ColsPerADC: 1, ReadLatencyNS: 250, VariationMode: "proportional",
		DriftNu: 0.05, DriftT0S: 20, // PCM-like, after aihwkit's t0 = 20 s
	}
	x, _ := crossbar.New(m)
	_ = x.Program([]int32{10}, 1, nil)
	dst := make([]float32, 1)
	for _, t := range []float64{1, 20, 3600, 86400} {
		x.MulSpikes(dst, []int32{0}, t, nil)
		fmt.Printf("t = %6.0f s: factor %.3f, y = %.2f\n", t, x.DriftFactor(t), dst[0])
	}
	// Output:
	// t =      1 s: factor 1.000, y = 10.00
	// t =     20 s: factor 1.000, y = 10.00
	// t =   3600 s: factor 0.771, y = 7.71
	// t =  86400 s: factor 0.658, y = 6.58
}
