// Package sim is neurosim's discrete-event engine.
//
// # Model
//
// Simulated time is an integer number of picoseconds ([Time]); clocked
// components convert cycles to time through a [Freq]. An [Event] names the
// [Handler] that receives it, the time it fires and a priority. The engine
// keeps pending events in a calendar queue and fires them one by one in a
// total order:
//
//	(time, band, priority, sequence)
//
// where band separates primary events from secondary (end-of-time-step)
// events, priority orders events within a band (lower first) and sequence is
// the order in which events were scheduled. Secondary events at time t fire
// after every primary event at t, including primary events scheduled at t
// while t was being processed; barriers use them to close a step. A
// sequence number can be taken early ([Engine.Reserve]) and given to an
// event scheduled later ([Engine.ScheduleReserved]): a component that queues
// its own future events in the engine's order (a link's packets) hands the
// engine only the first, and every event still fires in its place.
//
// Components depend on the narrow [Scheduler] interface, never on the
// concrete [Engine]. Idle components schedule nothing: an arriving event
// wakes them.
//
// Randomness comes from [Streams]: every component draws from its own PCG
// stream seeded from a hash of (root seed, hierarchical name), so a stream
// does not depend on the order in which components were built, and nothing
// in neurosim uses the global math/rand functions.
//
// Observation goes through hooks: an emitting package declares its
// [HookPos] values, a model embeds [Hookable], and subscribers (tracers,
// statistics) attach from outside with AcceptHook. Models never print.
//
// # Invariants
//
//   - Time never goes backwards: scheduling an event before Now panics with
//     the event's time, the current time and the handler's type.
//   - The same schedule calls in the same order produce the same firing order,
//     whatever the queue implementation ([HeapQueue] or [BTreeQueue]).
//   - Scheduling and firing allocate nothing once the queue has grown to its
//     working size.
package sim
