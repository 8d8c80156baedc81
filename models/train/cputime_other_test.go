//go:build !unix

package train

func cpuTime() float64 { return -1 }
