package train

//go:noescape
func pool2FwdAVX512(y, x []float32, rows, ow, iw int, scale float32)

//go:noescape
func pool2BwdAVX512(dx, dy []float32, rows, ow, iw int, scale float32)

// pool2Arch runs the 2×2 pool (forward, or backward when bwd) over rows
// output rows of width ow whose input rows (width iw = 2·ow) follow each
// other in pairs, if the machine has AVX-512. a is y or dx, b is x or dy.
func pool2Arch(bwd bool, a, b []float32, rows, ow, iw int, scale float32) bool {
	if !haveAVX512 {
		return false
	}
	if bwd {
		pool2BwdAVX512(a, b, rows, ow, iw, scale)
	} else {
		pool2FwdAVX512(a, b, rows, ow, iw, scale)
	}
	return true
}
