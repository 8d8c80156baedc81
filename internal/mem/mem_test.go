package mem

import (
	"os"
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
