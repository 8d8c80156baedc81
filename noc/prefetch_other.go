//go:build !amd64

package noc

import "unsafe"

// prefetch does nothing here (no prefetch instruction is wired up).
func prefetch(p unsafe.Pointer, n uintptr) {}
