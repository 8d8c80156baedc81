package train

import "math"

// Element-wise kernels of BatchNorm and MultiSpike. Each has a portable Go
// form that fixes the arithmetic (summation order, one rounding per
// operation, no fused multiply-add: the explicit float conversions keep the
// compiler from fusing) and, on amd64 with AVX, an assembly form that
// computes the same bits eight lanes at a time. The sums split a slice into
// eight lanes (lane j takes the elements i ≡ j mod 8 of the largest multiple
// of eight), fold them as ((l0+l4)+(l1+l5)) + ((l2+l6)+(l3+l7)) for float32
// (as dotRows) or ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)) for float64, then
// add the sequential sum of the tail.

// spikeMagic32 is 1.5·2^23: for 0 ≤ w ≤ 255, (w + spikeMagic32) − spikeMagic32
// rounds w to an integer, ties to even, exactly (the sum lies in [2^23, 2^24)
// where float32's spacing is 1).
const spikeMagic32 = 12582912.0

// spikeFwd sets y[i] = roundHalfEven(clamp(x[i], 0, d))·inv, with clamp
// mapping NaN to 0 (0 ≤ d ≤ 255).
func spikeFwd(y, x []float32, d, inv float32) {
	y = y[:len(x)]
	n8 := 0
	if haveAVX {
		n8 = len(x) &^ 7
		if n8 > 0 {
			spikeFwdAVX(y[:n8], x[:n8], d, inv)
		}
	}
	spikeFwdGo(y[n8:], x[n8:], d, inv)
}

func spikeFwdGo(y, x []float32, d, inv float32) {
	y = y[:len(x)]
	for i, v := range x {
		w := v
		if !(w > 0) {
			w = 0
		}
		if w > d {
			w = d
		}
		r := float32(float32(w+spikeMagic32) - spikeMagic32)
		y[i] = r * inv
	}
}

// steMask sets dx[i] = dy[i]·g where 0 ≤ x[i] ≤ d (−0 included), else 0.
func steMask(dx, dy, x []float32, g, d float32) {
	dx, x = dx[:len(dy)], x[:len(dy)]
	n8 := 0
	if haveAVX {
		n8 = len(dy) &^ 7
		if n8 > 0 {
			steMaskAVX(dx[:n8], dy[:n8], x[:n8], g, d)
		}
	}
	steMaskGo(dx[n8:], dy[n8:], x[n8:], g, d)
}

// steMaskGo tests the window on the bit patterns: non-negative floats order
// like their bits; negatives (sign bit set) and NaN compare above d's bits;
// −0 is mapped to +0 first. Integer selects keep it branch-free.
func steMaskGo(dx, dy, x []float32, g, d float32) {
	dx, x = dx[:len(dy)], x[:len(dy)]
	bd := math.Float32bits(d)
	for i, v := range dy {
		u := math.Float32bits(x[i])
		if u == 0x80000000 {
			u = 0
		}
		keep := uint32(0)
		if u <= bd {
			keep = 0xFFFFFFFF
		}
		dx[i] = math.Float32frombits(math.Float32bits(v*g) & keep)
	}
}

// sum64 returns the sum of x in float64 (lane order above).
func sum64(x []float32) float64 {
	n8 := len(x) &^ 7
	var s float64
	if haveAVX && n8 > 0 {
		s = sum64AVX(x[:n8])
	} else {
		s = sum64Go(x[:n8])
	}
	t := 0.0
	for _, v := range x[n8:] {
		t += float64(v)
	}
	return s + t
}

// sum64Go folds the eight float64 lanes of x (len(x) a multiple of 8).
func sum64Go(x []float32) float64 {
	var l [8]float64
	for i := 0; i+8 <= len(x); i += 8 {
		for j := range l {
			l[j] += float64(x[i+j])
		}
	}
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

// sumSqDev64 returns Σ (x[i] − m)² in float64 (lane order above).
func sumSqDev64(x []float32, m float64) float64 {
	n8 := len(x) &^ 7
	var s float64
	if haveAVX && n8 > 0 {
		s = sumSqDev64AVX(x[:n8], m)
	} else {
		s = sumSqDev64Go(x[:n8], m)
	}
	t := 0.0
	for _, v := range x[n8:] {
		d := float64(v) - m
		t += float64(d * d)
	}
	return s + t
}

func sumSqDev64Go(x []float32, m float64) float64 {
	var l [8]float64
	for i := 0; i+8 <= len(x); i += 8 {
		for j := range l {
			d := float64(x[i+j]) - m
			l[j] += float64(d * d)
		}
	}
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

// bnNorm sets xh[i] = (x[i]−m)·is and y[i] = g·xh[i] + b.
func bnNorm(xh, y, x []float32, m, is, g, b float32) {
	xh, y = xh[:len(x)], y[:len(x)]
	n8 := 0
	if haveAVX {
		n8 = len(x) &^ 7
		if n8 > 0 {
			bnNormAVX(xh[:n8], y[:n8], x[:n8], m, is, g, b)
		}
	}
	bnNormGo(xh[n8:], y[n8:], x[n8:], m, is, g, b)
}

func bnNormGo(xh, y, x []float32, m, is, g, b float32) {
	xh, y = xh[:len(x)], y[:len(x)]
	for i, v := range x {
		h := float32(float32(v-m) * is)
		xh[i] = h
		y[i] = float32(g*h) + b
	}
}

// bnGradSums returns Σ dy[i] and Σ dy[i]·xh[i] in float32 (lane order above).
func bnGradSums(dy, xh []float32) (sdy, sdx float32) {
	xh = xh[:len(dy)]
	n8 := len(dy) &^ 7
	if haveAVX && n8 > 0 {
		sdy, sdx = bnGradSumsAVX(dy[:n8], xh[:n8])
	} else {
		sdy, sdx = bnGradSumsGo(dy[:n8], xh[:n8])
	}
	var ty, tx float32
	for i := n8; i < len(dy); i++ {
		ty += dy[i]
		tx += float32(dy[i] * xh[i])
	}
	return sdy + ty, sdx + tx
}

func bnGradSumsGo(dy, xh []float32) (sdy, sdx float32) {
	xh = xh[:len(dy)]
	var ly, lx [8]float32
	for i := 0; i+8 <= len(dy); i += 8 {
		for j := range ly {
			ly[j] += dy[i+j]
			lx[j] += float32(dy[i+j] * xh[i+j])
		}
	}
	sdy = ((ly[0] + ly[4]) + (ly[1] + ly[5])) + ((ly[2] + ly[6]) + (ly[3] + ly[7]))
	sdx = ((lx[0] + lx[4]) + (lx[1] + lx[5])) + ((lx[2] + lx[6]) + (lx[3] + lx[7]))
	return sdy, sdx
}

// bnDx sets dx[i] = k·((dy[i] − mdy) − xh[i]·mdx).
func bnDx(dx, dy, xh []float32, k, mdy, mdx float32) {
	dx, xh = dx[:len(dy)], xh[:len(dy)]
	n8 := 0
	if haveAVX {
		n8 = len(dy) &^ 7
		if n8 > 0 {
			bnDxAVX(dx[:n8], dy[:n8], xh[:n8], k, mdy, mdx)
		}
	}
	bnDxGo(dx[n8:], dy[n8:], xh[n8:], k, mdy, mdx)
}

func bnDxGo(dx, dy, xh []float32, k, mdy, mdx float32) {
	dx, xh = dx[:len(dy)], xh[:len(dy)]
	for i, g := range dy {
		dx[i] = k * (float32(g-mdy) - float32(xh[i]*mdx))
	}
}
