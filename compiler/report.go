package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/neurosim/neurosim/models"
)

// Report is the mapping report: what went where and what it costs.
type Report struct {
	Layers    []LayerReport   `json:"layers"`
	Cores     []CoreReport    `json:"cores"`
	Placement PlacementReport `json:"placement"`
	Routing   RoutingReport   `json:"routing"`
	// Links holds the estimated packets per inference on every used directed link,
	// at Options.Activity binary spikes per neuron; MaxLinkLoad is the largest.
	Links       []LinkLoad `json:"links"`
	MaxLinkLoad float64    `json:"max_link_load"`
	Tiles       int        `json:"tiles"`
	UsedCores   int        `json:"used_cores"`
	// InterChip sums the Links that cross between chips of a board; zero (and left
	// out of the encoding, so single-chip programs keep their bytes) on one chip.
	InterChip InterChipReport `json:"inter_chip,omitzero"`
}

// InterChipReport estimates the traffic between the chips of a board, at
// Options.Activity binary spikes per neuron, priced with the spec's board links
// (latency, bandwidth) and energy.interchip_bit.
type InterChipReport struct {
	Chips     int     `json:"chips"`      // chips on the board
	UsedChips int     `json:"used_chips"` // chips holding at least one core
	Links     int     `json:"links"`      // directed inter-chip links that carry traffic
	Packets   float64 `json:"packets"`    // packet crossings per inference, all inter-chip links
	Bits      float64 `json:"bits"`       // Packets × spike_packet_bits
	EnergyPJ  float64 `json:"energy_pj"`  // Bits × energy.interchip_bit
	// CrossingNS is one packet's time on one inter-chip link: link latency plus
	// serialisation (spike_packet_bits / link_gbps).
	CrossingNS float64 `json:"crossing_ns"`
	// BusiestNS is the serialisation time of the busiest inter-chip link's packets
	// per inference: a lower bound on the board's time per inference.
	BusiestNS float64 `json:"busiest_ns"`
}

// LayerReport describes one layer's mapping.
type LayerReport struct {
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	Neuron    string     `json:"neuron"`
	CoreKind  string     `json:"core_kind"`
	Cores     int        `json:"cores"`
	Neurons   int        `json:"neurons"`
	Synapses  int64      `json:"synapses"`
	Axons     int        `json:"axons"`
	Bytes     int        `json:"bytes"`
	ThetaMin  int32      `json:"threshold_min"`
	ThetaMax  int32      `json:"threshold_max"`
	D         int        `json:"d"`
	Step      int        `json:"step"`
	NeuronUse float64    `json:"neuron_utilisation"` // neurons / (cores × neurons per core)
	MemUse    float64    `json:"memory_utilisation"` // bytes / (cores × synapse memory); 0 on cim
	Quant     QuantStats `json:"quant"`
	// Macros is the number of crossbar macros of the layer's cim cores (tile
	// pass), MacroTiles the largest row × column tiling of one of its cores,
	// Digits the weight digits per synapse; all zero (and left out) on
	// digital cores.
	Macros     int    `json:"macros,omitempty"`
	MacroTiles string `json:"macro_tiles,omitempty"`
	Digits     int    `json:"weight_digits,omitempty"`
}

// CoreReport is one core's occupancy.
type CoreReport struct {
	ID        int     `json:"id"`
	Layer     string  `json:"layer"`
	Kind      string  `json:"kind"`
	Chip      int     `json:"chip"`
	X         int     `json:"x"`
	Y         int     `json:"y"`
	Neurons   int     `json:"neurons"`
	Axons     int     `json:"axons"`
	Bytes     int     `json:"bytes"`
	NeuronUse float64 `json:"neuron_utilisation"`
	AxonUse   float64 `json:"axon_utilisation"`
	MemUse    float64 `json:"memory_utilisation"`
}

// PlacementReport compares Σ traffic × hops (packets × Manhattan hops per
// inference at one spike per neuron) of the placements; on a board of several
// chips every chip boundary crossed counts as the hops whose energy equals one
// packet over a board link (place.go, crossHops).
type PlacementReport struct {
	RowMajor int64   `json:"row_major"`
	Greedy   int64   `json:"greedy"`
	Final    int64   `json:"final"`
	Ratio    float64 `json:"ratio"` // Final / RowMajor
}

// RoutingReport counts multicast routing-table entries.
type RoutingReport struct {
	Entries      int   `json:"entries"`
	MaxPerRouter int   `json:"max_per_router"`
	PerRouter    []int `json:"per_router"` // global row-major tiles
}

