package core

import (
	"fmt"
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
	saved2, saved512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = saved2, saved512 }()
	for _, mode := range []struct {
		name      string
		a2, a512  bool
		supported bool
	}{{"avx512", true, true, saved512}, {"avx2", true, false, saved2}, {"scalar", false, false, true}} {
		if !mode.supported {
			t.Logf("%s: not supported by this CPU, skipped", mode.name)
			continue
		}
		useAVX2, useAVX512 = mode.a2, mode.a512
		vec := mode.name
		for _, n := range []int{1, 7, 8, 16, 24, 64, 1003} {
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
			var spikes, te, ti []int32
			fired := 0
			for step := 0; step < 500; step++ {
				// Even steps list the driven neurons (excitatory ones twice); odd steps pass nil.
				te, ti = te[:0], ti[:0]
				for i := range exc {
					if rng.IntN(10) == 0 {
						exc[i] = float32(rng.Float64() * 8)
						te = append(te, int32(i), int32(i))
					}
					if rng.IntN(20) == 0 {
						inh[i] = -float32(rng.Float64() * 9)
						ti = append(ti, int32(i))
					}
				}
				tE, tI := te, ti
				if step%2 == 1 {
					tE, tI = nil, nil
				}
				copy(e2, exc)
				copy(i2, inh)
				spikes = fast.StepList(exc, inh, tE, tI, spikes[:0])
				ref.Step(rs, e2, i2, out)
				var want []int32
				for i, f := range out {
					if f {
						want = append(want, int32(i))
					}
				}
				fired += len(want)
				if !slices.Equal(spikes, want) {
					t.Fatalf("%s: n=%d step %d: spikes %v, want %v", vec, n, step, spikes, want)
				}
				if !slices.Equal(fast.S.V, rs.V) || !slices.Equal(fast.S.Ge, rs.Ge) || !slices.Equal(fast.S.Gi, rs.Gi) || !slices.Equal(fast.S.Ref, rs.Ref) {
					t.Fatalf("%s: n=%d step %d: state differs", vec, n, step)
				}
				for i := range exc {
					if exc[i] != 0 || inh[i] != 0 {
						t.Fatalf("%s: n=%d step %d: input %d not consumed", vec, n, step, i)
					}
				}
			}
			if n >= 8 && fired < n {
				t.Errorf("%s: n=%d: only %d spikes in 500 steps; drive too weak for the test", vec, n, fired)
			}
		}
	}
}

func BenchmarkCUBAStepList(b *testing.B) {
	saved2, saved512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = saved2, saved512 }()
	for _, mode := range []struct {
		name     string
		a2, a512 bool
	}{{"avx512", saved512, saved512}, {"avx2", saved2, false}, {"scalar", false, false}} {
		for _, n := range []int{1024, 4000} {
			b.Run(fmt.Sprintf("%s/N=%d", mode.name, n), func(b *testing.B) {
				useAVX2, useAVX512 = mode.a2, mode.a512
				c, _ := NewCUBANeurons(neuron.DefaultCUBA, n, nil)
				exc, inh := make([]float32, n), make([]float32, n)
				spikes := make([]int32, 0, n)
				seven := []int32{7}
				b.ReportAllocs()
				for b.Loop() {
					exc[7] = 1
					spikes = c.StepList(exc, inh, seven, nil, spikes[:0])
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/neuron")
			})
		}
	}
}
