package core

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/arch"
)

// SourceFan is one part of a by-source copy of merged cores' synapse
// tables that a caller builds without the tables (NewFunctionalFan): the
// synapses of merged neurons First, First+1, … (up to the next part's
// First, or the last neuron): neuron First+k's are X[At[k]:At[k+1]], each
// channel·N + merged target index (N all neurons), all with the stored
// weight W[k], in the order NewFunctional's copy lists them (routes in
// order, then each axon's synapses in order). X may alias the caller's
// data: the model only reads it.
type SourceFan struct {
	First int32
	At    []int32
	X     []int32
	W     []float32
}

// CopiesFan reports whether NewFunctional copies the synapse tables by
// source neuron for cores with routes routes reaching synapses synapses
// in all (it does while routes carry at most fanCopyMaxPerRoute on
// average); when it does not, NewFunctionalFan refuses its copy.
func CopiesFan(routes, synapses int) bool {
	return synapses <= min(fanCopyMaxPerRoute*routes, 1<<31-1)
}

// StoredWeight returns weight w as a shared-weight axon stores it with
// scale scale on a core of kind: round(w/scale) clamped to
// ±(2^(WeightBits−1) − 1), times scale (SharedTables.AddAxons).
func StoredWeight(kind arch.CoreKind, w, scale float64) float32 {
	maxM := math.Ldexp(1, kind.WeightBits-1) - 1
	return float32(math.Max(-maxM, math.Min(maxM, math.Round(w/scale))) * scale)
}

// NewFunctionalFan is NewFunctional for merged CUBA cores (every core
// CUBANeurons of one model, at least two) whose by-source copy the caller
// supplies in one or two parts, with each route's destination synapse count
// (routeSyn[i][k] for core i's route k; Core.RouteSynapses): the cores'
// synapse tables are not read, so the caller vouches that the copy and the
// counts are what NewFunctional would take from them. It checks the parts'
// shape (they cover every neuron in order, offsets ascend within X, every
// entry names a neuron's input) and returns the same model. RouteSyn is nil
// when every core's routes are deferred (NewDeferred; SetRoutes brings the
// counts): the routes are then counted as the cores' announced axons, each
// axon being the end of one route.
func NewFunctionalFan(cores []*Core, parts []SourceFan, routeSyn [][]int32) (*Functional, error) {
	for i, c := range cores {
		if int(c.id) != i {
			return nil, fmt.Errorf("core: functional model: core %d has ID %d", i, c.id)
		}
	}
	if !mergeable(cores) {
		return nil, fmt.Errorf("core: functional model from a by-source copy: the cores are not CUBA neurons of one model")
	}
	if routeSyn != nil && len(routeSyn) != len(cores) {
		return nil, fmt.Errorf("core: functional model: synapse counts of %d cores' routes for %d cores", len(routeSyn), len(cores))
	}
	nrn, routes, synapses := 0, 0, 0
	for i, c := range cores {
		nrn += c.nrn.Len()
		if routeSyn == nil {
			if c.routeStart != nil {
				return nil, fmt.Errorf("core: functional model: no synapse counts for core %d's routes", i)
			}
			routes += int(c.nAxons)
			continue
		}
		if len(routeSyn[i]) != len(c.routes) {
			return nil, fmt.Errorf("core: functional model: core %d has %d routes and %d synapse counts", i, len(c.routes), len(routeSyn[i]))
		}
		routes += len(c.routes)
	}
	if 2*nrn >= 1<<31 {
		return nil, fmt.Errorf("core: functional model from a by-source copy: %d neurons", nrn)
	}
	if len(parts) < 1 || len(parts) > 2 {
		return nil, fmt.Errorf("core: functional model: %d by-source parts (want 1 or 2)", len(parts))
	}
	next := int32(0)
	for pi, p := range parts {
		n := len(p.At) - 1
		if p.First != next || n < 0 || len(p.W) != n || int(p.First)+n > nrn || (pi == len(parts)-1 && int(p.First)+n != nrn) {
			return nil, fmt.Errorf("core: functional model: by-source part %d does not cover the neurons from %d on", pi, next)
		}
		for k := range n {
			if p.At[k] < 0 || p.At[k] > p.At[k+1] || int(p.At[k+1]) > len(p.X) {
				return nil, fmt.Errorf("core: functional model: by-source part %d: neuron %d's synapses %d…%d not in %d", pi, int(p.First)+k, p.At[k], p.At[k+1], len(p.X))
			}
			for _, x := range p.X[p.At[k]:p.At[k+1]] {
				if x < 0 || int(x) >= 2*nrn {
					return nil, fmt.Errorf("core: functional model: by-source part %d: neuron %d reaches input %d of %d", pi, int(p.First)+k, x, 2*nrn)
				}
			}
			synapses += int(p.At[k+1] - p.At[k])
		}
		next += int32(n)
	}
	if int(next) != nrn {
		return nil, fmt.Errorf("core: functional model: the by-source parts cover %d of %d neurons", next, nrn)
	}
	if !CopiesFan(routes, synapses) {
		return nil, fmt.Errorf("core: functional model: %d synapses on %d routes are not copied by source (CopiesFan)", synapses, routes)
	}
	f := &Functional{cores: cores, out: make([][]int32, len(cores)), ins: make([]*input, len(cores)), merged: newMergedCUBA(cores)}
	f.glob = &globalFan{in: make([]float32, 2*nrn)}
	for i := range f.glob.in {
		f.glob.in[i] = negZero
	}
	for _, p := range parts {
		nw := make([]float32, len(p.W))
		for k, w := range p.W {
			nw[k] = plusZero(w)
		}
		f.glob.parts = append(f.glob.parts, fanPart{first: p.First, at: p.At, x: p.X, nw: nw})
	}
	for i, c := range cores {
		if routeSyn != nil {
			c.routeSyn = routeSyn[i]
		}
		f.out[i] = make([]int32, 0, c.nrn.Len())
		f.ins[i] = &c.in
		f.foldCores = f.foldCores || !c.in.clean()
	}
	return f, nil
}

// FanOf returns merged neuron j's synapses in the model's by-source copy
// (channel·N + merged target index) and their weights, or false when it
// has no such copy or no neuron j: for comparing copies in tests.
func (f *Functional) FanOf(j int32) (x []int32, w []float32, ok bool) {
	g := f.glob
	if g == nil || j < 0 || int(j) >= len(g.in)/2 {
		return nil, nil, false
	}
	p, k := g.of(j)
	a, b := p.at[k], p.at[k+1]
	x = append(x, p.x[a:b]...)
	for i := a; i < b; i++ {
		if p.w != nil {
			w = append(w, p.w[i])
		} else {
			w = append(w, p.nw[k])
		}
	}
	return x, w, true
}
