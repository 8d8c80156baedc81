// Package report renders the results of a chip run (chip.Stats) for people
// and machines: tables (olekukonko/tablewriter) with the energy breakdown by
// component (count × pJ = total, each with its source), simulated time,
// spikes, synaptic events, NoC statistics and per-core figures; and JSON.
//
// # Invariants
//
//   - Output depends only on the Stats (and the extra rows) given: the same
//     Stats render to the same bytes. Nothing here reads clocks or the
//     environment, so wall-clock figures belong in the caller's extra rows.
//   - Every energy line shows the count and the per-event figure beside the
//     total, so a reader can re-price it.
package report
