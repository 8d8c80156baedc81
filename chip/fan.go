package chip

import (
	"fmt"

	"github.com/neurosim/neurosim/core"
)

// fanRuns are the runs of neurons sourceFan copies: neurons
// [from[k], from[k+1]) have synapses in projection proj[k] only (or none).
type fanRuns struct {
	from, proj []int
}

// vouchFan returns the runs of neurons whose by-source copy of the synapse
// tables sourceFan reads from the network's projections, or nil when the
// chip cannot vouch that it equals the copy core.NewFunctional makes from
// the tables (the functional model then makes that one, and Build builds
// the tables). It can when:
//   - the network is one CUBA population on at least two cores, mapped in
//     order (core i's neurons follow core i−1's), so that a neuron's merged
//     index is its index in the population;
//   - no projection has per-synapse weights and every one is from and onto
//     that population, so each axon stores its projection's weight as
//     buildTables quantises it (core.StoredWeight with c.scales);
//   - each neuron has synapses in at most one projection, and the neurons
//     with synapses in one projection form at most two runs (a run may
//     include neurons without synapses): the CUBA network's excitatory
//     neurons, then its inhibitory ones;
//   - the copy is one the functional model makes (core.CopiesFan; the
//     routes are the mapping's axons, one route an axon).
//
// Then a neuron's routes, in order, reach the cores of its sorted targets
// in order, and each route's axon lists that core's targets in order
// (sharedTables: a core's axon lists the neurons that name its key, in
// neuron order), so its synapses in the copy are its projection's targets
// in order: channel·N + target.
func (c *Chip) vouchFan() *fanRuns {
	net, m := c.net, c.mapping
	if len(net.Populations) != 1 || net.Populations[0].Model != ModelCUBA || len(m.Cores) < 2 ||
		c.spec.Cores[m.Kind].WeightBits < 2 {
		return nil
	}
	n := net.Populations[0].N
	next, routes := 0, 0
	for _, cm := range m.Cores {
		if cm.Pop != 0 || cm.First != next {
			return nil
		}
		next += cm.N
		routes += cm.Axons
	}
	if next != n || 2*n >= 1<<31 || !core.CopiesFan(routes, net.Synapses()) {
		return nil
	}
	for i := range net.Projections {
		pr := &net.Projections[i]
		if pr.Pre != 0 || pr.Post != 0 || pr.Weights != nil {
			return nil
		}
	}
	r := &fanRuns{}
	cur := -1
	for j := range n {
		pj := -1
		for i := range net.Projections {
			if pr := &net.Projections[i]; pr.Start[j] < pr.Start[j+1] {
				if pj >= 0 {
					return nil
				}
				pj = i
			}
		}
		if pj < 0 || pj == cur {
			continue
		}
		if len(r.from) == 2 {
			return nil
		}
		start := j
		if len(r.from) == 0 {
			start = 0 // the first run starts at neuron 0
		}
		r.from, r.proj, cur = append(r.from, start), append(r.proj, pj), pj
	}
	if len(r.from) == 0 { // no synapses: no routes, no copy to make
		return nil
	}
	r.from = append(r.from, n)
	return r
}

// sourceFan returns the by-source copy of the runs vouchFan found: a run
// of an excitatory projection aliases its targets; one of an inhibitory
// projection is a copy offset by N.
func (c *Chip) sourceFan(r *fanRuns) []core.SourceFan {
	net := c.net
	n := net.Populations[0].N
	kind := c.spec.Cores[c.mapping.Kind]
	scales := c.scales(kind)
	parts := make([]core.SourceFan, len(r.proj))
	for k, pi := range r.proj {
		pr := &net.Projections[pi]
		a, b := r.from[k], r.from[k+1]
		p := core.SourceFan{First: int32(a), At: pr.Start[a : b+1 : b+1], W: make([]float32, b-a)}
		if pr.Channel == core.Exc {
			p.X = pr.Targets
		} else {
			tg := pr.Targets[pr.Start[a]:pr.Start[b]]
			off := int32(pr.Channel&1) * int32(n)
			p.X = make([]int32, len(tg))
			for i, t := range tg {
				p.X[i] = off + t
			}
			p.At = make([]int32, b-a+1)
			for i := range p.At {
				p.At[i] = pr.Start[a+i] - pr.Start[a]
			}
		}
		w := core.StoredWeight(kind, pr.Weight, scales[pi])
		for i := range p.W {
			p.W[i] = w
		}
		parts[k] = p
	}
	return parts
}

// ensureTables builds the synapse tables Build deferred (vouchFan) and
// gives them to the cores.
func (c *Chip) ensureTables() error {
	if !c.tablesDue {
		return c.tablesErr
	}
	c.tablesDue = false
	kind := c.spec.Cores[c.mapping.Kind]
	tabs, err := c.buildTables(kind)
	c.mapping.in = nil // the mapping's transpose has served
	for i := 0; err == nil && i < len(c.cores); i++ {
		var syn *core.Synapses
		if syn, err = tabs.table(i); err == nil {
			err = c.cores[i].SetSynapses(syn)
		}
		if err != nil {
			cm := c.mapping.Cores[i]
			err = fmt.Errorf("chip: core %d (%d,%d): %w", i, cm.X, cm.Y, err)
		}
	}
	c.tablesErr = err
	return err
}
