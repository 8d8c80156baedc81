package zoo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neurosim/neurosim/models"
)

// Layer is one row of the analytic table: a node that does multiply-accumulates
// (conv, dense, spike attention, DFL), with linear chains (Rep convs) folded into the
// one convolution they are at inference.
type Layer struct {
	Node   string       `json:"node"`            // the node, or a folded chain's first node
	Chain  []string     `json:"chain,omitempty"` // the nodes of a folded chain, in order
	Op     models.Op    `json:"op"`
	In     models.Shape `json:"in"`
	Out    models.Shape `json:"out"`
	Cin    int          `json:"cin,omitempty"`    // convs: input channels
	Cout   int          `json:"cout,omitempty"`   // convs: output channels
	Kernel int          `json:"kernel,omitempty"` // convs: kernel size (folded)
	Groups int          `json:"groups,omitempty"` // convs: groups (a folded chain has 1)
	Params int64        `json:"params"`           // trainable parameters of the node or chain
	// FLOPs per time step: Cin·Cout·k²·Hout·Wout/groups for convs, in·out for dense
	// layers, the matrix products of attention (models.NodeMACs).
	FLOPs int64 `json:"flops"`
	// Source is the node whose spikes drive this layer: its rate prices the layer's
	// synaptic operations. Empty when the input is real-valued (the first layer, the
	// Large models' head, DFL): such a layer is priced as MACs.
	Source string `json:"source,omitempty"`
}

// SpikeLayer is one MultiSpike node and the number of its outputs per step.
type SpikeLayer struct {
	Node    string `json:"node"`
	Outputs int64  `json:"outputs"`
}

// Table is the analytic description of a model: what `neurosim inspect --zoo` prints
// and what Price charges.
type Table struct {
	Layers         []Layer      `json:"layers"`
	Spikes         []SpikeLayer `json:"spiking_layers"`
	Params         int64        `json:"params"`            // whole graph (models.ParamCount)
	FLOPs          int64        `json:"flops"`             // Σ Layers
	ConvLinear     int64        `json:"conv_linear_flops"` // convs and dense layers only
	Attention      int64        `json:"attention_flops"`   // SpikeAttention matrix products
	SpikingOutputs int64        `json:"spiking_outputs"`   // Σ Spikes

	// For rate derivation through routing nodes (Concat, Flatten, Upsample).
	preds map[string][]string
	numel map[string]int64
	ops   map[string]models.Op
}

// Analyze builds the analytic table of g; inputs overrides Input shapes as in
// models.InferShapes. Linear chains that fold (models.LinearChains, models.PlanFold)
// are counted as the folded convolution; a chain that does not fold is counted node
// by node. Weights are not read, so a Placeholder model works.
func Analyze(g *models.Graph, inputs map[string]models.Shape) (*Table, error) {
	sum, err := models.Summarize(g, inputs)
	if err != nil {
		return nil, err
	}
	shapes := map[string]models.Shape{}
	t := &Table{Params: sum.Params, preds: map[string][]string{}, numel: map[string]int64{}, ops: map[string]models.Op{}}
	rows := map[string]models.NodeSummary{}
	for _, r := range sum.Nodes {
		shapes[r.ID] = r.Out
		rows[r.ID] = r
		t.preds[r.ID] = g.Predecessors(r.ID)
		t.numel[r.ID] = r.Out.Numel()
		t.ops[r.ID] = r.Op
	}
	folded := map[string]bool{} // nodes inside a folded chain, other than its first
	chainOf := map[string][]string{}
	for _, c := range models.LinearChains(g) {
		preds := g.Predecessors(c[0])
		if len(preds) != 1 {
			continue
		}
		if _, err := models.PlanFold(g, c, shapes[preds[0]]); err != nil {
			continue
		}
		chainOf[c[0]] = c
		for _, id := range c[1:] {
			folded[id] = true
		}
	}
	for _, r := range sum.Nodes {
		if r.Op == models.OpMultiSpike {
			t.Spikes = append(t.Spikes, SpikeLayer{Node: r.ID, Outputs: r.Out.Numel()})
			t.SpikingOutputs += r.Out.Numel()
		}
		if folded[r.ID] {
			continue
		}
		n := g.Node(r.ID)
		if c, ok := chainOf[r.ID]; ok {
			pred := g.Predecessors(c[0])[0]
			plan, _ := models.PlanFold(g, c, shapes[pred])
			last := c[len(c)-1]
			out := shapes[last]
			l := Layer{Node: r.ID, Chain: c, Op: models.OpConv2d, In: shapes[pred], Out: out,
				Cin: plan.Cin, Cout: plan.Cout, Kernel: plan.Kernel, Groups: 1,
				FLOPs:  int64(plan.Cin) * int64(plan.Kernel*plan.Kernel) * out.Numel(),
				Source: t.spikeSource(pred)}
			for _, id := range c {
				l.Params += rows[id].Params
			}
			t.add(l)
			continue
		}
		if r.MACs == 0 {
			continue
		}
		l := Layer{Node: r.ID, Op: r.Op, Out: r.Out, Params: r.Params, FLOPs: r.MACs}
		if len(r.In) > 0 {
			l.In = r.In[0]
		}
		if r.Op == models.OpConv2d {
			w := n.Tensors["weight"].Shape
			l.Cout, l.Kernel, l.Groups = w[0], w[2], n.Int("groups", 1)
			l.Cin = w[1] * l.Groups
		}
		if r.Op != models.OpDFL && len(t.preds[r.ID]) > 0 {
			l.Source = t.spikeSource(t.preds[r.ID][0])
		}
		t.add(l)
	}
	return t, nil
}

