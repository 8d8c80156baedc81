//go:build !linux

package mem

// Huge does nothing here (no transparent huge pages); it returns 0.
func Huge[T any](s []T) int { return 0 }

// MakeHuge returns make([]T, 0, n) here.
func MakeHuge[T any](n int) []T { return make([]T, 0, n) }
