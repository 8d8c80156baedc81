package compiler

import (
	"fmt"
	"math/rand/v2"

	"github.com/neurosim/neurosim/internal/vec"
)

// Fire returns the spike count of a neuron of channel c of a spike or pool layer
// whose accumulator (bias included) is acc: clamp(floor((acc + (θ−1)/2)/θ), 0, D)
// with θ = Threshold[c].
func (l *Layer) Fire(c int, acc int64) int32 {
	th := int64(l.Threshold[c])
	num := acc + (th-1)/2
	if num < th {
		return 0 // silent (most neurons): no division
	}
	return int32(min(num/th, int64(l.D)))
}

// Integrate advances a LIF-layer neuron of channel c with membrane v by one step of
// input acc (bias included) and returns the new membrane and whether it spiked.
func (l *Layer) Integrate(c int, v, acc int64) (int64, bool) {
	lp := l.LIF
	v = acc + (lp.LeakA*v+int64(1)<<(lp.CoefBits-1))>>lp.CoefBits
	if v >= int64(lp.VTh[c]) {
		if lp.Subtract {
			return v - int64(lp.VTh[c]), true
		}
		return int64(lp.VReset[c]), true
	}
	return v, false
}

// EncodePoisson draws one step of the Poisson input: dst[i] = 1 with probability
// gain·pixels[i]/255, one rng.Float32 per element in order, as the trainer's
// reference does (float32 arithmetic). The chip's host and Simulator.RunPoisson
// use it, so both see the same spikes for the same rng.
func EncodePoisson(dst, pixels []uint8, gain float64, rng *rand.Rand) {
	g := float32(gain)
	for i, p := range pixels {
		dst[i] = 0
		if rng.Float32() < g*(float32(p)/255) {
			dst[i] = 1
		}
	}
}

// Result is the outcome of one functional inference.
type Result struct {
	// Scores are the readout layer's accumulators summed over the steps
	// (Output.Mode "membrane") or the output layer's spike counts summed over the
	// steps ("count"); the real score is Scores[i]·Scale.
	Scores []int64
	Scale  float64
	// Class is the index of the largest score (the first on ties).
	Class int
	// Counts holds every firing layer's spikes per neuron summed over the steps
	// (nil for the readout layer; a psum layer's partial sums), and Acc every layer's accumulators (bias
	// included) of the last step, or summed over the steps for the readout
	// layer. Both alias the Simulator's buffers and are valid until its next run.
	Counts [][]int32
	Acc    [][]int64
}

// Simulator runs a Program's integer model functionally: no time, no cores, no
// NoC. It is the reference the chip must reproduce bit for bit.
type Simulator struct {
	p      *Program
	in     []int32
	frame  []uint8
	counts [][]int32 // this step's counts
	total  [][]int32 // counts summed over steps
	acc    [][]int64
	v      [][]int64 // LIF and CubaLIF membranes
	rec    recState  // CubaLIF currents, previous-step counts (cubalif_sim.go)
	scores []int64
	// wt[layer][projection]: conv weights transposed to [ci_local][ky][kx][co_local]
	// and dense weights to [input][output], for the input-stationary loops.
	wt [][][]int32
	// cm is the scratch of convScatter: one layer's accumulators channel-minor.
	cm []int64
	// attn is the scratch of attend: one head's state.
	attn []int64
}

// NewSimulator checks p's layers and prepares buffers.
func NewSimulator(p *Program) (*Simulator, error) {
	if err := p.check(checkQuantized); err != nil {
		return nil, err
	}
	n := numel(p.Input.Shape)
	s := &Simulator{p: p, in: make([]int32, n), frame: make([]uint8, n)}
	for i := range p.Layers {
		l := &p.Layers[i]
		n := l.Size()
		s.acc = append(s.acc, make([]int64, n))
		if l.Kind == LayerReadout {
			s.counts, s.total = append(s.counts, nil), append(s.total, nil)
		} else {
			s.counts, s.total = append(s.counts, make([]int32, n)), append(s.total, make([]int32, n))
		}
		if l.Kind == LayerLIF || l.Kind == LayerCuba {
			s.v = append(s.v, make([]int64, n))
		} else {
			s.v = append(s.v, nil)
		}
	}
	s.scores = make([]int64, p.Layers[p.Output.Layer].Size())
	s.rec.init(p)
	for i := range p.Layers {
		if a := p.Layers[i].Attn; a != nil {
			s.attn = make([]int64, max(len(s.attn), a.DK*a.DV))
		}
	}
	s.wt = make([][][]int32, len(p.Layers))
	for li := range p.Layers {
		s.wt[li] = make([][]int32, len(p.Layers[li].Inputs))
		for j := range p.Layers[li].Inputs {
			pr := &p.Layers[li].Inputs[j]
			if pr.Kind == ProjDense {
				s.wt[li][j] = transposeDense(pr.Weights, p.Layers[li].Size())
				continue
			}
			if pr.Kind == ProjSparse || pr.Kind == ProjAttn {
				continue // already by source neuron; attention has no weight matrix
			}
			s.wt[li][j] = transposeConv(pr)
			s.cm = make([]int64, max(len(s.cm), p.Layers[li].Size()))
		}
	}
	return s, nil
}

