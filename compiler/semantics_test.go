package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/neuron"
)

// TestFireIsMultiSpike: with an odd threshold, the integer rule equals the
// neuron package's MultiSpike on acc/θ under both rounding modes, for every acc.
func TestFireIsMultiSpike(t *testing.T) {
	for _, theta := range []int32{1, 3, 7, 255, 2065, 8745} {
		for _, d := range []int{1, 4, 16} {
			l := Layer{Kind: LayerSpike, D: d, Threshold: []int32{theta}}
			for _, mode := range []neuron.RoundMode{neuron.HalfEven, neuron.HalfUp} {
				ms, err := neuron.NewMultiSpike(d, mode)
				if err != nil {
					t.Fatal(err)
				}
				for acc := -3 * int64(theta); acc <= int64(d+2)*int64(theta); acc++ {
					if got, want := l.Fire(0, acc), ms.Fire(float64(acc)/float64(theta)); got != want {
						t.Fatalf("θ=%d D=%d %v acc=%d: Fire %d, MultiSpike %d", theta, d, mode, acc, got, want)
					}
				}
			}
		}
	}
}

// TestFireIsIF: an IF neuron started at acc + (θ−1)/2 with threshold θ and
// subtractive reset fires Fire(acc) times in D sub-steps (the loihi lowering).
func TestFireIsIF(t *testing.T) {
	for _, theta := range []int32{1, 3, 255, 2065} {
		d := 4
		l := Layer{Kind: LayerSpike, D: d, Threshold: []int32{theta}}
		m, err := neuron.NewIF(neuron.IFParams{R: 1, DT: 1, VThreshold: float64(theta), Reset: neuron.ResetSubtract, Compare: neuron.AtOrAbove})
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Fixed(neuron.Precision{FracBits: 0, CoefBits: 16})
		if err != nil {
			t.Fatal(err)
		}
		st := f.NewState(1)
		in := []int32{0}
		out := []bool{false}
		for acc := -2 * int64(theta); acc <= int64(d+2)*int64(theta); acc++ {
			st.V[0] = 0
			n := int32(0)
			for k := 0; k < d; k++ {
				in[0] = 0
				if k == 0 {
					in[0] = int32(acc) + (theta-1)/2
				}
				f.Step(st, in, out)
				if out[0] {
					n++
				}
			}
			if want := l.Fire(0, acc); n != want {
				t.Fatalf("θ=%d acc=%d: IF fired %d, Fire %d", theta, acc, n, want)
			}
		}
	}
}

// floatModel evaluates the test graphs in float64 with the graph's own
// semantics (MultiSpike half-even, pools, dense on the flattened input).
func floatModel(g *models.Graph, px []uint8) (map[string][]float64, []float64) {
	return floatStep(g, px, nil, 1/255.0, nil)
}

// floatSteps runs the float model over the given input frames (0/1 spikes for
// Poisson) with LIF membranes kept across steps, and returns the Output summed
// over the steps and each node's outputs summed over the steps.
func floatSteps(g *models.Graph, frames [][]uint8) (map[string][]float64, []float64) {
	state := map[string][]float64{}
	sum := map[string][]float64{}
	var out []float64
	for _, f := range frames {
		val, o := floatStep(g, f, state, 1, nil)
		for k, v := range val {
			if sum[k] == nil {
				sum[k] = make([]float64, len(v))
			}
			for i := range v {
				sum[k][i] += v[i]
			}
		}
		if out == nil {
			out = make([]float64, len(o))
		}
		for i := range o {
			out[i] += o[i]
		}
	}
	return sum, out
}

