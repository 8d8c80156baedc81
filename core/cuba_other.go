//go:build !amd64

package core

func cubaBlocks(s *cubaSlices, mask []uint8, k *cubaConsts) bool { return false }
