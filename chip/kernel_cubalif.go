package chip

import "github.com/neurosim/neurosim/compiler"

// CubaLIF cores and recurrent projections (compiler/cubalif.go).
//
// A cuba core keeps each neuron's synaptic current beside its membrane and
// updates both with compiler.Layer.IntegrateCuba when its layer's phase
// starts, like a LIF core, sending at most one spike per step.
//
// A spike that reaches a core over a recurrent projection travels and is
// charged like any other (NoC hops, synaptic ops at its arrival), but the
// core holds it per axon and applies its weights only when the next time
// step begins, after the accumulators restart from the bias: the spikes of
// step t feed step t+1, as compiler.Simulator computes. What a sample's last
// step sends over a recurrent projection is dropped when the next sample
// starts.

// markRecurrent finds the axons of every core fed by a recurrent projection.
func (x *Exec) markRecurrent() {
	x.recAxon = make([][]bool, len(x.cores))
	for ci := range x.cores {
		xc := &x.cores[ci]
		l := &x.Prog.Layers[xc.layer]
		for a, ax := range xc.axons {
			if ax.Source < 0 {
				continue
			}
			for j := range l.Inputs {
				if pr := &l.Inputs[j]; pr.Recurrent && int32(pr.Source) == ax.Source {
					if x.recAxon[ci] == nil {
						x.recAxon[ci] = make([]bool, len(xc.axons))
					}
					x.recAxon[ci][a] = true
				}
			}
		}
	}
}

// recMachine is a Machine's state for cuba cores and recurrent axons.
type recMachine struct {
	cur     [][]int64 // per core: currents of a cuba core, else nil
	pending [][]int32 // per core: spikes held per recurrent axon, else nil
	touched [][]int32 // per core: the held axons with a nonzero count
}

func (r *recMachine) init(x *Exec) {
	n := len(x.cores)
	r.cur, r.pending, r.touched = make([][]int64, n), make([][]int32, n), make([][]int32, n)
	for ci := range x.cores {
		if x.cores[ci].kind == compiler.LayerCuba {
			r.cur[ci] = make([]int64, x.cores[ci].n)
		}
		if x.recAxon[ci] != nil {
			r.pending[ci] = make([]int32, len(x.cores[ci].axons))
			r.touched[ci] = make([]int32, 0, len(x.cores[ci].axons))
		}
	}
}

// reset clears currents and held spikes for a new sample.
func (r *recMachine) reset() {
	for ci := range r.cur {
		clear(r.cur[ci])
		clear(r.pending[ci])
		if r.touched[ci] != nil {
			r.touched[ci] = r.touched[ci][:0]
		}
	}
}

// holdRecurrent keeps a spike that arrived on recurrent axon a of core ci
// for the next step.
func (m *Machine) holdRecurrent(ci, a int32) {
	r := &m.rec
	if r.pending[ci][a] == 0 {
		r.touched[ci] = append(r.touched[ci], a)
	}
	r.pending[ci][a]++
}

// applyRecurrent adds the held spikes of the previous step to the
// accumulators (called when a step begins, after the bias).
func (m *Machine) applyRecurrent() {
	x := m.x
	r := &m.rec
	for ci, tl := range r.touched {
		if len(tl) == 0 {
			continue
		}
		xc := &x.cores[ci]
		pend := r.pending[ci]
		for _, a := range tl {
			ax := xc.axons[a]
			accumulate(m.acc[ci], x.kern[xc.layer], &xc.region, ax.Source, int(ax.Neuron), int64(pend[a]))
			pend[a] = 0
		}
		r.touched[ci] = tl[:0]
	}
}

// integrateCuba updates the neurons of cuba core ci for one step and writes
// their spikes to the core's counts.
func (m *Machine) integrateCuba(ci int, xc *execCore, l *compiler.Layer) {
	acc, cnt, v, cur, perm := m.acc[ci], m.cnt[ci], m.v[ci], m.rec.cur[ci], xc.perm
	for i := range cnt {
		var fired bool
		cur[i], v[i], fired = l.IntegrateCuba(xc.c0+i/xc.plane, cur[i], v[i], acc[perm[i]])
		cnt[i] = 0
		if fired {
			cnt[i] = 1
		}
	}
}
