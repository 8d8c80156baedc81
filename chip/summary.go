package chip

import (
	"fmt"
	"math"
	"sort"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Analytic energy constants of the SDT / SpikeYOLO papers (Horowitz, ISSCC
// 2014, 45 nm, 32-bit float): one multiply-accumulate and one accumulate.
const (
	EMACpJ = 4.6
	EACpJ  = 0.9
)

// Summary is the report of a run: everything `neurosim run` prints and writes
// to report.json. Energies are per inference in picojoules, times in seconds.
type Summary struct {
	Model     string `json:"model"`
	ModelHash string `json:"model_hash"`
	Chip      string `json:"chip"`
	SpecHash  string `json:"spec_hash"`
	// ProgramHash is the SHA-256 of the program's .nsp encoding.
	ProgramHash string  `json:"program_hash"`
	Dataset     string  `json:"dataset"`
	Split       string  `json:"split"`
	Encoding    string  `json:"encoding"`
	NoCModel    string  `json:"noc_model"`
	Steps       int     `json:"steps"`
	Seed        uint64  `json:"seed"`
	Samples     int     `json:"samples"`
	Workers     int     `json:"workers"`
	LaneSize    int     `json:"lane_size"`
	WallSeconds float64 `json:"wall_seconds"`
	Events      uint64  `json:"engine_events"`

	Accuracy      float64    `json:"accuracy"`
	AccuracyCI    [2]float64 `json:"accuracy_ci95"` // Wilson score interval
	RefAccuracy   float64    `json:"software_accuracy"`
	Agreement     float64    `json:"agreement"` // class, scores and counts all equal
	ClassAgree    float64    `json:"class_agreement"`
	ScoresAgree   float64    `json:"scores_agreement"`
	CountsAgree   float64    `json:"counts_agreement"`
	FirstMismatch int        `json:"first_mismatch"` // sample index, −1 if none

	Energy      []EnergyLine `json:"energy"` // per component, per inference
	EnergyTotal Dist         `json:"energy_total_pj"`
	Analytic    Analytic     `json:"analytic"`

	Latency             Dist    `json:"latency_s"`
	Throughput          float64 `json:"throughput_per_s"`           // 1 / mean latency
	PipelinedThroughput float64 `json:"pipelined_throughput_per_s"` // 1 / mean slowest stage

	Layers              []LayerLine `json:"layers"`
	CoreUse             float64     `json:"core_utilisation_mean"`
	CoreUseMax          float64     `json:"core_utilisation_max"`
	Links               []LinkLine  `json:"busiest_links"`
	PacketLatencyCycles Dist        `json:"packet_latency_cycles"`

	Counts Counts `json:"mean_counts"` // rounded means per inference
	// CIM lists the macro every cim core kind ran with (the spec's, or the
	// one Exec.SetMacro set, which the spec hash does not show); nil on a
	// chip without cim cores.
	CIM []CIMLine `json:"cim,omitempty"`
	// Board is the multi-chip figures (interchip.go); nil on a single chip.
	Board     *BoardSummary `json:"board,omitempty"`
	Latencies []float64     `json:"-"` // per sample, for plots
	EarlyStop *EarlyStop    `json:"early_stop,omitempty"`
}

// Dist summarises a per-inference quantity.
type Dist struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
}

// EnergyLine is one energy component per inference: the mean count, the price
// of one and the resulting energy (mean, p50, p99 over the samples).
type EnergyLine struct {
	Component string  `json:"component"`
	Unit      string  `json:"unit"`
	Count     float64 `json:"count"` // mean per inference
	PJ        float64 `json:"pj_each"`
	Energy    Dist    `json:"energy_pj"`
	Source    string  `json:"source,omitempty"`
}

// Analytic is the SDT/SpikeYOLO estimate: E = E_MAC · FL(first layer) · T +
// E_AC · Σ SOP, SOP_l = fr_(l−1) · T · FL_l with fr the measured mean spike
// count per neuron and step.
type Analytic struct {
	EMAC     float64 `json:"e_mac_pj"`
	EAC      float64 `json:"e_ac_pj"`
	MACs     float64 `json:"macs"`
	SOPs     float64 `json:"sops"`
	EnergyPJ float64 `json:"energy_pj"`
}

// LayerLine is one layer's activity per inference.
type LayerLine struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Neurons     int     `json:"neurons"`
	Cores       int     `json:"cores"`
	SpikesMean  float64 `json:"spikes"`           // binary spikes per inference
	Rate        float64 `json:"mean_count"`       // per neuron per step
	FLOPs       float64 `json:"flops"`            // per step (MACs of a dense evaluation)
	SOPs        float64 `json:"analytic_sops"`    // fr_src · T · FLOPs (or MACs for the first layer)
	SynOps      float64 `json:"synaptic_ops"`     // measured on the chip
	Utilisation float64 `json:"core_utilisation"` // mean over its cores
}

