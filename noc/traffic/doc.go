// Package traffic drives a noc.Network with synthetic traffic and measures
// latency and accepted throughput against offered load, the way network
// simulators such as BookSim do.
//
// # Model
//
// Every tile is a source with an unbounded backlog. A source generates
// packets by a Bernoulli process: in each cycle, with probability
// load/flits, it generates one packet of flits flits (so the offered load is
// load flits/node/cycle). The process is sampled by its geometric
// inter-arrival gaps, which is the same distribution and costs one event per
// packet instead of one draw per node and cycle. A generated packet waits in
// the backlog until the tile's (small) source queue in the network takes
// it; its latency runs from generation to the delivery of its tail, so
// source queueing counts.
//
// A run has three phases: warm-up (packets generated, not measured),
// measurement (packets generated in it are measured; flits delivered in it
// give the accepted throughput), and drain (generation goes on, so the
// measured packets see steady load, until every measured packet has arrived
// or MaxDrain cycles pass; then unmeasured backlog is dropped and the
// network runs empty). A run is Saturated when it accepted less than 95 %
// of the load generated in the window, or needed the MaxDrain cut.
//
// Destinations: uniform (every tile equally likely, the source included, as
// in the analytic mean hop count 2(k²−1)/(3k)), transpose ((x,y) → (y,x),
// square arrays only) and hotspot (a fraction of packets to one tile, the
// rest uniform).
//
// # Invariants
//
//   - Every source draws from its own PCG stream named after its tile, so
//     the same Config (seed included) gives the same Result.
//   - Every measured packet is delivered before Run returns; Run fails if the
//     network does not drain.
package traffic
