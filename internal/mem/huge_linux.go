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
