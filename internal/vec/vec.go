package vec

// AddScaledInt32To64 adds int64(ws[i])·val to a[i] for every i of ws. a must
// be at least as long as ws.
func AddScaledInt32To64(a []int64, ws []int32, val int64) {
	a = a[:len(ws)]
	if len(ws) >= 4 && val == int64(int32(val)) && addScaledArch(a, ws, val) {
		return
	}
	addScaledGo(a, ws, val)
}

// addScaledGo is the portable form, four at a time.
func addScaledGo(a []int64, ws []int32, val int64) {
	a = a[:len(ws)]
	n := len(ws) &^ 3
	if val == 1 {
		for c := 0; c < n; c += 4 {
			w4, a4 := ws[c:c+4:c+4], a[c:c+4:c+4]
			a4[0] += int64(w4[0])
			a4[1] += int64(w4[1])
			a4[2] += int64(w4[2])
			a4[3] += int64(w4[3])
		}
		for c := n; c < len(ws); c++ {
			a[c] += int64(ws[c])
		}
		return
	}
	for c := 0; c < n; c += 4 {
		w4, a4 := ws[c:c+4:c+4], a[c:c+4:c+4]
		a4[0] += int64(w4[0]) * val
		a4[1] += int64(w4[1]) * val
		a4[2] += int64(w4[2]) * val
		a4[3] += int64(w4[3]) * val
	}
	for c := n; c < len(ws); c++ {
		a[c] += int64(ws[c]) * val
	}
}
