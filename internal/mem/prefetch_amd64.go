package mem

// Prefetch asks the processor to fetch the cache lines of [p, p+n), n > 0,
// into its caches without waiting for them (PREFETCHT0 per line).
func Prefetch(p, n uintptr)
