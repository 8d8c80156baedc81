// Package modeltest builds small models of the shapes neurosim trains and
// ships, with random weights, for tests of the packages that consume graphs
// (compiler, chip). Test files cannot import each other across packages, so
// the builders live here once instead of in each package's tests.
//
// # Invariants
//
//   - Every builder is deterministic for a given *rand.Rand state and returns
//     a graph that passes models.Verify.
//   - Nothing here is used outside tests.
package modeltest
