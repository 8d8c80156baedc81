// Package crossbar models a memristor crossbar macro functionally: weights
// are programmed as conductances, binary spikes (or real drives) on the word
// lines produce column currents, and a column ADC converts them back to the
// weight domain. It has no clock: the caller (the CIM core) decides when a
// read happens and passes the time since programming and the random streams.
// The package imports only arch.
//
// # Device model
//
// A macro (arch.Macro) is Rows × Cols cells with conductance in
// [g_off, g_on] programmable to L = Levels values, one level step being
// ΔG = (g_on − g_off)/(L − 1). With cells_per_weight = 2, output j uses the
// column pair (2j, 2j+1) as G+ and G−: an integer weight w (|w| ≤ L−1) sets
// G+ = g_off + w·ΔG, G− = g_off for w ≥ 0 and the mirror for w < 0. With one
// cell per weight, w ∈ [0, L−1] and G = g_off + w·ΔG. Program takes integer
// weights and a scale (the weight-domain value of one level); ProgramFloat
// quantises real weights with scale = max|w|/(L−1).
//
// At programming every cell, in row-major order, draws u ~ U[0,1) and
// z ~ N(0,1) from the programming stream (both always, so a cell's draws do
// not depend on the weights):
//
//	u < p_on               stuck at g_on  (whatever is programmed)
//	u < p_on + p_off       stuck at g_off
//	otherwise              G0 = clip(G + σ_p·s·z, g_off, g_on)
//	                       s = G (proportional) or g_on (absolute)
//
// The clip makes a cell at g_off (or g_on) biased inward by about
// 0.4·σ_p·s; that is the physics of a bounded device, not an error.
//
// A read at time t seconds after programming drives the active rows with
// amplitude v_r (1 for a spike). Cell (r, c) contributes
//
//	I_rc = v_r · a_r · (G0_rc·d(t)·(1 + σ_m·n_rc) + σ_a·n'_rc)
//	d(t) = (t/t0)^(−ν) for t > t0, else 1          (drift, ν = drift_nu)
//	a_r  = (1 − ρ)^r                               (IR drop, ρ = ir_drop)
//
// with n, n' ~ N(0,1) fresh on every read: σ_m = read_noise is PRIME's
// multiplicative w·(1 + 0.2·N(0,1)) applied per cell, σ_a = read_noise_add_us
// an additive conductance noise. PRIME's code applies the noise to the pair's
// weight G+ − G−; per cell, a pair with one cell raised to G and the other
// at g_off has variance σ_m²·(G² + g_off²) instead of σ_m²·(G − g_off)²:
// larger by 2·σ_m²·g_off·G, nothing when g_off = 0, 2 % at G = g_on = 100·g_off. The IR-drop model is a first-order,
// data-independent attenuation: row 0 sits next to the column sense
// amplifiers and each row further away loses the fraction ρ of its current
// on the bit-line segment it crosses. Drift multiplies every conductance,
// g_off included, and is not compensated.
//
// Only column currents are observable, and a sum of independent Gaussians
// is Gaussian, so the package draws one normal per column per read:
//
//	I_c = d·Σ v_r a_r G0_rc + √(σ_m²·d²·Σ (v_r a_r G0_rc)² + σ_a²·Σ (v_r a_r)²) · N(0,1)
//
// which has exactly the distribution of the per-cell sum above (the cells'
// noises are independent) and costs Cols draws per read instead of
// active rows × Cols. The read-noise stream is consumed in column order,
// one draw per column, whatever rows are active.
//
// # ADC and the weight domain
//
// Each column has a uniform unipolar ADC of b = adc_bits bits, codes
// 0 … 2^b − 1, full scale FS = f·g_on·Σ v_r (f = macro.adc_full_scale, 1 by
// default, or SetADCFullScale):
// the largest column current the driven rows can produce, so a noise-free
// read never clips. A current becomes clamp(round(I/LSB), 0, 2^b−1)·LSB with
// LSB = FS/(2^b − 1); in range the error is at most LSB/2. adc_bits = 0
// means an ideal ADC (no quantisation).
// The output of pair j is (Q(I_2j) − Q(I_2j+1))/ΔG × scale; with one cell
// per weight the nominal baseline g_off·Σ v_r is subtracted instead, as a
// reference column would. Columns share ADCs, cols_per_adc to one, so a
// read takes read_latency_ns × ceil(Cols / cols_per_adc).
//
// # Exactness
//
// With read noise, programming variation, stuck-at rates, drift and IR drop
// all zero and an ideal ADC, MulSpikes returns exactly Σ_{r active} w_rj
// × scale: the levels are stored as integers and summed in float64, and the
// g_off baselines cancel analytically, so the result equals the digital
// integer model bit for bit while |Σ| < 2^24 (float32 output).
//
// With a real b-bit ADC and no noise, each column errs by at most LSB/2, so
// a pair errs by at most one LSB = n·g_on/ΔG/(2^b − 1) levels for n active
// rows; rounding the output to an integer recovers the exact sum whenever
// that LSB is below 1/2 (512 rows, 16 levels, g_on/g_off = 100/1: 14 bits).
//
// # Energy and latency
//
// Each read returns Counts: one row drive per driven row, one ADC
// conversion per column, one cell read per driven row × column. EnergyPJ
// prices them with arch.Energy (xbar_row, adc, cell_read); LatencyNS
// multiplies reads by ReadLatencyNS. An empty MulSpikes reads nothing.
//
// # Defaults and their sources
//
// The macro figures come from the arch presets, each with its source; for
// prime-40nm: 512 × 512 cells (PRIME's 256 Kb macro, geometry unconfirmed),
// g_on/g_off = 100/1 µS and σ_p = 1 %, stuck-at 0.1 % on and off (MNSIM 2.0
// SimConfig.ini), 8-bit ADC (MNSIM ISAAC preset), 8 columns per ADC and a
// 10 ns read (NeuroSim V1.4 Param.cpp), σ_m = 0.2 (PRIME's code), 16
// levels (assumption). This package adds no figure of its own.
//
// # Invariants
//
//   - MulSpikes and MulVec never allocate and never modify their inputs.
//   - All randomness comes from the *rand.Rand streams passed in: the
//     programming stream to Program, the read-noise stream to each read. The
//     same macro, weights, streams and calls give bit-identical outputs.
//   - Bad macros and weights are errors; only programmer errors (lengths,
//     indices, negative time, a missing stream) panic.
//   - A Crossbar is not safe for concurrent use: reads share scratch buffers.
package crossbar
