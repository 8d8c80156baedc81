package train

import "math"

// softmaxCE computes the mean cross-entropy of logits (b×k) against labels
// and writes dL/dlogits into grad. It returns the loss and the number of
// correct arg-max predictions.
func softmaxCE(logits []float32, labels []int, k int, grad []float32) (loss float64, correct int) {
	b := len(labels)
	inv := 1 / float64(b)
	for i := 0; i < b; i++ {
		z := logits[i*k : (i+1)*k]
		g := grad[i*k : (i+1)*k]
		mx, arg := float64(z[0]), 0
		for j, v := range z {
			if float64(v) > mx {
				mx, arg = float64(v), j
			}
		}
		if arg == labels[i] {
			correct++
		}
		s := 0.0
		for _, v := range z {
			s += math.Exp(float64(v) - mx)
		}
		ls := math.Log(s) + mx
		loss += ls - float64(z[labels[i]])
		for j, v := range z {
			p := math.Exp(float64(v) - ls)
			if j == labels[i] {
				p--
			}
			g[j] = float32(p * inv)
		}
	}
	return loss * inv, correct
}

// argmax returns the index of the largest value (the first on ties).
func argmax(z []float32) int {
	a := 0
	for j, v := range z {
		if v > z[a] {
			a = j
		}
	}
	return a
}
