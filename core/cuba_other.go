//go:build !amd64

package core

var useAVX2, useAVX512 = false, false

func cubaBlocks(s *cubaSlices, mask []uint8, k *cubaConsts) int { return 0 }

// cubaStepFoldAVX512 is never called here (useAVX512 is false).
func cubaStepFoldAVX512(v, ge, gi *float32, ref *int32, inE, inI *float32, mask *uint8, blocks int, k *cubaConsts) {
	panic("core: no AVX-512 on this architecture")
}
