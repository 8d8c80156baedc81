package mem

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the platforms Linux
// runs this on (x86-64, arm64 with 4 KiB base pages).
const hugePage = 2 << 20

// Huge advises the kernel to back the 2 MiB pages wholly inside s's
// backing array (its capacity) with transparent huge pages. Call it before
// the memory is first written: pages already faulted in are left to the
// kernel's background collapsing. It returns the number of bytes advised
// (0 when s is too small or the kernel refuses).
func Huge[T any](s []T) int {
	n := uintptr(cap(s)) * unsafe.Sizeof(*new(T))
	if n < hugePage {
		return 0
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))
	a := (p + hugePage - 1) &^ (hugePage - 1)
	e := (p + n) &^ (hugePage - 1)
	if e <= a {
		return 0
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:1]))), n)
	if syscall.Madvise(b[a-p:e-p], syscall.MADV_HUGEPAGE) != nil {
		return 0
	}
	return int(e - a)
}

// MakeHuge returns an empty slice of capacity at least n whose backing
// array, when it spans a huge page or more, starts on a 2 MiB boundary
// and is advised onto huge pages (Huge) — so that all of it, not only the
// pages wholly inside an arbitrary allocation, can be. It allocates up to
// 2 MiB more address space than asked; the part before the boundary is
// never touched.
func MakeHuge[T any](n int) []T {
	size := unsafe.Sizeof(*new(T))
	if size == 0 || uintptr(n)*size < hugePage {
		return make([]T, 0, n)
	}
	extra := int((hugePage + size - 1) / size)
	s := make([]T, 0, n+extra)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))
	skip := 0
	if r := p % hugePage; r != 0 {
		// The boundary is a whole number of elements away when size
		// divides 2 MiB; otherwise the nearest element start after it.
		skip = int((hugePage - r + size - 1) / size)
	}
	s = s[skip:skip]
	Huge(s)
	return s
}
