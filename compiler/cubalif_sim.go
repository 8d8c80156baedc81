package compiler

// recState is the Simulator's state for CubaLIF layers and recurrent
// projections: each cuba layer's synaptic currents, and for each layer that
// is the source of a recurrent projection its spike counts of the previous
// step (zero at step 0).
type recState struct {
	cur  [][]int64 // per layer: currents of a cuba layer, else nil
	prev [][]int32 // per layer: previous step's counts of a recurrent source, else nil
}

func (r *recState) init(p *Program) {
	r.cur = make([][]int64, len(p.Layers))
	r.prev = make([][]int32, len(p.Layers))
	for li := range p.Layers {
		l := &p.Layers[li]
		if l.Kind == LayerCuba {
			r.cur[li] = make([]int64, l.Size())
		}
		for j := range l.Inputs {
			if pr := &l.Inputs[j]; pr.Recurrent && r.prev[pr.Source] == nil {
				r.prev[pr.Source] = make([]int32, p.Layers[pr.Source].Size())
			}
		}
	}
}

// reset clears the state for a new sample.
func (r *recState) reset() {
	for li := range r.cur {
		clear(r.cur[li])
		clear(r.prev[li])
	}
}

// endStep keeps this step's counts of the recurrent sources for the next.
func (r *recState) endStep(counts [][]int32) {
	for li, pv := range r.prev {
		if pv != nil {
			copy(pv, counts[li])
		}
	}
}

// integrate runs one step of cuba layer l, index li (layer-wide row-major neurons,
// membranes v, accumulators acc), writing its spikes to out and adding them
// to tot.
func (r *recState) integrate(li int, l *Layer, v, acc []int64, out, tot []int32) {
	cur := r.cur[li]
	sh := chw(l.Shape)
	plane := sh[1] * sh[2]
	for i := range acc {
		var fired bool
		cur[i], v[i], fired = l.IntegrateCuba(i/plane, cur[i], v[i], acc[i])
		out[i] = 0
		if fired {
			out[i] = 1
		}
		tot[i] += out[i]
	}
}