// Simulate runs p once on pixels (row-major over p.Input.Shape) with direct
// encoding.
func Simulate(p *Program, pixels []uint8) (Result, error) {
	s, err := NewSimulator(p)
	if err != nil {
		return Result{}, err
	}
	return s.Run(pixels)
}

// Run evaluates a direct-encoded program on pixels, the same input in every
// step. It allocates nothing.
func (s *Simulator) Run(pixels []uint8) (Result, error) {
	if s.p.Input.Encoding != "direct" {
		return Result{}, fmt.Errorf("simulate: the program's input is %s-encoded; use RunPoisson or RunFrames", s.p.Input.Encoding)
	}
	return s.run(func(int) []uint8 { return pixels })
}

// RunPoisson evaluates a Poisson-encoded program: each step's input spikes are
// drawn from pixels with EncodePoisson and rng. It allocates nothing.
func (s *Simulator) RunPoisson(pixels []uint8, rng *rand.Rand) (Result, error) {
	if s.p.Input.Encoding != "poisson" || len(pixels) != len(s.frame) {
		return Result{}, fmt.Errorf("simulate: RunPoisson on a %s-encoded program with %d inputs (given %d)", s.p.Input.Encoding, len(s.frame), len(pixels))
	}
	return s.run(func(int) []uint8 {
		EncodePoisson(s.frame, pixels, s.p.Input.Gain, rng)
		return s.frame
	})
}

// RunFrames evaluates the program on the given input of every step
// (len(frames) = Steps): pixels for direct encoding, 0/1 spikes for Poisson,
// event counts (or 0/1) per pixel and polarity for events. It allocates
// nothing.
func (s *Simulator) RunFrames(frames [][]uint8) (Result, error) {
	if len(frames) != s.p.Steps {
		return Result{}, fmt.Errorf("simulate: %d input frames for %d steps", len(frames), s.p.Steps)
	}
	return s.run(func(t int) []uint8 { return frames[t] })
}

func (s *Simulator) run(frame func(t int) []uint8) (Result, error) {
	p := s.p
	for li := range p.Layers {
		if s.total[li] != nil {
			clear(s.total[li])
		}
		if s.v[li] != nil {
			clear(s.v[li])
		}
	}
	s.rec.reset()
	o := p.Output.Layer
	clear(s.scores)
	for t := 0; t < max(p.Steps, 1); t++ {
		pixels := frame(t)
		if len(pixels) != len(s.in) {
			return Result{}, fmt.Errorf("simulate: %d input values, the program takes %d (shape %v)", len(pixels), len(s.in), p.Input.Shape)
		}
		for i, v := range pixels {
			s.in[i] = int32(v)
		}
		s.step()
		s.rec.endStep(s.counts)
		if p.Output.Mode == "count" {
			for i, v := range s.counts[o] {
				s.scores[i] += int64(v)
			}
		} else {
			for i, v := range s.acc[o] {
				s.scores[i] += v
			}
		}
	}
	if p.Output.Mode != "count" {
		copy(s.acc[o], s.scores)
	}
	best := 0
	for i, v := range s.scores {
		if v > s.scores[best] {
			best = i
		}
	}
	return Result{Scores: s.scores, Scale: p.Layers[o].Scale, Class: best, Counts: s.total, Acc: s.acc}, nil
}