// floatStep evaluates one step. A node listed in force passes force[id]
// downstream instead of its own output (teacher forcing), while the returned
// map holds what the node computed.
func floatStep(g *models.Graph, px []uint8, state map[string][]float64, inScale float64, force map[string][]float64) (map[string][]float64, []float64) {
	order, _ := g.TopoOrder()
	shapes, _ := models.InferShapes(g, nil)
	val := map[string][]float64{}
	computed := map[string][]float64{}
	defer func() {
		for k, v := range computed {
			val[k] = v
		}
	}()
	for _, n := range order {
		var x []float64
		if p := g.Predecessors(n.ID); len(p) > 0 {
			x = val[p[0]]
		}
		var in models.Shape
		if p := g.Predecessors(n.ID); len(p) > 0 {
			in = shapes[p[0]]
		}
		out := shapes[n.ID]
		switch n.Op {
		case models.OpInput:
			y := make([]float64, len(px))
			for i, p := range px {
				y[i] = float64(p) * inScale
			}
			val[n.ID] = y
		case models.OpLIF:
			tau, r, vth := float64(n.Tensor("tau").F32[0]), float64(n.Tensor("r").F32[0]), float64(n.Tensor("v_threshold").F32[0])
			v := state[n.ID]
			if v == nil {
				v = make([]float64, len(x))
				state[n.ID] = v
			}
			y := make([]float64, len(x))
			for i := range x {
				h := (1-1/tau)*v[i] + r/tau*x[i]
				if h >= vth {
					y[i], h = 1, 0
				}
				v[i] = h
			}
			val[n.ID] = y
		case models.OpConv2d:
			w, b := n.Tensor("weight"), n.Tensor("bias").F32
			pad := n.Ints("padding")[0]
			co, ci, k := w.Shape[0], w.Shape[1], w.Shape[2]
			y := make([]float64, out.Numel())
			for o := 0; o < co; o++ {
				for oy := 0; oy < out[1]; oy++ {
					for ox := 0; ox < out[2]; ox++ {
						s := float64(b[o])
						for c := 0; c < ci; c++ {
							for ky := 0; ky < k; ky++ {
								for kx := 0; kx < k; kx++ {
									iy, ix := oy-pad+ky, ox-pad+kx
									if iy >= 0 && iy < in[1] && ix >= 0 && ix < in[2] {
										s += float64(w.F32[((o*ci+c)*k+ky)*k+kx]) * x[(c*in[1]+iy)*in[2]+ix]
									}
								}
							}
						}
						y[(o*out[1]+oy)*out[2]+ox] = s
					}
				}
			}
			val[n.ID] = y
		case models.OpAffine:
			w, b := n.Tensor("weight"), n.Tensor("bias").F32
			y := make([]float64, w.Shape[0])
			for o := range y {
				s := float64(b[o])
				for i := range x {
					s += float64(w.F32[o*len(x)+i]) * x[i]
				}
				y[o] = s
			}
			val[n.ID] = y
		case models.OpMultiSpike:
			d := float64(n.Int("D", 4))
			y := make([]float64, len(x))
			for i, v := range x {
				y[i] = math.RoundToEven(math.Min(math.Max(v, 0), d)) / n.Float("norm", d)
			}
			val[n.ID] = y
		case models.OpSumPool2d, models.OpAvgPool2d:
			k := n.Ints("kernel_size")[0]
			y := make([]float64, out.Numel())
			for c := 0; c < out[0]; c++ {
				for oy := 0; oy < out[1]; oy++ {
					for ox := 0; ox < out[2]; ox++ {
						s := 0.0
						for ky := 0; ky < k; ky++ {
							for kx := 0; kx < k; kx++ {
								s += x[(c*in[1]+oy*k+ky)*in[2]+ox*k+kx]
							}
						}
						if n.Op == models.OpAvgPool2d {
							s /= float64(k * k)
						}
						y[(c*out[1]+oy)*out[2]+ox] = s
					}
				}
			}
			val[n.ID] = y
		case models.OpAdd:
			y := make([]float64, len(x))
			for _, pid := range g.Predecessors(n.ID) {
				for i, v := range val[pid] {
					y[i] += v
				}
			}
			val[n.ID] = y
		default:
			val[n.ID] = x
		}
		if f, ok := force[n.ID]; ok {
			computed[n.ID] = val[n.ID]
			val[n.ID] = f
		}
	}
	return val, val["output"]
}

func argmax(v []float64) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

