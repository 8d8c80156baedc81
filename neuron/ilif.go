package neuron

import (
	"fmt"
	"math"
)

// ILIFParams configure SpikeYOLO's I-LIF (mem_update):
//
//	mem[t] = (mem[t−1] − s[t−1])·decay + x[t]     (mem[−1] = s[−1] = 0)
//	s[t]   = round(clamp(mem[t], 0, D))
//
// There is no explicit threshold (one unit per spike level).
type ILIFParams struct {
	Decay float64   // 0.25 in SpikeYOLO
	D     int       // 4 in SpikeYOLO (MultiSpike4)
	Round RoundMode // HalfEven (torch.round)
}

// DefaultILIF is SpikeYOLO's COCO configuration.
var DefaultILIF = ILIFParams{Decay: 0.25, D: 4, Round: HalfEven}

// ILIF is the float reference of I-LIF.
type ILIF struct{ p ILIFParams }

// ILIFState holds the membrane and the last integer spike of a population.
type ILIFState struct {
	Mem []float64
	S   []int32
}

// FixedILIFState is ILIFState with the membrane in a fixed-point format.
type FixedILIFState struct {
	Mem []int32
	S   []int32
}

// NewILIF validates p.
func NewILIF(p ILIFParams) (*ILIF, error) {
	if err := finite("Decay", p.Decay); err != nil {
		return nil, err
	}
	if p.Decay < 0 || p.Decay >= 1 {
		return nil, fmt.Errorf("neuron: I-LIF decay %g out of range [0, 1)", p.Decay)
	}
	if err := checkD(p.D); err != nil {
		return nil, err
	}
	if err := p.Round.validate(); err != nil {
		return nil, err
	}
	return &ILIF{p: p}, nil
}

// NewState returns n neurons with mem = 0 and no previous spike.
func (m *ILIF) NewState(n int) *ILIFState {
	return &ILIFState{Mem: make([]float64, n), S: make([]int32, n)}
}

// Step advances every neuron by one real time step; out[i] is the integer
// spike count in [0, D]. It panics on length mismatch.
func (m *ILIF) Step(s *ILIFState, in []float64, out []int32) {
	checkLen("ILIF.Step", len(s.Mem), len(in))
	checkLen("ILIF.Step", len(s.S), len(in))
	checkLen("ILIF.Step", len(in), len(out))
	d, dec, r := int32(m.p.D), m.p.Decay, m.p.Round
	for i, x := range in {
		v := (s.Mem[i]-float64(s.S[i]))*dec + x
		c := quant(v, d, r)
		s.Mem[i], s.S[i], out[i] = v, c, c
	}
}

// FixedILIF is the bit-accurate I-LIF: mem and x in the state format (F =
// FracBits), decay as Dq = round(decay·2^K), K = CoefBits:
//
//	mem ← sat32(((mem − s·2^F)·Dq + 2^(K−1)) >> K + x);  s = round(clamp(mem·2^−F, 0, D))
//
// The rounding of s is done on integers and is exact.
type FixedILIF struct {
	prec Precision
	dq   int64
	ref  *ILIF
}

// Fixed returns the bit-accurate model at precision p.
func (m *ILIF) Fixed(p Precision) (*FixedILIF, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	dq, err := p.coef("decay", m.p.Decay)
	if err != nil {
		return nil, err
	}
	return &FixedILIF{prec: p, dq: dq, ref: m}, nil
}

// NewState returns n neurons with mem = 0 and no previous spike.
func (m *FixedILIF) NewState(n int) *FixedILIFState {
	return &FixedILIFState{Mem: make([]int32, n), S: make([]int32, n)}
}

// Step advances every neuron by one real time step; it panics on length mismatch.
func (m *FixedILIF) Step(s *FixedILIFState, in []int32, out []int32) {
	checkLen("FixedILIF.Step", len(s.Mem), len(in))
	checkLen("FixedILIF.Step", len(s.S), len(in))
	checkLen("FixedILIF.Step", len(in), len(out))
	f, k := m.prec.FracBits, m.prec.CoefBits
	d, r := int32(m.ref.p.D), m.ref.p.Round
	for i, x := range in {
		u := int64(s.Mem[i]) - int64(s.S[i])<<f
		v := sat32(rshr(u*m.dq, k) + int64(x))
		c := quantQ(v, f, d, r)
		s.Mem[i], s.S[i], out[i] = v, c, c
	}
}

// ErrorBound returns the largest |mem_fixed − mem_float| while |mem| ≤ memMax
// and the spike counts agree: per step e = |ΔDq|·(memMax + D) + ½ LSB, decayed
// by the decay factor, so the bound is e/(1 − decay).
func (m *FixedILIF) ErrorBound(memMax float64) float64 {
	p := m.prec
	e := p.coefErr(m.dq, m.ref.p.Decay)*(memMax+float64(m.ref.p.D)) + p.LSB()/2
	return e / (1 - m.ref.p.Decay)
}