// step evaluates every layer once on s.in.
func (s *Simulator) step() {
	p := s.p
	for li := range p.Layers {
		l := &p.Layers[li]
		acc := s.acc[li]
		sh := chw(l.Shape)
		plane := sh[1] * sh[2]
		for c := 0; c < sh[0]; c++ {
			b := int64(l.Bias[c])
			for i := c * plane; i < (c+1)*plane; i++ {
				acc[i] = b
			}
		}
		if l.Kind == LayerAttention {
			in := l.Inputs
			attend(acc, l, s.counts[in[0].Source], s.counts[in[1].Source], s.counts[in[2].Source], s.attn)
		}
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			if pr.Kind == ProjAttn {
				continue
			}
			x := s.in
			if pr.Source >= 0 {
				x = s.counts[pr.Source]
			}
			if pr.Recurrent {
				x = s.rec.prev[pr.Source]
			}
			switch pr.Kind {
			case ProjDense:
				dense(acc, s.wt[li][j], x)
			case ProjSparse:
				sparseScatter(acc, pr, x)
			default:
				convScatter(acc, pr, s.wt[li][j], x, sh, s.cm)
			}
		}
		out, tot := s.counts[li], s.total[li]
		switch l.Kind {
		case LayerReadout:
		case LayerPsum:
			// the partial sum itself is the output (split.go); AccBound < 2^31
			for i, a := range acc {
				out[i] = int32(l.PsumValue(a))
				tot[i] += out[i]
			}
		case LayerCuba:
			s.rec.integrate(li, l, s.v[li], acc, out, tot)
		case LayerLIF:
			v := s.v[li]
			for c := 0; c < sh[0]; c++ {
				for i := c * plane; i < (c+1)*plane; i++ {
					var fired bool
					v[i], fired = l.Integrate(c, v[i], acc[i])
					out[i] = 0
					if fired {
						out[i] = 1
					}
					tot[i] += out[i]
				}
			}
		default:
			for c := 0; c < sh[0]; c++ {
				for i := c * plane; i < (c+1)*plane; i++ {
					out[i] = l.Fire(c, acc[i])
					tot[i] += out[i]
				}
			}
		}
	}
}

// dense adds the contribution of every nonzero input x[i] to every output:
// wt is the weight matrix transposed to [input][output] (transposeDense), so
// one input's weights are contiguous.
func dense(acc []int64, wt []int32, x []int32) {
	out := len(acc)
	for i, v := range x {
		if v == 0 {
			continue
		}
		vec.AddScaledInt32To64(acc, wt[i*out:][:out], int64(v))
	}
}

// transposeDense returns the [output][input] matrix w with out rows as
// [input][output].
func transposeDense(w []int32, out int) []int32 {
	in := len(w) / max(out, 1)
	wt := make([]int32, len(w))
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			wt[i*out+o] = w[o*in+i]
		}
	}
	return wt
}

// transposeConv returns pr's weights as [ci][ky][kx][co within the group].
func transposeConv(pr *Projection) []int32 {
	cinG, coutG, k := pr.InShape[0]/pr.Groups, pr.Cout/pr.Groups, pr.KH*pr.KW
	wt := make([]int32, len(pr.Weights))
	for co := 0; co < pr.Cout; co++ {
		g, col := co/coutG, co%coutG
		for cl := 0; cl < cinG; cl++ {
			for t := 0; t < k; t++ {
				wt[((g*cinG+cl)*k+t)*coutG+col] = pr.Weights[(co*cinG+cl)*k+t]
			}
		}
	}
	return wt
}