// TestSimulateMatchesFloatModel: the quantised integer program agrees with the
// float graph up to quantisation: spike counts differ by at most one and
// rarely, scores are close and the classes mostly agree.
func TestSimulateMatchesFloatModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g := convNet(rng, 8, 16, 32, 10)
	p, err := Compile(g, mustPreset("default"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	agree, same, total := 0, 0, 0
	maxScoreErr := 0.0
	for i := 0; i < n; i++ {
		px := randImage(rng, 784)
		vals, scores := floatModel(g, px)
		res, err := sim.Run(px)
		if err != nil {
			t.Fatal(err)
		}
		for li, l := range p.Layers {
			if l.Kind != LayerSpike {
				continue
			}
			fv := vals[l.Node]
			for j, c := range res.Counts[li] {
				total++
				diff := math.Abs(float64(c) - fv[j])
				if diff == 0 {
					same++
				} else if diff > 1 {
					t.Fatalf("layer %s neuron %d: integer %d vs float %g", l.Name, j, c, fv[j])
				}
			}
		}
		best := argmax(scores)
		margin := math.Inf(1)
		for j, v := range scores {
			if j != best {
				margin = math.Min(margin, scores[best]-v)
			}
		}
		if res.Class == best {
			agree++
		} else if margin > 1 {
			t.Errorf("image %d: integer class %d, float class %d with margin %.3g", i, res.Class, best, margin)
		}
		for j, s := range res.Scores {
			maxScoreErr = math.Max(maxScoreErr, math.Abs(float64(s)*res.Scale-scores[j]))
		}
	}
	frac := float64(same) / float64(total)
	t.Logf("counts identical %.4f, classes agree %d/%d, max score error %.3g", frac, agree, n, maxScoreErr)
	if frac < 0.97 {
		t.Errorf("only %.3f of spike counts match the float model", frac)
	}
	if agree < n*3/4 {
		t.Errorf("classes agree on %d/%d", agree, n)
	}
}

// execCores runs p event by event through its cores, fan-outs and synapse
// tables (scatter form, as a chip does) with the step and phase schedule, one
// input frame per step, and returns every layer's accumulators (last step;
// summed over steps for the readout) and spike counts (summed over steps).
func execCores(p *Program, frames [][]uint8) ([][]int64, [][]int32) {
	if err := p.Expand(); err != nil {
		panic(err)
	}
	nc := len(p.Cores)
	acc, v, cnt, tot := make([][]int64, nc), make([][]int64, nc), make([][]int32, nc), make([][]int32, nc)
	readout := make([][]int64, nc)
	for i := range p.Cores {
		n := p.Cores[i].Neurons()
		acc[i], v[i], cnt[i], tot[i], readout[i] = make([]int64, n), make([]int64, n), make([]int32, n), make([]int32, n), make([]int64, n)
	}
	var buf []Synapse
	deliver := func(d Dest, x int64) {
		c := &p.Cores[d.Core]
		buf = p.Synapses(buf[:0], c, int(d.Axon))
		for _, s := range buf {
			acc[d.Core][s.Neuron] += int64(s.Weight) * x
		}
	}
	for _, frame := range frames {
		for i := range p.Cores {
			c := &p.Cores[i]
			for n := range acc[i] {
				acc[i][n] = int64(p.Layers[c.Layer].Bias[c.Channel(n)])
			}
		}
		for i, x := range frame { // phase 0: input events
			if x == 0 {
				continue
			}
			for _, d := range p.InputFan[p.InputStart[i]:p.InputStart[i+1]] {
				deliver(d, int64(x))
			}
		}
		for _, ph := range p.Schedule {
			for _, li := range ph.Layers { // each layer decides its output from the step's input
				l := &p.Layers[li]
				for _, ci := range l.Cores {
					c := &p.Cores[ci]
					for n := range acc[ci] {
						switch l.Kind {
						case LayerReadout:
						case LayerLIF:
							var fired bool
							v[ci][n], fired = l.Integrate(c.Channel(n), v[ci][n], acc[ci][n])
							cnt[ci][n] = 0
							if fired {
								cnt[ci][n] = 1
							}
						default:
							cnt[ci][n] = l.Fire(c.Channel(n), acc[ci][n])
						}
						tot[ci][n] += cnt[ci][n]
					}
				}
			}
			for sub := 0; sub < ph.SubSteps; sub++ {
				for _, li := range ph.Layers {
					if p.Layers[li].Kind == LayerReadout {
						continue
					}
					for _, ci := range p.Layers[li].Cores {
						c := &p.Cores[ci]
						for n := range cnt[ci] {
							if int32(sub) < cnt[ci][n] { // thermometer: spikes first
								for _, d := range c.Fan[c.FanStart[n]:c.FanStart[n+1]] {
									deliver(d, 1)
								}
							}
						}
					}
				}
			}
		}
		for i := range p.Cores {
			for n, a := range acc[i] {
				readout[i][n] += a
			}
		}
	}
	la := make([][]int64, len(p.Layers))
	lc := make([][]int32, len(p.Layers))
	for li := range p.Layers {
		la[li] = make([]int64, p.Layers[li].Size())
		lc[li] = make([]int32, p.Layers[li].Size())
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		for n := range acc[i] {
			g := p.GlobalNeuron(c, n)
			la[c.Layer][g] = acc[i][n]
			if p.Layers[c.Layer].Kind == LayerReadout {
				la[c.Layer][g] = readout[i][n]
			}
			lc[c.Layer][g] = tot[i][n]
		}
	}
	return la, lc
}

// TestCoresReproduceSimulator: executing the partitioned, routed program core by
// core, spike by spike, gives exactly Simulator's accumulators and counts.
func TestCoresReproduceSimulator(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g := convNet(rng, 8, 16, 32, 10)
	multi := mustPreset("default")
	multi.Chip.Width, multi.Chip.Height = 4, 4
	multi.Board.ChipsX, multi.Board.ChipsY = 2, 2
	multi.Cores["digital"] = func() (k archCore) { k = multi.Cores["digital"]; k.Neurons = 256; return }()
	for _, tc := range []struct {
		name string
		spec *archSpec
	}{{"default", mustPreset("default")}, {"loihi", mustPreset("loihi")}, {"2x2-chips", multi}} {
		spec := tc.spec
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(g, spec, Options{Seed: 7, Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			sim, _ := NewSimulator(p)
			for i := 0; i < 3; i++ {
				px := randImage(rng, 784)
				res, _ := sim.Run(px)
				la, lc := execCores(p, [][]uint8{px})
				for li, l := range p.Layers {
					for j := range la[li] {
						if la[li][j] != res.Acc[li][j] {
							t.Fatalf("layer %s neuron %d: cores acc %d, simulator %d", l.Name, j, la[li][j], res.Acc[li][j])
						}
						if l.Kind != LayerReadout && lc[li][j] != res.Counts[li][j] {
							t.Fatalf("layer %s neuron %d: count differs", l.Name, j)
						}
					}
				}
			}
		})
	}
}

// TestConvScatterMatchesGather: the simulator's input-stationary convolution
// equals the plain output-stationary loop, with strides, padding and groups.
func TestConvScatterMatchesGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, c := range []struct{ cin, cout, h, k, stride, pad, groups int }{
		{1, 8, 9, 3, 1, 1, 1}, {4, 6, 8, 3, 2, 1, 2}, {6, 6, 7, 2, 2, 0, 6}, {3, 5, 6, 1, 1, 0, 1}, {2, 4, 10, 5, 3, 2, 2},
	} {
		pr := &Projection{Kind: ProjConv, InShape: []int{c.cin, c.h, c.h}, Cout: c.cout, KH: c.k, KW: c.k, Stride: c.stride, Pad: c.pad, Groups: c.groups}
		pr.Weights = make([]int32, pr.weightLen())
		for i := range pr.Weights {
			pr.Weights[i] = int32(rng.IntN(255) - 127)
		}
		x := make([]int32, c.cin*c.h*c.h)
		for i := range x {
			x[i] = int32(rng.IntN(5))
		}
		oh := (c.h+2*c.pad-c.k)/c.stride + 1
		out := []int{c.cout, oh, oh}
		a, b := make([]int64, c.cout*oh*oh), make([]int64, c.cout*oh*oh)
		conv(a, pr, x, out)
		wt := transposeConv(pr)
		convScatter(b, pr, wt, x, out, make([]int64, len(b)))
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%+v: output %d gather %d scatter %d", c, i, a[i], b[i])
			}
		}
	}
}

