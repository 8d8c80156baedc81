package compiler

import "fmt"

// Format and version of the .nsp file this package writes and reads.
const (
	NSPFormat = "neurosim-nsp"
	// 2: attention layers (Layer.Attn, projection kind "attn" with a Role);
	// 3: axons as boxes, no fan-out, routing entries in the payload (nsp.go).
	NSPVersion = 3
)

// Program is a compiled, quantised, placed and routed network: everything a chip
// needs to run it event by event, and everything Simulate needs to run the same
// integer model functionally.
//
// Neurons of a layer are numbered row-major over its Shape ([C,H,W] or [N]); the
// input is numbered row-major over Input.Shape. Layers are in topological order;
// a projection's Source is the index of an earlier layer, or -1 for the input.
type Program struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// ModelName and ModelHash identify the model (SHA-256 of its .nsm encoding);
	// SpecName and SpecHash the chip spec (SHA-256 of its canonical JSON).
	ModelName string `json:"model_name"`
	ModelHash string `json:"model_hash"`
	SpecName  string `json:"spec_name"`
	SpecHash  string `json:"spec_hash"`
	Seed      uint64 `json:"seed"`
	// WeightBits is the signed width every integer weight fits in.
	WeightBits int `json:"weight_bits"`
	// Steps is the number of algorithmic time steps T of one inference; the
	// Schedule runs once per step.
	Steps int `json:"steps"`

	Input Input `json:"input"`
	// InputStart/InputFan: the destinations (core, axon) of input element i are
	// InputFan[InputStart[i]:InputStart[i+1]]. Derived from the cores' axons:
	// nil until Expand.
	InputStart []int32  `json:"-"`
	InputFan   []Dest   `json:"-"`
	Layers     []Layer  `json:"layers"`
	Schedule   []Phase  `json:"schedule"`
	Output     Output   `json:"output"`
	Mesh       Mesh     `json:"mesh"`
	Cores      []Core   `json:"cores"`
	Routers    []Router `json:"routers,omitempty"` // in the payload from version 3
	Report     Report   `json:"report"`
	// CIMTiles is the macro tiling of every cim core, in core order (tile
	// pass; empty without cim cores, so digital programs encode as before).
	CIMTiles []CIMTile `json:"cim_tiles,omitempty"`
}

// Input says how a sample enters the chip, in every time step. Encoding
// "direct": each input element is an unsigned integer pixel p in [0, 2^ValueBits)
// standing for the real value p·Scale (p/255 for 8-bit images), the same in every
// step. The host sends one value event (axon, p) per nonzero pixel to every core
// that has the pixel as an axon; the core adds w·p to each target (a
// multiply-accumulate: the first layer is the MAC layer). Encoding "poisson":
// in each step element i is a binary spike (ValueBits 1, Scale 1) drawn by the
// host with EncodePoisson at the given Gain; a spike is an ordinary event.
// Encoding "events": the host bins an event-camera recording into Steps frames
// (models/data.EventFrames); element i of frame t is the number of events of
// its pixel and polarity in window t (ValueBits 8, Scale 1: a count c stands
// for the real value c, what frame-trained networks such as Sinabs' see), sent
// as a value event like a direct pixel.
type Input struct {
	Shape     []int   `json:"shape"`
	Encoding  string  `json:"encoding"`
	ValueBits int     `json:"value_bits"`
	Scale     float64 `json:"scale"`
	Gain      float64 `json:"gain,omitempty"`
	// BinUS (µs per frame) or Bins (frames per recording, Tonic's
	// n_time_bins) say how an events-encoded program's host bins a recording
	// into its Steps frames, as the model's Events node gave them (both 0:
	// the runner chooses).
	BinUS int64 `json:"bin_us,omitempty"`
	Bins  int   `json:"bins,omitempty"`
}

// Layer kinds.
const (
	LayerSpike   = "spike"   // MultiSpike population: integer counts in [0, D]
	LayerPool    = "pool"    // sum pooling as a population with θ = 1 (exact counts)
	LayerReadout = "readout" // accumulates only; its membrane is the class score
	LayerLIF     = "lif"     // leaky integrate-and-fire: binary spikes, membrane kept across steps
	// LayerCuba (cubalif.go) is a current-based LIF: binary spikes, current and membrane kept.
	// LayerAttention (attention.go) is a spike-driven attention unit fused
	// with the MultiSpike that reads its sums: integer counts in [0, D].
	LayerAttention = "attention"
	// LayerPsum (split.go) is a partial sum: it sends its accumulator as a graded value.
)