// convScatter adds the contribution of every nonzero input x[ci,iy,ix] to the
// outputs it reaches: input-stationary, so silent inputs cost nothing. It sums
// into cm (at least Cout·OH·OW long) channel-minor, so that the output channels
// one input reaches are contiguous, and adds cm into the channel-major acc at
// the end: the same integer sums.
func convScatter(acc []int64, pr *Projection, wt []int32, x []int32, out []int, cm []int64) {
	h, w := pr.InShape[1], pr.InShape[2]
	cinG, coutG := pr.InShape[0]/pr.Groups, pr.Cout/pr.Groups
	cout, oh, ow := out[0], out[1], out[2]
	plane := oh * ow
	cm = cm[:cout*plane]
	clear(cm)
	k := pr.KH * pr.KW
	for i, v := range x {
		if v == 0 {
			continue
		}
		xv := int64(v)
		ci, iy, ix := i/(h*w), (i/w)%h, i%w
		g := ci / cinG
		if pr.Stride == 1 {
			// the common case without divisions: output (iy+pad−ky, ix+pad−kx)
			for ky := 0; ky < pr.KH; ky++ {
				oy := iy + pr.Pad - ky
				if oy < 0 || oy >= oh {
					continue
				}
				for kx := 0; kx < pr.KW; kx++ {
					ox := ix + pr.Pad - kx
					if ox < 0 || ox >= ow {
						continue
					}
					ws := wt[(ci*k+ky*pr.KW+kx)*coutG:][:coutG]
					vec.AddScaledInt32To64(cm[(oy*ow+ox)*cout+g*coutG:][:len(ws)], ws, xv)
				}
			}
			continue
		}
		for ky := 0; ky < pr.KH; ky++ {
			ny := iy + pr.Pad - ky
			if ny < 0 || ny%pr.Stride != 0 || ny/pr.Stride >= oh {
				continue
			}
			oy := ny / pr.Stride
			for kx := 0; kx < pr.KW; kx++ {
				nx := ix + pr.Pad - kx
				if nx < 0 || nx%pr.Stride != 0 || nx/pr.Stride >= ow {
					continue
				}
				o := (oy*ow+nx/pr.Stride)*cout + g*coutG
				ws := wt[(ci*k+ky*pr.KW+kx)*coutG:][:coutG]
				vec.AddScaledInt32To64(cm[o:][:len(ws)], ws, xv)
			}
		}
	}
	for c := 0; c < cout; c++ {
		a := acc[c*plane:][:plane]
		for i := range a {
			a[i] += cm[i*cout+c]
		}
	}
}

// conv is the output-stationary form of convScatter (kept as the differential
// reference in tests).
func conv(acc []int64, pr *Projection, x []int32, out []int) {
	cin, h, w := pr.InShape[0], pr.InShape[1], pr.InShape[2]
	cinG, coutG := cin/pr.Groups, pr.Cout/pr.Groups
	oh, ow := out[1], out[2]
	k := pr.KH * pr.KW
	for co := 0; co < pr.Cout; co++ {
		g := co / coutG
		wc := pr.Weights[co*cinG*k : (co+1)*cinG*k]
		a := acc[co*oh*ow : (co+1)*oh*ow]
		for cl := 0; cl < cinG; cl++ {
			ci := g*cinG + cl
			xc := x[ci*h*w : (ci+1)*h*w]
			wk := wc[cl*k : (cl+1)*k]
			for ky := 0; ky < pr.KH; ky++ {
				for kx := 0; kx < pr.KW; kx++ {
					wv := int64(wk[ky*pr.KW+kx])
					if wv == 0 {
						continue
					}
					for oy := 0; oy < oh; oy++ {
						iy := oy*pr.Stride - pr.Pad + ky
						if iy < 0 || iy >= h {
							continue
						}
						row := xc[iy*w:]
						ar := a[oy*ow:]
						for ox := 0; ox < ow; ox++ {
							ix := ox*pr.Stride - pr.Pad + kx
							if ix < 0 || ix >= w {
								continue
							}
							ar[ox] += wv * int64(row[ix])
						}
					}
				}
			}
		}
	}
}

// Synapse is one connection of an axon to a neuron of its core.
type Synapse struct {
	Neuron int32 // local neuron id on the core
	Weight int32
}

