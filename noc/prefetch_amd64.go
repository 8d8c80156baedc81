package noc

import "unsafe"

// prefetch asks the processor to fetch the cache lines of [p, p+n), n > 0,
// without waiting for them.
//
//go:noescape
func prefetch(p unsafe.Pointer, n uintptr)
