package arch

// Spec describes one chip design (and the board it sits on): its mesh of
// tiles, the kinds of core on them, the network-on-chip, the inter-chip links
// and the energy table. It is plain data: load it with Load, Parse or Preset,
// check it with Validate, and hand it to the compiler and the chip builder.
//
// Every field carries its TOML key, unit, default and documentation in struct
// tags, which Fields and AnnotatedTOML read; `neurosim describe` prints them.
type Spec struct {
	Base   string              `toml:"base" doc:"preset this spec starts from; the keys of this file override it (empty: start from the built-in defaults)"`
	Chip   Chip                `toml:"chip" doc:"the chip: clock, mesh of tiles, which core kind sits on which tile"`
	Cores  map[string]CoreKind `toml:"core" doc:"core kinds by name; each is a digital core (synapses in SRAM) or a cim core (synapses in a memristor macro)"`
	NoC    NoC                 `toml:"noc" doc:"the network-on-chip joining the tiles"`
	Board  Board               `toml:"board" doc:"chips joined into a board by inter-chip links"`
	Energy Energy              `toml:"energy" doc:"energy per event kind and static power, each with its source"`
}

// Chip is the chip-level description.
type Chip struct {
	Name        string  `toml:"name" default:"custom" doc:"name of the design"`
	ProcessNM   int     `toml:"process_nm" unit:"nm" default:"28" doc:"process node"`
	ClockMHz    float64 `toml:"clock_mhz" unit:"MHz" default:"200" doc:"core clock; cycles of the core kinds are counted at this frequency"`
	Width       int     `toml:"width" unit:"tiles" default:"4" doc:"mesh width; each tile holds one core and one router"`
	Height      int     `toml:"height" unit:"tiles" default:"4" doc:"mesh height"`
	DefaultCore string  `toml:"default_core" default:"digital" doc:"core kind on every tile not covered by a [[chip.tiles]] region"`
	Tiles       []Tiles `toml:"tiles" doc:"rectangular regions of tiles that hold another core kind"`
	// The barrier closes an algorithmic time step: no core starts step t+1
	// before every packet of step t is delivered.
	BarrierBaseNS        float64 `toml:"barrier_base_ns" unit:"ns" default:"100" doc:"time to synchronise one core at the end of an algorithmic step"`
	BarrierPerDoublingNS float64 `toml:"barrier_per_doubling_ns" unit:"ns" default:"50" doc:"extra barrier time for each doubling of the number of active cores"`
	BarrierMaxNS         float64 `toml:"barrier_max_ns" unit:"ns" default:"1000" doc:"the barrier time never exceeds this"`
	MinStepNS            float64 `toml:"min_step_ns" unit:"ns" default:"0" doc:"shortest algorithmic step, for chips stepped by a fixed tick (TrueNorth: 1 ms); 0: a step ends as soon as its barrier completes"`
	Source               string  `toml:"source" doc:"where the chip figures come from"`
}

// Tiles is an inclusive rectangle of tiles [X0,X1]×[Y0,Y1] holding one core kind.
type Tiles struct {
	Core string `toml:"core" doc:"core kind of these tiles"`
	X0   int    `toml:"x0" unit:"tile" doc:"first column"`
	X1   int    `toml:"x1" unit:"tile" doc:"last column (inclusive)"`
	Y0   int    `toml:"y0" unit:"tile" doc:"first row"`
	Y1   int    `toml:"y1" unit:"tile" doc:"last row (inclusive)"`
}

// Core kind types.
const (
	Digital = "digital"
	CIM     = "cim"
)

