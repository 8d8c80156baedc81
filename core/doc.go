// Package core models the timed digital neuromorphic core: synapses in SRAM,
// a population of neurons updated once per algorithmic step, and spikes sent
// as packets to destination cores. The package does not know the
// network-on-chip: a core hands its packets to a [Sender] that the chip wires
// to the NoC, and the chip calls [Core.Receive] when the NoC delivers one.
//
// # Functional model (what spikes)
//
// A core owns a [Synapses] table: the input axon table (one entry per
// distinct presynaptic source; an entry names the input channel, excitatory
// or inhibitory, and a range of synapses) and a compact CSR of (target
// neuron, weight). Weights are quantised to the core kind's WeightBits as a
// signed mantissa times a per-axon scale, so m·scale is exactly what the core
// accumulates. An axon whose synapses all carry one weight uses the
// shared-weight format (the weight once in the axon entry, synapses as
// target indices only; an assumption in the spirit of Loihi's several
// synapse encodings). The SRAM the table takes is accounted as
//
//	bytes = ceil((synapses·ceil(log2 Neurons) + full-format synapses·WeightBits) / 8)
//	      + 4·axons + shared axons·ceil(WeightBits/8)
//
// and checked against SynapseMemoryBytes, as axons are against Axons and
// neurons against Neurons: a table that does not fit is an error.
//
// The [Functional] model of a set of cores runs one step at a time without
// time: every core steps its [Neurons] once with the input accumulated during
// the previous step and consumes that input; then each spike is delivered
// along the spiking neuron's routes ([Route]: destination core and the axon
// there), adding the weights of the axon's synapses to the per-neuron input
// of its channel, core by core and spike by spike in index order. The inputs
// of step t are therefore exactly the spikes of step t−1, as in
// neuron.CUBA's step order, and because the order of the (float) sums is
// fixed they cannot depend on when the NoC delivers packets. (It reads a
// copy of the synapse tables laid out by source neuron, in that same
// order; with merged CUBA cores, into one input array for all of them. A
// caller that can vouch for that copy without the tables, as the chip for
// one CUBA population, passes it to [NewFunctionalFan] and may build the
// cores with [NewTableDeferred], their tables set later if anything reads
// them, or with [NewDeferred], their routes too: batched steps read
// neither.) [CUBANeurons]
// steps neuron.CUBA with AVX-512/AVX2 on amd64, bit-identical to
// neuron.CUBA.Step.
//
// The timing model takes each step's spikes from a [SpikeSource]: the
// Functional model run inline, or a [Pipeline] that runs it ahead on its own
// goroutine in chunks of steps so that neuron updates overlap with the NoC
// simulation. Both give the same results.
//
// [KVAttention] is the functional model of a spike-driven attention unit (the
// scheme for SDT-V3's attention: a kᵀ·v state per head in SRAM, updated by
// additions for every k spike and read by every q spike, each operation
// counted). The compiler lowers SpikeAttention to it (compiler/attention.go)
// and package chip runs one per attention core (Attend: the queries of the
// core's tokens against the state of all tokens).
//
// # Timing model (when)
//
// Steps are barrier-synchronised as on Loihi: a [Barrier] releases every
// active core at the same time T; no core starts step t+1 before every
// packet of step t has been delivered and processed. Each spike leaves its
// core through a [Sender] as packets (one per destination core or a
// multicast tree, the sender's choice), and each delivery calls
// [Core.Receive], which accounts the synaptic operations ([Core.ReceiveFrom],
// [Core.ReceiveRoute] and [Core.ReceiveAxon] do the same for a caller that
// names the source neuron, its route, or the axon with its cached synapse
// count: they skip a lookup that on a chip of many cores misses the cache).
// With P the clock period:
//
//   - the neuron update takes N·CyclesPerNeuronUpdate·P from T;
//   - spike k of the step (from neuron i, in neuron order) leaves at
//     e_k = max(T + (i+1)·CyclesPerNeuronUpdate·P, e_{k−1}) + CyclesPerSpikeOut·P;
//   - a packet arriving at time a is processed from max(a, busy) for
//     synapses·CyclesPerSynOp·P, where busy is when the core's previous
//     work (update or packet) ends;
//   - the step ends when every core has sent its spikes and every packet is
//     delivered; the next step starts Chip.BarrierNS(active cores) after
//     the later of the latest busy end and the last delivery, and no
//     earlier than MinStepNS after the previous start.
//
// Cores without neurons take no part; a core with no spikes and no packets
// schedules nothing: the barrier's one release event per step updates every
// core in a loop, and only spikes create further events.
//
// # Batched steps
//
// With a [BatchSender] (a sender that fixes each delivery's time when the
// spike is sent: the analytic NoC model), [Barrier.RunBatch] computes each
// step without the engine: the emissions in the engine's order (time,
// then scheduling order, reproduced with its own sequence numbers), and
// the sender ([BatchStep]) times the deliveries and each core's
// processing of its deliveries in order of arrival, by the formulas
// above, from each core's update time and cost per synaptic operation. Every counter and
// step time, and the count of engine events the event-driven run would
// fire, equal that run's (tested in package chip). A step starts with idle
// cores and, the barrier outlasting the last delivery by at least one NoC
// cycle ([Barrier.BatchMode]), idle NoC ports. When the clock periods,
// the barrier time and MinStepNS are whole NoC cycles, a step's course
// relative to its release T does not depend on T: worker goroutines then
// compute steps while the functional model runs ahead, and only the chain
// T_{t+1} = max(T_t + d_t + barrier, T_t + MinStepNS) is sequential.
// A sender that is also a [BatchPrefetcher] is told the next step's spikes
// before the current step is computed (what it reads per spike, a
// neuron's routes, is fetched from memory meanwhile); this changes no
// result.
//
// # Counters and hooks
//
// Each core counts synaptic ops, neuron updates, spikes out, packets out,
// packets in, barrier participations and busy cycles ([Counters]); the chip
// prices them with the spec's energy table. Hooks: [HookPosSpikeOut] (Item
// *SpikeOut) when a spike leaves, [HookPosPacketIn] (Item *PacketIn) when
// a packet is processed, and [HookPosStep] on the barrier (Item *StepInfo)
// when a step is released. Items point into reused storage and are valid only
// during the hook call.
//
// # Invariants
//
//   - Functional results (which neuron spikes at which step, and the input
//     sums bit for bit) do not depend on clock, cycle counts, NoC latency,
//     delivery order, barrier time, or on running the functional model inline
//     or pipelined.
//   - Receive, the step release and spike emission allocate nothing.
//   - RunBatch gives the counters and step times of Start and the engine,
//     whatever the number of workers or GOMAXPROCS.
//   - Bad configuration (a table that does not fit, a target out of range)
//     returns an error; misuse by the chip (a delivery for an unknown axon,
//     receiving while no step runs) panics with a precise message.
package core
