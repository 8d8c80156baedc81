package crossbar

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neurosim/neurosim/arch"
)

// maxCells bounds Rows×Cols so that a typo cannot ask for gigabytes.
const maxCells = 1 << 28

// Fault is the fault state of one cell, drawn at programming.
type Fault uint8

// Fault states.
const (
	Healthy  Fault = iota // the cell holds its programmed conductance
	StuckOn               // the cell is stuck at g_on whatever is programmed
	StuckOff              // the cell is stuck at g_off whatever is programmed
)

// String names the fault state.
func (f Fault) String() string {
	switch f {
	case Healthy:
		return "healthy"
	case StuckOn:
		return "stuck-on"
	case StuckOff:
		return "stuck-off"
	}
	return fmt.Sprintf("Fault(%d)", uint8(f))
}

// Crossbar is one functional memristor macro: a Rows×Cols array of cells
// whose conductances were set by the last Program, read by MulSpikes and
// MulVec. Its zero value is not usable; make one with New.
//
// A Crossbar holds scratch buffers, so it is not safe for concurrent use;
// give each goroutine its own.
type Crossbar struct {
	m        arch.Macro
	rows     int
	cols     int // physical columns (bit lines)
	cpw      int // cells per weight: 1 or 2
	outs     int // logical outputs = cols / cpw
	maxLevel int // Levels − 1

	dG    float64 // conductance of one level step, µS
	gOffL float64 // g_off in level units (g_off / dG)
	gOnL  float64 // g_on in level units
	sigA  float64 // additive read-noise σ in level units
	adcN  float64 // highest ADC code, 2^bits − 1 (0: ideal ADC)
	adcFS float64 // full-scale fraction of the worst-case column current

	scale float64 // weight-domain value of one level step

	// level[r*cols+c] is the programmed conductance of cell (r, c) above
	// g_off, in level units: (G0 − g_off)/dG. Integer-valued when programming
	// variation is zero, so noise-free sums of it are exact.
	level []float32
	fault []Fault
	atten []float64 // IR-drop attenuation of each row, (1−ir_drop)^r

	// Scratch, reused by every read.
	sum    []float64 // Σ amp·a_r·level per column
	sq     []float64 // Σ (amp·a_r·G/dG)² per column (noisy reads only)
	col    []float64 // column value after the ADC, level units
	rowBuf []int32   // MulVec: rows driven in the current phase
	ampBuf []float64 // MulVec: drive amplitude of each row in rowBuf
	outBuf []float64 // output of a read (MulVec: of the positive phase)
	negBuf []float64 // MulVec: output of the negative phase
	mark   []bool    // MulSpikes: rows seen, to catch repeats
}

// New returns a crossbar for macro m, every cell erased to g_off and the
// weight scale 1. It checks m itself, with the rules of arch.Validate
// except that read_latency_ns may be 0, and returns an error naming the
// first bad field.
func New(m arch.Macro) (*Crossbar, error) {
	if err := check(m); err != nil {
		return nil, err
	}
	x := &Crossbar{
		m:        m,
		rows:     m.Rows,
		cols:     m.Cols,
		cpw:      m.CellsPerWeight,
		outs:     m.Cols / m.CellsPerWeight,
		maxLevel: m.Levels - 1,
		dG:       (m.GOnUS - m.GOffUS) / float64(m.Levels-1),
		adcFS:    1,
		scale:    1,
		level:    make([]float32, m.Rows*m.Cols),
		fault:    make([]Fault, m.Rows*m.Cols),
		atten:    make([]float64, m.Rows),
		sum:      make([]float64, m.Cols),
		sq:       make([]float64, m.Cols),
		col:      make([]float64, m.Cols),
		rowBuf:   make([]int32, m.Rows),
		ampBuf:   make([]float64, m.Rows),
		outBuf:   make([]float64, m.Cols/m.CellsPerWeight),
		negBuf:   make([]float64, m.Cols/m.CellsPerWeight),
		mark:     make([]bool, m.Rows),
	}
	x.gOffL = m.GOffUS / x.dG
	x.gOnL = m.GOnUS / x.dG
	x.sigA = m.ReadNoiseAddUS / x.dG
	if m.ADCBits > 0 {
		x.adcN = math.Ldexp(1, m.ADCBits) - 1
	}
	if m.ADCFullScale != 0 { // zero: a Macro built in code without the field
		if err := x.SetADCFullScale(m.ADCFullScale); err != nil {
			return nil, err
		}
	}
	a := 1.0
	for r := range x.atten {
		x.atten[r] = a
		a *= 1 - m.IRDrop
	}
	return x, nil
}

