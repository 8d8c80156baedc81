package compiler

// chanOf returns the output channel (Shape[0] index of the layer it feeds)
// of weight k of pr, per weights per channel: for conv and dense weights the
// row of the weight matrix, for a sparse projection the neuron SpOut[k]
// (sparse projections feed flat populations, one channel per neuron).
func (pr *Projection) chanOf(k, per int) int {
	if pr.Kind == ProjSparse {
		return int(pr.SpOut[k])
	}
	return k / per
}

// weightsPer returns the weights per output channel of a conv or dense
// projection holding n weights (1 for sparse ones, which use chanOf).
func (pr *Projection) weightsPer(n int) int {
	if pr.Kind == ProjSparse || pr.Cout == 0 {
		return 1
	}
	return max(n/pr.Cout, 1)
}

// sparseScatter adds the synapses of every nonzero source value to acc.
func sparseScatter(acc []int64, pr *Projection, x []int32) {
	for i, v := range x {
		if v == 0 {
			continue
		}
		val := int64(v)
		lo, hi := pr.SpStart[i], pr.SpStart[i+1]
		ws := pr.Weights[lo:hi]
		for k, o := range pr.SpOut[lo:hi] {
			acc[o] += int64(ws[k]) * val
		}
	}
}

// checkSparse reports whether a sparse projection's index arrays fit its
// source of in neurons and its Cout targets.
func (pr *Projection) checkSparse(in int) bool {
	if pr.NNZ < 0 || len(pr.SpStart) != in+1 || pr.SpStart[0] != 0 || int(pr.SpStart[in]) != pr.NNZ || len(pr.SpOut) != pr.NNZ {
		return false
	}
	for i := 0; i < in; i++ {
		if pr.SpStart[i+1] < pr.SpStart[i] {
			return false
		}
	}
	for _, o := range pr.SpOut {
		if o < 0 || int(o) >= pr.Cout {
			return false
		}
	}
	return true
}

// sparseIndex holds, per target neuron of a sparse projection, the range of
// source neurons that reach it and the synapse counts (cumulative), so
// that partition sizes a box without walking the synapses.
type sparseIndex struct {
	lo, hi []int32 // sources [lo[o], hi[o]) reach target o (lo = hi: none)
	cum    []int64 // cum[o] = synapses into targets < o
}

// sparseSpan returns the range [lo, hi) of source neurons with a synapse
// into targets [o0, o1), and the number of such synapses.
func (pr *Projection) sparseSpan(o0, o1 int) (lo, hi int, n int64) {
	if pr.spIdx == nil {
		x := &sparseIndex{lo: make([]int32, pr.Cout), hi: make([]int32, pr.Cout), cum: make([]int64, pr.Cout+1)}
		for o := range x.lo {
			x.lo[o] = int32(len(pr.SpStart))
		}
		for i := 0; i+1 < len(pr.SpStart); i++ {
			for _, o := range pr.SpOut[pr.SpStart[i]:pr.SpStart[i+1]] {
				x.lo[o] = min(x.lo[o], int32(i))
				x.hi[o] = int32(i + 1)
				x.cum[o+1]++
			}
		}
		for o := 0; o < pr.Cout; o++ {
			x.cum[o+1] += x.cum[o]
		}
		pr.spIdx = x
	}
	x := pr.spIdx
	lo, hi = len(pr.SpStart), 0
	for o := o0; o < o1; o++ {
		if x.hi[o] > 0 {
			lo, hi = min(lo, int(x.lo[o])), max(hi, int(x.hi[o]))
		}
	}
	if hi <= lo {
		return 0, 0, 0
	}
	return lo, hi, x.cum[o1] - x.cum[o0]
}

func hasSparse(l *Layer) bool {
	for i := range l.Inputs {
		if l.Inputs[i].Kind == ProjSparse {
			return true
		}
	}
	return false
}

// sparseWorst returns the largest axon count and synapse memory over the
// boxes of cT neurons that tile neurons [c0, c1) of a flat layer fed by a
// sparse projection: unlike a convolution's, its boxes differ (a node's
// degree sets its fan-in), so every box is sized.
func sparseWorst(l *Layer, c0, c1, cT, wbits int) (ax, mem int) {
	for lo := c0; lo < c1; lo += cT {
		a, m, _ := boxNeeds(l, Region{C0: lo, C1: min(lo+cT, c1), Y0: 0, Y1: 1, X0: 0, X1: 1}, wbits)
		ax, mem = max(ax, a), max(mem, m)
	}
	return ax, mem
}
