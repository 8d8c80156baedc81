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

// accumRowsN runs accumRows on rows matrix rows at once:
//
//	accumRows(y[r·ys : r·ys+n], a[r·as : r·as+j], x, xs)   for r in [0, rows)
//
// with the same bits. On amd64 with AVX-512 four rows share each load of x
// (a register-tiled matrix product, C += A·X, that keeps accumRows' order of
// summation per element); the other rows go through accumRows.
func accumRowsN(y []float32, ys int, a []float32, as, j int, x []float32, xs, n, rows int) {
	accumRowsNZ(y, ys, a, as, j, x, xs, n, rows, false)
}

// setRowsN is accumRowsN on zeroed rows of y (y = A·X) without clearing
// them first.
func setRowsN(y []float32, ys int, a []float32, as, j int, x []float32, xs, n, rows int) {
	accumRowsNZ(y, ys, a, as, j, x, xs, n, rows, true)
}

func accumRowsNZ(y []float32, ys int, a []float32, as, j int, x []float32, xs, n, rows int, zero bool) {
	if rows <= 0 || n <= 0 {
		return
	}
	if ys < n || as < j || xs < n || len(y) < (rows-1)*ys+n || len(a) < (rows-1)*as+j || len(x) < (j-1)*xs+n {
		panic("train: accumRowsN: slices too short for the given strides")
	}
	r := 0
	if j > 0 {
		for ; r+4 <= rows; r += 4 {
			if !accumRows4Arch(y[r*ys:], a[r*as:], x, n, j, ys, as, xs, zero) {
				break
			}
		}
	}
	for ; r < rows; r++ {
		if zero {
			clear32(y[r*ys : r*ys+n])
		}
		accumRows(y[r*ys:r*ys+n], a[r*as:r*as+j], x, xs)
	}
}

// gradRowsN adds to each g[r·gs+k] (r < rows, k < cols) the dot product, over
// the s samples t, of v[t·vss + r·vs …] with x[t·xss + k·xs …] (n values
// each), in the fixed order of dot16Go: the weight gradient G += Σ_t V_t·X_tᵀ
// of a chunk of samples. On amd64 with AVX-512 it runs 4×4 and 4×1 register
// tiles, with AVX only 2×2 tiles; the rest, and other machines, use
// dot16Go, with the same bits.
func gradRowsN(g []float32, gs int, v []float32, vs, rows int, x []float32, xs, cols, n, s, vss, xss int) {
	if rows <= 0 || cols <= 0 || n <= 0 || s <= 0 {
		return
	}
	if gs < cols || vs < n || xs < n || vss < 0 || xss < 0 || len(g) < (rows-1)*gs+cols ||
		len(v) < (s-1)*vss+(rows-1)*vs+n || len(x) < (s-1)*xss+(cols-1)*xs+n {
		panic("train: gradRowsN: slices too short for the given strides")
	}
	r0, k0 := 0, 0 // rows, and columns of those rows, done by the tiles
	if !haveAVX512 && haveAVX {
		r0, k0 = rows&^1, cols&^1
		for r := 0; r < r0; r += 2 {
			for k := 0; k < k0; k += 2 {
				gradRows2Arch(g[r*gs+k:], v[r*vs:], x[k*xs:], n, gs, vs, xs, s, vss, xss)
			}
		}
	}
	if haveAVX512 {
		k0 = cols
		r0 = rows &^ 3
		for r := 0; r < r0; r += 4 {
			k := 0
			for ; k+4 <= cols; k += 4 {
				gradRowsTile(4, g[r*gs+k:], v[r*vs:], x[k*xs:], n, gs, vs, xs, s, vss, xss)
			}
			for ; k < cols; k++ {
				gradRowsTile(1, g[r*gs+k:], v[r*vs:], x[k*xs:], n, gs, vs, xs, s, vss, xss)
			}
		}
	}
	for r := 0; r < rows; r++ {
		k := 0
		if r < r0 {
			k = k0
		}
		for ; k < cols; k++ {
			g[r*gs+k] += dot16Go(v[r*vs:], x[k*xs:], n, s, vss, xss)
		}
	}
}

// dot16Go is the dot product of gradRowsN: sixteen lane sums (lane j takes,
// sample after sample, the elements i ≡ j mod 16 of v[t·vss : t·vss+n] and
// x[t·xss : t·xss+n], in order), folded as m_j = l_j + l_(j+8), then
// ((m0+m4)+(m1+m5)) + ((m2+m6)+(m3+m7)). Products are rounded to float32
// before they are added.
func dot16Go(v, x []float32, n, s, vss, xss int) float32 {
	var l [16]float32
	for t := 0; t < s; t++ {
		vt, xt := v[t*vss:t*vss+n], x[t*xss:t*xss+n]
		for i, a := range vt {
			l[i&15] += float32(a * xt[i])
		}
	}
	var m [8]float32
	for j := range m {
		m[j] = l[j] + l[j+8]
	}
	return ((m[0] + m[4]) + (m[1] + m[5])) + ((m[2] + m[6]) + (m[3] + m[7]))
}