// LinkLine is one NoC link's load.
type LinkLine struct {
	Link        string  `json:"link"`
	FlitsPerInf float64 `json:"flits_per_inference"`
}

// EarlyStop is the trade-off of stopping a rate-coded inference once the
// accumulated output is decided.
type EarlyStop struct {
	Rule   string           `json:"rule"` // margin or confidence
	Theta  float64          `json:"theta"`
	Chosen EarlyStopPoint   `json:"chosen"`
	Curve  []EarlyStopPoint `json:"curve"`
}

// EarlyStopPoint is the outcome of one threshold.
type EarlyStopPoint struct {
	Theta        float64 `json:"theta"`
	Accuracy     float64 `json:"accuracy"`
	AccuracyDiff float64 `json:"accuracy_change"` // against running all steps, in points
	MeanSteps    float64 `json:"mean_steps"`
	OpsSaved     float64 `json:"synaptic_ops_saved"` // fraction
	EnergySaved  float64 `json:"energy_saved"`       // fraction
}

// Summarise computes the report of res, run by x.
func (x *Exec) Summarise(res *RunResult) *Summary {
	p := x.Prog
	e := &x.Spec.Energy
	n := len(res.Samples)
	s := &Summary{
		Model: p.ModelName, ModelHash: p.ModelHash, Chip: p.SpecName, SpecHash: p.SpecHash,
		Encoding: p.Input.Encoding, NoCModel: x.NoCModel(), Steps: x.steps, Samples: n, Workers: res.Workers,
		WallSeconds: res.Wall.Seconds(), Events: res.Events, FirstMismatch: -1,
	}
	if n == 0 {
		return s
	}
	fn := float64(n)
	var correct, refCorrect, agree, ca, sa, ka int
	for i := range res.Samples {
		if res.Samples[i].Class == res.Labels[i] {
			correct++
		}
		if res.RefClass[i] == res.Labels[i] {
			refCorrect++
		}
		a := res.Agree[i]
		if a.OK() {
			agree++
		} else if s.FirstMismatch < 0 {
			s.FirstMismatch = i
		}
		if a.Class {
			ca++
		}
		if a.Scores {
			sa++
		}
		if a.Counts {
			ka++
		}
	}
	s.Accuracy = float64(correct) / fn
	s.AccuracyCI = Wilson(correct, n, 1.959963984540054)
	s.RefAccuracy = float64(refCorrect) / fn
	s.Agreement, s.ClassAgree, s.ScoresAgree, s.CountsAgree = float64(agree)/fn, float64(ca)/fn, float64(sa)/fn, float64(ka)/fn

	// energy by component
	tiles := float64(x.Spec.Chip.NumTiles())
	type comp struct {
		name, unit, src string
		pj              float64
		count           func(r *SampleResult) float64
	}
	sec := func(r *SampleResult) float64 { return float64(r.Latency) * 1e-12 }
	comps := []comp{
		{"synaptic op (spike, AC)", "ops", e.SynapticOp.Source, e.SynapticOp.PJ, func(r *SampleResult) float64 { return float64(r.Counts.SynOps) }},
		{"input MAC (value event)", "ops", e.SynapticOp.Source + " (priced as a synaptic op)", e.SynapticOp.PJ, func(r *SampleResult) float64 { return float64(r.Counts.InputMACs) }},
		{"neuron update", "updates", e.NeuronUpdate.Source, e.NeuronUpdate.PJ, func(r *SampleResult) float64 { return float64(r.Counts.NeuronUpdates) }},
		{"spike out", "spikes", e.SpikeOut.Source, e.SpikeOut.PJ, func(r *SampleResult) float64 { return float64(r.Counts.Spikes) }},
		{"packet out", "packets", e.PacketOut.Source, e.PacketOut.PJ, func(r *SampleResult) float64 { return float64(r.Counts.Packets) }},
		{"hop x", "flit hops", e.HopX.Source, e.HopX.PJ, func(r *SampleResult) float64 { return float64(r.Counts.HopsX) }},
		{"hop y", "flit hops", e.HopY.Source, e.HopY.PJ, func(r *SampleResult) float64 { return float64(r.Counts.HopsY) }},
		{"barrier", "core·phases", e.Barrier.Source, e.Barrier.PJ, func(r *SampleResult) float64 { return float64(r.Counts.Barriers) }},
		{"core static", "core·s", e.CoreStatic.Source, e.CoreStatic.MW * 1e9, func(r *SampleResult) float64 { return tiles * sec(r) }},
		{"router static", "router·s", e.RouterStatic.Source, e.RouterStatic.MW * 1e9, func(r *SampleResult) float64 { return tiles * sec(r) }},
	}
	if x.HasCIM() {
		comps = append(comps,
			comp{"xbar row drive", "rows", e.XbarRow.Source, e.XbarRow.PJ, func(r *SampleResult) float64 { return float64(r.Counts.XbarRows) }},
			comp{"ADC conversion", "conversions", e.ADC.Source, e.ADC.PJ, func(r *SampleResult) float64 { return float64(r.Counts.ADCConversions) }},
			comp{"cell read", "cells", e.CellRead.Source, e.CellRead.PJ, func(r *SampleResult) float64 { return float64(r.Counts.CellReads) }},
			comp{"partial-sum add", "adds", e.PsumAdd.Source, e.PsumAdd.PJ, func(r *SampleResult) float64 { return float64(r.Counts.PsumAdds) }},
		)
		s.CIM = x.cimLines()
	}
	if x.HasAttention() {
		comps = append(comps,
			comp{"attention state add", "adds", e.AttnStateAdd.Source, e.AttnStateAdd.PJ, func(r *SampleResult) float64 { return float64(r.Counts.AttnStateAdds) }},
			comp{"attention state read", "reads", e.AttnStateRead.Source, e.AttnStateRead.PJ, func(r *SampleResult) float64 { return float64(r.Counts.AttnStateReads) }},
			comp{"attention output add", "adds", e.AttnOutAdd.Source, e.AttnOutAdd.PJ, func(r *SampleResult) float64 { return float64(r.Counts.AttnOutAdds) }},
		)
	}
	if x.chips > 1 {
		tiles *= float64(x.chips) // every chip of the board is powered
		comps = append(comps, comp{"inter-chip bit", "bits", e.InterchipBit.Source, e.InterchipBit.PJ, func(r *SampleResult) float64 { return float64(r.Counts.InterChipBits) }})
		s.Board = x.boardSummary(res)
	}
	total := make([]float64, n)
	vals := make([]float64, n)
	for _, c := range comps {
		var cnt float64
		for i := range res.Samples {
			v := c.count(&res.Samples[i])
			cnt += v
			vals[i] = v * c.pj
			total[i] += vals[i]
		}
		s.Energy = append(s.Energy, EnergyLine{Component: c.name, Unit: c.unit, Count: cnt / fn, PJ: c.pj, Energy: dist(vals), Source: c.src})
	}
	s.EnergyTotal = dist(total)

	// latency and throughput
	s.Latencies = make([]float64, n)
	var interval float64
	for i := range res.Samples {
		s.Latencies[i] = float64(res.Samples[i].Latency) * 1e-12
		interval += float64(res.Samples[i].Interval) * 1e-12
	}
	s.Latency = dist(s.Latencies)
	if s.Latency.Mean > 0 {
		s.Throughput = 1 / s.Latency.Mean
	}
	if interval > 0 {
		s.PipelinedThroughput = fn / interval
	}

	// mean counts
	var sum Counts
	for i := range res.Samples {
		sum.add(&res.Samples[i].Counts)
	}
	s.Counts = Counts{
		SynOps: uint64(math.Round(float64(sum.SynOps) / fn)), InputMACs: uint64(math.Round(float64(sum.InputMACs) / fn)),
		InputEvents: uint64(math.Round(float64(sum.InputEvents) / fn)), NeuronUpdates: uint64(math.Round(float64(sum.NeuronUpdates) / fn)),
		Spikes: uint64(math.Round(float64(sum.Spikes) / fn)), Packets: uint64(math.Round(float64(sum.Packets) / fn)),
		Deliveries: uint64(math.Round(float64(sum.Deliveries) / fn)), HopsX: uint64(math.Round(float64(sum.HopsX) / fn)),
		HopsY: uint64(math.Round(float64(sum.HopsY) / fn)), Barriers: uint64(math.Round(float64(sum.Barriers) / fn)),
		XbarReads: uint64(math.Round(float64(sum.XbarReads) / fn)), XbarRows: uint64(math.Round(float64(sum.XbarRows) / fn)),
		ADCConversions: uint64(math.Round(float64(sum.ADCConversions) / fn)), CellReads: uint64(math.Round(float64(sum.CellReads) / fn)),
		PsumAdds:      uint64(math.Round(float64(sum.PsumAdds) / fn)),
		AttnStateAdds: uint64(math.Round(float64(sum.AttnStateAdds) / fn)), AttnStateReads: uint64(math.Round(float64(sum.AttnStateReads) / fn)),
		AttnOutAdds:      uint64(math.Round(float64(sum.AttnOutAdds) / fn)),
		InterChipPackets: uint64(math.Round(float64(sum.InterChipPackets) / fn)), InterChipBits: uint64(math.Round(float64(sum.InterChipBits) / fn)),
		InterChipLinkTime: sim.Time(math.Round(float64(sum.InterChipLinkTime) / fn)),
	}

	// layers and the analytic estimate
	var inNZ float64
	for i := range res.Samples {
		inNZ += float64(res.Samples[i].InputSpikes)
	}
	T := float64(x.steps)
	inRate := inNZ / fn / T / float64(x.inputSize)
	rates := make([]float64, len(p.Layers))
	util := func(cores []int) float64 {
		if res.Time == 0 || len(cores) == 0 {
			return 0
		}
		var u float64
		for _, ci := range cores {
			u += float64(res.CoreBusy[ci]) / float64(res.Time)
		}
		return u / float64(len(cores))
	}
	s.Analytic.EMAC, s.Analytic.EAC = EMACpJ, EACpJ
	for li := range p.Layers {
		l := &p.Layers[li]
		var spk, syn float64
		for i := range res.Samples {
			spk += float64(res.Samples[i].LayerSpikes[li])
			syn += float64(res.Samples[i].LayerSynOps[li])
		}
		spk /= fn
		rates[li] = spk / T / float64(l.Size())
		ll := LayerLine{Name: l.Name, Kind: l.Kind, Neurons: l.Size(), Cores: len(l.Cores), SpikesMean: spk, Rate: rates[li], SynOps: syn / fn, Utilisation: util(l.Cores)}
		if l.Kind == compiler.LayerReadout {
			ll.Rate = 0
		}
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			var fl float64
			if pr.Kind == compiler.ProjAttn {
				fl = attnFLOPs(l, pr)
			} else {
				fl = flops(pr, l.Shape)
			}
			ll.FLOPs += fl
			switch {
			case pr.Source < 0 && p.Input.Encoding == "direct":
				ll.SOPs += fl * T
				s.Analytic.MACs += fl * T
			case pr.Source < 0:
				ll.SOPs += inRate * T * fl
				s.Analytic.SOPs += inRate * T * fl
			default:
				ll.SOPs += rates[pr.Source] * T * fl
				s.Analytic.SOPs += rates[pr.Source] * T * fl
			}
		}
		s.Layers = append(s.Layers, ll)
	}
	s.Analytic.EnergyPJ = EMACpJ*s.Analytic.MACs + EACpJ*s.Analytic.SOPs

	all := make([]int, len(x.cores))
	for i := range all {
		all[i] = i
	}
	s.CoreUse = util(all)
	for ci := range x.cores {
		if res.Time > 0 {
			s.CoreUseMax = max(s.CoreUseMax, float64(res.CoreBusy[ci])/float64(res.Time))
		}
	}

	// busiest links (router to router)
	idx := make([]int, 0, len(res.Links))
	for i, l := range res.Links {
		if l.Out != noc.Local && res.LinkFlits[i] > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return res.LinkFlits[idx[a]] > res.LinkFlits[idx[b]] })
	for k, i := range idx {
		if k == 5 {
			break
		}
		l := res.Links[i]
		s.Links = append(s.Links, LinkLine{Link: fmt.Sprintf("(%d,%d)→%s", l.From.X, l.From.Y, l.Out), FlitsPerInf: float64(res.LinkFlits[i]) / fn})
	}
	h := &res.PacketLatency
	if h.Count() > 0 {
		s.PacketLatencyCycles = Dist{Mean: h.Mean(), P50: float64(h.Quantile(0.5)), P99: float64(h.Quantile(0.99))}
	}
	return s
}

