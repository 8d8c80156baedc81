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
func gradRows4AVX512(g, v, x []float32, n, gs, vs, xs int)

func gradRows4Arch(g, v, x []float32, n, gs, vs, xs int) bool {
	if !haveAVX512 {
		return false
	}
	gradRows4AVX512(g, v, x, n, gs, vs, xs)
	return true
}
