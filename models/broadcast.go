package models

import "fmt"

// BroadcastTo expands an element-wise float32 parameter (of Scale, Threshold, Delay or
// a neuron op) to one value per element of shape to, as Verify accepts it: a tensor
// with as many elements as to is taken as is (row-major, NIR's flattened arrays);
// otherwise it must broadcast by NumPy rules ([] or [1] scalar, [C,1,1] per channel,
// [F] per feature). The result is a new slice of length to.Numel().
func BroadcastTo(t *Tensor, to Shape) ([]float32, error) {
	if t == nil || t.DType != F32 {
		return nil, fmt.Errorf("models: broadcast: want a float32 tensor")
	}
	n := to.Numel()
	if n < 0 {
		return nil, fmt.Errorf("models: broadcast: invalid shape %v", to)
	}
	if int64(len(t.F32)) != t.Shape.Numel() {
		return nil, fmt.Errorf("models: broadcast: tensor shape %v does not match its %d values", t.Shape, len(t.F32))
	}
	out := make([]float32, n)
	if int64(len(t.F32)) == n {
		copy(out, t.F32)
		return out, nil
	}
	if !Broadcasts(t.Shape, to) {
		return nil, fmt.Errorf("models: broadcast: shape %v does not broadcast to %v", t.Shape, to)
	}
	// Strides of t aligned to the trailing dimensions of to; 0 where t has size 1.
	r := len(to)
	strides := make([]int, r)
	s := 1
	for i := 1; i <= len(t.Shape); i++ {
		d := t.Shape[len(t.Shape)-i]
		if d != 1 {
			strides[r-i] = s
		}
		s *= d
	}
	idx := make([]int, r)
	for k := range out {
		off := 0
		for i := range r {
			off += idx[i] * strides[i]
		}
		out[k] = t.F32[off]
		for i := r - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < to[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out, nil
}
