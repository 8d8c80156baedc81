package core

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neurosim/neurosim/neuron"
)

// TestCUBAFastMatchesNeuron steps CUBANeurons.StepList and neuron.CUBA.Step
// side by side on random drive strong enough to fire and check refractory
// periods, and requires bit-identical state and spikes at every step, with
// the vector path and without it, for sizes with and without a tail.
func TestCUBAFastMatchesNeuron(t *testing.T) {
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	for _, vec := range []bool{true, false} {
		if vec && !saved {
			continue // no AVX2 on this machine: only the scalar path exists
		}
		useAVX2 = vec
		for _, n := range []int{1, 7, 8, 64, 1003} {
			p := neuron.DefaultCUBA
			p.TauE = 20 // τe = τm exercises the equal-constant branch
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			v0 := make([]float32, n)
			for i := range v0 {
				v0[i] = float32(-60 + 10*rng.Float64())
			}
			fast, err := NewCUBANeurons(p, n, v0)
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := neuron.NewCUBA(p)
			rs := ref.NewState(n)
			copy(rs.V, v0)
			exc, inh := make([]float32, n), make([]float32, n)
			e2, i2 := make([]float32, n), make([]float32, n)
			out := make([]bool, n)
			var spikes []int32
			fired := 0
			for step := 0; step < 500; step++ {
				for i := range exc {
					if rng.IntN(10) == 0 {
						exc[i] = float32(rng.Float64() * 8)
					}
					if rng.IntN(20) == 0 {
						inh[i] = -float32(rng.Float64() * 9)
					}
				}
				copy(e2, exc)
				copy(i2, inh)
				spikes = fast.StepList(exc, inh, spikes[:0])
				ref.Step(rs, e2, i2, out)
				var want []int32
				for i, f := range out {
					if f {
						want = append(want, int32(i))
					}
				}
				fired += len(want)
				if !slices.Equal(spikes, want) {
					t.Fatalf("avx2=%v n=%d step %d: spikes %v, want %v", vec, n, step, spikes, want)
				}
				if !slices.Equal(fast.S.V, rs.V) || !slices.Equal(fast.S.Ge, rs.Ge) || !slices.Equal(fast.S.Gi, rs.Gi) || !slices.Equal(fast.S.Ref, rs.Ref) {
					t.Fatalf("avx2=%v n=%d step %d: state differs", vec, n, step)
				}
				for i := range exc {
					if exc[i] != 0 || inh[i] != 0 {
						t.Fatalf("avx2=%v n=%d step %d: input %d not consumed", vec, n, step, i)
					}
				}
			}
			if n >= 8 && fired < n {
				t.Errorf("avx2=%v n=%d: only %d spikes in 500 steps; drive too weak for the test", vec, n, fired)
			}
		}
	}
}

func BenchmarkCUBAStepList(b *testing.B) {
	for _, n := range []int{1024, 4000} {
		b.Run(string(rune('0'+n/1000))+"k", func(b *testing.B) {
			c, _ := NewCUBANeurons(neuron.DefaultCUBA, n, nil)
			exc, inh := make([]float32, n), make([]float32, n)
			spikes := make([]int32, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				exc[7] = 1
				spikes = c.StepList(exc, inh, spikes[:0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/neuron")
		})
	}
}
