package train

import "golang.org/x/sys/cpu"

//go:noescape
func accumRowsAVX(y, a, x []float32, stride int)

var haveAVX = cpu.X86.HasAVX

func accumRowsArch(y, a, x []float32, stride int) bool {
	if !haveAVX {
		return false
	}
	accumRowsAVX(y, a, x, stride)
	return true
}

//go:noescape
func dotRowsAVX(g, v, x []float32, stride int)

func dotRowsArch(g, v, x []float32, stride int) bool {
	if !haveAVX {
		return false
	}
	dotRowsAVX(g, v, x, stride)
	return true
}