// CoreKind describes one kind of core. Digital cores keep synapses in SRAM;
// cim cores keep them as conductances in a memristor macro.
type CoreKind struct {
	Type                  string   `toml:"type" default:"digital" doc:"digital or cim"`
	Neurons               int      `toml:"neurons" unit:"neurons" default:"1024" doc:"neurons (compartments) one core updates"`
	Axons                 int      `toml:"axons" unit:"axons" default:"4096" doc:"distinct presynaptic inputs one core accepts (fan-in limit)"`
	NeuronModels          []string `toml:"neuron_models" default:"if,lif,cubalif,multispike,ilif,prime-lif,cuba" doc:"neuron models the core implements"`
	CyclesPerNeuronUpdate int      `toml:"cycles_per_neuron_update" unit:"cycles" default:"2" doc:"cycles to update one neuron once per step"`
	CyclesPerSpikeOut     int      `toml:"cycles_per_spike_out" unit:"cycles" default:"4" doc:"cycles to emit one spike packet"`
	// Digital cores.
	SynapseMemoryBytes int `toml:"synapse_memory_bytes" unit:"bytes" default:"131072" only:"digital" doc:"digital: SRAM for synapses"`
	WeightBits         int `toml:"weight_bits" unit:"bits" default:"8" only:"digital" doc:"digital: bits per stored weight"`
	CyclesPerSynOp     int `toml:"cycles_per_synop" unit:"cycles" default:"1" only:"digital" doc:"digital: cycles per synaptic operation (read weight, accumulate)"`
	// CyclesPerAttnOp is optional (and left out of the JSON encoding, so of
	// the spec hash, when unset).
	CyclesPerAttnOp int `toml:"cycles_per_attn_op" unit:"cycles" only:"digital" optional:"attention" json:",omitzero" doc:"digital: cycles per attention op (one state add, or one state read with its output add); 0 means cycles_per_synop"`
	// CIM cores.
	Macro Macro `toml:"macro" only:"cim" doc:"cim: the memristor macro holding the synapses"`
	// Macros is left out of the JSON encoding (and so of the spec hash) when
	// zero, so that adding it kept the hash of every spec without it.
	Macros int    `toml:"macros" unit:"macros" only:"cim" json:",omitzero" doc:"cim: macros per core, each one [core.X.macro]; a layer's weight matrix is tiled onto them (row tiles × column tiles, partial sums of row tiles added digitally); 0 means 1"`
	Source string `toml:"source" doc:"where this core's figures come from"`
}

// MacrosPerCore returns the number of macros of a cim core kind (Macros, or
// 1 when unset).
func (k CoreKind) MacrosPerCore() int { return max(k.Macros, 1) }

// Macro describes a memristor crossbar macro.
type Macro struct {
	Rows             int     `toml:"rows" unit:"rows" default:"256" doc:"word lines (inputs)"`
	Cols             int     `toml:"cols" unit:"columns" default:"256" doc:"bit lines (outputs before pairing)"`
	CellsPerWeight   int     `toml:"cells_per_weight" unit:"cells" default:"2" doc:"1 (unsigned) or 2 (differential pair G+ − G−)"`
	GOnUS            float64 `toml:"g_on_us" unit:"µS" default:"100" doc:"low-resistance-state conductance"`
	GOffUS           float64 `toml:"g_off_us" unit:"µS" default:"1" doc:"high-resistance-state conductance"`
	Levels           int     `toml:"levels" unit:"levels" default:"16" doc:"programmable conductance levels between g_off and g_on"`
	ADCBits          int     `toml:"adc_bits" unit:"bits" default:"8" doc:"column ADC resolution (0: an ideal ADC, for checking that the macro reproduces the digital model)"`
	ADCFullScale     float64 `toml:"adc_full_scale" unit:"fraction" default:"1" doc:"ADC full scale as a fraction of the largest current the driven rows can produce (below 1 clips strong columns but refines the step)"`
	ColsPerADC       int     `toml:"cols_per_adc" unit:"columns" default:"8" doc:"columns sharing one ADC (time-multiplexed)"`
	ReadLatencyNS    float64 `toml:"read_latency_ns" unit:"ns" default:"10" doc:"one analog read (row drive to ADC output) per ADC share"`
	ProgramVariation float64 `toml:"program_variation" unit:"fraction" default:"0" doc:"σ of programming variation per cell (relative to g_on if absolute)"`
	VariationMode    string  `toml:"variation_mode" default:"proportional" doc:"proportional (σ·G) or absolute (σ·g_on)"`
	ReadNoise        float64 `toml:"read_noise" unit:"fraction" default:"0" doc:"σ of multiplicative read noise per read, w·(1+σ·N(0,1)) (PRIME uses 0.2)"`
	ReadNoiseAddUS   float64 `toml:"read_noise_add_us" unit:"µS" default:"0" doc:"σ of additive read noise per cell read"`
	StuckOnRate      float64 `toml:"stuck_on_rate" unit:"fraction" default:"0" doc:"fraction of cells stuck at g_on"`
	StuckOffRate     float64 `toml:"stuck_off_rate" unit:"fraction" default:"0" doc:"fraction of cells stuck at g_off"`
	DriftNu          float64 `toml:"drift_nu" unit:"" default:"0" doc:"drift exponent ν in G(t) = G0·(t/t0)^−ν"`
	DriftT0S         float64 `toml:"drift_t0_s" unit:"s" default:"1" doc:"drift reference time t0 after programming"`
	IRDrop           float64 `toml:"ir_drop" unit:"fraction" default:"0" doc:"relative current loss per row away from the driver (0 = off)"`
	Source           string  `toml:"source" doc:"where the macro figures come from"`
}