// attnFLOPs returns the matrix-product operations of attention layer l that
// its input pr is charged with, models.NodeMACs' count split by the operand
// whose spikes drive it: q_kv (the Large models) 2·N·C·Cv/heads, half on k
// (kᵀ·v) and half on q (q·S); qk_v (the Base models) N²·(C + Cv), N²·C on q
// (q·kᵀ) and N²·Cv on v ((q·kᵀ)·v).
func attnFLOPs(l *compiler.Layer, pr *compiler.Projection) float64 {
	a := l.Attn
	n, c, cv := float64(a.Tokens), float64(a.Heads*a.DK), float64(a.Heads*a.DV)
	if a.Order == "q_kv" {
		if pr.Role == "v" {
			return 0
		}
		return n * c * cv / float64(a.Heads)
	}
	switch pr.Role {
	case "q":
		return n * n * c
	case "v":
		return n * n * cv
	}
	return 0
}

// flops returns the multiply-accumulates of a dense evaluation of pr into a
// layer of shape out, per step: k²·Cin/G·Cout·Hout·Wout for conv, in·out for
// dense.
func flops(pr *compiler.Projection, out []int) float64 {
	if pr.Kind == compiler.ProjSparse { // a GraphConv: its synapses
		return float64(pr.NNZ)
	}
	if pr.Kind == compiler.ProjDense {
		return float64(len(pr.Weights))
	}
	hw := 1
	if len(out) == 3 {
		hw = out[1] * out[2]
	}
	return float64(pr.KH*pr.KW*(pr.InShape[0]/pr.Groups)*pr.Cout) * float64(hw)
}