// LIFParams are the integer parameters of a LIF layer (Kind "lif"). Per step, with
// acc the step's input (bias included) of a neuron of channel c:
//
//	v ← acc + ((LeakA·v + 2^(CoefBits−1)) >> CoefBits)
//	spike if v ≥ VTh[c]; then v ← VReset[c] (hard reset) or v ← v − VTh[c] (Subtract)
//
// which is neuron.FixedLIF at Precision{FracBits: 0, CoefBits} with A = LeakA,
// B = 2^CoefBits (the input weight folded into the synapses), C = 0 (the leak
// current folded into the bias), Θ = VTh, V_reset = VReset, Compare AtOrAbove.
// Membranes start at 0 for every sample.
type LIFParams struct {
	LeakA    int64   `json:"leak_a"`
	CoefBits int     `json:"coef_bits"`
	VTh      []int32 `json:"v_th"`
	VReset   []int32 `json:"v_reset"`
	Subtract bool    `json:"subtract"`
}

// Layer is one population of neurons and the projections that feed it.
//
// Integer semantics (what Simulate computes and the chip reproduces): each neuron
// of channel c accumulates acc = Bias[c] + Σ_projections Σ w·x over its inputs x
// (spike counts of the source layer, or input pixels), in exact integer
// arithmetic. With θ = Threshold[c] a spike or pool layer then emits
//
//	s = clamp(floor((acc + (θ−1)/2) / θ), 0, D)
//
// θ is odd, so acc/θ is never exactly halfway between integers and this equals
// round(clamp(acc/θ, 0, D)) under either rounding mode. On a core with the
// "multispike" model the neuron computes it directly; on an "if" core (Neuron
// "if") the neuron starts the phase at v = acc + (θ−1)/2 and runs D sub-steps with
// threshold θ (fire when v ≥ θ) and subtractive reset by θ, which fires exactly s
// times. A readout layer does not fire; acc is its output, and all its channels
// share one θ so that scores compare directly (score = acc·Scale).
type Layer struct {
	Name   string `json:"name"`   // the weight node feeding it (conv1), else Node
	Node   string `json:"node"`   // the graph node that makes the population (MultiSpike, pool, Output)
	Kind   string `json:"kind"`   // spike, pool or readout
	Neuron string `json:"neuron"` // neuron model of its first core (see Core.Neuron); "" for readout
	Shape  []int  `json:"shape"`
	D      int    `json:"d"`
	// Threshold θ per channel (Shape[0]) in accumulator units: one spike level of
	// channel c is worth Threshold[c]. Positive and odd.
	Threshold []int32 `json:"threshold"`
	// Bias per channel (Shape[0]) in accumulator units.
	Bias []int32 `json:"-"`
	// Scale is the real value of one accumulator unit of a readout layer (1/θ);
	// 1 for pool layers, 0 for spike layers (whose θ is per channel).
	Scale float64 `json:"scale"`
	// Step is the barrier phase in which the layer fires (1 + longest path from the
	// input, counting layers).
	Step int `json:"step"`
	// Shift: a psum layer sends round(acc/2^Shift) (PsumValue); 0 otherwise.
	Shift int `json:"shift,omitempty"`
	// AccBound bounds |acc| over all inputs (chips with float32 accumulators are
	// exact below 2^24).
	AccBound int64 `json:"acc_bound"`
	// LIF holds the membrane dynamics of a "lif" layer (nil otherwise).
	LIF *LIFParams `json:"lif,omitempty"`
	// Cuba holds the dynamics of a "cuba" layer (nil otherwise; cubalif.go).
	Cuba *CubaParams `json:"cuba,omitempty"`
	// Attn holds the geometry of an "attention" layer (nil otherwise;
	// attention.go).
	Attn   *AttnParams  `json:"attn,omitempty"`
	Inputs []Projection `json:"inputs"`
	Cores  []int        `json:"cores"`
	Quant  QuantStats   `json:"quant"`

	biasReal []float64 // float bias until quantize
	theta    float64   // a materialised psum's threshold, fixed at lowering (psum.go)
	cntBound float64   // a materialised psum's largest |value| sent, estimated at lowering
	lif      *lifReal  // float LIF parameters until quantize
	cuba     *cubaReal // float CubaLIF coefficients until quantize
}

type lifReal struct {
	la, vth, vreset float64
	subtract        bool
}

