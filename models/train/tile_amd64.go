package train

import "golang.org/x/sys/cpu"

var haveAVX512 = cpu.X86.HasAVX512F

//go:noescape
func accumRows4AVX512(y, a, x []float32, n, j, ys, as, xs int, zero bool)

func accumRows4Arch(y, a, x []float32, n, j, ys, as, xs int, zero bool) bool {
	if !haveAVX512 {
		return false
	}
	accumRows4AVX512(y, a, x, n, j, ys, as, xs, zero)
	return true
}

//go:noescape
func gradRows4AVX512(g, v, x []float32, n, gs, vs, xs, s, vss, xss int)

//go:noescape
func gradRows1AVX512(g, v, x []float32, n, gs, vs, xs, s, vss, xss int)

// gradRowsTile runs the AVX-512 4×cols tile (cols 4 or 1) if the machine
// has it.
func gradRowsTile(cols int, g, v, x []float32, n, gs, vs, xs, s, vss, xss int) bool {
	if !haveAVX512 {
		return false
	}
	if cols == 4 {
		gradRows4AVX512(g, v, x, n, gs, vs, xs, s, vss, xss)
	} else {
		gradRows1AVX512(g, v, x, n, gs, vs, xs, s, vss, xss)
	}
	return true
}

//go:noescape
func gradRows2AVX(g, v, x []float32, n, gs, vs, xs, s, vss, xss int)

// gradRows2Arch runs the AVX 2×2 tile of gradRowsN if the machine has AVX.
func gradRows2Arch(g, v, x []float32, n, gs, vs, xs, s, vss, xss int) bool {
	if !haveAVX {
		return false
	}
	gradRows2AVX(g, v, x, n, gs, vs, xs, s, vss, xss)
	return true
}
