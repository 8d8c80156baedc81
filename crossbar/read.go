package crossbar

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neurosim/neurosim/arch"
)

// Counts are the events of one or more reads, for energy and latency. The
// caller accumulates them (Add) and prices them (EnergyPJ, LatencyNS).
type Counts struct {
	Reads          int64 // analog read operations (one per MulSpikes with an active row; one or two per MulVec)
	RowDrives      int64 // word lines driven, summed over reads
	ADCConversions int64 // column conversions: Cols per read
	CellReads      int64 // cells read: driven rows × Cols per read
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Reads += o.Reads
	c.RowDrives += o.RowDrives
	c.ADCConversions += o.ADCConversions
	c.CellReads += o.CellReads
}

// EnergyPJ prices c with the energy table: RowDrives·xbar_row +
// ADCConversions·adc + CellReads·cell_read, in picojoules.
func (c Counts) EnergyPJ(e arch.Energy) float64 {
	return float64(c.RowDrives)*e.XbarRow.PJ + float64(c.ADCConversions)*e.ADC.PJ + float64(c.CellReads)*e.CellRead.PJ
}

// ReadLatencyNS returns the latency of one read: read_latency_ns for each
// turn of the shared ADCs, ReadLatencyNS × ceil(Cols / ColsPerADC).
func (x *Crossbar) ReadLatencyNS() float64 {
	turns := (x.cols + x.m.ColsPerADC - 1) / x.m.ColsPerADC
	return x.m.ReadLatencyNS * float64(turns)
}

// LatencyNS returns the time c.Reads reads take one after another, in ns.
func (x *Crossbar) LatencyNS(c Counts) float64 { return float64(c.Reads) * x.ReadLatencyNS() }

// DriftFactor returns G(t)/G0 = (t/t0)^−ν for t > t0, and 1 for t ≤ t0
// (drift is measured from t0 after programming), t in seconds.
func (x *Crossbar) DriftFactor(t float64) float64 {
	if x.m.DriftNu == 0 || t <= x.m.DriftT0S {
		return 1
	}
	return math.Pow(t/x.m.DriftT0S, -x.m.DriftNu)
}

// MulSpikes reads the crossbar with binary spikes on the rows listed in
// active (indices in [0, Rows), no repeats; they are read, never modified)
// at t seconds after programming, and writes into dst (len Outputs()) the
// column results converted to the weight domain: scale × (G+ − G−)/ΔG
// summed over the active rows, after drift, IR drop, read noise and the
// ADC. Only the active rows are driven. rng supplies the read noise (one
// normal per column per read, see the package doc) and may be nil when
// read_noise and read_noise_add_us are 0. With no active row nothing is
// read: dst is zeroed and the counts are zero. The order of active matters
// only through floating-point summation order: not at all with integer
// levels and no IR drop, whose sums are exact.
//
// MulSpikes never allocates. It panics on a programmer error: len(dst) ≠
// Outputs(), an active index out of range or repeated, t < 0 or NaN, or a
// nil rng on a noisy macro.
func (x *Crossbar) MulSpikes(dst []float32, active []int32, t float64, rng *rand.Rand) Counts {
	if len(dst) != x.outs {
		panic(fmt.Sprintf("crossbar: MulSpikes: len(dst) = %d, want Outputs() = %d", len(dst), x.outs))
	}
	x.checkActive(active)
	if len(active) == 0 {
		clear(dst)
		return Counts{}
	}
	out := x.outBuf
	x.read(active, nil, t, rng, out)
	for j, v := range out {
		dst[j] = float32(v * x.scale)
	}
	n := int64(len(active))
	return Counts{Reads: 1, RowDrives: n, ADCConversions: int64(x.cols), CellReads: n * int64(x.cols)}
}

// checkActive panics on an out-of-range or repeated row index. It marks the
// rows in x.mark (all false between calls) and clears them again.
func (x *Crossbar) checkActive(active []int32) {
	seen := x.mark
	for i, r := range active {
		if r < 0 || int(r) >= x.rows {
			clear(seen)
			panic(fmt.Sprintf("crossbar: active[%d] = %d outside [0, %d)", i, r, x.rows))
		}
		if seen[r] {
			clear(seen)
			panic(fmt.Sprintf("crossbar: active[%d] = %d repeats a row", i, r))
		}
		seen[r] = true
	}
	for _, r := range active {
		seen[r] = false
	}
}

