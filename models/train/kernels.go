package train

import "gonum.org/v1/gonum/blas/blas32"

// The hot loops are written as long vector operations on gonum's blas32
// level-1 kernels (Saxpy and Sdot, SSE assembly on amd64) with the loop order
// chosen here, rather than as calls to blas32's Sgemm. Measured on the
// torch-bench net (docs/bench-train.md): with channels-last layout Sgemm's
// inner axpy runs over only 16–32 output channels, and the weight gradient
// over 16–32 columns, so call overhead dominates; gonum's Sgemm also spawns
// its own goroutines from four 64×64 blocks up, which fights the chunk pool.
// With channels-first layout every inner operation runs over a whole feature
// map (196–784 values): about twice as fast per training step.
var l1 = blas32.Implementation()

// axpy computes y += a·x (len(y) >= len(x)).
func axpy(a float32, x, y []float32) {
	if a == 0 || len(x) == 0 {
		return
	}
	l1.Saxpy(len(x), a, x, 1, y, 1)
}

// dot returns x·y over len(x) values.
func dot(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	return l1.Sdot(len(x), x, 1, y, 1)
}

// accumRows computes, for every i in [0, len(y)),
//
//	y[i] = (…((y[i] + a[0]·x[i]) + a[1]·x[stride+i]) + …) + a[J−1]·x[(J−1)·stride+i]
//
// with each product rounded to float32 before it is added: the order and
// rounding of a sequential loop, on every platform. On amd64 with AVX it runs
// an assembly kernel that keeps 32 values of y in registers across all J
// rows (no FMA, so the bits match the Go loop); this replaces J separate
// axpy passes over y in the convolution forward pass, its input gradient,
// and the reference evaluator.
func accumRows(y, a, x []float32, stride int) {
	if len(y) == 0 || len(a) == 0 {
		return
	}
	if stride < len(y) || len(x) < (len(a)-1)*stride+len(y) {
		panic("train: accumRows: x too short for len(a) rows of stride")
	}
	if accumRowsArch(y, a, x, stride) {
		return
	}
	accumRowsGo(y, a, x, stride)
}

// accumRowsGo is the portable accumRows; the explicit float32 conversion
// keeps the compiler from fusing the multiply and add.
func accumRowsGo(y, a, x []float32, stride int) {
	for j, aj := range a {
		row := x[j*stride : j*stride+len(y)]
		for i, v := range row {
			y[i] += float32(aj * v)
		}
	}
}

// dotRows adds to each g[k] the dot product of v with row k of x (row k
// starts at k·stride). The summation order is fixed on every platform (see
// dotRowsGo); on amd64 with AVX an assembly kernel does four rows at a time.
func dotRows(g, v, x []float32, stride int) {
	if len(g) == 0 {
		return
	}
	if stride < len(v) || len(x) < (len(g)-1)*stride+len(v) {
		panic("train: dotRows: x too short for len(g) rows of stride")
	}
	if dotRowsArch(g, v, x, stride) {
		return
	}
	dotRowsGo(g, v, x, stride)
}

// dotRowsGo is the portable dotRows: eight lane sums over blocks of eight
// (lane j takes elements i ≡ j mod 8), folded as ((l0+l4)+(l1+l5)) +
// ((l2+l6)+(l3+l7)), plus the sum of the tail, plus g[k]. The float32
// conversions keep the compiler from fusing multiply and add.
func dotRowsGo(g, v, x []float32, stride int) {
	n := len(v)
	n8 := n &^ 7
	for k := range g {
		row := x[k*stride : k*stride+n]
		var l [8]float32
		for i := 0; i < n8; i += 8 {
			for j := range l {
				l[j] += float32(v[i+j] * row[i+j])
			}
		}
		var t float32
		for i := n8; i < n; i++ {
			t += float32(v[i] * row[i])
		}
		r := ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]))
		g[k] += r + t
	}
}
