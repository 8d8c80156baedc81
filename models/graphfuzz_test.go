package models

import (
	"testing"
)

// FuzzVerifyGraph builds arbitrary small graphs from the fuzz input (ops, tensor
// shapes, attribute values, edges) and checks that Verify, Summarize, the file round
// trip and FoldAllBatchNorm never panic and agree with each other.
func FuzzVerifyGraph(f *testing.F) {
	f.Add([]byte{0, 1, 4, 4, 5, 2, 3, 3, 1, 1, 9, 2, 0, 0, 1, 2, 1, 3})
	f.Add([]byte("conv pool lif attention graphconv mean concat upsample"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pos := 0
		next := func() int {
			if pos >= len(b) {
				return 0
			}
			pos++
			return int(b[pos-1])
		}
		ops := Ops()
		attrNames := []string{"shape", "stride", "padding", "kernel_size", "groups", "D", "heads", "dims", "axis",
			"scale_factor", "start_dim", "end_dim", "steps", "rounding", "decay", "dilation", "order"}
		tensorNames := []string{"weight", "bias", "tau", "r", "v_leak", "v_threshold", "running_mean", "running_var",
			"adj_row", "adj_col", "adj_val", "scale"}
		g := NewGraph()
		nn := 1 + next()%8
		ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		for i := range nn {
			n := g.Add(ids[i], ops[next()%len(ops)])
			for range next() % 4 {
				name := attrNames[next()%len(attrNames)]
				switch next() % 4 {
				case 0:
					n.SetInt(name, next()%6-1)
				case 1:
					n.SetFloat(name, float64(next())/64)
				case 2:
					n.SetString(name, []string{"half-up", "q_kv", "x"}[next()%3])
				case 3:
					v := make([]int, next()%4)
					for j := range v {
						v[j] = next() % 9
					}
					n.SetInts(name, v...)
				}
			}
			for range next() % 4 {
				name := tensorNames[next()%len(tensorNames)]
				shape := make(Shape, next()%5)
				for j := range shape {
					shape[j] = next() % 5
				}
				if next()%2 == 0 {
					n.SetTensor(name, NewIntTensor(shape, make([]int32, shape.Numel())))
				} else {
					n.SetF32(name, shape, seq(int(shape.Numel())))
				}
			}
		}
		for range next() % 12 {
			from, to := ids[next()%nn], ids[next()%nn]
			if next()%5 == 0 {
				g.ConnectRecurrent(from, to)
			} else {
				g.Connect(from, to)
			}
		}
		err := Verify(g)
		s, serr := Summarize(g, nil)
		if (err == nil) != (serr == nil) {
			t.Fatalf("Verify %v but Summarize %v", err, serr)
		}
		if err != nil {
			return
		}
		if len(s.Nodes) != g.NumNodes() {
			t.Fatalf("summary has %d rows for %d nodes", len(s.Nodes), g.NumNodes())
		}
		buf := encode(t, g)
		if _, err := DecodeNSM(buf); err != nil {
			t.Fatalf("verified graph does not round-trip: %v", err)
		}
		FoldAllBatchNorm(g)
	})
}
