package nir

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/neuron"
)

// runner is a small float interpreter of imported graphs for the tests: dense
// layers and the LIF and CubaLIF neurons over 1-D vectors, one neuron model
// per element (NIR stores one parameter per neuron), recurrent edges reading
// the previous step. It reads dt, the integration and the reset from Meta as
// a compiler would.
type runner struct {
	g      *models.Graph
	order  []*models.Node
	shapes map[string]models.Shape
	cur    map[string][]float64
	prev   map[string][]float64
	lif    map[string][]*neuron.LIF
	cuba   map[string][]*neuron.CubaLIF
	states map[string][]any
}

func newRunner(t *testing.T, g *models.Graph) *runner {
	t.Helper()
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := models.InferShapes(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	dt, err := strconv.ParseFloat(g.Meta["lif_dt"], 64)
	if err != nil {
		t.Fatalf("Meta lif_dt: %v", err)
	}
	integ := map[string]neuron.Integration{"exact": neuron.Exact, "euler": neuron.Euler}[g.Meta["lif_integration"]]
	reset := map[string]neuron.Reset{"hard": neuron.ResetToValue, "subtract": neuron.ResetSubtract}[g.Meta["lif_reset"]]
	r := &runner{g: g, order: order, shapes: shapes, prev: map[string][]float64{},
		lif: map[string][]*neuron.LIF{}, cuba: map[string][]*neuron.CubaLIF{}, states: map[string][]any{}}
	param := func(n *models.Node, name string) []float32 {
		tn := n.Tensor(name)
		if tn == nil {
			t.Fatalf("%s: no %s", n.ID, name)
		}
		v, err := models.BroadcastTo(tn, shapes[n.ID])
		if err != nil {
			t.Fatalf("%s: %s: %v", n.ID, name, err)
		}
		return v
	}
	for _, n := range order {
		size := int(shapes[n.ID].Numel())
		switch n.Op {
		case models.OpLIF:
			tau, rr, vl, vt, vr := param(n, "tau"), param(n, "r"), param(n, "v_leak"), param(n, "v_threshold"), param(n, "v_reset")
			for i := range size {
				m, err := neuron.NewLIF(neuron.LIFParams{Tau: float64(tau[i]), R: float64(rr[i]), VLeak: float64(vl[i]),
					VThreshold: float64(vt[i]), VReset: float64(vr[i]), DT: dt, Integration: integ, Reset: reset})
				if err != nil {
					t.Fatalf("%s[%d]: %v", n.ID, i, err)
				}
				r.lif[n.ID] = append(r.lif[n.ID], m)
				r.states[n.ID] = append(r.states[n.ID], m.NewState(1))
			}
		case models.OpCubaLIF:
			ts, tm, rr, vl, vt, vr, wi := param(n, "tau_syn"), param(n, "tau_mem"), param(n, "r"), param(n, "v_leak"),
				param(n, "v_threshold"), param(n, "v_reset"), param(n, "w_in")
			for i := range size {
				m, err := neuron.NewCubaLIF(neuron.CubaLIFParams{TauSyn: float64(ts[i]), TauMem: float64(tm[i]), R: float64(rr[i]),
					VLeak: float64(vl[i]), VThreshold: float64(vt[i]), VReset: float64(vr[i]), WIn: float64(wi[i]),
					DT: dt, Integration: integ, Reset: reset})
				if err != nil {
					t.Fatalf("%s[%d]: %v", n.ID, i, err)
				}
				r.cuba[n.ID] = append(r.cuba[n.ID], m)
				r.states[n.ID] = append(r.states[n.ID], m.NewState(1))
			}
		case models.OpInput, models.OpOutput, models.OpAffine, models.OpLinear:
		default:
			t.Fatalf("runner: op %s not supported", n.Op)
		}
	}
	return r
}

// step runs one time step with the given input vector (one Input node) and
// returns every node's output.
func (r *runner) step(in []float64) map[string][]float64 {
	r.cur = map[string][]float64{}
	for _, n := range r.order {
		size := int(r.shapes[n.ID].Numel())
		x := make([]float64, size)
		if n.Op == models.OpInput {
			copy(x, in)
			r.cur[n.ID] = x
			continue
		}
		var inSize int
		sum := []float64(nil)
		for _, e := range r.g.InEdges(n.ID) {
			src := r.cur[e.From]
			if e.Recurrent {
				src = r.prev[e.From]
				if src == nil {
					src = make([]float64, r.shapes[e.From].Numel())
				}
			}
			if sum == nil {
				sum = make([]float64, len(src))
				inSize = len(src)
			}
			for i, v := range src {
				sum[i] += v
			}
		}
		switch n.Op {
		case models.OpAffine, models.OpLinear:
			w := n.Tensor("weight")
			for o := range size {
				acc := 0.0
				for i := range inSize {
					acc += float64(w.F32[o*inSize+i]) * sum[i]
				}
				if b := n.Tensor("bias"); b != nil {
					acc += float64(b.F32[o])
				}
				x[o] = acc
			}
		case models.OpLIF, models.OpCubaLIF:
			xi, out := make([]float64, 1), make([]bool, 1)
			for i := range size {
				xi[0] = sum[i]
				if n.Op == models.OpLIF {
					r.lif[n.ID][i].Step(r.states[n.ID][i].(*neuron.State), xi, out)
				} else {
					r.cuba[n.ID][i].Step(r.states[n.ID][i].(*neuron.CubaState), xi, out)
				}
				if out[0] {
					x[i] = 1
				}
			}
		default:
			copy(x, sum)
		}
		r.cur[n.ID] = x
	}
	r.prev = r.cur
	return r.cur
}

// voltage returns the membrane of element i of neuron node id.
func (r *runner) voltage(id string, i int) float64 {
	switch s := r.states[id][i].(type) {
	case *neuron.State:
		return s.V[0]
	case *neuron.CubaState:
		return s.V[0]
	}
	panic(fmt.Sprintf("no state for %s", id))
}