func check(m arch.Macro) error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("crossbar: macro.%s: %s", key, fmt.Sprintf(format, args...))
	}
	nonNeg := func(key string, v float64) error {
		if !(v >= 0) || math.IsInf(v, 0) {
			return bad(key, "%g must be finite and ≥ 0", v)
		}
		return nil
	}
	switch {
	case m.Rows < 1 || m.Cols < 1:
		return bad("rows", "%d×%d: rows and cols must be ≥ 1", m.Rows, m.Cols)
	case m.Rows > maxCells/m.Cols:
		return bad("rows", "%d×%d cells exceed the limit of %d", m.Rows, m.Cols, maxCells)
	case m.CellsPerWeight != 1 && m.CellsPerWeight != 2:
		return bad("cells_per_weight", "%d: must be 1 (unsigned) or 2 (differential pair)", m.CellsPerWeight)
	case m.Cols%m.CellsPerWeight != 0:
		return bad("cols", "%d columns do not divide into pairs of %d cells", m.Cols, m.CellsPerWeight)
	case !(m.GOffUS >= 0) || !(m.GOnUS > m.GOffUS) || math.IsInf(m.GOnUS, 0):
		return bad("g_on_us", "g_on_us %g must be finite and exceed g_off_us %g ≥ 0", m.GOnUS, m.GOffUS)
	case m.Levels < 2 || m.Levels > 1<<16:
		return bad("levels", "%d: must be in [2, 65536]", m.Levels)
	case m.ADCBits < 0 || m.ADCBits > 24:
		return bad("adc_bits", "%d: must be in [0, 24] (0: ideal ADC)", m.ADCBits)
	case m.ColsPerADC < 1:
		return bad("cols_per_adc", "%d: must be ≥ 1", m.ColsPerADC)
	case m.VariationMode != "proportional" && m.VariationMode != "absolute":
		return bad("variation_mode", "%q: must be proportional or absolute", m.VariationMode)
	case !(m.StuckOnRate >= 0 && m.StuckOffRate >= 0 && m.StuckOnRate+m.StuckOffRate <= 1):
		return bad("stuck_on_rate", "rates %g (on) and %g (off) must be ≥ 0 with sum ≤ 1", m.StuckOnRate, m.StuckOffRate)
	case !(m.DriftT0S > 0) || math.IsInf(m.DriftT0S, 0):
		return bad("drift_t0_s", "%g: must be finite and > 0", m.DriftT0S)
	case !(m.IRDrop >= 0 && m.IRDrop <= 1):
		return bad("ir_drop", "%g: must be in [0, 1]", m.IRDrop)
	}
	for _, f := range []struct {
		k string
		v float64
	}{
		{"read_latency_ns", m.ReadLatencyNS}, {"program_variation", m.ProgramVariation},
		{"read_noise", m.ReadNoise}, {"read_noise_add_us", m.ReadNoiseAddUS}, {"drift_nu", m.DriftNu},
	} {
		if err := nonNeg(f.k, f.v); err != nil {
			return err
		}
	}
	return nil
}

// Macro returns the macro description the crossbar was built from.
func (x *Crossbar) Macro() arch.Macro { return x.m }

// Rows returns the number of word lines (inputs).
func (x *Crossbar) Rows() int { return x.rows }

// Cols returns the number of physical bit lines (columns of cells).
func (x *Crossbar) Cols() int { return x.cols }

// Outputs returns the number of logical outputs (weights per row):
// Cols / CellsPerWeight. dst of MulSpikes and MulVec has this length.
func (x *Crossbar) Outputs() int { return x.outs }

// MaxLevel returns the largest integer weight magnitude Program accepts,
// Levels − 1.
func (x *Crossbar) MaxLevel() int { return x.maxLevel }

// Scale returns the weight-domain value of one conductance level step, as
// set by the last Program or ProgramFloat (1 on a new crossbar).
func (x *Crossbar) Scale() float64 { return x.scale }

// LevelStepUS returns the conductance of one level step, (g_on − g_off)/(L−1), in µS.
func (x *Crossbar) LevelStepUS() float64 { return x.dG }

// Conductance returns the programmed conductance G0 of cell (r, c) in µS,
// before drift, IR drop and read noise. It panics if (r, c) is outside the
// array.
func (x *Crossbar) Conductance(r, c int) float64 {
	x.checkCell(r, c)
	return x.m.GOffUS + float64(x.level[r*x.cols+c])*x.dG
}

// FaultAt returns the fault state of cell (r, c) drawn at the last
// programming. It panics if (r, c) is outside the array.
func (x *Crossbar) FaultAt(r, c int) Fault {
	x.checkCell(r, c)
	return x.fault[r*x.cols+c]
}

// FaultCounts returns how many cells are stuck on and stuck off.
func (x *Crossbar) FaultCounts() (on, off int) {
	for _, f := range x.fault {
		switch f {
		case StuckOn:
			on++
		case StuckOff:
			off++
		}
	}
	return on, off
}

func (x *Crossbar) checkCell(r, c int) {
	if r < 0 || r >= x.rows || c < 0 || c >= x.cols {
		panic(fmt.Sprintf("crossbar: cell (%d, %d) outside the %d×%d array", r, c, x.rows, x.cols))
	}
}

