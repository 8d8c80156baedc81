package mem

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// TestHugeKeepsValues: advised memory reads back what was written, and a
// slice of several huge pages is advised (on Linux with THP enabled) over
// whole 2 MiB pages inside it.
func TestHugeKeepsValues(t *testing.T) {
	if got := Huge(make([]int64, 10)); got != 0 {
		t.Errorf("a 80-byte slice: %d bytes advised", got)
	}
	s := make([]uint64, 0, 3<<18) // 6 MiB
	n := Huge(s)
	s = s[:cap(s)]
	for i := range s {
		s[i] = uint64(i) * 2654435761
	}
	for i := range s {
		if s[i] != uint64(i)*2654435761 {
			t.Fatalf("element %d changed", i)
		}
	}
	thp, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(thp), "[never]") {
		t.Skipf("transparent huge pages unavailable here (%v): advised %d bytes", err, n)
	}
	if n < 2<<20 || n > len(s)*8 || n%(2<<20) != 0 {
		t.Errorf("6 MiB slice: %d bytes advised, want whole 2 MiB pages inside it", n)
	}
}

// TestMakeHuge: a big slice starts on a huge page and holds n elements; a
// small one is a plain slice.
func TestMakeHuge(t *testing.T) {
	if s := MakeHuge[int32](100); len(s) != 0 || cap(s) < 100 {
		t.Errorf("small: len %d cap %d", len(s), cap(s))
	}
	for _, n := range []int{1 << 19, 3<<19 + 5} {
		s := MakeHuge[[3]int32](n) // 12-byte elements: 2 MiB is not a multiple
		if len(s) != 0 || cap(s) < n {
			t.Fatalf("n %d: len %d cap %d", n, len(s), cap(s))
		}
		s = append(s, make([][3]int32, n)...)
		s[n-1] = [3]int32{1, 2, 3}
		if p := uintptr(unsafe.Pointer(&s[0])); runtime.GOOS == "linux" && p%(2<<20) >= 12 {
			t.Errorf("n %d: starts %d bytes past a 2 MiB boundary", n, p%(2<<20))
		}
	}
}

// TestPrefetchAnyAddress: a prefetch of any address returns (it never
// faults), and changes nothing.
func TestPrefetchAnyAddress(t *testing.T) {
	s := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	Prefetch(uintptr(unsafe.Pointer(&s[0])), uintptr(len(s))*8)
	Prefetch(0, 64)
	Prefetch(^uintptr(0)&^63, 1)
	if s[8] != 9 {
		t.Fatal("prefetch changed memory")
	}
}
