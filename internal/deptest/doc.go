// Package deptest enforces the architecture of DESIGN.md from inside the
// test suite: which neurosim package may import which, and that every
// package opens with a doc.go stating its model and invariants.
//
// # Invariants
//
//   - The allowed-import table below is the one in DESIGN.md; a forbidden
//     edge fails the test naming the importer and the imported package.
//   - Subpackages belong to their top-level owner (models/train is models,
//     chip/sweep is chip); internal/... packages may be imported by anyone
//     and may import only std, third-party modules and other internal
//     packages unless listed.
package deptest
