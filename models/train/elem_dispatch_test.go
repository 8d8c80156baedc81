package train

// The kernels' assembly forms where the machine has them, else the Go forms
// (then the comparisons in elem_test.go compare the Go form with itself and
// the formula checks carry the test).

func sum64AVXOrGo(x []float32) float64 {
	if haveAVX {
		return sum64AVX(x)
	}
	return sum64Go(x)
}

func sumSqDev64AVXOrGo(x []float32, m float64) float64 {
	if haveAVX {
		return sumSqDev64AVX(x, m)
	}
	return sumSqDev64Go(x, m)
}

func bnGradSumsAVXOrGo(dy, xh []float32) (float32, float32) {
	if haveAVX {
		return bnGradSumsAVX(dy, xh)
	}
	return bnGradSumsGo(dy, xh)
}