// LinkLoad is the estimated traffic on the link leaving global tile (X, Y) in Dir.
type LinkLoad struct {
	X         int     `json:"x"`
	Y         int     `json:"y"`
	Dir       int     `json:"dir"`
	Packets   float64 `json:"packets"`
	InterChip bool    `json:"inter_chip"`
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// emitPass fills the schedule, the hashes and the mapping report.
// hashModel records the SHA-256 of g's .nsm encoding and its arch name.
func (s *State) hashModel(g *models.Graph) error {
	h := sha256.New()
	if err := models.EncodeNSM(h, g); err != nil {
		return err
	}
	s.modelHash, s.modelName = hex.EncodeToString(h.Sum(nil)), g.Meta["arch"]
	return nil
}

func emitPass(s *State) error {
	p := s.prog
	p.Seed = s.Opts.Seed
	p.SpecName = s.Spec.Chip.Name
	sj, err := json.Marshal(s.Spec)
	if err != nil {
		return err
	}
	p.SpecHash = sha(sj)
	p.ModelHash, p.ModelName = s.modelHash, s.modelName
	// schedule
	maxStep := 0
	for _, l := range p.Layers {
		maxStep = max(maxStep, l.Step)
	}
	p.Schedule = nil
	for st := 1; st <= maxStep; st++ {
		ph := Phase{Step: st}
		for li, l := range p.Layers {
			if l.Step == st {
				ph.Layers = append(ph.Layers, li)
				ph.SubSteps = max(ph.SubSteps, l.D)
			}
		}
		p.Schedule = append(p.Schedule, ph)
	}
	// report
	caps := map[string]capacity{}
	for _, c := range capacities(s.Spec, p.WeightBits) {
		caps[c.name] = c
	}
	r := &p.Report
	r.Tiles = s.Spec.Chip.Width * s.Spec.Chip.Height * s.Spec.Board.ChipsX * s.Spec.Board.ChipsY
	r.UsedCores = len(p.Cores)
	r.Layers = nil
	for li := range p.Layers {
		l := &p.Layers[li]
		lr := LayerReport{Name: l.Name, Kind: l.Kind, Neuron: l.Neuron, Cores: len(l.Cores), Neurons: l.Size(),
			ThetaMin: slices.Min(l.Threshold), ThetaMax: slices.Max(l.Threshold), D: l.D, Step: l.Step, Quant: l.Quant}
		var c capacity
		for _, ci := range l.Cores {
			core := &p.Cores[ci]
			c = caps[core.Kind]
			lr.CoreKind = core.Kind
			lr.Synapses += core.Synapses
			lr.Axons += core.NumAxons
			lr.Bytes += core.SynapseBytes
		}
		best := 0
		for _, ci := range l.Cores {
			if t := p.CIMTileOf(ci); t != nil {
				lr.Macros += t.Macros()
				lr.Digits = t.Slices
				if t.Macros() > best {
					best, lr.MacroTiles = t.Macros(), fmt.Sprintf("%d×%d", t.RowTiles, t.ColTiles)
				}
			}
		}
		if lr.Cores > 0 {
			lr.NeuronUse = float64(lr.Neurons) / float64(lr.Cores*c.neurons)
			if c.mem > 0 {
				lr.MemUse = float64(lr.Bytes) / float64(lr.Cores*c.mem)
			}
		}
		r.Layers = append(r.Layers, lr)
	}
	r.Cores = nil
	for ci := range p.Cores {
		core := &p.Cores[ci]
		c := caps[core.Kind]
		cr := CoreReport{ID: core.ID, Layer: p.Layers[core.Layer].Name, Kind: core.Kind, Chip: core.Chip, X: core.X, Y: core.Y,
			Neurons: core.Neurons(), Axons: core.NumAxons, Bytes: core.SynapseBytes,
			NeuronUse: float64(core.Neurons()) / float64(c.neurons), AxonUse: float64(core.NumAxons) / float64(c.axons)}
		if c.mem > 0 {
			cr.MemUse = float64(core.SynapseBytes) / float64(c.mem)
		}
		if p.Layers[core.Layer].Kind == LayerAttention {
			cr.AxonUse = 0 // its inputs are counts buffered in SRAM, not axon-table entries (attention.go)
		}
		r.Cores = append(r.Cores, cr)
	}
	r.Placement = PlacementReport{RowMajor: s.cost.RowMajor, Greedy: s.cost.Greedy, Final: s.cost.Annealed}
	if s.cost.RowMajor > 0 {
		r.Placement.Ratio = float64(s.cost.Annealed) / float64(s.cost.RowMajor)
	}
	r.InterChip = interChip(s, r.Links)
	slices.SortStableFunc(r.Links, func(a, b LinkLoad) int {
		if a.Y != b.Y {
			return a.Y - b.Y
		}
		if a.X != b.X {
			return a.X - b.X
		}
		return a.Dir - b.Dir
	})
	return nil
}

// interChip sums the inter-chip links of the estimated link loads.
func interChip(s *State, links []LinkLoad) InterChipReport {
	b, bits := s.Spec.Board, float64(s.Spec.NoC.SpikePacketBits)
	if b.ChipsX*b.ChipsY == 1 {
		return InterChipReport{}
	}
	ic := InterChipReport{Chips: b.ChipsX * b.ChipsY}
	used := map[int]bool{}
	for i := range s.prog.Cores {
		used[s.prog.Cores[i].Chip] = true
	}
	ic.UsedChips = len(used)
	serial := bits / b.LinkGbps // Gb/s = bits per ns
	ic.CrossingNS = b.LinkLatencyNS + serial
	for _, l := range links {
		if !l.InterChip {
			continue
		}
		ic.Links++
		ic.Packets += l.Packets
		ic.BusiestNS = max(ic.BusiestNS, l.Packets*serial)
	}
	ic.Bits = ic.Packets * bits
	ic.EnergyPJ = ic.Bits * s.Spec.Energy.InterchipBit.PJ
	return ic
}
