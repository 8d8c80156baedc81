//go:build !amd64

package vec

func addScaledArch(a []int64, ws []int32, val int64) bool { return false }