// TestSynapsesFastMatchesWide: the per-axon expansion with precomputed kernel
// rows and columns equals the plain loop, for strided, padded, grouped kernels
// and regions cut out of the middle of a layer.
func TestSynapsesFastMatchesWide(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct{ cin, cout, h, k, stride, pad, groups int }{
		{1, 8, 9, 3, 1, 1, 1}, {4, 6, 8, 3, 2, 1, 2}, {6, 6, 7, 2, 2, 0, 6}, {2, 4, 10, 5, 3, 2, 2},
	} {
		pr := Projection{Source: -1, Kind: ProjConv, InShape: []int{c.cin, c.h, c.h}, Cout: c.cout, KH: c.k, KW: c.k, Stride: c.stride, Pad: c.pad, Groups: c.groups}
		pr.Weights = make([]int32, pr.weightLen())
		for i := range pr.Weights {
			pr.Weights[i] = int32(rng.IntN(7) - 3)
		}
		oh := (c.h+2*c.pad-c.k)/c.stride + 1
		l := Layer{Shape: []int{c.cout, oh, oh}, Inputs: []Projection{pr}}
		p := &Program{Input: Input{Shape: pr.InShape}, Layers: []Layer{l}}
		r := Region{C0: c.cout / 3, C1: c.cout, Y0: oh / 4, Y1: oh - oh/4, X0: 1, X1: oh}
		core := &Core{Layer: 0, Region: r, Axons: axonList(&l, r)}
		for a := range core.Axons {
			fast := p.Synapses(nil, core, a)
			ax := core.Axons[a]
			n := int(ax.Neuron)
			wide := synapsesWide(nil, &pr, r, n/(c.h*c.h), (n/c.h)%c.h, n%c.h)
			if len(fast) != len(wide) {
				t.Fatalf("%+v axon %d: %d vs %d synapses", c, a, len(fast), len(wide))
			}
			for i := range fast {
				if fast[i] != wide[i] {
					t.Fatalf("%+v axon %d: synapse %d %v vs %v", c, a, i, fast[i], wide[i])
				}
			}
		}
	}
}