// Size returns the number of neurons.
func (l *Layer) Size() int { return numel(l.Shape) }

// Projection kinds.
const (
	ProjConv   = "conv"
	ProjDense  = "dense"
	ProjSparse = "sparse"
	ProjAttn   = "attn" // an attention layer's q, k or v input (Role; attention.go)
)

// Projection is a weighted connection from a source (layer or input) into a layer.
//
// conv: the source is read as [Cin,H,W] = InShape; output neuron (co,oy,ox) sums
// Weights[co][ci−g·Cin/G][ky][kx]·x[ci][oy·Stride−Pad+ky][ox·Stride−Pad+kx] over the
// group g of co; Weights has shape [Cout, Cin/Groups, KH, KW].
// dense: the source is read flat (row-major, as Flatten does); output neuron o sums
// Weights[o][i]·x[i]; Weights has shape [Out, In].
// sparse: the source is read flat; its synapses are listed by source neuron
// (compressed rows): source neuron i reaches neurons SpOut[k] with weight
// Weights[k] for k in [SpStart[i], SpStart[i+1]), NNZ synapses in all (a
// GraphConv: only the neighbours of a node are connected).
type Projection struct {
	Source  int    `json:"source"`
	Kind    string `json:"kind"`
	InShape []int  `json:"in_shape"`
	Cout    int    `json:"cout"`
	KH      int    `json:"kh,omitempty"`
	KW      int    `json:"kw,omitempty"`
	Stride  int    `json:"stride,omitempty"`
	Pad     int    `json:"pad,omitempty"`
	Groups  int    `json:"groups,omitempty"`
	// Recurrent projections read the source's spikes of the previous time
	// step (cubalif.go); the source may be the layer itself or a later one.
	Recurrent bool `json:"recurrent,omitempty"`
	// Role of an attn projection: "q", "k" or "v" (attention.go).
	Role string `json:"role,omitempty"`
	// InLo, InHi: a part made by the split pass reads only source channels
	// [InLo, InHi) (a conv with Groups 1) or flat source elements [InLo,
	// InHi) (dense); InHi = 0: all of them. Its weights outside the range
	// are zero (split.go).
	InLo    int     `json:"in_lo,omitempty"`
	InHi    int     `json:"in_hi,omitempty"`
	NNZ     int     `json:"nnz,omitempty"` // sparse: synapses
	Weights []int32 `json:"-"`
	SpStart []int32 `json:"-"` // sparse: synapses of source neuron i start at SpStart[i]
	SpOut   []int32 `json:"-"` // sparse: target neuron of each synapse
	// real holds the float weights (already multiplied by the source scale) until
	// quantize replaces them; not written to the file.
	real  []float64
	spIdx *sparseIndex // sparse: per-target source ranges, built on first use
	src   float64      // source scale, for error reports
	node  string       // graph node the projection comes from
}

// QuantStats reports the quantisation error of a layer's weights in the units of
// the float model: |W_int·Scale/src − W|.
type QuantStats struct {
	MaxAbsW    float64 `json:"max_abs_w"`
	MaxAbsErr  float64 `json:"max_abs_err"`
	MeanAbsErr float64 `json:"mean_abs_err"`
	Clipped    int     `json:"clipped"`
}

// Phase is one barrier phase of a time step. Each of the Program's Steps time
// steps runs phase 0 (the host delivers that step's input events) and then the
// phases k ≥ 1 of Schedule in order: every layer with Step k computes its output
// from what it accumulated during the step (all of its sources fired in earlier
// phases) and sends it as binary spikes over SubSteps sub-steps (spike or pool
// counts in thermometer code, spikes first: sub-step j carries a spike iff j < s;
// a LIF layer updates its membrane and sends at most one spike); destination cores
// accumulate them. Accumulators of firing layers restart from the bias every
// step; LIF membranes persist across steps; the readout layer accumulates over
// all steps, and after the last phase of the last step it holds the scores.
type Phase struct {
	Step     int   `json:"step"`
	Layers   []int `json:"layers"`
	SubSteps int   `json:"sub_steps"`
}

// Output says how the class scores are read.
type Output struct {
	Layer int `json:"layer"`
	// Mode "membrane": the scores are the readout layer's accumulators; "count":
	// the layer's spike counts.
	Mode    string `json:"mode"`
	Classes int    `json:"classes"`
}

