// Package vec holds small integer vector kernels shared by the chip and the
// compiler's integer reference simulation, with an AVX2 implementation on
// amd64 and a pure-Go one everywhere else.
//
// AddScaledInt32To64(a, ws, val) does a[i] += int64(ws[i])·val for every i
// of ws: the inner loop of spike-driven synaptic accumulation, where ws is one
// input's row of integer weights and val is 1 (a binary spike), a small spike
// count or an 8-bit pixel. On amd64 with AVX2 and val within int32 it works
// four lanes at a time: VPMOVSXDQ sign-extends four int32 weights to int64,
// VPMULDQ (skipped when val is 1) multiplies their low 32 bits, which are the
// weights, by val's low 32 bits, which are val, into exact 64-bit products,
// and VPADDQ adds them to the accumulators. Any other val, a row shorter than
// four, or a CPU without AVX2 takes the Go loop.
//
// # Invariants
//
//   - The result is bit-identical to the naive loop
//     for i := range ws { a[i] += int64(ws[i]) * val } for every length,
//     every weight and every val, including int64 wrap-around of a[i].
//   - Only a[:len(ws)] is written; len(a) < len(ws) panics with an index
//     error before anything is written, as the naive loop's bounds check would.
//   - Nothing allocates.
package vec