func TestSynapseTable(t *testing.T) {
	p, err := Compile(tinyNet(), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		start, syn := p.SynapseTable(c)
		if len(start) != c.NumAxons+1 {
			t.Fatalf("core %d: %d offsets for %d axons", i, len(start), c.NumAxons)
		}
		for a := range c.NumAxons {
			want := p.Synapses(nil, c, a)
			got := syn[start[a]:start[a+1]]
			if len(got) != len(want) {
				t.Fatalf("core %d axon %d: %d synapses, want %d", i, a, len(got), len(want))
			}
			for k := range got {
				if got[k] != want[k] || got[k].Neuron < 0 || int(got[k].Neuron) >= c.Neurons() {
					t.Fatalf("core %d axon %d synapse %d: %v, want %v", i, a, k, got[k], want[k])
				}
			}
		}
	}
}

// TestDenseTransposedMatchesPlain: the simulator's dense product over the
// transposed weights equals the plain [output][input] loop.
func TestDenseTransposedMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct{ in, out int }{{1, 1}, {7, 3}, {64, 10}, {33, 129}} {
		w := make([]int32, c.in*c.out)
		for i := range w {
			w[i] = int32(rng.IntN(255) - 127)
		}
		x := make([]int32, c.in)
		for i := range x {
			x[i] = int32(rng.IntN(4))
		}
		want := make([]int64, c.out)
		for o := range want {
			want[o] = int64(o) // dense adds to what is there
			for i, v := range x {
				want[o] += int64(w[o*c.in+i]) * int64(v)
			}
		}
		got := make([]int64, c.out)
		for o := range got {
			got[o] = int64(o)
		}
		dense(got, transposeDense(w, c.out), x)
		for o := range got {
			if got[o] != want[o] {
				t.Fatalf("%+v: output %d: %d, want %d", c, o, got[o], want[o])
			}
		}
	}
}
