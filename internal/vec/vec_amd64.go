package vec

import "golang.org/x/sys/cpu"

var haveAVX2 = cpu.X86.HasAVX2

// addScaledAVX2 requires len(a) == len(ws) and val within int32.
//
//go:noescape
func addScaledAVX2(a []int64, ws []int32, val int64)

func addScaledArch(a []int64, ws []int32, val int64) bool {
	if !haveAVX2 {
		return false
	}
	addScaledAVX2(a, ws, val)
	return true
}