// MulVec reads the crossbar with real row drives v (len Rows; v[r] scales
// the read voltage of row r, so spikes are v ∈ {0, 1}) at t seconds after
// programming and writes the weight-domain result into dst (len Outputs()).
// Rows with v[r] = 0 are not driven. Negative drives are applied in a second
// read with inverted polarity and subtracted digitally, as bipolar inputs
// are on hardware; each read with a driven row counts in the result.
// The noise, ADC and rng rules are those of MulSpikes; the ADC full scale of
// a read is g_on × Σ|v[r]| over its rows.
//
// MulVec never allocates. It panics if len(dst) ≠ Outputs(), len(v) ≠
// Rows, v holds a non-finite value, t < 0 or NaN, or rng is nil on a noisy
// macro.
func (x *Crossbar) MulVec(dst, v []float32, t float64, rng *rand.Rand) Counts {
	if len(dst) != x.outs {
		panic(fmt.Sprintf("crossbar: MulVec: len(dst) = %d, want Outputs() = %d", len(dst), x.outs))
	}
	if len(v) != x.rows {
		panic(fmt.Sprintf("crossbar: MulVec: len(v) = %d, want Rows() = %d", len(v), x.rows))
	}
	for r, a := range v {
		if math.IsNaN(float64(a)) || math.IsInf(float64(a), 0) {
			panic(fmt.Sprintf("crossbar: MulVec: v[%d] = %g is not finite", r, a))
		}
	}
	var c Counts
	pos := x.outBuf
	clear(pos)
	for phase, sign := range [2]float32{1, -1} {
		rows, amp := x.rowBuf[:0], x.ampBuf[:0]
		for r, a := range v {
			if a*sign > 0 {
				rows = append(rows, int32(r))
				amp = append(amp, float64(a*sign))
			}
		}
		if len(rows) == 0 {
			continue
		}
		if phase == 0 {
			x.read(rows, amp, t, rng, pos)
		} else {
			x.read(rows, amp, t, rng, x.negBuf)
			for j, p := range pos {
				pos[j] = p - x.negBuf[j]
			}
		}
		n := int64(len(rows))
		c.Add(Counts{Reads: 1, RowDrives: n, ADCConversions: int64(x.cols), CellReads: n * int64(x.cols)})
	}
	for j, p := range pos {
		dst[j] = float32(p * x.scale)
	}
	return c
}

// read drives rows (with amplitudes amp, nil meaning 1) and writes the
// outputs in level units (before scale) into out (len Outputs()).
func (x *Crossbar) read(rows []int32, amp []float64, t float64, rng *rand.Rand, out []float64) {
	if !(t >= 0) {
		panic(fmt.Sprintf("crossbar: read at t = %g s: time must be ≥ 0", t))
	}
	sigM := x.m.ReadNoise
	noisy := sigM > 0 || x.sigA > 0
	if noisy && rng == nil {
		panic("crossbar: read noise is set but the read-noise rng is nil")
	}
	f := x.DriftFactor(t)
	sum, sq, cols := x.sum, x.sq, x.cols
	clear(sum)
	if noisy {
		clear(sq)
	}
	// sumAmp = Σ amp (nominal drive, for the ADC range and the baseline),
	// a1 = Σ amp·a_r and a2 = Σ (amp·a_r)² (actual drive after IR drop).
	var sumAmp, a1, a2 float64
	gOffL := x.gOffL
	for i, r := range rows {
		am := 1.0
		if amp != nil {
			am = amp[i]
		}
		w := am * x.atten[r]
		sumAmp += am
		a1 += w
		a2 += w * w
		row := x.level[int(r)*cols : int(r+1)*cols]
		row = row[:len(sum)]
		switch {
		case noisy:
			sq := sq[:len(row)]
			wg := w * gOffL
			for c, l := range row {
				lv := w * float64(l)
				g := wg + lv
				sum[c] += lv
				sq[c] += g * g
			}
		case w == 1:
			for c, l := range row {
				sum[c] += float64(l)
			}
		default:
			for c, l := range row {
				sum[c] += w * float64(l)
			}
		}
	}
	if x.adcN == 0 && !noisy {
		// Ideal ADC, no noise: the g_off baselines cancel analytically, so
		// integer levels give an exact integer result when f = 1 and no IR
		// drop (then a1 and sumAmp are the same sum, bit for bit).
		if x.cpw == 2 {
			for j := range out {
				out[j] = f * (sum[2*j] - sum[2*j+1])
			}
		} else {
			for j := range out {
				out[j] = f*sum[j] + gOffL*(f*a1-sumAmp)
			}
		}
		return
	}
	col := x.col
	var lsb float64
	if x.adcN > 0 {
		lsb = x.adcFS * x.gOnL * sumAmp / x.adcN
	}
	base := f * gOffL * a1
	for c := range col {
		cur := base + f*sum[c]
		if noisy {
			sd := math.Sqrt(sigM*sigM*f*f*sq[c] + x.sigA*x.sigA*a2)
			cur += sd * rng.NormFloat64()
		}
		if lsb > 0 {
			cur = quantize(cur, lsb, x.adcN)
		}
		col[c] = cur
	}
	if x.cpw == 2 {
		for j := range out {
			out[j] = col[2*j] - col[2*j+1]
		}
	} else {
		nominal := gOffL * sumAmp
		for j := range out {
			out[j] = col[j] - nominal
		}
	}
}

// quantize is a uniform unipolar ADC: the code round(v/lsb) clamped to
// [0, maxCode], returned as code·lsb. For v in [0, maxCode·lsb] the error is
// at most lsb/2.
func quantize(v, lsb, maxCode float64) float64 {
	q := math.Round(v / lsb)
	q = min(max(q, 0), maxCode)
	return q * lsb
}
