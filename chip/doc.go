// Package chip assembles a simulated neuromorphic chip from an arch.Spec and
// a network of neuron populations and projections, runs it, and returns
// Stats.
//
// # Model
//
// A [Network] is plain data: populations (a neuron model and its size; an
// input population replays a spike schedule, which is how input is
// injected) and projections (a CSR of synapses from a pre to a post
// population onto the excitatory or inhibitory channel). [Build] maps it
// (see [Mapping]: each core holds a contiguous range of one population, as
// many neurons as the core kind's neuron, fan-in and synapse-memory limits
// allow; cores sit in a near-square block of tiles; with Options.AutoSize the
// mesh grows to a square that holds them) and puts one core.Core and one
// noc router per tile on a single sim.Engine, with a core.Barrier for the
// algorithmic steps. Routes are counted and cut to size in one walk of the
// projections; when no projection has per-synapse weights, each core's
// synapse table is built from the mapping's lists of incoming synapses
// (core.SharedTables) rather than by every pre neuron writing to dozens of
// tables. For one CUBA population whose neurons each reach one projection
// (the CUBA network), the functional model's by-source copy is the
// projections' targets themselves (core.NewFunctionalFan), so Build
// defers the tables and the routes (core.NewDeferred; each route's synapse
// count comes with the route walk) until something reads them (Cores, a
// run with engine events); a batched run never does.
//
// A spike leaves its core as one NoC packet addressed to every destination
// core of the neuron (routers replicate it along the dimension-order tree
// when the spec enables multicast, else the source splits it into
// unicasts). When the NoC delivers it, the tile's endpoint looks up the axon
// the neuron reaches on that core and calls core.Receive, which times and
// counts the synaptic operations. Every spike goes through the NoC,
// including spikes to the sending core's own tile. Under the analytic NoC
// model (arch NoC.Model = "analytic") each neuron's multicast tree is
// walked once (noc.Tree, by noc.TreeMakers: on a goroutine of its own,
// from the projections, while Build finds the routes and builds the
// synapse tables, and, once Run or NoC needs them, on the caller's too)
// and each destination tagged with its core and the synapse count of its
// axon there: a spike then costs the NoC one step per destination, and the
// tree's per-link flits are credited when statistics are read. Unless
// hooks are attached, Options.NoBatch is set, the NoC has no multicast or
// the barrier is shorter than a NoC cycle, Run then computes each step at
// once (core.Barrier.RunBatch with noc.Batch, on two worker goroutines
// when the chip's times are whole NoC cycles) instead of firing an engine
// event per spike and per delivery cycle; the Stats are the event-driven
// run's, byte for byte (TestBatchMatchesEvents). What spikes is computed
// by core.Functional (neuron updates and synaptic accumulation in a fixed
// order), run on a second goroutine ahead of the engine (core.Pipeline;
// Options.Serial runs it inline): the barrier guarantees that step t's
// inputs are exactly step t−1's spikes, so the two models can run apart and
// the raster cannot depend on NoC timing.
//
// [Chip.Run] returns [Stats]: spikes, synaptic events, the core counters,
// NoC statistics, simulated time, per-core figures, and energy as count ×
// pJ per component from the spec's energy table. [CUBANetwork] builds the
// Vogels–Abbott CUBA benchmark as ../shared/bench/brian2_cuba.py does, and
// [Firing] measures rate and ISI irregularity from a raster.
//
// # Compiled programs and CIM cores
//
// [NewExec] prepares a compiler.Program for a spec and [Exec.RunSamples]
// runs it (program.go). Under the analytic NoC model ([Exec.SetNoCModel])
// a machine makes the multicast tree (noc.Tree) of each distinct
// destination list of a core the first time a spike uses it, and sends
// every later spike of that list along it; a NoC Reset drops the trees
// with the network they belong to. Cores of a cim kind keep their synapses in crossbar
// macros (package crossbar) laid out by the compiler's tile pass: binary
// spikes drive rows, one read per binary sub-step (8-bit input pixels
// bit-serially), read noise drawn per read from a stream of (root seed, core,
// sample), drift at each read's simulated time, ADC outputs added digitally
// to the integer accumulators; see cim.go for the full model. [Evaluate]
// runs a program with the macros' noise fields overridden (no recompile):
// the entry point for sweeps; [Exec.SetMacro], [SetMacroField],
// [Exactly] and [MacroExact] are its parts, [Summary].CIM records the
// macros a run used.
//
// A psum layer (the compiler's channel splitting) sends, in its phase, one
// graded packet per neuron with a nonzero partial sum, timed and priced as a
// spike packet; at the close of the phase the destination adds the value
// (not a count) with the unit weight, so the split layer's accumulator is
// exactly the unsplit one's.
//
// Programs with events input take each sample as its Steps frames one after
// another ([Exec.SampleSize]); cubalif cores keep a synaptic current beside
// the membrane, and spikes that reach a core over a recurrent projection are
// held there until the next step begins (kernel_cubalif.go). With hooks
// attached a Machine also reports each layer's neuron update
// (core.HookPosUpdate) and [Exec.Cores] gives each core's layer-wide neuron
// indices.
//
// Attention layers (compiler/attention.go) run on digital cores that hold
// whole heads and a box of tokens: q, k and v spikes arrive as packets like
// any other and are buffered per axon; in the layer's phase the core's
// core.KVAttention builds each head's kᵀ·v state from the k spikes and the
// buffered v counts, answers the q spikes of its tokens, and its neurons
// fire from the gained sums; state adds, state reads and output adds are
// counted (Counts.Attn*) and priced by the spec (attention.go).
//
// Programs compiled for a board of several chips (arch.Board) run on the
// board-wide tile grid: on-chip traffic over one NoC, and spikes bound for
// another chip over board links with latency, serialisation (one packet at
// a time per link) and energy per bit, counted apart (Counts.InterChip*,
// Summary.Board); interchip.go states the model.
//
// # Invariants
//
//   - Deterministic: the same spec, network and seed give the same Stats
//     and raster; the raster (sorted by step, neuron) and its hash do not
//     depend on NoC or core timing at all (the barrier makes step t's inputs
//     exactly step t−1's spikes).
//   - Bad networks, specs and mappings return errors naming the problem;
//     nothing panics on user input.
//   - The step loop allocates nothing once queues and pools are warm.
//   - Batched steps and the event-driven run give the same Stats, whatever
//     the number of workers.
//   - Cim cores: with exact macros (MacroExact) the chip equals the integer
//     model bit for bit; with noise, a sample's result depends only on
//     (program, spec, macros, seed, sample, lane), never on the number of
//     workers.
//   - A program spread over several chips computes exactly what it computes
//     on one chip (board links change timing and energy, never results), and
//     a single-chip run's report is unchanged by the board model.
package chip
