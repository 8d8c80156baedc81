package core

//go:noescape
func cubaStepAVX2(v, ge, gi *float32, ref *int32, inE, inI *float32, mask *uint8, blocks int, k *cubaConsts)

func hasAVX2() bool

var useAVX2 = hasAVX2()

// cubaBlocks steps the first 8·len(mask) neurons with AVX2 when the CPU has
// it and reports false otherwise.
func cubaBlocks(s *cubaSlices, mask []uint8, k *cubaConsts) bool {
	if !useAVX2 || len(mask) == 0 {
		return useAVX2
	}
	cubaStepAVX2(&s.v[0], &s.ge[0], &s.gi[0], &s.ref[0], &s.inE[0], &s.inI[0], &mask[0], len(mask), k)
	return true
}