// NoC describes the network-on-chip.
type NoC struct {
	Topology             string  `toml:"topology" default:"mesh" doc:"mesh or torus"`
	Routing              string  `toml:"routing" default:"xy" doc:"dimension-order routing: xy or yx"`
	ClockMHz             float64 `toml:"clock_mhz" unit:"MHz" default:"0" doc:"router clock (0: the chip clock)"`
	RouterPipelineCycles int     `toml:"router_pipeline_cycles" unit:"cycles" default:"2" doc:"cycles from a flit's arrival at a router to its departure, without contention"`
	LinkLatencyCycles    int     `toml:"link_latency_cycles" unit:"cycles" default:"1" doc:"cycles a flit spends on a link between routers"`
	FlitBits             int     `toml:"flit_bits" unit:"bits" default:"32" doc:"link width"`
	SpikePacketBits      int     `toml:"spike_packet_bits" unit:"bits" default:"32" doc:"size of a spike packet (header and payload); flits = ceil(bits / flit_bits)"`
	BufferFlits          int     `toml:"buffer_flits" unit:"flits" default:"4" doc:"input buffer depth per port (credits)"`
	Multicast            bool    `toml:"multicast" default:"true" doc:"routers replicate packets along a multicast tree"`
	Model                string  `toml:"model" default:"cycle" doc:"NoC timing model: cycle (flit by flit: finite buffers, credits, arbitration) packet (per-link reservation: serialisation and link contention, no back-pressure; much faster) or analytic (hops × per-hop delay + serialisation, injection and ejection contention, no link contention; fastest)"`
	Source               string  `toml:"source" doc:"where the NoC figures come from"`
}

// Board describes how many chips are joined and by what links.
type Board struct {
	ChipsX        int     `toml:"chips_x" unit:"chips" default:"1" doc:"chips per row"`
	ChipsY        int     `toml:"chips_y" unit:"chips" default:"1" doc:"chips per column"`
	LinkLatencyNS float64 `toml:"link_latency_ns" unit:"ns" default:"100" doc:"latency of an inter-chip link"`
	LinkGbps      float64 `toml:"link_gbps" unit:"Gb/s" default:"10" doc:"bandwidth of an inter-chip link"`
	Source        string  `toml:"source" doc:"where the board figures come from"`
}

// Entry is the energy of one event, in picojoules, with its source.
type Entry struct {
	PJ     float64 `toml:"pj" unit:"pJ" doc:"energy per event"`
	Source string  `toml:"source" doc:"where the figure comes from"`
}

// Power is a static power, in milliwatts, with its source.
type Power struct {
	MW     float64 `toml:"mw" unit:"mW" doc:"static power"`
	Source string  `toml:"source" doc:"where the figure comes from"`
}

