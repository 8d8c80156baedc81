// Package simtest holds contract tests that every sim.Queue and every engine
// built on one must pass: the total order (time, band, priority, sequence),
// FIFO order among equal keys, secondary events after primary ones, RunUntil
// and Stop semantics, and the panic on scheduling into the past.
//
// # Invariants
//
//   - The contract is stated once, here; sim's own tests and any alternative
//     queue run the same functions, so the implementations cannot drift apart.
package simtest
