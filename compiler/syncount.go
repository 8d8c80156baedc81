package compiler

// SynapseCounter counts the synapses of every axon of a core: for axon a,
// the length of Synapses(nil, c, a), without expanding the synapses. A chip
// needs the count of each axon (its synaptic ops per spike) but not the
// table when it applies the weights in kernel form; expanding the table of
// every core of a large program only to measure it costs seconds and
// gigabytes of short-lived slices.
//
// A conv projection's count is read from a per-core table: for a source
// channel ci and kernel tap (ky, kx), the number of the core's output
// channels whose weight there is nonzero, built once per channel the core
// reads; an axon then sums the taps that land in the core's region. Dense
// and sparse projections count their nonzero weights directly.
//
// The zero value is ready to use; it keeps its scratch between calls and is
// not safe for concurrent use.
type SynapseCounter struct {
	tab  []int32 // per (source channel, tap): nonzero weights over the core's output channels
	done []bool  // per source channel: tab filled for the current core and projection
}

// Counts sets dst[a] to the number of synapses of axon a of c (what
// Synapses appends for it) for every axon of c and returns dst, reallocated
// if it is shorter than the axon list.
func (s *SynapseCounter) Counts(dst []int32, p *Program, c *Core) []int32 {
	// a compact core's list is materialised (Expand or Connect avoids it:
	// pass their list to CountAxons)
	return s.CountAxons(dst, p, c, p.coreAxons(c))
}

// CountAxons is Counts for core c whose axons are axons (c.Axons, or c's
// list from Program.Connect).
func (s *SynapseCounter) CountAxons(dst []int32, p *Program, c *Core, axons []Axon) []int32 {
	if cap(dst) < len(axons) {
		dst = make([]int32, len(axons))
	}
	dst = dst[:len(axons)]
	clear(dst)
	l := &p.Layers[c.Layer]
	r := c.Region
	for j := range l.Inputs {
		pr := &l.Inputs[j]
		if pr.Kind == ProjAttn {
			continue // an attention core has no synapses (attention.go)
		}
		// the axons of this source: Axons are sorted by (Source, Neuron)
		lo, hi := axonRange(axons, int32(pr.Source))
		if lo == hi {
			continue
		}
		switch pr.Kind {
		case ProjSparse:
			for a := lo; a < hi; a++ {
				n := int(axons[a].Neuron)
				var cnt int32
				for k := pr.SpStart[n]; k < pr.SpStart[n+1]; k++ {
					if o := int(pr.SpOut[k]); o >= r.C0 && o < r.C1 && pr.Weights[k] != 0 {
						cnt++
					}
				}
				dst[a] += cnt
			}
		case ProjDense:
			in := numel(pr.InShape)
			for a := lo; a < hi; a++ {
				n := int(axons[a].Neuron)
				var cnt int32
				for o := r.C0; o < r.C1; o++ {
					if pr.Weights[o*in+n] != 0 {
						cnt++
					}
				}
				dst[a] += cnt
			}
		default:
			s.countConv(dst[lo:hi], axons[lo:hi], pr, r)
		}
	}
	return dst
}

// countConv adds to dst the synapses of conv projection pr for each of
// axons (all of pr's source).
func (s *SynapseCounter) countConv(dst []int32, axons []Axon, pr *Projection, r Region) {
	cin, h, w := pr.InShape[0], pr.InShape[1], pr.InShape[2]
	k := pr.KH * pr.KW
	cinG, coutG := cin/pr.Groups, pr.Cout/pr.Groups
	if need := cin * k; cap(s.tab) < need {
		s.tab = make([]int32, need)
	}
	s.tab = s.tab[:cin*k]
	if cap(s.done) < cin {
		s.done = make([]bool, cin)
	}
	s.done = s.done[:cin]
	clear(s.done)
	for a, ax := range axons {
		n := int(ax.Neuron)
		ci, iy, ix := n/(h*w), (n/w)%h, n%w
		tab := s.tab[ci*k : (ci+1)*k]
		if !s.done[ci] {
			s.done[ci] = true
			clear(tab)
			g := ci / cinG
			for co := max(r.C0, g*coutG); co < min(r.C1, (g+1)*coutG); co++ {
				wk := pr.Weights[(co*cinG+ci-g*cinG)*k:][:k]
				for t, wv := range wk {
					if wv != 0 {
						tab[t]++
					}
				}
			}
		}
		var cnt int32
		for ky := 0; ky < pr.KH; ky++ {
			t := iy + pr.Pad - ky
			if t < 0 || t%pr.Stride != 0 || t/pr.Stride < r.Y0 || t/pr.Stride >= r.Y1 {
				continue
			}
			row := tab[ky*pr.KW:][:pr.KW]
			for kx := range row {
				u := ix + pr.Pad - kx
				if u < 0 || u%pr.Stride != 0 || u/pr.Stride < r.X0 || u/pr.Stride >= r.X1 {
					continue
				}
				cnt += row[kx]
			}
		}
		dst[a] += cnt
	}
}

// axonRange returns the range of axons whose Source is src in axons,
// sorted by (Source, Neuron).
func axonRange(axons []Axon, src int32) (lo, hi int) {
	lo, hi = 0, len(axons)
	for lo < hi { // first with Source ≥ src
		m := int(uint(lo+hi) >> 1)
		if axons[m].Source < src {
			lo = m + 1
		} else {
			hi = m
		}
	}
	hi = lo
	for e := len(axons); hi < e; { // first with Source > src
		m := int(uint(hi+e) >> 1)
		if axons[m].Source <= src {
			hi = m + 1
		} else {
			e = m
		}
	}
	return lo, hi
}
