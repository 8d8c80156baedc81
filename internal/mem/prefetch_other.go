//go:build !amd64

package mem

// Prefetch does nothing here (no prefetch instruction is wired up).
func Prefetch(p, n uintptr) {}