func (t *Table) add(l Layer) {
	t.Layers = append(t.Layers, l)
	t.FLOPs += l.FLOPs
	switch l.Op {
	case models.OpSpikeAttention:
		t.Attention += l.FLOPs
	case models.OpConv1d, models.OpConv2d, models.OpAffine, models.OpLinear:
		t.ConvLinear += l.FLOPs
	}
}

// spikeSource returns id if its value is a spike tensor (a MultiSpike, or a routing
// node — Concat, Flatten, Upsample, a pool — over spike tensors only), else "".
func (t *Table) spikeSource(id string) string {
	switch t.ops[id] {
	case models.OpMultiSpike:
		return id
	case models.OpConcat, models.OpFlatten, models.OpUpsample, models.OpSumPool2d, models.OpAvgPool2d, models.OpMaxPool2d:
		for _, p := range t.preds[id] {
			if t.spikeSource(p) == "" {
				return ""
			}
		}
		if len(t.preds[id]) > 0 {
			return id
		}
	}
	return ""
}

// Rates maps a spiking node's ID to its mean spike count per neuron per real time
// step (the integer-spike mean of SDT-V3 and SpikeYOLO: it may exceed 1).
type Rates map[string]float64

// rate returns the rate of a spike source: given, or derived through routing nodes
// (a Concat's is the size-weighted mean of its inputs').
func (t *Table) rate(r Rates, id string) (float64, bool) {
	if v, ok := r[id]; ok {
		return v, true
	}
	switch t.ops[id] {
	case models.OpMultiSpike:
		// A run report names a spiking layer after a node that feeds its neurons
		// (its conv or dense node): look through the linear nodes before it.
		for p, i := t.preds[id], 0; len(p) == 1 && i < 4; p, i = t.preds[p[0]], i+1 {
			if v, ok := r[p[0]]; ok {
				return v, true
			}
			switch t.ops[p[0]] {
			case models.OpBatchNorm, models.OpScale, models.OpConv2d, models.OpAffine, models.OpLinear:
			default:
				return 0, false
			}
		}
	case models.OpFlatten, models.OpUpsample, models.OpAvgPool2d, models.OpMaxPool2d:
		// Routing keeps the count per element (an average or a max of counts is
		// priced at its input's rate: an approximation for the pools).
		return t.rate(r, t.preds[id][0])
	case models.OpSumPool2d:
		// Each output sums a k×k window: k² times the input's count (borders of a
		// padded pool count as full windows).
		v, ok := t.rate(r, t.preds[id][0])
		return v * float64(t.numel[t.preds[id][0]]) / float64(t.numel[id]), ok
	case models.OpConcat:
		var s, n float64
		for _, p := range t.preds[id] {
			v, ok := t.rate(r, p)
			if !ok {
				return 0, false
			}
			s += v * float64(t.numel[p])
			n += float64(t.numel[p])
		}
		return s / n, true
	}
	return 0, false
}