// SetADCFullScale sets the ADC full scale to frac times the worst-case
// column current of a read (every driven cell at g_on). frac = 1 (the
// default) never clips a noise-free read; a smaller frac trades clipping of
// large column currents for a finer LSB. It returns an error unless
// 0 < frac ≤ 1.
func (x *Crossbar) SetADCFullScale(frac float64) error {
	if !(frac > 0 && frac <= 1) {
		return fmt.Errorf("crossbar: ADC full-scale fraction %g: must be in (0, 1]", frac)
	}
	x.adcFS = frac
	return nil
}

// Program writes integer weights: w holds Rows×Outputs() values row-major
// (w[r*Outputs()+j] is the weight from input r to output j), each an integer
// number of conductance levels, and scale is the weight-domain value of one
// level (outputs of later reads are multiplied by it).
//
// With two cells per weight, |w| ≤ Levels−1: the cell of the pair named by
// the sign (G+ at column 2j for w > 0, G− at 2j+1 for w < 0) is set |w|
// levels above g_off, the other stays at g_off. With one cell per weight,
// 0 ≤ w ≤ Levels−1.
//
// Every cell then draws, in row-major order, one uniform for its fault
// state and one normal for its programming variation from rng, always both
// and whatever the weights, so a cell's draws depend only on its position.
// rng may be nil only when program_variation and both stuck-at rates are 0.
// A bad length, weight or scale is an error and leaves the crossbar as it was.
func (x *Crossbar) Program(w []int32, scale float64, rng *rand.Rand) error {
	if len(w) != x.rows*x.outs {
		return fmt.Errorf("crossbar: Program: %d weights for a %d×%d weight array", len(w), x.rows, x.outs)
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return fmt.Errorf("crossbar: Program: scale %g must be finite and > 0", scale)
	}
	lo := -x.maxLevel
	if x.cpw == 1 {
		lo = 0
	}
	for i, v := range w {
		if int(v) < lo || int(v) > x.maxLevel {
			return fmt.Errorf("crossbar: Program: weight %d at (%d, %d) outside [%d, %d] (%d levels, %d cells per weight)",
				v, i/x.outs, i%x.outs, lo, x.maxLevel, x.maxLevel+1, x.cpw)
		}
	}
	if rng == nil && (x.m.ProgramVariation > 0 || x.m.StuckOnRate > 0 || x.m.StuckOffRate > 0) {
		return fmt.Errorf("crossbar: Program: a programming rng is required when variation or stuck-at rates are set")
	}
	x.scale = scale
	for i, v := range w {
		base := i * x.cpw
		if x.cpw == 1 {
			x.level[base] = float32(v)
			continue
		}
		p, n := v, int32(0)
		if v < 0 {
			p, n = 0, -v
		}
		x.level[base], x.level[base+1] = float32(p), float32(n)
	}
	if rng != nil {
		x.perturb(rng)
	} else {
		clear(x.fault)
	}
	return nil
}

// perturb applies faults and programming variation to the ideal levels.
func (x *Crossbar) perturb(rng *rand.Rand) {
	m := x.m
	maxL := float64(x.maxLevel)
	sigma := m.ProgramVariation
	abs := m.VariationMode == "absolute"
	for i := range x.level {
		u := rng.Float64()
		z := rng.NormFloat64()
		switch {
		case u < m.StuckOnRate:
			x.fault[i], x.level[i] = StuckOn, float32(maxL)
			continue
		case u < m.StuckOnRate+m.StuckOffRate:
			x.fault[i], x.level[i] = StuckOff, 0
			continue
		}
		x.fault[i] = Healthy
		if sigma == 0 {
			continue
		}
		// In level units: G/dG = gOffL + level.
		dev := sigma * x.gOnL // absolute: σ·g_on
		if !abs {
			dev = sigma * (x.gOffL + float64(x.level[i])) // proportional: σ·G
		}
		l := float64(x.level[i]) + dev*z
		x.level[i] = float32(min(max(l, 0), maxL))
	}
}

// ProgramFloat quantises real weights to levels and programs them: the scale
// is max|w|/(Levels−1) (1 if every weight is 0), each weight becomes
// round(w/scale) levels. With one cell per weight, negative weights are an
// error. w is Rows×Outputs() row-major, as for Program.
func (x *Crossbar) ProgramFloat(w []float32, rng *rand.Rand) error {
	if len(w) != x.rows*x.outs {
		return fmt.Errorf("crossbar: ProgramFloat: %d weights for a %d×%d weight array", len(w), x.rows, x.outs)
	}
	var mx float64
	for i, v := range w {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("crossbar: ProgramFloat: weight %g at (%d, %d) is not finite", f, i/x.outs, i%x.outs)
		}
		if x.cpw == 1 && f < 0 {
			return fmt.Errorf("crossbar: ProgramFloat: negative weight %g at (%d, %d) needs two cells per weight", f, i/x.outs, i%x.outs)
		}
		mx = max(mx, math.Abs(f))
	}
	scale := 1.0
	if mx > 0 {
		scale = mx / float64(x.maxLevel)
	}
	q := make([]int32, len(w))
	for i, v := range w {
		q[i] = int32(math.Round(float64(v) / scale))
	}
	return x.Program(q, scale, rng)
}
