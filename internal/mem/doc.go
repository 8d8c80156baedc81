// Package mem gives hints to the memory system for the simulator's hot,
// large tables. Prefetch asks the processor for cache lines ahead of their
// use (on amd64, PREFETCHT0 per line; elsewhere nothing): a prefetch
// retires at once, so a loop can name many lines and go on while they
// arrive, where a load would wait. Huge asks the kernel to back a large
// slice with transparent huge pages (on Linux, madvise MADV_HUGEPAGE over
// the 2 MiB pages wholly inside it; elsewhere nothing): one page fault and
// one TLB entry per 2 MiB instead of per 4 KiB. MakeHuge allocates a slice
// that starts on a 2 MiB boundary first, so that all of it can be.
//
// Addresses are passed as uintptr, not pointers: a hint about memory freed
// since is harmless (a prefetch never faults), and the collector must not
// be shown an address that may point outside any object.
//
// # Invariants
//
//   - Neither function changes any value a program reads: they only move
//     memory between caches and page sizes.
//   - Neither fails or panics, whatever the address, length or platform
//     support (an unsupported hint is ignored).
package mem
