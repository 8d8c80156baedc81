//go:build !amd64

package core

var useAVX2, useAVX512 = false, false

func cubaBlocks(s *cubaSlices, mask []uint8, k *cubaConsts) int { return 0 }
