package compiler

import "fmt"

// Fire returns the spike count of a neuron of channel c of a spike or pool layer
// whose accumulator (bias included) is acc: clamp(floor((acc + (θ−1)/2)/θ), 0, D)
// with θ = Threshold[c].
func (l *Layer) Fire(c int, acc int64) int32 {
	th := int64(l.Threshold[c])
	num := acc + (th-1)/2
	if num < 0 {
		return 0
	}
	return int32(min(num/th, int64(l.D)))
}

// Result is the outcome of one functional inference.
type Result struct {
	// Scores are the readout layer's accumulators (Output.Mode "membrane") or
	// the output layer's spike counts ("count"); the real score is Scores[i]·Scale.
	Scores []int64
	Scale  float64
	// Class is the index of the largest score (the first on ties).
	Class int
	// Counts holds every spike and pool layer's counts, and Acc every layer's
	// accumulators (bias included); both alias the Simulator's buffers and are
	// valid until its next Run.
	Counts [][]int32
	Acc    [][]int64
}

// Simulator runs a Program's integer model functionally: no time, no cores, no
// NoC. It is the reference the chip must reproduce bit for bit.
type Simulator struct {
	p      *Program
	in     []int32
	counts [][]int32
	acc    [][]int64
	scores []int64
	// wt[layer][projection]: conv weights transposed to [ci_local][ky][kx][co_local]
	// for the input-stationary loop.
	wt [][][]int32
}

// NewSimulator checks p's layers and prepares buffers.
func NewSimulator(p *Program) (*Simulator, error) {
	if err := p.check(checkQuantized); err != nil {
		return nil, err
	}
	s := &Simulator{p: p, in: make([]int32, numel(p.Input.Shape))}
	for i := range p.Layers {
		n := p.Layers[i].Size()
		s.acc = append(s.acc, make([]int64, n))
		if p.Layers[i].Kind == LayerReadout {
			s.counts = append(s.counts, nil)
		} else {
			s.counts = append(s.counts, make([]int32, n))
		}
	}
	s.scores = make([]int64, p.Layers[p.Output.Layer].Size())
	s.wt = make([][][]int32, len(p.Layers))
	for li := range p.Layers {
		s.wt[li] = make([][]int32, len(p.Layers[li].Inputs))
		for j := range p.Layers[li].Inputs {
			pr := &p.Layers[li].Inputs[j]
			if pr.Kind != ProjConv {
				continue
			}
			s.wt[li][j] = transposeConv(pr)
		}
	}
	return s, nil
}

// Simulate runs p once on pixels (row-major over p.Input.Shape).
func Simulate(p *Program, pixels []uint8) (Result, error) {
	s, err := NewSimulator(p)
	if err != nil {
		return Result{}, err
	}
	return s.Run(pixels)
}

// Run evaluates every layer in order on pixels. It allocates nothing.
func (s *Simulator) Run(pixels []uint8) (Result, error) {
	p := s.p
	if len(pixels) != len(s.in) {
		return Result{}, fmt.Errorf("simulate: %d input values, the program takes %d (shape %v)", len(pixels), len(s.in), p.Input.Shape)
	}
	for i, v := range pixels {
		s.in[i] = int32(v)
	}
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
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			x := s.in
			if pr.Source >= 0 {
				x = s.counts[pr.Source]
			}
			if pr.Kind == ProjDense {
				dense(acc, pr.Weights, x)
			} else {
				convScatter(acc, pr, s.wt[li][j], x, sh)
			}
		}
		if l.Kind != LayerReadout {
			out := s.counts[li]
			for c := 0; c < sh[0]; c++ {
				for i := c * plane; i < (c+1)*plane; i++ {
					out[i] = l.Fire(c, acc[i])
				}
			}
		}
	}
	o := p.Output.Layer
	if p.Output.Mode == "count" {
		for i, v := range s.counts[o] {
			s.scores[i] = int64(v)
		}
	} else {
		copy(s.scores, s.acc[o])
	}
	best := 0
	for i, v := range s.scores {
		if v > s.scores[best] {
			best = i
		}
	}
	return Result{Scores: s.scores, Scale: p.Layers[o].Scale, Class: best, Counts: s.counts, Acc: s.acc}, nil
}

func dense(acc []int64, w []int32, x []int32) {
	in := len(x)
	for i, v := range x {
		if v == 0 {
			continue
		}
		xv := int64(v)
		for o := range acc {
			acc[o] += int64(w[o*in+i]) * xv
		}
	}
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
// outputs it reaches: input-stationary, so silent inputs cost nothing.
func convScatter(acc []int64, pr *Projection, wt []int32, x []int32, out []int) {
	h, w := pr.InShape[1], pr.InShape[2]
	cinG, coutG := pr.InShape[0]/pr.Groups, pr.Cout/pr.Groups
	oh, ow := out[1], out[2]
	plane := oh * ow
	k := pr.KH * pr.KW
	for i, v := range x {
		if v == 0 {
			continue
		}
		xv := int64(v)
		ci, iy, ix := i/(h*w), (i/w)%h, i%w
		g := ci / cinG
		base := g * coutG * plane
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
				o := base + oy*ow + nx/pr.Stride
				ws := wt[(ci*k+ky*pr.KW+kx)*coutG:][:coutG]
				for col, wv := range ws {
					acc[o+col*plane] += int64(wv) * xv
				}
			}
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
	ax := c.Axons[a]
	l := &p.Layers[c.Layer]
	r := c.Region
	rh, rw := r.Y1-r.Y0, r.X1-r.X0
	for j := range l.Inputs {
		pr := &l.Inputs[j]
		if int32(pr.Source) != ax.Source {
			continue
		}
		n := int(ax.Neuron)
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