// Prices are the constants of the SDT/SpikeYOLO energy methodology
// (seed-models.md §3): Horowitz ISSCC 2014, 45 nm, 32-bit float.
type Prices struct {
	EMAC float64 // pJ per multiply-accumulate (4.6)
	EAC  float64 // pJ per accumulate (0.9)
	// Steps is the number of real time steps T (1 for the zoo's models); rates are
	// per step, so SOP = rate · T · FLOPs.
	Steps int
	// MACRate, if > 0, prices real-valued-input layers as EAC·MACRate per FLOP instead
	// of EMAC: SpikeYOLO's power_cal.xlsx charges its first layer with a "rate" of
	// 4.6, i.e. 4.14 pJ per MAC. 0 keeps the methodology's EMAC.
	MACRate float64
}

// DefaultPrices are E_MAC 4.6 pJ, E_AC 0.9 pJ, T = 1.
var DefaultPrices = Prices{EMAC: 4.6, EAC: 0.9, Steps: 1}

// EnergyRow is one layer's analytic energy.
type EnergyRow struct {
	Node  string  `json:"node"`
	FLOPs int64   `json:"flops"`
	MAC   bool    `json:"mac"`            // priced as MACs (real-valued input)
	Rate  float64 `json:"rate,omitempty"` // mean spike count of the source, per step
	Ops   float64 `json:"ops"`            // MACs (T·FLOPs) or SOPs (rate·T·FLOPs)
	PJ    float64 `json:"energy_pj"`
	ANNPJ float64 `json:"ann_energy_pj"` // the same layer as a non-spiking network: EMAC·T·FLOPs
}

// Energy is the analytic estimate of one inference.
type Energy struct {
	Rows  []EnergyRow `json:"layers"`
	MACs  float64     `json:"macs"`
	SOPs  float64     `json:"sops"`
	PJ    float64     `json:"energy_pj"`     // E_SNN
	ANNPJ float64     `json:"ann_energy_pj"` // E_ANN = EMAC · T · ΣFLOPs
}

// Price computes E_SNN = EMAC·T·ΣFLOPs(real-valued-input layers) + EAC·Σ rate·T·FLOPs
// (spike-driven layers) and E_ANN = EMAC·T·ΣFLOPs. Spike-driven attention is charged
// as accumulates at the rate of its q input. Every spike source without a rate is an
// error that names them all.
func (t *Table) Price(r Rates, p Prices) (*Energy, error) {
	if !(p.EMAC >= 0) || !(p.EAC >= 0) || p.Steps < 1 || !(p.MACRate >= 0) {
		return nil, fmt.Errorf("zoo: price: need EMAC, EAC ≥ 0, Steps ≥ 1, MACRate ≥ 0; have %+v", p)
	}
	steps := float64(p.Steps)
	e := &Energy{}
	var missing []string
	for _, l := range t.Layers {
		row := EnergyRow{Node: l.Node, FLOPs: l.FLOPs, ANNPJ: p.EMAC * steps * float64(l.FLOPs)}
		if l.Source == "" {
			row.MAC = true
			row.Ops = steps * float64(l.FLOPs)
			row.PJ = p.EMAC * row.Ops
			if p.MACRate > 0 {
				row.PJ = p.EAC * p.MACRate * row.Ops
			}
			e.MACs += row.Ops
		} else {
			v, ok := t.rate(r, l.Source)
			if !ok {
				missing = append(missing, l.Source)
				continue
			}
			row.Rate = v
			row.Ops = v * steps * float64(l.FLOPs)
			row.PJ = p.EAC * row.Ops
			e.SOPs += row.Ops
		}
		e.PJ += row.PJ
		e.ANNPJ += row.ANNPJ
		e.Rows = append(e.Rows, row)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		missing = slices.Compact(missing)
		more := ""
		if len(missing) > 10 {
			more = fmt.Sprintf(" and %d more", len(missing)-10)
			missing = missing[:10]
		}
		return nil, fmt.Errorf("zoo: price: no rate for spiking layers %s%s", strings.Join(missing, ", "), more)
	}
	return e, nil
}

// Sources returns the spiking nodes whose rates Price needs, in layer order,
// each once.
func (t *Table) Sources() []string {
	var ids []string
	seen := map[string]bool{}
	for _, l := range t.Layers {
		if l.Source != "" && !seen[l.Source] {
			seen[l.Source] = true
			ids = append(ids, l.Source)
		}
	}
	return ids
}
