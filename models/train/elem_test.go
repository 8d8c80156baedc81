package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

var elemLens = []int{1, 7, 8, 9, 15, 16, 17, 196, 199, 784}

// spikeInputs returns values around and outside [0, d], with the ties,
// the window ends, −0 and NaN.
func spikeInputs(rng *rand.Rand, n int, d float32) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), 0.5, 1.5, 2.5, 3.5, d, d + 0.5, -0.5,
		math.Nextafter32(0.5, 0), math.Nextafter32(d, 10), float32(math.NaN()), -1e-30}
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(4) == 0 {
			x[i] = special[rng.IntN(len(special))]
		} else {
			x[i] = float32(rng.Float64()*(float64(d)+3) - 1.5)
		}
	}
	return x
}

func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

func TestSpikeFwdMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, d := range []int{1, 4, 255} {
		inv := 1 / float32(d)
		for _, n := range elemLens {
			x := spikeInputs(rng, n, float32(d))
			y1, y2 := make([]float32, n), make([]float32, n)
			spikeFwd(y1, x, float32(d), inv)
			spikeFwdGo(y2, x, float32(d), inv)
			for i, v := range x {
				want := SpikeCount(v, d, HalfEven) * inv
				if !sameBits(y1[i], want) || !sameBits(y2[i], want) {
					t.Fatalf("d=%d n=%d x=%v: kernel %v, Go %v, SpikeCount %v", d, n, v, y1[i], y2[i], want)
				}
			}
		}
	}
}

func TestSTEMaskMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range elemLens {
		x := spikeInputs(rng, n, 4)
		dy := randInput(rng, n)
		dx1, dx2 := make([]float32, n), make([]float32, n)
		steMask(dx1, dy, x, 0.25, 4)
		steMaskGo(dx2, dy, x, 0.25, 4)
		for i, v := range x {
			want := float32(0)
			if v >= 0 && v <= 4 {
				want = dy[i] * 0.25
			}
			if !sameBits(dx1[i], want) || !sameBits(dx2[i], want) {
				t.Fatalf("n=%d x=%v: kernel %v, Go %v, want %v", n, v, dx1[i], dx2[i], want)
			}
		}
	}
}

func TestBNKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range elemLens {
		x := randInput(rng, n)
		dy := randInput(rng, n)
		for i := range x {
			x[i] = x[i]*4 - 1
			dy[i] = dy[i]*2 - 1
		}
		n8 := n &^ 7
		// sums: the kernel equals the Go lanes, and is the sum
		s, sq := sum64(x), sumSqDev64(x, 0.3)
		ws, wsq := 0.0, 0.0
		for _, v := range x {
			ws += float64(v)
			wsq += (float64(v) - 0.3) * (float64(v) - 0.3)
		}
		if math.Abs(s-ws) > 1e-9*float64(n) || math.Abs(sq-wsq) > 1e-9*float64(n) {
			t.Fatalf("n=%d: sum %v sumsq %v, want %v %v", n, s, sq, ws, wsq)
		}
		if n8 > 0 {
			if a, b := sum64AVXOrGo(x[:n8]), sum64Go(x[:n8]); a != b {
				t.Fatalf("n=%d: sum64 kernel %v, Go %v", n, a, b)
			}
			if a, b := sumSqDev64AVXOrGo(x[:n8], 0.3), sumSqDev64Go(x[:n8], 0.3); a != b {
				t.Fatalf("n=%d: sumSqDev64 kernel %v, Go %v", n, a, b)
			}
			a1, a2 := bnGradSumsAVXOrGo(dy[:n8], x[:n8])
			b1, b2 := bnGradSumsGo(dy[:n8], x[:n8])
			if !sameBits(a1, b1) || !sameBits(a2, b2) {
				t.Fatalf("n=%d: bnGradSums kernel %v %v, Go %v %v", n, a1, a2, b1, b2)
			}
		}
		sdy, sdx := bnGradSums(dy, x)
		wdy, wdx := 0.0, 0.0
		for i := range dy {
			wdy += float64(dy[i])
			wdx += float64(dy[i]) * float64(x[i])
		}
		if math.Abs(float64(sdy)-wdy) > 1e-5*float64(n) || math.Abs(float64(sdx)-wdx) > 1e-5*float64(n) {
			t.Fatalf("n=%d: grad sums %v %v, want %v %v", n, sdy, sdx, wdy, wdx)
		}
		// element-wise: kernel equals Go form equals the formula
		xh1, y1, xh2, y2 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		bnNorm(xh1, y1, x, 0.3, 1.7, 0.9, -0.2)
		bnNormGo(xh2, y2, x, 0.3, 1.7, 0.9, -0.2)
		dx1, dx2 := make([]float32, n), make([]float32, n)
		bnDx(dx1, dy, x, 1.3, 0.01, -0.02)
		bnDxGo(dx2, dy, x, 1.3, 0.01, -0.02)
		for i, v := range x {
			h := (v - 0.3) * 1.7
			if !sameBits(xh1[i], h) || !sameBits(xh2[i], h) {
				t.Fatalf("n=%d: xhat %v %v, want %v", n, xh1[i], xh2[i], h)
			}
			p := float32(0.9) * h
			if w := p + -0.2; !sameBits(y1[i], w) || !sameBits(y2[i], w) {
				t.Fatalf("n=%d: y %v %v, want %v", n, y1[i], y2[i], w)
			}
			a := dy[i] - 0.01
			b := v * -0.02
			if w := 1.3 * (a - b); !sameBits(dx1[i], w) || !sameBits(dx2[i], w) {
				t.Fatalf("n=%d: dx %v %v, want %v", n, dx1[i], dx2[i], w)
			}
		}
	}
}

func BenchmarkSpikeFwd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := spikeInputs(rng, 16*784, 4)
	y := make([]float32, len(x))
	b.ReportAllocs()
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		spikeFwd(y, x, 4, 0.25)
	}
}

func BenchmarkBNStats(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randInput(rng, 784)
	b.ReportAllocs()
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		m := sum64(x) / 784
		_ = sumSqDev64(x, m)
	}
}
