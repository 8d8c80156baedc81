package train

import "testing"

// The kernels' AVX (no AVX-512) forms give the same bits: run the checks
// again with the AVX-512 kernels switched off.
func TestKernelsWithoutAVX512(t *testing.T) {
	if !haveAVX {
		t.Skip("no AVX on this machine")
	}
	defer func(v bool) { haveAVX512 = v }(haveAVX512)
	haveAVX512 = false
	checkGradRowsN(t)
	TestAccumRowsNMatchesGo(t)
	TestPool2x2MatchesNaive(t)
}
