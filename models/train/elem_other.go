//go:build !amd64

package train

const (
	haveAVX    = false
	haveAVX512 = false
)

func spikeFwdAVX(y, x []float32, d, inv float32)            { panic("no AVX") }
func steMaskAVX(dx, dy, x []float32, gain, d float32)       { panic("no AVX") }
func sum64AVX(x []float32) float64                          { panic("no AVX") }
func sumSqDev64AVX(x []float32, m float64) float64          { panic("no AVX") }
func bnNormAVX(xh, y, x []float32, m, is, gamma, b float32) { panic("no AVX") }
func bnGradSumsAVX(dy, xh []float32) (sdy, sdx float32)     { panic("no AVX") }
func bnDxAVX(dx, dy, xh []float32, k, mdy, mdx float32)     { panic("no AVX") }
