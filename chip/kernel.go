package chip

import (
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/internal/vec"
)

// A digital core runs a program's synapses in the kernel form the compiler
// budgets (compiler.Core.SynapseBytes): a conv layer's kernels are stored once
// and every input spike walks the kernel positions that land in the core's
// region; a dense layer stores its weight matrix. The weights here are the
// program's, transposed so that the output channels (dense: outputs) a spike
// reaches are contiguous, as the core's SRAM word lines would hold them. They
// are shared by every core of the layer and every Machine.
//
// What a spike adds is exactly what compiler.Program.Synapses lists (zero
// weights add nothing); the number of synaptic operations it costs is the
// number of nonzero synapses, taken from the expanded table once at build time
// (see TestKernelMatchesSynapseTable).

// kproj is one projection in kernel form.
type kproj struct {
	src   int32
	dense bool
	in    int // dense: inputs; conv: Cin
	out   int // dense: outputs; conv: Cout
	h, w  int // conv input rows and columns
	kh    int
	kw    int
	str   int
	pad   int
	cinG  int
	coutG int
	// dense: wt[i*out+o]; conv: wt[((ci*KH+ky)*KW+kx)*coutG + col], col the
	// output channel within ci's group; sparse: the program's synapse lists
	// (wt[k] to neuron spOut[k] for k in [spStart[i], spStart[i+1])).
	wt             []int32
	sparse         bool
	spStart, spOut []int32
}

func kernelForm(l *compiler.Layer) []kproj {
	ks := make([]kproj, len(l.Inputs))
	for j := range l.Inputs {
		pr := &l.Inputs[j]
		k := kproj{src: int32(pr.Source), out: pr.Cout}
		if pr.Kind == compiler.ProjSparse {
			k.sparse, k.wt, k.spStart, k.spOut = true, pr.Weights, pr.SpStart, pr.SpOut
			ks[j] = k
			continue
		}
		if pr.Kind == compiler.ProjDense {
			k.dense = true
			k.in = 1
			for _, d := range pr.InShape {
				k.in *= d
			}
			k.out = len(pr.Weights) / max(k.in, 1)
			k.wt = make([]int32, len(pr.Weights))
			for o := 0; o < k.out; o++ {
				for i := 0; i < k.in; i++ {
					k.wt[i*k.out+o] = pr.Weights[o*k.in+i]
				}
			}
			ks[j] = k
			continue
		}
		k.in, k.h, k.w = pr.InShape[0], pr.InShape[1], pr.InShape[2]
		k.kh, k.kw, k.str, k.pad = pr.KH, pr.KW, pr.Stride, pr.Pad
		k.cinG, k.coutG = pr.InShape[0]/pr.Groups, pr.Cout/pr.Groups
		kk := pr.KH * pr.KW
		k.wt = make([]int32, len(pr.Weights))
		for co := 0; co < pr.Cout; co++ {
			g, col := co/k.coutG, co%k.coutG
			for cl := 0; cl < k.cinG; cl++ {
				for t := 0; t < kk; t++ {
					k.wt[((g*k.cinG+cl)*kk+t)*k.coutG+col] = pr.Weights[(co*k.cinG+cl)*kk+t]
				}
			}
		}
		ks[j] = k
	}
	return ks
}

// accumulate adds val × the weights of source (src, n) to the accumulators of
// a core holding region r of the layer whose projections are ks. The
// accumulators are channel-minor: local neuron (c, y, x) of the region sits
// at (y·width + x)·channels + c (execCore.perm), so that the output channels
// one input reaches are contiguous. A dense region is one row and column, so
// the two orders coincide.
func accumulate(acc []int64, ks []kproj, r *compiler.Region, src int32, n int, val int64) {
	rh, rw := r.Y1-r.Y0, r.X1-r.X0
	for j := range ks {
		k := &ks[j]
		if k.src != src {
			continue
		}
		if k.sparse {
			// a sparse layer is flat: the region's channels are its neurons
			lo, hi := k.spStart[n], k.spStart[n+1]
			ws := k.wt[lo:hi]
			for t, o := range k.spOut[lo:hi] {
				if c := int(o); c >= r.C0 && c < r.C1 {
					acc[c-r.C0] += int64(ws[t]) * val
				}
			}
			continue
		}
		if k.dense {
			vec.AddScaledInt32To64(acc, k.wt[n*k.out+r.C0:n*k.out+r.C1], val)
			continue
		}
		hw := k.h * k.w
		ci, iy, ix := n/hw, (n/k.w)%k.h, n%k.w
		g := ci / k.cinG
		lo, hi := max(r.C0, g*k.coutG), min(r.C1, (g+1)*k.coutG)
		if lo >= hi {
			continue
		}
		nch := r.C1 - r.C0
		colLo, ncol := lo-g*k.coutG, hi-lo
		if k.str == 1 {
			// the common case without divisions: output (iy+pad−ky, ix+pad−kx)
			for ky := 0; ky < k.kh; ky++ {
				oy := iy + k.pad - ky - r.Y0
				if oy < 0 || oy >= rh {
					continue
				}
				for kx := 0; kx < k.kw; kx++ {
					ox := ix + k.pad - kx - r.X0
					if ox < 0 || ox >= rw {
						continue
					}
					ws := k.wt[((ci*k.kh+ky)*k.kw+kx)*k.coutG+colLo:][:ncol]
					vec.AddScaledInt32To64(acc[(oy*rw+ox)*nch+lo-r.C0:], ws, val)
				}
			}
			continue
		}
		for ky := 0; ky < k.kh; ky++ {
			t := iy + k.pad - ky
			if t < 0 || t%k.str != 0 {
				continue
			}
			oy := t/k.str - r.Y0
			if oy < 0 || oy >= rh {
				continue
			}
			for kx := 0; kx < k.kw; kx++ {
				u := ix + k.pad - kx
				if u < 0 || u%k.str != 0 {
					continue
				}
				ox := u/k.str - r.X0
				if ox < 0 || ox >= rw {
					continue
				}
				ws := k.wt[((ci*k.kh+ky)*k.kw+kx)*k.coutG+colLo:][:ncol]
				o := (oy*rw+ox)*nch + lo - r.C0
				vec.AddScaledInt32To64(acc[o:], ws, val)
			}
		}
	}
}
