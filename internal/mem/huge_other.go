//go:build !linux

package mem

// Huge does nothing here (no transparent huge pages); it returns 0.
func Huge[T any](s []T) int { return 0 }