// Synapses appends to dst the synapses of axon a of core c, in the order
// (projection, output channel, row, column), skipping zero weights, and returns
// the extended slice. It is how a core expands its kernel-form (conv) or dense
// synapse table; with a large enough dst it allocates nothing.
func (p *Program) Synapses(dst []Synapse, c *Core, a int) []Synapse {
	ax := p.axonAt(c, a)
	l := &p.Layers[c.Layer]
	r := c.Region
	rh, rw := r.Y1-r.Y0, r.X1-r.X0
	for j := range l.Inputs {
		pr := &l.Inputs[j]
		if int32(pr.Source) != ax.Source || pr.Kind == ProjAttn {
			continue // an attention core has no synapses (attention.go)
		}
		n := int(ax.Neuron)
		if pr.Kind == ProjSparse {
			for k := pr.SpStart[n]; k < pr.SpStart[n+1]; k++ {
				if o := int(pr.SpOut[k]); o >= r.C0 && o < r.C1 && pr.Weights[k] != 0 {
					dst = append(dst, Synapse{int32(o - r.C0), pr.Weights[k]})
				}
			}
			continue
		}
		if pr.Kind == ProjDense {
			in := numel(pr.InShape)
			for o := r.C0; o < r.C1; o++ {
				if w := pr.Weights[o*in+n]; w != 0 {
					dst = append(dst, Synapse{int32(o - r.C0), w})
				}
			}
			continue
		}
		h, w := pr.InShape[1], pr.InShape[2]
		ci, iy, ix := n/(h*w), (n/w)%h, n%w
		cinG, coutG := pr.InShape[0]/pr.Groups, pr.Cout/pr.Groups
		g := ci / cinG
		k := pr.KH * pr.KW
		if pr.KH > 32 || pr.KW > 32 {
			dst = synapsesWide(dst, pr, r, ci, iy, ix)
			continue
		}
		// the kernel rows and columns that land in the region, found once
		var ys, xs [32]int32 // ky<<16 | local row
		ny, nx := 0, 0
		for ky := 0; ky < pr.KH && ny < len(ys); ky++ {
			if t := iy + pr.Pad - ky; t >= 0 && t%pr.Stride == 0 && t/pr.Stride >= r.Y0 && t/pr.Stride < r.Y1 {
				ys[ny] = int32(ky<<16 | (t/pr.Stride - r.Y0))
				ny++
			}
		}
		for kx := 0; kx < pr.KW && nx < len(xs); kx++ {
			if t := ix + pr.Pad - kx; t >= 0 && t%pr.Stride == 0 && t/pr.Stride >= r.X0 && t/pr.Stride < r.X1 {
				xs[nx] = int32(kx<<16 | (t/pr.Stride - r.X0))
				nx++
			}
		}
		if ny == 0 || nx == 0 {
			continue
		}
		for co := max(r.C0, g*coutG); co < min(r.C1, (g+1)*coutG); co++ {
			wk := pr.Weights[(co*cinG+ci-g*cinG)*k:]
			base := (co - r.C0) * rh
			for _, yv := range ys[:ny] {
				row := wk[int(yv>>16)*pr.KW:]
				nb := (base + int(yv&0xffff)) * rw
				for _, xv := range xs[:nx] {
					if wv := row[xv>>16]; wv != 0 {
						dst = append(dst, Synapse{int32(nb + int(xv&0xffff)), wv})
					}
				}
			}
		}
	}
	return dst
}

// synapsesWide is Synapses' conv case for kernels wider than 32.
func synapsesWide(dst []Synapse, pr *Projection, r Region, ci, iy, ix int) []Synapse {
	rh, rw := r.Y1-r.Y0, r.X1-r.X0
	cinG, coutG := pr.InShape[0]/pr.Groups, pr.Cout/pr.Groups
	g := ci / cinG
	k := pr.KH * pr.KW
	for co := max(r.C0, g*coutG); co < min(r.C1, (g+1)*coutG); co++ {
		wk := pr.Weights[(co*cinG+ci-g*cinG)*k:]
		for ky := 0; ky < pr.KH; ky++ {
			ny := iy + pr.Pad - ky
			if ny < 0 || ny%pr.Stride != 0 || ny/pr.Stride < r.Y0 || ny/pr.Stride >= r.Y1 {
				continue
			}
			for kx := 0; kx < pr.KW; kx++ {
				nx := ix + pr.Pad - kx
				if nx < 0 || nx%pr.Stride != 0 || nx/pr.Stride < r.X0 || nx/pr.Stride >= r.X1 {
					continue
				}
				if wv := wk[ky*pr.KW+kx]; wv != 0 {
					dst = append(dst, Synapse{int32(((co-r.C0)*rh+ny/pr.Stride-r.Y0)*rw + nx/pr.Stride - r.X0), wv})
				}
			}
		}
	}
	return dst
}

// SynapseTable expands core c's whole synapse table into CSR form: the
// synapses of axon a are syn[start[a]:start[a+1]] (local neuron, weight). A chip
// whose cores store explicit (neuron, weight) lists builds them from it; note
// that the expanded form takes more memory than the kernel form the compiler
// budgets (SynapseBytes).
func (p *Program) SynapseTable(c *Core) (start []int32, syn []Synapse) {
	start = make([]int32, c.NumAxons+1)
	for a := range c.NumAxons {
		syn = p.Synapses(syn, c, a)
		start[a+1] = int32(len(syn))
	}
	return start, syn
}
