// Package compiler maps a trained SNN (a models.Graph) onto a chip (an
// arch.Spec) and produces a Program: quantised, partitioned into cores,
// placed on the mesh and routed, with everything a chip needs to run it event
// by event, and a functional reference (Simulator) the chip must reproduce
// bit for bit.
//
// # Passes
//
// Compile runs the table Passes in order: verify, fold-bn, fold-scale (graph
// passes; Options.Verify runs models.Verify after each), lower, quantize,
// split, partition, tile, place, route, emit (Options.Verify runs Program checks after
// each). Options.DumpAfter writes the graph, or after lower the layer graph
// and header, as JSON or DOT. Every problem of a failing pass is returned
// together as a sorted Diagnostics, each naming the layer, the limit, the
// amount over and what would make it fit.
//
// # Lowering
//
// Values between cores are integer spike counts. A MultiSpike node becomes a
// spike layer (a population) fed by the projections of the linear expression
// before it: Conv2d (kernel form, weights stored once per core), Affine/Linear
// (dense), several of them summed through Add (multi-source input; a spike
// tensor added directly becomes a depthwise 1×1 identity projection), with
// any BatchNorm or per-channel Scale folded into the weights. Flatten is an
// index map (dense projections read their source row-major). An Output fed
// by a weight layer becomes a readout layer whose accumulators are the class
// scores. The 1/norm of MultiSpike and the 1/k² of AvgPool are carried as the
// source scale and end in the next weights (fold-scale does it on the graph
// where it can).
//
// Pooling is a population: SumPool2d/AvgPool2d over a spike layer becomes a
// pool layer with unit weights, threshold 1 and D = k²·D_source, so its counts
// are the exact window sums (up to 16 for 2×2 over D = 4), sent as binary
// spikes like any other count. Folding pools into the next layer's synapses
// instead would multiply that layer's fan-in by k² (12,544 inputs for the
// default model's fc1, beyond a 4,096-axon core); a population keeps fan-in
// small at the price of neurons and D sub-steps of latency.
//
// A GraphConv (Y = Â·X·Wᵀ + b on a spike source X [nodes, Fin]) becomes a
// projection whose synapse from (m, fi) to (n, fo) weighs Σ Â[n][m]·W[fo][fi]:
// the graph's neighbourhoods are the synaptic fan-in, zero between nodes that
// are not neighbours: a sparse projection (synapse lists by source neuron,
// each synapse a weight and a 16-bit target in synapse memory). Its
// population is flat, one channel
// per neuron, since bias and threshold vary along the feature axis. A rank-2
// Input [nodes, features] is a graph's node features (8-bit, like pixels).
//
// A LIF or IF node becomes a lif layer: binary spikes, a membrane kept across
// time steps, leak, threshold and reset in integers (LIFParams; neuron.FixedLIF
// at FracBits 0), with the input gain folded into the weights. The model runs
// for the encoder's steps T: Direct repeats the pixels every step, Poisson
// takes binary input spikes drawn by EncodePoisson; the readout sums over the
// steps.
//
// A CubaLIF node becomes a cuba layer (cubalif.go): binary spikes, a synaptic
// current and a membrane kept across steps, stepped with neuron.CubaLIF's
// coefficients (dt, integration and reset from the graph's Meta lif_dt,
// lif_integration, lif_reset) quantised to 16 fractional bits, the state
// kept with up to 12 fractional bits below the layer's accumulator unit
// (CubaParams); parameters may differ per channel (per neuron of a [N]
// layer). A recurrent edge into a neuron node adds its source expression
// as Recurrent projections, which read the source's spikes of the previous
// step; the chip holds such spikes at the destination until the next step
// begins. The Events encoder takes Steps frames of event counts (value
// events, scale 1) binned by the host.
//
// A SpikeAttention on spike sources q, k, v, followed by a MultiSpike
// (directly or through Scale/BatchNorm), becomes one attention layer: the
// MultiSpike's neurons fed by three synapse-free projections (kind "attn",
// Role q, k, v) of an attention unit that keeps S_h = k_hᵀ·v_h per head in
// SRAM, built by additions from k spikes and read by q spikes (the integer
// result equals (q·kᵀ)·v, so both orders run on it). The scale and the
// spike norms s_q·s_k·s_v (and a following Scale/BatchNorm) are folded into
// the MultiSpike's per-channel threshold: the v projection's Weights hold
// one gain per output channel, quantised like a weight. A core holds whole
// heads and a box of tokens; its SRAM holds the heads' state and the
// buffered input counts (the axon limit does not apply). attention.go has
// the scheme in full, with its partition rule and errors.
//
// Not lowerable (an error naming the node): recurrent edges into anything but
// a neuron node, a layer fed by one source both directly and recurrently,
// I-LIF (MultiSpike with decay), MaxPool2d, SpikeAttention whose output meets
// anything but one MultiSpike (through Scale/BatchNorm), Concat, Upsample, the
// Rate encoder, LIF nodes whose neurons differ in their parameters, CubaLIF
// nodes without leak, and more than one Input or Output.
//
// # Integer semantics
//
// Input pixels p in [0,255] stand for p/255 and enter as value events: the
// first layer multiplies (the MAC layer). Each channel c of a population has
// an odd integer threshold θ = θ_c and integer weights w = round(W·src·θ)
// within the spec's weight bits (src is the real value of one source count,
// 1/255 for pixels; θ_c as large as the channel's largest weight allows, so
// BatchNorm-folded channels each use the full range); a neuron accumulates
// acc = bias + Σ w·x exactly and emits
//
//	s = clamp(floor((acc + (θ−1)/2) / θ), 0, D)
//
// Because θ is odd, acc/θ is never a tie, so s = round(clamp(acc/θ, 0, D))
// under half-even and half-up rounding alike: the compiled model does not
// depend on the graph's rounding mode (a float value exactly halfway, which
// the float model rounds by its mode, lands on one side after quantisation). A
// core with the multispike model computes s directly (Core.Neuron
// "multispike"). A core with only IF neurons (Loihi) runs the layer as IF
// (Core.Neuron "if"): v starts at acc + (θ−1)/2, threshold θ, subtractive
// reset by θ, D sub-steps, which fires exactly s times. Layer.Fire is the
// rule. A readout layer only accumulates (an IF that never fires); all its
// channels share one θ, so its accumulators compare as scores.
//
// # Execution model (for the chip)
//
// Each of the Steps time steps runs phase 0, which delivers the step's input
// events (Program.InputFan), then the phases of Schedule: in phase k ≥ 1 every
// layer of Step k (1 + the longest chain of layers before it) has all of its
// input and fires: its count s goes out as s binary spikes over the phase's
// sub-steps, spikes first (thermometer code; a lif layer sends at most one),
// each spike one packet per destination core (Core.Fan: destination core and
// axon). A destination core adds, for a spike on axon a, the weights
// Program.Synapses(a) to its neurons. Accumulators restart from the bias each
// step, LIF membranes persist, the readout sums over the steps; after the last
// step its accumulators are the scores (Output). This is the per-layer barrier
// of DESIGN.md; the chip's counts and scores must equal Simulator's.
//
// # Partition, placement, routing
//
// A layer is split into boxes (channels × rows × columns) on one core kind;
// the box size minimises cores subject to neurons ≤ Neurons, distinct input
// axons ≤ Axons and, on digital cores, synapse bytes ≤ SynapseMemoryBytes,
// where bytes = 4 per axon (its source coordinates) + the kernels of the box's
// output channels (Cout_box·Cin/groups·k²·bits/8, stored once per core) or, for
// dense layers, the axons × neurons weight matrix; pool layers store no
// weights. On cim cores neurons ≤ min(Neurons, cols/cells_per_weight) and
// axons ≤ min(Axons, rows); every synapse is a cell pair. Weight bits are the
// smallest WeightBits of the digital kinds (cim-only chips: 1+log2 levels).
// Kinds are assigned layer by layer, largest first, to the kind that needs
// the fewest cores among those with tiles left; if a kind is then over budget,
// layers on it give their last channels to a kind with tiles to spare (a layer
// may span two kinds, each core records its kind and neuron model), and if
// that fails, layers are moved wholesale to the kind where they lose least. Placement minimises
// Σ traffic × Manhattan hops on the global tile grid of the board (traffic =
// neurons of one core with an axon on another); greedy (on big boards a
// ring search around each core's placed partners, built with two search
// windows and the cheaper kept), then simulated
// annealing from Options.Seed (skipped above 20,000 cores unless
// Options.AnnealSteps is set: 16 s for E-SpikeFormer Large 768, and no gain
// there nor for e-spikeformer-m), and the naive row-major cost is reported.
// Routing is dimension-order (xy or yx); a multicast tree per source core is
// the union of its routes, one routing-table entry per router on it.
//
// # Compact connectivity (axons.go)
//
// A core's axons are the sorted distinct source neurons its box reads; for
// every projection but a sparse one they are boxes of the sources (a conv's
// input window, a dense layer's flat range cut into at most five boxes, an
// attention core's q, k and v heads), so Compile keeps them as Core.Boxes
// (AxonBox: source, box, first axon id) and lists them (Core.Axons) only
// where they are not box-shaped. The fan-out (Core.Fan, Program.InputFan)
// is the inverse of the axons and is not stored: Program.Expand builds the
// lists (8 bytes per axon and per fan entry) for consumers that walk them,
// package chip among them; place, route and the mapping report work from
// the boxes through a per-layer grid index of the cores (every layer's
// cores tile it as channel groups × rows × columns), so the largest zoo
// programs never hold the lists. The .nsp (version 3) stores the boxes and
// the routing entries in its payload; version 2 files still decode, to an
// expanded program.
//
// # Channel splitting (split.go)
//
// A layer one of whose neurons reads more inputs than any core kind that
// can run it has axons (a 3×3 conv over 1536 channels reads 13,824; a long
// membrane-shortcut sum reads every term's inputs) is rewritten after
// quantize as G partial-sum layers (Kind "psum") and the layer itself: each
// psum layer accumulates a chunk of the layer's projections, or a range of
// input channels of one projection (Projection.InLo/InHi, weights outside
// zero), with the layer's own integer weights, and sends its accumulator as
// one graded packet per nonzero neuron; the layer adds the G sums with unit
// weights (1×1 depthwise projections) to its bias and fires as before. The
// sums are exact, so every count and score equals the unsplit program's;
// the cost is the psum neurons, their packets (one synaptic op each at the
// destination) and one barrier phase per level (a layer that still reads
// more than Axons partial sums is split again: a tree). The chunk size is
// chosen by cost (chunkBudget): a neuron reading nearly Axons inputs leaves
// room for one output position per core, so chunks of Axons/2 … Axons/16
// inputs are tried, and the one whose partial sums and reader need the
// fewest cores is taken; a layer that fits is cut too when that at least
// saves a third of its cores (E-SpikeFormer Large 768: 679 k Loihi cores
// unsplit or cut at full chunks, 114 k cut by cost). Not on chips with
// cim kinds, nor attention layers or layers with recurrent or sparse
// projections.
//
// Materialised sums (psum.go, during lower): an Add read by more than one
// node whose neurons would read more than the axons (a residual stream)
// becomes a psum population at one threshold for all channels, which later
// readers take as a source (the stream is quantised once instead of
// recomputed by every reader); a spatial Mean too wide to average in one
// neuron sums such a population's planes in a psum layer that sends
// round(Σ/2^Shift). These change numbers only by that quantisation.
//
// # CIM cores: placement and the tile pass
//
// On a chip with cim (memristor crossbar) tiles, Options.CIMLayers decides
// which layers the macros hold (`neurosim run/compile --cim-layers`):
// "dense" (the default) puts every layer fed only by dense projections (the
// FC layers: fc1 and fc2 of the default model) on cim kinds, "all" every
// layer with stored weights (conv and dense), "none" none, and a list of
// layer names exactly those. Pool layers have no stored weights and stay
// digital; cuba layers and layers with recurrent projections stay digital
// too (not supported on cim cores yet). The selected layers are partitioned only onto cim kinds, all
// others only onto digital kinds (a chip with no digital tiles puts every
// layer on its macros). A cim core of a kind with M = macros macros of R rows
// and O = cols/cells_per_weight outputs holds a box of neurons N and axons A
// with ceil(A/R) · ceil(N·P/O) ≤ M, N ≤ neurons and A ≤ axons, where P is
// the layer's parts per neuron: each integer weight is written in base L =
// levels as S digits (the fewest that hold the layer's largest |w|; 8-bit
// weights on 16 levels: S = 2), P = S with differential pairs and 2S with
// one cell per weight (positive and negative parts apart). A selected layer
// that cannot fit is a diagnostic naming the layer, the limit (macros,
// axons) and the amount over.
//
// The tile pass (after partition) records per cim core a CIMTile: the
// logical matrix (rows = the core's axons, columns = neurons × parts) cut
// into row tiles × column tiles of one macro each; Program.CIMWeights gives
// the levels of each macro. Conv layers use the unrolled mapping of an
// event-driven chip (a kernel weight repeated per output position of the
// core's box; see CIMTile), dense layers their weight matrix. Row tiles'
// partial sums and the weight digits (Σ Coef(p)·column) are added digitally
// by the core (package chip prices them as psum_add). The default model on
// prime-40nm: fc1 (3136 inputs × 128 neurons × 2 digits) takes 7 × 1 macros
// of one core, fc2 1 × 1 of another. The tiling travels in the .nsp header
// (cim_tiles, omitted when empty, so digital programs encode as before; a
// reader without the field rejects such a file as an unknown field).
//
// # Invariants
//   - The same graph, spec and Options give a byte-identical .nsp.
//   - Compile never modifies its graph argument and never panics on bad
//     input; Decode rejects truncated, corrupted and wrong-version files.
//   - A routed Program passes Check: every axon is fed by exactly one neuron
//     (or input element) whose fan-out names it; each layer's cores tile it
//     as a grid of boxes.
//   - A compact core's boxes stand for exactly the axon list the box reads
//     (sorted by source and neuron), and Expand derives exactly the fan-out
//     lists that inverting those lists gives (compact_test.go).
//   - Every cim core has one CIMTile, consistent with its axons and neurons,
//     using at most its kind's macros; Σ_p Coef(p)·digit_p over its macros
//     equals every synapse's weight, and each digit fits the macro's levels.
//   - Simulator.Run allocates nothing.
//   - Every core of an attention layer holds whole heads (its channel range
//     is a multiple of the head's dv channels) and its state fits its SRAM.
//   - The split pass changes no count and no score: a psum layer's values
//     summed with unit weights equal the accumulator of the layer it feeds.
package compiler