// Wilson returns the Wilson score interval of k successes in n trials at
// normal quantile z (1.96 for 95 %).
func Wilson(k, n int, z float64) [2]float64 {
	if n == 0 {
		return [2]float64{0, 1}
	}
	fn := float64(n)
	ph := float64(k) / fn
	d := 1 + z*z/fn
	c := (ph + z*z/(2*fn)) / d
	w := z * math.Sqrt(ph*(1-ph)/fn+z*z/(4*fn*fn)) / d
	return [2]float64{max(0, c-w), min(1, c+w)}
}

// dist returns the mean, median and 99th percentile (nearest rank) of v; v is
// not modified.
func dist(v []float64) Dist {
	if len(v) == 0 {
		return Dist{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	var m float64
	for _, x := range v {
		m += x
	}
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Dist{Mean: m / float64(len(v)), P50: q(0.5), P99: q(0.99)}
}

// StaticPJPerSecond returns the static power of the whole chip (every tile's
// core and router), in picojoules per second.
func (x *Exec) StaticPJPerSecond() float64 {
	e := &x.Spec.Energy
	return float64(x.Spec.Chip.NumTiles()*max(x.chips, 1)) * (e.CoreStatic.MW + e.RouterStatic.MW) * 1e9
}

// EarlyStopCurve evaluates stopping each sample at the first step whose
// StepMark passes rule ("margin" or "confidence") at threshold θ, for theta
// and a grid of thresholds around it. Accuracy changes are against running
// all steps.
func (x *Exec) EarlyStopCurve(res *RunResult, rule string, theta float64) (*EarlyStop, error) {
	if rule != "margin" && rule != "confidence" {
		return nil, fmt.Errorf("early stop: unknown rule %q (want margin or confidence)", rule)
	}
	n := len(res.Samples)
	if n == 0 {
		return &EarlyStop{Rule: rule, Theta: theta}, nil
	}
	e := &x.Spec.Energy
	static := x.StaticPJPerSecond()
	var fullOps, fullE float64
	var fullCorrect int
	for i := range res.Samples {
		r := &res.Samples[i]
		fullOps += float64(r.Counts.SynOps + r.Counts.InputMACs)
		fullE += r.Counts.DynamicPJ(e) + static*float64(r.Latency)*1e-12
		if r.Class == res.Labels[i] {
			fullCorrect++
		}
	}
	eval := func(th float64) EarlyStopPoint {
		var ops, en, steps float64
		correct := 0
		for i := range res.Samples {
			r := &res.Samples[i]
			k := len(r.Steps) - 1
			for t, mk := range r.Steps {
				v := mk.Margin
				if rule == "confidence" {
					v = mk.Confidence
				}
				if v >= th {
					k = t
					break
				}
			}
			mk := &r.Steps[k]
			ops += float64(mk.Counts.SynOps + mk.Counts.InputMACs)
			en += mk.Counts.DynamicPJ(e) + static*float64(mk.Time)*1e-12
			steps += float64(k + 1)
			if mk.Class == res.Labels[i] {
				correct++
			}
		}
		fn := float64(n)
		pt := EarlyStopPoint{Theta: th, Accuracy: float64(correct) / fn, AccuracyDiff: 100 * float64(correct-fullCorrect) / fn, MeanSteps: steps / fn}
		if fullOps > 0 {
			pt.OpsSaved = 1 - ops/fullOps
		}
		if fullE > 0 {
			pt.EnergySaved = 1 - en/fullE
		}
		return pt
	}
	var grid []float64
	if rule == "confidence" {
		grid = []float64{0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999}
	} else {
		// margins observed over every step, in the scores' units
		var ms []float64
		for i := range res.Samples {
			for _, mk := range res.Samples[i].Steps {
				if mk.Margin > 0 && mk.Margin < math.MaxFloat64 {
					ms = append(ms, mk.Margin)
				}
			}
		}
		sort.Float64s(ms)
		for _, q := range []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95} {
			if len(ms) > 0 {
				grid = append(grid, ms[int(q*float64(len(ms)-1))])
			}
		}
	}
	grid = append(grid, theta)
	sort.Float64s(grid)
	es := &EarlyStop{Rule: rule, Theta: theta}
	for i, th := range grid {
		if i > 0 && th == grid[i-1] {
			continue
		}
		pt := eval(th)
		es.Curve = append(es.Curve, pt)
		if th == theta {
			es.Chosen = pt
		}
	}
	return es, nil
}
