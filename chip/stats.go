package chip

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// EnergyItem is one line of the energy breakdown: Count events at PJ each.
type EnergyItem struct {
	Component string  `json:"component"`
	Count     float64 `json:"count"` // events, or for static power core·seconds
	Unit      string  `json:"unit"`  // what Count counts
	PJ        float64 `json:"pj"`    // per unit
	TotalPJ   float64 `json:"total_pj"`
	Source    string  `json:"source,omitempty"`
}

// CoreStats are one core's figures.
type CoreStats struct {
	X           int           `json:"x"`
	Y           int           `json:"y"`
	Neurons     int           `json:"neurons"`
	Axons       int           `json:"axons"`
	Synapses    int           `json:"synapses"`
	Bytes       int           `json:"sram_bytes"`
	Counters    core.Counters `json:"counters"`
	Utilisation float64       `json:"utilisation"` // busy time / simulated time
}

// NoCStats are the network-on-chip figures of a run.
type NoCStats struct {
	PacketsInjected  uint64  `json:"packets_injected"`
	PacketsDelivered uint64  `json:"packets_delivered"`
	FlitsInjected    uint64  `json:"flits_injected"`
	HopsX            uint64  `json:"flit_hops_x"`
	HopsY            uint64  `json:"flit_hops_y"`
	MeanHops         float64 `json:"mean_hops"` // per delivery (0 without deliveries)
	StallCycles      uint64  `json:"stall_cycles"`
	LatencyMean      float64 `json:"latency_mean_cycles"` // 0 without deliveries
	LatencyP99       uint64  `json:"latency_p99_cycles"`
	LatencyMax       uint64  `json:"latency_max_cycles"`
	MaxLinkFlits     uint64  `json:"max_link_flits"`
	MaxLinkFrom      string  `json:"max_link"` // tile and port of the busiest link
}

// Stats are the results of a run.
type Stats struct {
	Chip        string        `json:"chip"`
	Mapping     string        `json:"mapping"`
	Width       int           `json:"width"`
	Height      int           `json:"height"`
	Cores       int           `json:"cores"`
	Neurons     int           `json:"neurons"`
	Synapses    int           `json:"synapses"`
	Steps       int64         `json:"steps"`
	SimTime     sim.Time      `json:"sim_time_ps"`     // from the first release to the last barrier
	BarrierTime sim.Time      `json:"barrier_time_ps"` // total barrier time
	Spikes      uint64        `json:"spikes"`
	SynEvents   uint64        `json:"synaptic_events"` // synaptic operations
	Events      uint64        `json:"engine_events"`   // discrete events the engine fired, or for batched steps would have fired (simulator work, not hardware)
	RasterHash  string        `json:"raster_hash"`     // FNV-1a 64 of the sorted (step, neuron) raster
	Totals      core.Counters `json:"totals"`
	PerCore     []CoreStats   `json:"per_core"`
	NoC         NoCStats      `json:"noc"`
	Energy      []EnergyItem  `json:"energy"`
	EnergyPJ    float64       `json:"energy_pj"`
}

// StepTime returns the mean chip time per algorithmic step (0 without steps).
func (s *Stats) StepTime() sim.Time {
	if s.Steps <= 0 {
		return 0
	}
	return s.SimTime / sim.Time(s.Steps)
}

func (c *Chip) stats(steps int64) *Stats {
	m := c.mapping
	s := &Stats{Chip: c.spec.Chip.Name, Mapping: m.String(), Width: m.Width, Height: m.Height, Cores: len(c.cores),
		Neurons: c.net.Neurons(), Synapses: c.net.Synapses(), Steps: steps, SimTime: c.bar.End(), BarrierTime: c.bar.BarrierTime()}
	for i, cc := range c.cores {
		cnt := cc.Counters()
		s.Totals.Add(cnt)
		cm := m.Cores[i]
		u := 0.0
		if s.SimTime > 0 {
			u = float64(cnt.BusyTime) / float64(s.SimTime)
		}
		s.PerCore = append(s.PerCore, CoreStats{X: cm.X, Y: cm.Y, Neurons: cm.N, Axons: cm.Axons, Synapses: cm.Synapses,
			Bytes: cm.Bytes, Counters: cnt, Utilisation: u})
	}
	s.Spikes, s.SynEvents = s.Totals.SpikesOut, s.Totals.SynOps
	s.Events = c.eng.Fired() + c.batchEvents
	s.RasterHash = fmt.Sprintf("%016x", rasterHash(c.sortedRaster()))
	ns := c.noc.Stats()
	s.NoC = NoCStats{PacketsInjected: ns.PacketsInjected, PacketsDelivered: ns.PacketsDelivered, FlitsInjected: ns.FlitsInjected,
		HopsX: ns.HopsX, HopsY: ns.HopsY, MeanHops: ns.MeanHops(), StallCycles: ns.StallCycles,
		LatencyMean: ns.Latency.Mean(), LatencyP99: ns.Latency.Quantile(0.99), LatencyMax: ns.Latency.Max()}
	if ns.PacketsDelivered == 0 { // no deliveries: no mean (and JSON has no NaN)
		s.NoC.MeanHops, s.NoC.LatencyMean = 0, 0
	}
	for _, l := range ns.Links {
		if l.Out != noc.Local && l.Flits > s.NoC.MaxLinkFlits {
			s.NoC.MaxLinkFlits, s.NoC.MaxLinkFrom = l.Flits, fmt.Sprintf("%v %v", l.From, l.Out)
		}
	}
	s.Energy = energy(&c.spec, s, len(c.cores), m.Width*m.Height)
	for _, e := range s.Energy {
		s.EnergyPJ += e.TotalPJ
	}
	return s
}

// energy prices the counts with the spec's energy table.
func energy(spec *arch.Spec, s *Stats, cores, routers int) []EnergyItem {
	e := spec.Energy
	t := s.Totals
	item := func(name string, n float64, unit string, en arch.Entry) EnergyItem {
		return EnergyItem{Component: name, Count: n, Unit: unit, PJ: en.PJ, TotalPJ: n * en.PJ, Source: en.Source}
	}
	static := func(name string, n int, p arch.Power) EnergyItem {
		cs := float64(n) * s.SimTime.Seconds()
		pj := p.MW * 1e-3 * 1e12 // pJ per second per unit
		return EnergyItem{Component: name, Count: cs, Unit: "unit·s", PJ: pj, TotalPJ: cs * pj, Source: p.Source}
	}
	return []EnergyItem{
		item("synaptic op", float64(t.SynOps), "ops", e.SynapticOp),
		item("neuron update", float64(t.NeuronUpdates), "updates", e.NeuronUpdate),
		item("spike out", float64(t.SpikesOut), "spikes", e.SpikeOut),
		item("packet out", float64(t.PacketsOut), "packets", e.PacketOut),
		item("hop x", float64(s.NoC.HopsX), "flit-hops", e.HopX),
		item("hop y", float64(s.NoC.HopsY), "flit-hops", e.HopY),
		item("barrier", float64(t.Barriers), "core-steps", e.Barrier),
		static("core static", cores, e.CoreStatic),
		static("router static", routers, e.RouterStatic),
	}
}
