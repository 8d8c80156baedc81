// Package neuron holds neuron dynamics without time or I/O: each model is a
// float reference and a bit-accurate fixed-point twin with a declared
// precision, stepped a population at a time. A step has no clock: the
// caller (core, on its tick) decides when it happens and what dt means.
//
// # Shape
//
// Every model is configured by a plain Params struct, validated once by its
// constructor (NewLIF, NewIF, NewCubaLIF, NewMultiSpike, NewQIF, NewILIF,
// NewPrimeLIF, NewCUBA), which returns an error for bad values. A model makes
// its own state (NewState(n)) as a struct of arrays and steps it in place:
//
//	m.Step(state, in, out)        // float reference, in []float64 (CUBA: []float32)
//	f, err := m.Fixed(Precision{...})
//	f.Step(fstate, inQ, out)      // fixed point, inQ []int32
//
// out is []bool for binary spikes and []int32 for integer spike counts.
// Length mismatches are programmer errors and panic. Step never allocates.
// Kind and Parse name the models for arch and the compiler: if, lif,
// cubalif, multispike, ilif, prime-lif, cuba.
//
// # Models (x = input of the step, held constant over it)
//
// LIF (NIR): τ·dv/dt = (v_leak − v) + r·I. One step is v ← a·v + b·x + c with
//
//	Exact (default): a = e^(−dt/τ), b = r·(1 − a), c = v_leak·(1 − a)
//	Euler:           a = 1 − dt/τ,  b = r·dt/τ,    c = v_leak·dt/τ
//
// then a spike if v > v_threshold (Compare AtOrAbove: ≥), and the reset
// v ← v_reset (ResetToValue, NIR) or v ← v − v_threshold (ResetSubtract).
// Exact is the zero-order-hold solution of NIR's ODE sampled at step ends
// (the threshold is tested only at step ends); Euler reproduces Norse's
// LIFBoxCell and snnTorch's Leaky (β = 1 − dt/τ; snnTorch's membrane is
// scaled by τ/(r·dt)). Both are checked against the NIR paper's traces
// (NIR paper/01_lif: τ = 0.0025, r = 1, v_threshold = 0.1, dt = 1e-4). That
// paper's event-driven exact simulation resets at the crossing time inside a
// step and keeps integrating; Exact resets at the step end, so spike steps
// agree and the voltage after a spike differs by at most one step of input
// charge.
//
// IF (NIR): dv/dt = r·I, so v ← v + r·dt·x under either integration.
// IFParams.Subtract sets the charge removed by a subtractive reset (default
// v_threshold).
//
// CubaLIF (NIR): τs·dI/dt = −I + w_in·x, τm·dv/dt = (v_leak − v) + r·I. One
// step maps the old (I, v) and x to the new pair; Exact uses the closed-form
// solution of the two-stage linear system (see CubaLIF), Euler one
// forward-Euler step from the old state. Only v is reset.
//
// MultiSpike (SFA): s = round(clamp(x, 0, D)), rounding half to even (Base
// models) or half up (Large models). QIF is the DVS variant V += X,
// S = round(clamp(V, 0, D)), V −= S·V_th. Thermometer/ExpandThermometer turn
// a count into D binary sub-steps, spikes first.
//
// I-LIF (SpikeYOLO): mem = (mem − s_prev)·decay + x, s = round(clamp(mem, 0, D)),
// decay 0.25 and D = 4 by default (DefaultILIF).
//
// PRIME LIF: u = τ·u·(1 − o_prev) + x, o = [u > V_th], τ = 0.25, V_th = 0.2.
//
// CUBA (Vogels–Abbott benchmark): dv/dt = (ge + gi − (v − El))/τm, dge/dt =
// −ge/τe, dgi/dt = −gi/τi, exact step for a fixed dt, threshold v > Vt, reset
// to Vr and v frozen for the refractory period. State is float32 (or int32)
// struct-of-arrays; Step is the hot path of `neurosim bench cuba`.
//
// # Fixed point
//
// A Precision gives FracBits (state and input words are int32 with that many
// fractional bits) and CoefBits (multiplicative constants are int64 with that
// many fractional bits). Products are exact in int64 and shifted back with
// rounding half up; results saturate to int32. Each fixed model documents its
// exact integer recurrence and provides ErrorBound, the largest difference
// from the float reference that its quantisation can build up while both
// make the same spike decisions; the differential tests check it step by
// step. MultiSpike, QIF, and IF with integer inputs, r·dt = 1 and integer
// thresholds are bit-exact.
//
// # Invariants
//   - Step never allocates and never reads or writes outside its slices.
//   - Same state and inputs give the same outputs (no randomness, no clock).
//   - An integer spike count is always in [0, D]; its thermometer code sums to it.
//   - Fixed and float models differ by at most ErrorBound while their spike
//     decisions agree; decisions can only differ within that bound of the
//     threshold (or of a rounding tie).
package neuron
