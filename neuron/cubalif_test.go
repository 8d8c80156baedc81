package neuron

import (
	"math"
	"testing"
)

// fineEulerCuba integrates the CubaLIF ODE pair over dt with many tiny
// forward-Euler sub-steps: an independent check of the exact coefficients.
func fineEulerCuba(p CubaLIFParams, i0, v0, x float64) (i, v float64) {
	const sub = 200000
	h := p.DT / sub
	i, v = i0, v0
	for k := 0; k < sub; k++ {
		di := (-i + p.WIn*x) / p.TauSyn
		dv := (p.VLeak - v + p.R*i) / p.TauMem
		i, v = i+h*di, v+h*dv
	}
	return i, v
}

func TestCubaLIFExactMatchesODE(t *testing.T) {
	rng := newRand(3)
	for trial := 0; trial < 6; trial++ {
		p := CubaLIFParams{TauSyn: 0.002 + 0.01*rng.Float64(), TauMem: 0.005 + 0.02*rng.Float64(),
			R: 0.5 + rng.Float64(), VLeak: rng.Float64() - 0.5, WIn: 0.5 + rng.Float64(),
			VThreshold: 1e9, DT: 1e-3}
		if trial == 0 {
			p.TauMem = p.TauSyn // the degenerate τs = τm case
		}
		m, err := NewCubaLIF(p)
		if err != nil {
			t.Fatal(err)
		}
		s := m.NewState(1)
		s.I[0], s.V[0] = rng.Float64(), rng.Float64()
		out := []bool{false}
		for step := 0; step < 3; step++ {
			x := 2*rng.Float64() - 0.5
			wi, wv := fineEulerCuba(p, s.I[0], s.V[0], x)
			m.Step(s, []float64{x}, out)
			if math.Abs(s.I[0]-wi) > 1e-6 || math.Abs(s.V[0]-wv) > 1e-6 {
				t.Fatalf("trial %d step %d: (I, v) = (%.9g, %.9g), ODE (%.9g, %.9g)", trial, step, s.I[0], s.V[0], wi, wv)
			}
		}
	}
}

func TestCubaLIFEulerCoefficients(t *testing.T) {
	p := CubaLIFParams{TauSyn: 0.004, TauMem: 0.01, R: 2, VLeak: 0.1, WIn: 3, VThreshold: 1e9, DT: 1e-3, Integration: Euler}
	m, err := NewCubaLIF(p)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(1)
	s.I[0], s.V[0] = 0.5, 0.2
	m.Step(s, []float64{0.4}, []bool{false})
	wi := 0.5 + p.DT/p.TauSyn*(-0.5+p.WIn*0.4)
	wv := 0.2 + p.DT/p.TauMem*(p.VLeak-0.2+p.R*0.5)
	if math.Abs(s.I[0]-wi) > 1e-15 || math.Abs(s.V[0]-wv) > 1e-15 {
		t.Fatalf("(I, v) = (%g, %g), want (%g, %g)", s.I[0], s.V[0], wi, wv)
	}
}

func TestFixedCubaLIFDifferential(t *testing.T) {
	rng := newRand(4)
	totS, totF := 0, 0
	for trial := 0; trial < 20; trial++ {
		p := CubaLIFParams{TauSyn: 0.002 + 0.008*rng.Float64(), TauMem: 0.005 + 0.02*rng.Float64(),
			R: 1, VLeak: 0, WIn: 1 + rng.Float64(), VThreshold: 0.2 + 0.3*rng.Float64(),
			VReset: 0, DT: 5e-4, Reset: Reset(rng.IntN(2)), Integration: Integration(rng.IntN(2))}
		prec := Precision{FracBits: uint8(14 + rng.IntN(6)), CoefBits: uint8(14 + rng.IntN(8))}
		m, err := NewCubaLIF(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Fixed(prec)
		if err != nil {
			t.Fatal(err)
		}
		const xmax = 1.0
		imax := p.WIn * xmax
		vmax := p.R*imax + p.VThreshold
		di, dv := f.ErrorBound(xmax, imax, vmax)
		thErr := math.Abs(prec.Dequantize(f.th) - p.VThreshold)
		const n = 16
		s, q := m.NewState(n), f.NewState(n)
		x, xq := make([]float64, n), make([]int32, n)
		o1, o2 := make([]bool, n), make([]bool, n)
		pre := make([]float64, n)
		for k := 0; k < 600; k++ {
			for i := range x {
				xq[i] = prec.Quantize(rng.Float64() * xmax)
				x[i] = prec.Dequantize(xq[i])
				pre[i] = m.aVV*s.V[i] + m.aVI*s.I[i] + m.bV*x[i] + m.cV
			}
			m.Step(s, x, o1)
			f.Step(q, xq, o2)
			for i := range x {
				if math.Abs(s.I[i]) > imax || math.Abs(pre[i]) > vmax {
					t.Fatalf("state (%g, %g) outside the bound's range (%g, %g)", s.I[i], pre[i], imax, vmax)
				}
				if d := math.Abs(prec.Dequantize(q.I[i]) - s.I[i]); d > di+1e-12 {
					t.Fatalf("trial %d step %d: |ΔI| = %.3g > %.3g", trial, k, d, di)
				}
				if o1[i] {
					totS++
				}
				if o1[i] != o2[i] {
					if d := math.Abs(pre[i] - p.VThreshold); d > dv+thErr+1e-12 {
						t.Fatalf("trial %d step %d: spikes differ %.3g from threshold > %.3g", trial, k, d, dv+thErr)
					}
					totF++
					q.V[i] = prec.Quantize(s.V[i])
					s.V[i] = prec.Dequantize(q.V[i])
					continue
				}
				if d := math.Abs(prec.Dequantize(q.V[i]) - s.V[i]); d > dv+1e-12 {
					t.Fatalf("trial %d step %d: |Δv| = %.3g > %.3g", trial, k, d, dv)
				}
			}
		}
	}
	if totS == 0 {
		t.Fatal("no spikes")
	}
	t.Logf("%d float spikes, %d decided differently", totS, totF)
}

func TestCubaLIFParamErrors(t *testing.T) {
	ok := CubaLIFParams{TauSyn: 1, TauMem: 1, R: 1, WIn: 1, VThreshold: 1, DT: 0.1}
	if _, err := NewCubaLIF(ok); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*CubaLIFParams){
		"tau_syn 0":      func(p *CubaLIFParams) { p.TauSyn = 0 },
		"tau_mem nan":    func(p *CubaLIFParams) { p.TauMem = math.NaN() },
		"w_in inf":       func(p *CubaLIFParams) { p.WIn = math.Inf(-1) },
		"unstable euler": func(p *CubaLIFParams) { p.Integration, p.DT = Euler, 2.5 },
		"bad compare":    func(p *CubaLIFParams) { p.Compare = 5 },
	} {
		p := ok
		mod(&p)
		if _, err := NewCubaLIF(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
