// Package arch describes neuromorphic hardware: a chip of tiles on a 2-D mesh
// or torus, each tile one core and one router; the kinds of core (digital,
// with synapses in SRAM, or cim, with synapses in a memristor macro); the
// network-on-chip; boards of chips joined by links; and the energy table.
//
// # Model
//
// A [Spec] is plain data loaded from TOML ([Load], [Parse]) or from a
// built-in preset ([Preset]: default, loihi, truenorth, prime-40nm). A file
// may start from a preset with `base = "NAME"` and override single keys.
// Every field documents its TOML key, unit and default in struct tags;
// [Fields] and [AnnotatedTOML] read them for `neurosim describe`. Every
// preset constant carries the source it was taken from.
//
// # Invariants
//
//   - Decoding is strict: an unknown key, a value of the wrong type and a
//     field that does not apply to a core's type are errors naming the key
//     path, the file and the line; all such problems come back together.
//   - A Spec returned by Load, Parse or Preset has passed Validate, which
//     returns every problem sorted, never only the first.
//   - The package imports no other neurosim package, and never panics on
//     user input.
package arch
