package main

import "syscall"

// peakRSSKiB is the peak resident set size of this process in KiB (Linux
// getrusage ru_maxrss), or 0 where it is unavailable.
func peakRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss)
}