// Energy is the energy table: dynamic energy per event kind and static power.
// The report prints every count beside its figure so users can re-price it.
type Energy struct {
	SynapticOp   Entry `toml:"synaptic_op" doc:"digital core: one synaptic operation (weight read + accumulate)"`
	NeuronUpdate Entry `toml:"neuron_update" doc:"one neuron state update in one step"`
	SpikeOut     Entry `toml:"spike_out" doc:"generating one spike at a core"`
	PacketOut    Entry `toml:"packet_out" doc:"sending one packet from a core into the NoC"`
	HopX         Entry `toml:"hop_x" doc:"one flit crossing one router and link in x (east-west)"`
	HopY         Entry `toml:"hop_y" doc:"one flit crossing one router and link in y (north-south)"`
	Barrier      Entry `toml:"barrier" doc:"one core taking part in one step barrier"`
	XbarRow      Entry `toml:"xbar_row" doc:"cim: driving one active row for one read"`
	ADC          Entry `toml:"adc" doc:"cim: one ADC conversion"`
	CellRead     Entry `toml:"cell_read" doc:"cim: one cell read (per active row × column)"`
	// PsumAdd is optional (and left out of the JSON encoding, so of the spec
	// hash, when unset): chips without cim cores need not list it.
	PsumAdd Entry `toml:"psum_add" optional:"cim" json:",omitzero" doc:"cim: one digital add of a partial sum (a row tile's or a weight slice's column output into a neuron's sum)"`
	// The attention entries are optional (and left out of the JSON encoding,
	// so of the spec hash, when unset): chips that run no attention need
	// not list them.
	AttnStateAdd  Entry `toml:"attn_state_add" optional:"attention" json:",omitzero" doc:"attention unit: one addition into its k·v state (an SRAM word read, added to, written back)"`
	AttnStateRead Entry `toml:"attn_state_read" optional:"attention" json:",omitzero" doc:"attention unit: one read of a state word by a q spike"`
	AttnOutAdd    Entry `toml:"attn_out_add" optional:"attention" json:",omitzero" doc:"attention unit: one addition of a state word into an output sum"`
	InterchipBit  Entry `toml:"interchip_bit" doc:"one bit across an inter-chip link"`
	CoreStatic    Power `toml:"core_static" doc:"static power of one core"`
	RouterStatic  Power `toml:"router_static" doc:"static power of one router"`
}

// ClockHz returns the chip clock in hertz, rounded.
func (c Chip) ClockHz() uint64 { return uint64(c.ClockMHz*1e6 + 0.5) }

// NoCClockHz returns the NoC clock in hertz (the chip clock when unset).
func (s *Spec) NoCClockHz() uint64 {
	if s.NoC.ClockMHz > 0 {
		return uint64(s.NoC.ClockMHz*1e6 + 0.5)
	}
	return s.Chip.ClockHz()
}

// NumTiles returns the number of tiles on one chip.
func (c Chip) NumTiles() int { return c.Width * c.Height }

// CoreAt returns the core kind name of tile (x, y): the last region that
// covers it, else the default core.
func (c Chip) CoreAt(x, y int) string {
	kind := c.DefaultCore
	for _, t := range c.Tiles {
		if x >= t.X0 && x <= t.X1 && y >= t.Y0 && y <= t.Y1 {
			kind = t.Core
		}
	}
	return kind
}

// SpikeFlits returns how many flits one spike packet takes.
func (n NoC) SpikeFlits() int {
	if n.FlitBits <= 0 {
		return 1
	}
	return (n.SpikePacketBits + n.FlitBits - 1) / n.FlitBits
}

// BarrierNS returns the barrier time for a step in which active cores take
// part: base + per_doubling·log2(active), capped at max.
func (c Chip) BarrierNS(active int) float64 {
	if active < 1 {
		active = 1
	}
	d := 0.0
	for n := active; n > 1; n = (n + 1) / 2 {
		d++
	}
	v := c.BarrierBaseNS + c.BarrierPerDoublingNS*d
	if c.BarrierMaxNS > 0 && v > c.BarrierMaxNS {
		v = c.BarrierMaxNS
	}
	return v
}

// KnownNeuronModels lists the neuron model names a core kind may declare.
// They are the names package neuron registers; a test in package chip keeps
// the two lists equal.
var KnownNeuronModels = []string{"cuba", "cubalif", "if", "ilif", "lif", "multispike", "prime-lif"}
