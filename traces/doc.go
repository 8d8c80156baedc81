// Package traces records what a simulated chip does, through hooks, and
// writes it in formats that existing viewers and tools read. Model packages
// never import traces: a [Recorder] is a sim.Hook that the caller attaches to
// the barrier, the cores and the NoC (their hook positions are declared in
// core and noc), and a [Layout] tells it where cores sit and what they hold
// (the chip's mapping fills it in).
//
// # Formats
//
//   - Spikes: columns time_ns, chip, core, neuron, layer, as CSV (".csv";
//     time_ns exact, three decimals: the picoseconds) or Parquet (".parquet";
//     time_ns DOUBLE, the others INT32, Snappy pages, row groups of 64 Ki rows,
//     written with github.com/parquet-go/parquet-go); neuron is the index
//     within the layer (population), through CoreInfo.Index when a core's
//     neurons are not contiguous in its layer (part of a channel plane).
//   - Every file is written under a temporary name in its directory and
//     renamed when complete (Close); a failed recording leaves none. The format follows the file extension;
//     any other extension is an error.
//   - Input events: Tonic-compatible ".npy" ([NPYEvents]: numpy format 1.0,
//     structured dtype [('x','<i2'),('y','<i2'),('t','<i8'),('p','|b1')],
//     t in µs: Tonic's events_struct) and AEDAT 2.0 ([AEDATEvents]: jAER
//     header, big-endian address and µs timestamp, DVS128 or DAVIS address
//     layout). The readers of N-MNIST and AEDAT 2.0 are in models/data.
//   - VCD (IEEE 1364, [VCD]): timescale 1 ps; per selected core a wire busy
//     (neuron update and synaptic processing) and an integer fifo (packets
//     delivered and waiting to be processed); per probed neuron a wire
//     n<i>_spike (a pulse one NoC cycle long) and a real n<i>_v (membrane
//     potential, fed through [Recorder.Membrane], as cores emit no hook for
//     it). Identifiers are variable indices in base 94.
//   - Chrome trace event JSON ([Chrome]; Perfetto UI, chrome://tracing): the
//     chip is a process; thread 0 is the barrier (an instant per step),
//     threads 1… the cores (spans "update layer L" for each neuron update a
//     core reports through core.HookPosUpdate — one per layer phase on a
//     chip.Machine —, "update" for a Layout's per-step Update, and
//     "synapses"), then one thread
//     per router (spans "inject", "hop E/W/N/S", "deliver", one NoC cycle
//     long). A packet is a flow: 's' at injection, 't' at every hop of its
//     head flit, 'f' at each delivery (copies of a multicast packet share the
//     id). Counters: each core's input FIFO depth, NoC packets in flight.
//     Timestamps are µs with six decimals, exact.
//   - Raster plot ([Raster]): PNG or SVG through gonum/plot, neuron rows of
//     the layers stacked in layer order.
//
// [ParseSelect] reads the --trace-select syntax (layers, cores, neurons,
// window, formats) and [OpenDir] writes the selected formats into a
// directory.
//
// # Invariants
//
//   - Streaming: writers emit as they go through fixed buffers; a Recorder
//     keeps only the work in flight (items that start later than the hook
//     that reports them) and a Raster at most its cap of points, so memory
//     does not grow with the length of the run.
//   - Order: every file is written in simulated-time order (VCD timestamps
//     and Chrome ts never decrease; per track and overall), because future
//     items wait in a queue ordered by (time, arrival) until simulated time
//     passes them. Hops reported ahead of time (the packet NoC model fires
//     HookPosFlit at injection with the time each flit will cross) go
//     through the same queue.
//   - Deterministic: the same hook sequence gives byte-identical files; no
//     file holds a date, a path or a map-order dependent list.
//   - Bad selectors, layouts and extensions return errors that name them;
//     the recorder stops at the first write error and Close returns it.
//   - The per-event paths (spike, packet, hop) allocate nothing.
package traces
