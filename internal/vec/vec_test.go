package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func naive(a []int64, ws []int32, val int64) {
	for i := range ws {
		a[i] += int64(ws[i]) * val
	}
}

var edgeVals = []int64{0, 1, -1, 2, 3, 255, -255, math.MaxInt32, math.MinInt32,
	math.MaxInt32 + 1, math.MinInt32 - 1, 1 << 40, -(1 << 40), math.MaxInt64, math.MinInt64}

func randWeight(r *rand.Rand) int32 {
	switch r.IntN(6) {
	case 0:
		return math.MaxInt32
	case 1:
		return math.MinInt32
	case 2:
		return int32(r.Uint32())
	default:
		return int32(r.IntN(255)) - 127
	}
}

func randAcc(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return math.MaxInt64 - int64(r.IntN(3))
	case 1:
		return math.MinInt64 + int64(r.IntN(3))
	default:
		return int64(r.Uint64())
	}
}

// check runs both f and the naive loop on the same random inputs; a is one
// longer than ws so a write past len(ws) shows.
func check(t *testing.T, name string, f func([]int64, []int32, int64), r *rand.Rand, n int, val int64) {
	t.Helper()
	ws := make([]int32, n)
	a := make([]int64, n+1)
	for i := range ws {
		ws[i] = randWeight(r)
	}
	for i := range a {
		a[i] = randAcc(r)
	}
	want := append([]int64(nil), a...)
	naive(want[:n], ws, val)
	f(a, ws, val)
	for i := range a {
		if a[i] != want[i] {
			t.Fatalf("%s: len %d val %d: a[%d] = %d, want %d", name, n, val, i, a[i], want[i])
		}
	}
}

func TestAddScaledMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	impls := map[string]func([]int64, []int32, int64){
		"AddScaledInt32To64": AddScaledInt32To64,
		"go":                 addScaledGo,
	}
	for name, f := range impls {
		for n := 0; n <= 300; n++ {
			for _, v := range edgeVals {
				check(t, name, f, r, n, v)
			}
			check(t, name, f, r, n, int64(int32(r.Uint32())))
			check(t, name, f, r, n, int64(r.Uint64()))
		}
	}
}

// TestAddScaledSubslices checks unaligned starts, as the chip's conv rows are.
func TestAddScaledSubslices(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		off, n := r.IntN(8), r.IntN(140)
		ws := make([]int32, n+off)
		a := make([]int64, n+off+3)
		for i := range ws {
			ws[i] = randWeight(r)
		}
		for i := range a {
			a[i] = randAcc(r)
		}
		val := edgeVals[r.IntN(len(edgeVals))]
		want := append([]int64(nil), a...)
		naive(want[off:off+n], ws[off:], val)
		AddScaledInt32To64(a[off:], ws[off:], val)
		for i := range a {
			if a[i] != want[i] {
				t.Fatalf("off %d len %d val %d: a[%d] = %d, want %d", off, n, val, i, a[i], want[i])
			}
		}
	}
}

func TestAddScaledShortAccumulatorPanics(t *testing.T) {
	a := []int64{1, 2, 3, 4}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for len(a) < len(ws)")
		}
		if a[0] != 1 || a[3] != 4 {
			t.Fatalf("a written before the panic: %v", a)
		}
	}()
	AddScaledInt32To64(a, make([]int32, 5), 1)
}

func FuzzAddScaled(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, int64(1), int64(7))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0x80}, int64(math.MinInt32), int64(-1))
	f.Fuzz(func(t *testing.T, raw []byte, val, acc int64) {
		ws := make([]int32, len(raw)/4)
		for i := range ws {
			ws[i] = int32(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
		}
		a := make([]int64, len(ws)+1)
		for i := range a {
			a[i] = acc * int64(i+1)
		}
		want := append([]int64(nil), a...)
		naive(want[:len(ws)], ws, val)
		AddScaledInt32To64(a, ws, val)
		for i := range a {
			if a[i] != want[i] {
				t.Fatalf("len %d val %d: a[%d] = %d, want %d", len(ws), val, i, a[i], want[i])
			}
		}
	})
}

func benchAddScaled(b *testing.B, f func([]int64, []int32, int64), n int, val int64) {
	r := rand.New(rand.NewPCG(5, 6))
	ws := make([]int32, n)
	for i := range ws {
		ws[i] = int32(r.IntN(255)) - 127
	}
	a := make([]int64, n)
	b.ReportAllocs()
	b.SetBytes(int64(n) * 12)
	for b.Loop() {
		f(a, ws, val)
	}
}

func BenchmarkAddScaled(b *testing.B) {
	for _, n := range []int{32, 64, 128} {
		for _, val := range []int64{1, 3} {
			name := func(impl string) string {
				return fmt.Sprintf("%s/n=%d/val=%d", impl, n, val)
			}
			b.Run(name("vec"), func(b *testing.B) { benchAddScaled(b, AddScaledInt32To64, n, val) })
			b.Run(name("go"), func(b *testing.B) { benchAddScaled(b, addScaledGo, n, val) })
		}
	}
}
