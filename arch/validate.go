package arch

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Problem is one thing wrong with a spec.
type Problem struct {
	File string // file or preset name; empty for a Spec built in code
	Line int    // 1-based line, 0 when unknown
	Path string // dotted key path, e.g. "core.xbar.macro.adc_bits"
	Msg  string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in a spec, sorted by file, line and path.
// It is an error.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in chip spec:", len(ps))
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
}

type checker struct{ ps Problems }

func (c *checker) add(path, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) intRange(path string, v, lo, hi int) {
	if v < lo || v > hi {
		c.add(path, "%d out of range [%d, %d]", v, lo, hi)
	}
}

func (c *checker) positive(path string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		c.add(path, "must be a positive finite number, got %g", v)
	}
}

func (c *checker) nonNegative(path string, v float64) {
	if !(v >= 0) || math.IsInf(v, 0) {
		c.add(path, "must be a non-negative finite number, got %g", v)
	}
}

func (c *checker) fraction(path string, v float64) {
	if !(v >= 0 && v <= 1) {
		c.add(path, "must be a fraction in [0, 1], got %g", v)
	}
}

func (c *checker) oneOf(path, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		c.add(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// Limits on sizes, to keep a typo from asking for an absurd simulation.
const (
	maxMesh     = 1024
	maxNeurons  = 1 << 20
	maxMacroDim = 1 << 14
)

// Validate returns every problem with s, sorted; nil when s is usable.
func (s *Spec) Validate() Problems {
	c := &checker{}
	ch := s.Chip
	c.intRange("chip.width", ch.Width, 1, maxMesh)
	c.intRange("chip.height", ch.Height, 1, maxMesh)
	c.positive("chip.clock_mhz", ch.ClockMHz)
	c.intRange("chip.process_nm", ch.ProcessNM, 1, 1000)
	c.nonNegative("chip.barrier_base_ns", ch.BarrierBaseNS)
	c.nonNegative("chip.barrier_per_doubling_ns", ch.BarrierPerDoublingNS)
	c.nonNegative("chip.barrier_max_ns", ch.BarrierMaxNS)
	c.nonNegative("chip.min_step_ns", ch.MinStepNS)
	kindDefined := func(path, name string) {
		if _, ok := s.Cores[name]; !ok {
			var have []string
			for k := range s.Cores {
				have = append(have, k)
			}
			sort.Strings(have)
			if len(have) == 0 {
				c.add(path, "core kind %q is not defined (no [core.NAME] tables)", name)
			} else {
				c.add(path, "core kind %q is not defined (defined: %s)", name, strings.Join(have, ", "))
			}
		}
	}
	kindDefined("chip.default_core", ch.DefaultCore)
	for i, t := range ch.Tiles {
		p := fmt.Sprintf("chip.tiles[%d]", i)
		kindDefined(p+".core", t.Core)
		if t.X0 < 0 || t.X1 < t.X0 || t.X1 >= ch.Width || t.Y0 < 0 || t.Y1 < t.Y0 || t.Y1 >= ch.Height {
			c.add(p, "region x %d..%d, y %d..%d does not lie within the %d×%d mesh", t.X0, t.X1, t.Y0, t.Y1, ch.Width, ch.Height)
		}
	}
	names := make([]string, 0, len(s.Cores))
	for k := range s.Cores {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		s.Cores[name].validate(c, "core."+name)
	}
	n := s.NoC
	c.oneOf("noc.topology", n.Topology, "mesh", "torus")
	c.oneOf("noc.routing", n.Routing, "xy", "yx")
	c.oneOf("noc.model", n.Model, "cycle", "packet", "analytic")
	c.nonNegative("noc.clock_mhz", n.ClockMHz)
	c.intRange("noc.router_pipeline_cycles", n.RouterPipelineCycles, 1, 64)
	c.intRange("noc.link_latency_cycles", n.LinkLatencyCycles, 1, 1024)
	c.intRange("noc.flit_bits", n.FlitBits, 1, 4096)
	c.intRange("noc.spike_packet_bits", n.SpikePacketBits, 1, 1<<16)
	c.intRange("noc.buffer_flits", n.BufferFlits, 1, 1024)
	b := s.Board
	c.intRange("board.chips_x", b.ChipsX, 1, 64)
	c.intRange("board.chips_y", b.ChipsY, 1, 64)
	c.nonNegative("board.link_latency_ns", b.LinkLatencyNS)
	c.positive("board.link_gbps", b.LinkGbps)
	e := s.Energy
	for _, en := range []struct {
		k string
		v float64
	}{
		{"synaptic_op", e.SynapticOp.PJ}, {"neuron_update", e.NeuronUpdate.PJ}, {"spike_out", e.SpikeOut.PJ}, {"packet_out", e.PacketOut.PJ},
		{"hop_x", e.HopX.PJ}, {"hop_y", e.HopY.PJ}, {"barrier", e.Barrier.PJ}, {"xbar_row", e.XbarRow.PJ},
		{"adc", e.ADC.PJ}, {"cell_read", e.CellRead.PJ}, {"psum_add", e.PsumAdd.PJ}, {"interchip_bit", e.InterchipBit.PJ},
		{"attn_state_add", e.AttnStateAdd.PJ}, {"attn_state_read", e.AttnStateRead.PJ}, {"attn_out_add", e.AttnOutAdd.PJ},
		{"core_static", e.CoreStatic.MW}, {"router_static", e.RouterStatic.MW},
	} {
		c.nonNegative("energy."+en.k, en.v)
	}
	c.ps.sort()
	if len(c.ps) == 0 {
		return nil
	}
	return c.ps
}

func (k CoreKind) validate(c *checker, p string) {
	c.oneOf(p+".type", k.Type, Digital, CIM)
	c.intRange(p+".neurons", k.Neurons, 1, maxNeurons)
	c.intRange(p+".axons", k.Axons, 1, maxNeurons)
	c.intRange(p+".cycles_per_neuron_update", k.CyclesPerNeuronUpdate, 1, 1<<16)
	c.intRange(p+".cycles_per_spike_out", k.CyclesPerSpikeOut, 1, 1<<16)
	if len(k.NeuronModels) == 0 {
		c.add(p+".neuron_models", "a core must implement at least one neuron model")
	}
	for _, m := range k.NeuronModels {
		if !slices.Contains(KnownNeuronModels, m) {
			c.add(p+".neuron_models", "unknown neuron model %q (known: %s)", m, strings.Join(KnownNeuronModels, ", "))
		}
	}
	switch k.Type {
	case Digital:
		c.intRange(p+".synapse_memory_bytes", k.SynapseMemoryBytes, 1, 1<<30)
		c.intRange(p+".weight_bits", k.WeightBits, 1, 32)
		c.intRange(p+".cycles_per_synop", k.CyclesPerSynOp, 1, 1<<16)
		c.intRange(p+".cycles_per_attn_op", k.CyclesPerAttnOp, 0, 1<<16)
	case CIM:
		c.intRange(p+".macros", k.Macros, 0, 1024)
		m, q := k.Macro, p+".macro"
		c.intRange(q+".rows", m.Rows, 1, maxMacroDim)
		c.intRange(q+".cols", m.Cols, 1, maxMacroDim)
		c.intRange(q+".cells_per_weight", m.CellsPerWeight, 1, 2)
		c.nonNegative(q+".g_off_us", m.GOffUS)
		if !(m.GOnUS > m.GOffUS) {
			c.add(q+".g_on_us", "g_on_us (%g) must exceed g_off_us (%g)", m.GOnUS, m.GOffUS)
		}
		c.intRange(q+".levels", m.Levels, 2, 1<<16)
		c.intRange(q+".adc_bits", m.ADCBits, 0, 24)
		if !(m.ADCFullScale > 0 && m.ADCFullScale <= 1) {
			c.add(q+".adc_full_scale", "must be in (0, 1], got %g", m.ADCFullScale)
		}
		c.intRange(q+".cols_per_adc", m.ColsPerADC, 1, maxMacroDim)
		c.positive(q+".read_latency_ns", m.ReadLatencyNS)
		c.nonNegative(q+".program_variation", m.ProgramVariation)
		c.oneOf(q+".variation_mode", m.VariationMode, "proportional", "absolute")
		c.nonNegative(q+".read_noise", m.ReadNoise)
		c.nonNegative(q+".read_noise_add_us", m.ReadNoiseAddUS)
		c.fraction(q+".stuck_on_rate", m.StuckOnRate)
		c.fraction(q+".stuck_off_rate", m.StuckOffRate)
		if m.StuckOnRate+m.StuckOffRate > 1 {
			c.add(q, "stuck_on_rate + stuck_off_rate = %g exceeds 1", m.StuckOnRate+m.StuckOffRate)
		}
		c.nonNegative(q+".drift_nu", m.DriftNu)
		c.positive(q+".drift_t0_s", m.DriftT0S)
		c.fraction(q+".ir_drop", m.IRDrop)
		if m.Cols%m.CellsPerWeight != 0 && m.CellsPerWeight > 0 {
			c.add(q+".cols", "%d columns do not divide into pairs of %d cells per weight", m.Cols, m.CellsPerWeight)
		}
	}
}