// PrimeLIFParams configure PRIME's LIF (seed-models §7):
//
//	u[t] = tau·u[t−1]·(1 − o[t−1]) + x[t],  o[t] = [u[t] > VThreshold]
//
// The reset is multiplicative: a neuron that fired restarts from 0 in the
// next step (hard reset to 0), and u keeps its supra-threshold value for the
// step in which it fired.
type PrimeLIFParams struct {
	Tau        float64 // 0.25
	VThreshold float64 // 0.2
}

// DefaultPrimeLIF is the configuration found in PRIME's code.
var DefaultPrimeLIF = PrimeLIFParams{Tau: 0.25, VThreshold: 0.2}

// PrimeLIF is the float reference of PRIME's LIF.
type PrimeLIF struct{ p PrimeLIFParams }

// PrimeState holds the membrane and last binary spike of a population.
type PrimeState struct {
	U []float64
	O []bool
}

// FixedPrimeState is PrimeState with the membrane in a fixed-point format.
type FixedPrimeState struct {
	U []int32
	O []bool
}

// NewPrimeLIF validates p.
func NewPrimeLIF(p PrimeLIFParams) (*PrimeLIF, error) {
	if err := finite("Tau, VThreshold", p.Tau, p.VThreshold); err != nil {
		return nil, err
	}
	if p.Tau < 0 || p.Tau >= 1 {
		return nil, fmt.Errorf("neuron: PRIME LIF tau %g out of range [0, 1)", p.Tau)
	}
	return &PrimeLIF{p: p}, nil
}

// NewState returns n neurons at u = 0 with no previous spike.
func (m *PrimeLIF) NewState(n int) *PrimeState {
	return &PrimeState{U: make([]float64, n), O: make([]bool, n)}
}

// Step advances every neuron by one step; it panics on length mismatch.
func (m *PrimeLIF) Step(s *PrimeState, in []float64, out []bool) {
	checkLen("PrimeLIF.Step", len(s.U), len(in))
	checkLen("PrimeLIF.Step", len(s.O), len(in))
	checkLen("PrimeLIF.Step", len(in), len(out))
	for i, x := range in {
		u := x
		if !s.O[i] {
			u += m.p.Tau * s.U[i]
		}
		f := u > m.p.VThreshold
		s.U[i], s.O[i], out[i] = u, f, f
	}
}

// FixedPrimeLIF is the bit-accurate PRIME LIF: u and x in the state format,
// tau as Tq = round(tau·2^K), threshold Θ = round(VThreshold·2^F):
//
//	u ← o ? x : sat32((Tq·u + 2^(K−1)) >> K + x);  o = u > Θ
type FixedPrimeLIF struct {
	prec Precision
	tq   int64
	th   int32
	ref  *PrimeLIF
}

// Fixed returns the bit-accurate model at precision p.
func (m *PrimeLIF) Fixed(p Precision) (*FixedPrimeLIF, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	tq, err := p.coef("tau", m.p.Tau)
	if err != nil {
		return nil, err
	}
	return &FixedPrimeLIF{prec: p, tq: tq, th: p.Quantize(m.p.VThreshold), ref: m}, nil
}

// NewState returns n neurons at u = 0 with no previous spike.
func (m *FixedPrimeLIF) NewState(n int) *FixedPrimeState {
	return &FixedPrimeState{U: make([]int32, n), O: make([]bool, n)}
}

// Step advances every neuron by one step; it panics on length mismatch.
func (m *FixedPrimeLIF) Step(s *FixedPrimeState, in []int32, out []bool) {
	checkLen("FixedPrimeLIF.Step", len(s.U), len(in))
	checkLen("FixedPrimeLIF.Step", len(s.O), len(in))
	checkLen("FixedPrimeLIF.Step", len(in), len(out))
	k := m.prec.CoefBits
	for i, x := range in {
		u := x
		if !s.O[i] {
			u = sat32(rshr(m.tq*int64(s.U[i]), k) + int64(x))
		}
		f := u > m.th
		s.U[i], s.O[i], out[i] = u, f, f
	}
}

// ErrorBound returns the largest |u_fixed − u_float| while |u| ≤ umax and the
// spikes agree: per step e = |ΔTq|·umax + ½ LSB, bound e/(1 − tau). The
// threshold itself is off by at most |ΔΘ| = ThresholdError().
func (m *FixedPrimeLIF) ErrorBound(umax float64) float64 {
	p := m.prec
	return (p.coefErr(m.tq, m.ref.p.Tau)*umax + p.LSB()/2) / (1 - m.ref.p.Tau)
}

// ThresholdError is |Θ·2^−F − VThreshold|.
func (m *FixedPrimeLIF) ThresholdError() float64 {
	return math.Abs(m.prec.Dequantize(m.th) - m.ref.p.VThreshold)
}
