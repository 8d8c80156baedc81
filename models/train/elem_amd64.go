package train

// Assembly forms of the kernels in elem.go; each takes slices whose length
// is a multiple of 8 (the callers pass the rest to the Go form).

//go:noescape
func spikeFwdAVX(y, x []float32, d, inv float32)

//go:noescape
func steMaskAVX(dx, dy, x []float32, gain, d float32)

//go:noescape
func sum64AVX(x []float32) float64

//go:noescape
func sumSqDev64AVX(x []float32, m float64) float64

//go:noescape
func bnNormAVX(xh, y, x []float32, m, is, gamma, b float32)

//go:noescape
func bnGradSumsAVX(dy, xh []float32) (sdy, sdx float32)

//go:noescape
func bnDxAVX(dx, dy, xh []float32, k, mdy, mdx float32)
