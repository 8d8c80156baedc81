//go:build !amd64

package train

func accumRowsArch(y, a, x []float32, stride int) bool { return false }

func dotRowsArch(g, v, x []float32, stride int) bool { return false }

func accumRows4Arch(y, a, x []float32, n, j, ys, as, xs int, zero bool) bool { return false }

func gradRowsTile(cols int, g, v, x []float32, n, gs, vs, xs, s, vss, xss int) bool {
	return false
}

func pool2Arch(bwd bool, a, b []float32, rows, ow, iw int, scale float32) bool { return false }

func gradRows2Arch(g, v, x []float32, n, gs, vs, xs, s, vss, xss int) bool { return false }