// Mesh is the tile grid the cores sit on: ChipsX×ChipsY chips of Width×Height tiles.
// Global tile coordinates are (chip_x·Width + x, chip_y·Height + y).
type Mesh struct {
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	ChipsX  int    `json:"chips_x"`
	ChipsY  int    `json:"chips_y"`
	Routing string `json:"routing"`
	Torus   bool   `json:"torus"`
	// Multicast: routers replicate packets along a tree (else one packet per
	// destination core).
	Multicast bool `json:"multicast"`
}

// Region is a box of a layer's neurons: channels [C0,C1), rows [Y0,Y1), columns
// [X0,X1). A dense layer has H = W = 1. Local neuron ids number the box row-major.
type Region struct {
	C0 int `json:"c0"`
	C1 int `json:"c1"`
	Y0 int `json:"y0"`
	Y1 int `json:"y1"`
	X0 int `json:"x0"`
	X1 int `json:"x1"`
}

// Len returns the number of neurons in r.
func (r Region) Len() int { return (r.C1 - r.C0) * (r.Y1 - r.Y0) * (r.X1 - r.X0) }

// Axon is one distinct presynaptic source of a core.
type Axon struct {
	Source int32 `json:"source"` // layer index, -1 for the input
	Neuron int32 `json:"neuron"` // index in the source
}

// Dest is one destination of a spike: a core and the axon there.
type Dest struct {
	Core int32
	Axon int32
}

// Core is one placed core: a box of one layer's neurons, its input axons, its
// synapse table (kernel or dense form, see Synapses) and its output routing.
type Core struct {
	ID   int    `json:"id"`
	Chip int    `json:"chip"`
	X    int    `json:"x"`
	Y    int    `json:"y"`
	Kind string `json:"kind"` // core kind name in the spec
	// Neuron is the model the core runs the layer's neurons as: multispike, if,
	// or "" for a readout layer (accumulate only, never fire).
	Neuron string `json:"neuron"`
	Layer  int    `json:"layer"`
	Region Region `json:"region"`
	// Axons lists the presynaptic sources sorted by (Source, Neuron); the axon id
	// is the index. A compact core (as Compile and Decode return it) holds
	// them as Boxes instead and Axons is nil unless the axons are not
	// box-shaped (sparse projections); Program.Expand fills it.
	Axons []Axon `json:"-"`
	// Boxes are the axons as boxes of their sources (see AxonBox).
	Boxes []AxonBox `json:"-"`
	// FanStart/Fan: the destinations of local neuron i are Fan[FanStart[i]:FanStart[i+1]].
	// Derived from the destinations' axons: nil until Program.Expand.
	FanStart []int32 `json:"-"`
	Fan      []Dest  `json:"-"`
	// SynapseBytes is the synapse memory the core's table takes (see doc.go);
	// Synapses the number of (axon, neuron) connections it represents.
	SynapseBytes int   `json:"synapse_bytes"`
	Synapses     int64 `json:"synapses"`
	NumAxons     int   `json:"axons"`
}

// Neurons returns the number of neurons on c.
func (c *Core) Neurons() int { return c.Region.Len() }

// GlobalXY returns c's global tile coordinates.
func (p *Program) GlobalXY(c *Core) (int, int) {
	return (c.Chip%p.Mesh.ChipsX)*p.Mesh.Width + c.X, (c.Chip/p.Mesh.ChipsX)*p.Mesh.Height + c.Y
}

// Router port bits of a routing entry.
const (
	PortLocal = 1 << iota
	PortEast
	PortWest
	PortNorth // towards y−1
	PortSouth // towards y+1
)

// Router is one routing-table entry: packets from source core Source arriving at
// the router of global tile (X, Y) leave through the ports in Ports (PortLocal:
// delivered to the core of that tile). Dimension-order routing: a multicast tree is
// the union of the XY (or YX) paths from the source to each destination core.
type Router struct {
	X      int   `json:"x"`
	Y      int   `json:"y"`
	Source int32 `json:"source"`
	Ports  uint8 `json:"ports"`
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func (r Region) String() string {
	return fmt.Sprintf("c[%d:%d] y[%d:%d] x[%d:%d]", r.C0, r.C1, r.Y0, r.Y1, r.X0, r.X1)
}

// Channel returns the channel (Shape[0] index) of local neuron i of c, which
// selects its Bias, Threshold and LIF parameters.
func (c *Core) Channel(i int) int {
	r := c.Region
	return r.C0 + i/((r.Y1-r.Y0)*(r.X1-r.X0))
}
