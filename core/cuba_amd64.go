package core

//go:noescape
func cubaStepAVX2(v, ge, gi *float32, ref *int32, mask *uint8, blocks int, k *cubaConsts)

//go:noescape
func cubaStepAVX512(v, ge, gi *float32, ref *int32, mask *uint8, blocks int, k *cubaConsts)

func hasAVX2() bool

func hasAVX512() bool

var (
	useAVX2   = hasAVX2()
	useAVX512 = useAVX2 && hasAVX512()
)

// cubaBlocks steps the first neurons of s, whose inputs are already folded
// into ge and gi, with the widest vector unit the CPU has (and one block of
// eight with AVX2 after the AVX-512 blocks) and returns how many it stepped
// (a multiple of 8; 0 without AVX2). mask receives one bit
// per stepped neuron.
func cubaBlocks(s *cubaSlices, mask []uint8, k *cubaConsts) int {
	n := len(s.v)
	switch {
	case useAVX512 && n >= 16:
		cubaStepAVX512(&s.v[0], &s.ge[0], &s.gi[0], &s.ref[0], &mask[0], n/16, k)
		done := n &^ 15
		if n-done >= 8 {
			// Eight more with AVX2 (the same operations) rather than the
			// scalar tail: small populations (56 neurons a core) have one.
			cubaStepAVX2(&s.v[done], &s.ge[done], &s.gi[done], &s.ref[done], &mask[done/8], 1, k)
			done += 8
		}
		return done
	case useAVX2 && n >= 8:
		cubaStepAVX2(&s.v[0], &s.ge[0], &s.gi[0], &s.ref[0], &mask[0], n/8, k)
		return n &^ 7
	}
	return 0
}

//go:noescape
func cubaStepFoldAVX512(v, ge, gi *float32, ref *int32, inE, inI *float32, mask *uint8, blocks int, k *cubaConsts)
