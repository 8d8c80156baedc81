// Package noc models a network-on-chip: one router per tile on a 2-D mesh or
// torus, with dimension-order routing, multicast trees, input buffers with
// credit flow control, round-robin arbitration, pipelined routers and links
// with latency. It is timed, event-driven and runs on one sim.Scheduler.
// Three timing models share the API: the cycle model (flit by flit, the
// default), the packet model (per-port bookings, no back-pressure, much
// cheaper; see "Packet model") and the analytic model (no link bookings,
// multicast trees precomputed; see "Analytic model").
//
// # Use
//
//	n, err := noc.New(spec.NoC, spec.Chip.Width, spec.Chip.Height, engine, sim.Freq(spec.NoCClockHz()))
//	n.Attach(noc.Tile{X: 3, Y: 1}, core)  // core implements Deliver(*noc.Packet)
//	p := n.NewPacket()
//	p.Dst, p.A = noc.Tile{X: 0, Y: 2}, axon
//	ok := n.Inject(noc.Tile{X: 3, Y: 1}, p) // false: the source queue is full
//
// A packet with two or more Dests is a multicast packet. Delivered packets
// (and multicast copies) come from a pool: an endpoint may read a packet only
// during Deliver.
//
// # Timing model
//
// Everything happens on edges of the router clock (cycle c is time
// c·Period). Let P be RouterPipelineCycles and L LinkLatencyCycles.
//
//   - Injection: Inject puts the packet in the tile's source queue at the
//     first clock edge at or after the call. The injection channel moves one
//     flit per cycle from the source queue into the local input buffer
//     (BufferFlits deep) while it has room; no extra cycles.
//   - A router: a flit that entered an input buffer at cycle a may leave at
//     cycle a+P at the earliest (routing, allocation and crossbar are folded
//     into P). Each output sends at most one flit per cycle.
//   - A link: a flit that leaves a router at cycle d enters the next router's
//     input buffer at d+L. Credits travel back with the same latency L: the
//     credit for a buffer slot freed at cycle d is usable upstream at d+L.
//   - Ejection: the flit leaving the destination router by its local port at
//     cycle d is delivered at d (Endpoint.Deliver runs when the tail leaves).
//
// Hence the per-hop delay is P+L cycles and, with no contention, a packet of
// F flits crossing h links has latency h·(P+L) + P + (F−1) cycles from the
// clock edge of its injection to the delivery of its tail: P for the
// ejection through the destination router, F−1 for serialisation.
//
// # Routers
//
// Each router has five input ports (E, W, N, S, Local) with one input
// buffer of BufferFlits flits per virtual channel (one VC on a mesh, two on a
// torus) and five outputs. Upstream outputs keep one credit per free
// downstream slot; a flit leaves only with a credit, so a buffer never
// overflows. Packets are switched wormhole: a unicast packet's head
// acquires the output VC and holds it until its tail leaves. Each output
// grants one flit per cycle to the requesting input VCs in round-robin order
// (starting after the last winner). An input VC may feed several outputs in
// one cycle (the branches of a multicast packet; on a torus its two VCs).
//
// Routing is dimension-order (xy: x first, yx: y first), minimal, and
// deterministic. On a torus each dimension goes the shorter way round (ties:
// the positive way). Deadlock freedom: on a mesh, dimension-order routing
// has an acyclic channel dependency graph. On a torus each ring is cut by a
// dateline (its wraparound link): a packet enters a ring on VC 0 and moves
// to VC 1 when it crosses the dateline; shortest-way routing crosses it at
// most once per dimension, so neither VC's dependencies close a cycle
// (Dally & Seitz).
//
// Multicast: a packet with a destination set follows the dimension-order
// tree. At a router its destinations are split by output port; with more
// than one port, each branch forwards a copy that carries its share of the
// set, and the input buffer frees a flit only when every branch has sent it
// (asynchronous replication). Each link of the tree carries the packet once,
// which is fewer link traversals than one unicast per destination. Multicast
// packets are switched virtual cut-through (a branch starts only with
// credits for the whole packet, and a multicast packet must fit in a
// buffer): a granted branch can never stall mid-packet, so a branch blocked
// downstream cannot hold its siblings' channels in a cycle. With Multicast
// off in the spec, Inject splits such a packet into unicasts at the source.
//
// # Events
//
// A router asks to be evaluated only for cycles in which something may
// happen: a flit becomes ready, a credit arrives that a blocked flit waits
// for, an eligible request lost arbitration, an output VC it waits for was
// released. Idle routers ask for nothing. Requests go into the network's
// timing wheel (a ring of per-cycle router lists, longer than the farthest
// request, P+L cycles ahead); the network schedules one engine event per
// cycle in which any router has work and evaluates the routers listed for
// it, each at most once. A flit crossing a link costs no event of its own:
// the sender writes it into the receiver's buffer with its ready cycle and
// wakes the receiver then. A test checks that this gives exactly the
// deliveries of evaluating every router every cycle. Each evaluation is two-phase (collect requests from the state at the
// start of the cycle, then move the winners), and everything a router does
// reaches another router at least one cycle later, so the order in which
// routers evaluate within a cycle never changes a result.
//
// On a mesh whose packets have all been one flit long (spike traffic), a
// router evaluates with a specialised copy of the cycle (single.go) that
// keeps the same state and makes the same moves, wakes and statistics
// (tested against the general evaluation); the first longer packet switches
// the network to the general evaluation for good.
//
// # Packet model
//
// With arch NoC.Model = "packet" the network does not move flits. Inject
// computes a packet's whole journey at once and the network schedules one
// engine event per cycle in which deliveries fall (a wheel of per-cycle
// delivery lists); no router is ever evaluated. The journey:
//
//   - Injection: the tile's injection channel takes the packet's F flits
//     from max(c, the channel's next free cycle), c being the injection
//     cycle (as above); the head is ready to leave the source router P
//     cycles after it enters.
//   - Each link (router output) of the packet's dimension-order path, or of
//     its multicast tree (the same tree the cycle model builds, split by
//     output port at each router), is booked for F consecutive cycles from
//     the first idle gap at or after the head's ready cycle; the head is
//     ready at the next router L+P cycles after it starts to cross.
//   - Ejection: the destination's local port is booked the same way for F
//     cycles; Deliver runs when the tail leaves (start + F − 1).
//
// Each port keeps up to four future busy intervals; a later booking may use
// an idle gap before an earlier booking (so a packet that arrives first
// mostly goes first, even if it was injected later), and when a fifth
// interval would be needed the two closest merge, giving up the gap between
// them. Bookings happen in injection order, so when two packets want
// overlapping cycles of a port, the earlier injection wins, whatever their
// arrival order. Hence the model keeps per-hop pipeline and link latency,
// serialisation, injection-channel and ejection-port contention and link
// contention; it drops finite input buffers and credits (no back-pressure:
// a blocked packet never holds upstream links, so no tree saturation or
// head-of-line blocking), virtual channels (a torus's two VCs share the
// link's bookings), round-robin arbitration (replaced by booking order),
// and the wormhole coupling of a packet's flits across routers. It matches
// the cycle model exactly at zero load (latency of every src/dst pair,
// multicast trees, all statistics: tested), and its mean latency under
// uniform random traffic on an 8×8 mesh is within 2 % of the cycle model's
// up to 0.1 flits/node/cycle (tested against ±5 %, see
// noc/traffic TestPacketModelUnderLoad). Near and past saturation it is
// optimistic: accepted throughput is bounded only by the links.
//
// Statistics under the packet model: packet, flit, hop and per-link flit
// counts are exactly what the cycle model counts for the same packets
// (which links the flits cross does not depend on timing). StallCycles is
// the head's wait for a booked port times the packet's flits. A multicast
// packet is shared by its destinations: the endpoint sees it once per
// destination with Dst and Hops set, and InFlight counts every destination
// from injection until its delivery. HookPosFlit fires at Inject, once per
// flit and link, with Now set to the cycle the flit will cross (so not in
// time order); HookPosDeliver as in the cycle model.
//
// # Analytic model
//
// With arch NoC.Model = "analytic" the network is the packet model without
// link bookings: a packet's head crosses each link of its path or tree P+L
// cycles after it was ready at the link's router, whatever else crosses
// it, so a destination h links away is reached at its zero-load time
// s + P + h·(P+L), s being the cycle the packet's first flit enters the
// network. The injection channel (serialisation of a tile's packets,
// F flits each) and each destination's ejection port (one packet's F flits
// at a time, booked as in the packet model) keep their contention; link
// contention inside the mesh is not modelled. It is meant for barrier-
// synchronised spiking workloads, where within a step deliveries are
// order-independent sums and the links are lightly used (the per-link flit
// counts, exact, show how lightly); under load it is optimistic, and more so
// than the packet model. Zero-load latencies and all counts equal the cycle
// model's (tested).
//
// A [Tree], made once by NewTree for a source tile and a destination set,
// holds the links of the dimension-order tree (or path) and each
// destination's router and hop count in the order the walk reaches them. A
// packet with Packet.Tree set takes its destinations from the tree; under
// the analytic model it then costs one step per destination instead of one
// per link: the tree's links are credited flits × links when statistics are
// read (Stats, ResetStats), which gives exactly the per-link counts of
// walking every packet (tested under load). The other models, and the
// analytic model when hooks are attached or multicast is off, copy the
// tree's destinations into Dests and route the packet as any other.
// On networks of at most 64 routers a side NewTree records the walk
// without visiting routers one by one (each line's destinations as a bit
// mask, its links a prefix of a precomputed ray; treewalk.go), keeps those
// links as runs (ray, length) rather than link ids, and cuts trees, runs
// and ejections (16 bytes each, their destination indices apart) from
// shared slabs; the result equals the packet models' recording walk (the
// same links, in another order, and the same ejections; tested). When the
// destinations come in router order (row by row) the destination indices
// follow from the ejections' routers and are worked out only when first
// needed (a batched send never needs them); TreeMaker.NewTreeTags tags the
// ejections as the walk records them. The
// links of trees are counted per ray position, then per link, when
// statistics are read. A tree's destination list is made from its
// ejections when first asked for (Tree.Dests). A TreeMaker
// makes trees on scratch of its own, so that several goroutines can make a
// network's trees at once (ConcurrentTrees); AddTree then adds them.
//
// A [Batch] is the analytic model without events, for a caller that owns
// the clock of a barrier step: [Batch.Send] launches a packet along a tree
// (injection channel booked, each destination's request for its ejection
// port queued) and [Batch.Arrivals] books each ejection port for its
// requests in the order sent, as the event-driven launches book it, and
// returns every delivery's cycle; [Batch.EndStep] books them the same way
// and lets each tile's endpoint, described by [Batch.SetService], process
// its deliveries one at a time in order of arrival (the digital core's
// receive model), returning the latest end and the number of distinct
// delivery cycles instead of the deliveries. A step starts with idle ports, so
// batches of one network can compute different steps at once;
// [Batch.SendID] sends along a tree by ID without reading its header, and
// [Batch.Prefetch] asks the processor for a tree's ejections ahead of its
// send (a step's trees then arrive in parallel, not one cache miss after
// another; results do not change).
// [Network.MergeBatch] adds a batch's counts (deliveries, latencies, stall
// cycles, per-tree uses for the link counts) into the statistics. Sent in
// the engine's order, the deliveries and the merged statistics equal
// Inject's (tested).
//
// # Statistics and hooks
//
// Stats gives packets and flits injected and delivered, per-link flits and
// stall cycles, a latency histogram, hop counts and the x/y flit-hop counts
// arch.Energy prices. HookPosInject, HookPosFlit and HookPosDeliver let
// tracers observe without the package printing anything.
//
// # Invariants
//
//   - For every output VC: credits + credits in flight + flits in the
//     downstream buffer = BufferFlits (checked by the tests; a push into a
//     full buffer panics).
//   - Zero-load latency is h·(P+L) + P + F−1 cycles exactly, in all three
//     models, with or without a Tree.
//   - Packet, flit, hop and per-link flit counts do not depend on the
//     timing model or on sending along a Tree.
//   - The same injections in the same order give the same statistics,
//     through Inject or through a Batch.
//   - In steady state (pool and queues warmed up) injecting, routing and
//     delivering allocate nothing unless hooks are attached.
package noc
