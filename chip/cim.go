package chip

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/crossbar"
	"github.com/neurosim/neurosim/sim"
)

// # CIM cores
//
// A core of a cim kind keeps its synapses in crossbar macros, laid out by
// the compiler's tile pass (compiler.CIMTile): one row per axon, Parts
// logical columns per neuron (the base-Levels digits of each weight, and with
// one cell per weight the positive and negative parts apart), cut into
// RowTiles × ColTiles macros of the kind's [core.X.macro].
//
// Programming: every Machine programs its macros once, before its first
// sample, from the programming stream "chip/core[C].xbar[M]/program" of the
// run's root seed (sim.Streams), C the core id and M = rt·ColTiles + ct the
// macro. Every machine of a run so holds the same conductances, faults
// included: results do not depend on the number of workers.
//
// Reading: a spike delivered to a cim core latches its axon's row; nothing
// is read on delivery. When the phase's last spike has arrived, the core
// reads its macros once per binary sub-step: the spike counts of a phase
// arrive in thermometer code, so sub-step j drives the rows whose count
// exceeds j (only active rows are driven, and only row tiles with an active
// row are read). Direct-encoded pixels (phase 0) are 8-bit values and are
// applied bit-serially: read b drives the rows whose pixel has bit b set,
// and its result is weighted by 2^b. Each macro read returns the ADC output
// of its columns in level units (crossbar.MulSpikes, scale 1); the core
// rounds each column to an integer level and adds Coef(part) × that ×
// (2^b for a bit plane) to the neuron's integer accumulator. These are the
// digital partial-sum additions (row tiles, weight slices and bit planes),
// counted as PsumAdds. The neurons then fire from the accumulators exactly
// as on a digital core (compiler.Layer.Fire), so with every non-ideality
// off and an ideal ADC (Macro.Exact) a cim core's counts equal the integer
// model's bit for bit: the levels are integers, the macro sums them exactly,
// rounding changes nothing.
//
// Noise: read noise is drawn per read from the stream of the core and the
// sample: a PCG seeded from Seeds("chip/core[C]/read-noise") of the root
// seed, the second word advanced by the sample index, so a sample's noise
// depends on (seed, core, sample) only, never on the lane or worker that
// runs it. Drift is evaluated at each read's simulated time: the macros are
// programmed ProgramAgeS seconds (SetProgramAge, default 0) before the
// machine's engine time 0, and a read at engine time t sees an age of
// ProgramAgeS + t (engine time runs on across the samples of a lane).
//
// Timing: the reads of a phase start when the core is free and the last
// spike has arrived, one after another; all macros of the core read in
// parallel, so one read takes the macro's read latency (read_latency_ns ×
// ceil(cols / cols_per_adc)) plus one core cycle to add the partial sums.
// Energy: each macro read counts its row drives, ADC conversions and cell
// reads (crossbar.Counts), priced by xbar_row, adc and cell_read; each
// partial-sum addition by psum_add. A cim core charges no synaptic ops.

// cimExec is a cim core's read-only part, shared by every Machine.
type cimExec struct {
	kind   string
	macro  arch.Macro
	tile   compiler.CIMTile
	rows   int       // macro rows
	outs   int       // macro outputs (cols / cells per weight)
	levels [][]int32 // per macro: the digits crossbar.Program takes
	coef   []int64   // per logical part
	read   sim.Time  // duration of one read: macro latency + one core cycle
}

// cimState is a cim core's state in one Machine.
type cimState struct {
	xb     []*crossbar.Crossbar // per macro
	pcg    *rand.PCG
	rng    *rand.Rand
	k1, k2 uint64    // read-noise seed words of the core
	active [][]int32 // per row tile: the active rows of the read
	dst    []float32 // one macro read's output
}

// newCIM prepares core ci of kind k (a cim kind) for x.
func (x *Exec) newCIM(ci int, c *compiler.Core, k arch.CoreKind) (*cimExec, error) {
	t := x.Prog.CIMTileOf(ci)
	if t == nil {
		return nil, fmt.Errorf("chip: core %d is a cim core (%s) but the program has no macro tiling for it; recompile the model", ci, c.Kind)
	}
	l := &x.Prog.Layers[c.Layer]
	if l.Kind == compiler.LayerCuba {
		return nil, fmt.Errorf("chip: core %d: cuba layer %s on a cim core is not supported", ci, l.Name)
	}
	for i := range l.Inputs {
		if l.Inputs[i].Recurrent {
			return nil, fmt.Errorf("chip: core %d: layer %s has recurrent projections, which cim cores do not run", ci, l.Name)
		}
	}
	m := k.Macro
	if t.Base != m.Levels {
		return nil, fmt.Errorf("chip: core %d: the program's weight digits are base %d, the %s macro has %d levels", ci, t.Base, c.Kind, m.Levels)
	}
	if t.Macros() > k.MacrosPerCore() {
		return nil, fmt.Errorf("chip: core %d uses %d macros, a %s core has %d", ci, t.Macros(), c.Kind, k.MacrosPerCore())
	}
	outs := m.Cols / max(m.CellsPerWeight, 1)
	parts := t.Slices
	if m.CellsPerWeight == 1 {
		parts = 2 * t.Slices
	}
	if t.Parts != parts || t.RowTiles != (t.Rows+m.Rows-1)/m.Rows || t.ColTiles != (t.Cols+outs-1)/outs {
		return nil, fmt.Errorf("chip: core %d: the program's tiling (%d parts, %d×%d macros for %d×%d) does not fit %s macros of %d×%d, %d cells per weight; recompile the model",
			ci, t.Parts, t.RowTiles, t.ColTiles, t.Rows, t.Cols, c.Kind, m.Rows, m.Cols, m.CellsPerWeight)
	}
	xb, err := crossbar.New(m)
	if err != nil {
		return nil, fmt.Errorf("chip: core kind %s: %w", c.Kind, err)
	}
	ce := &cimExec{kind: c.Kind, macro: m, tile: *t, rows: m.Rows, outs: xb.Outputs()}
	for p := 0; p < t.Parts; p++ {
		ce.coef = append(ce.coef, t.Coef(p))
	}
	for rt := 0; rt < t.RowTiles; rt++ {
		for ct := 0; ct < t.ColTiles; ct++ {
			w, err := x.Prog.CIMWeights(c, t, rt, ct, ce.rows, ce.outs)
			if err != nil {
				return nil, err
			}
			ce.levels = append(ce.levels, w)
		}
	}
	ce.read = nsTime(xb.ReadLatencyNS()) + x.corePer
	return ce, nil
}

// HasCIM reports whether the program runs any core on crossbar macros.
func (x *Exec) HasCIM() bool { return x.cim != nil }

// Exact reports whether every cim core of x computes exactly the integer
// model: each macro noise-free and with an ideal ADC (Macro.Exact). A chip
// without cim cores is exact.
func (x *Exec) Exact() bool {
	for _, ce := range x.cim {
		if ce != nil && !MacroExact(ce.macro) {
			return false
		}
	}
	return true
}

// MacroExact reports whether a macro reproduces the integer model bit for
// bit: no programming variation, stuck-at faults, read noise (multiplicative
// or additive), drift or IR drop, and an ideal ADC (adc_bits 0).
func MacroExact(m arch.Macro) bool {
	return m.ProgramVariation == 0 && m.StuckOnRate == 0 && m.StuckOffRate == 0 && m.ReadNoise == 0 &&
		m.ReadNoiseAddUS == 0 && m.DriftNu == 0 && m.IRDrop == 0 && m.ADCBits == 0
}

// Exactly returns m with every non-ideality off and an ideal ADC (the
// "noise off" macro of MacroExact).
func Exactly(m arch.Macro) arch.Macro {
	m.ProgramVariation, m.StuckOnRate, m.StuckOffRate = 0, 0, 0
	m.ReadNoise, m.ReadNoiseAddUS, m.DriftNu, m.IRDrop, m.ADCBits = 0, 0, 0, 0, 0
	return m
}

// CIMKinds returns the names of the cim core kinds the program uses, sorted.
func (x *Exec) CIMKinds() []string {
	var ks []string
	for _, ce := range x.cim {
		if ce != nil && !slices.Contains(ks, ce.kind) {
			ks = append(ks, ce.kind)
		}
	}
	sort.Strings(ks)
	return ks
}

// Macro returns the macro the cores of cim kind kind run with (the spec's,
// or the one SetMacro set).
func (x *Exec) Macro(kind string) (arch.Macro, bool) {
	for _, ce := range x.cim {
		if ce != nil && ce.kind == kind {
			return ce.macro, true
		}
	}
	k, ok := x.Spec.Cores[kind]
	return k.Macro, ok && k.Type == arch.CIM
}

// SetMacro makes the cores of cim kind kind run with macro m instead of the
// spec's: the device, noise, ADC, drift and timing fields may change, the
// geometry the program was tiled for (rows, cols, cells_per_weight, levels)
// may not. Like SetNoCModel it needs no recompilation and does not change
// the program or its spec hash; Summary.CIM records the macros used. Call it
// before NewMachine or RunSamples.
func (x *Exec) SetMacro(kind string, m arch.Macro) error {
	k, ok := x.Spec.Cores[kind]
	if !ok || k.Type != arch.CIM {
		return fmt.Errorf("chip: SetMacro: %q is not a cim core kind of chip %q", kind, x.Spec.Chip.Name)
	}
	old := k.Macro
	if m.Rows != old.Rows || m.Cols != old.Cols || m.CellsPerWeight != old.CellsPerWeight || m.Levels != old.Levels {
		return fmt.Errorf("chip: SetMacro %s: the program was tiled for %d×%d macros, %d cells per weight, %d levels; a macro of %d×%d, %d, %d needs a recompile",
			kind, old.Rows, old.Cols, old.CellsPerWeight, old.Levels, m.Rows, m.Cols, m.CellsPerWeight, m.Levels)
	}
	xb, err := crossbar.New(m)
	if err != nil {
		return fmt.Errorf("chip: SetMacro %s: %w", kind, err)
	}
	s := *x.Spec
	s.Cores = make(map[string]arch.CoreKind, len(x.Spec.Cores))
	for n, c := range x.Spec.Cores {
		s.Cores[n] = c
	}
	k.Macro = m
	s.Cores[kind] = k
	x.Spec = &s
	for _, ce := range x.cim {
		if ce != nil && ce.kind == kind {
			ce.macro = m
			ce.read = nsTime(xb.ReadLatencyNS()) + x.corePer
		}
	}
	return nil
}

// SetProgramAge sets how long before a machine's engine time 0 its macros
// were programmed, in seconds (drift is measured from programming; see the
// CIM section above). It returns an error for a negative or non-finite age.
func (x *Exec) SetProgramAge(seconds float64) error {
	if !(seconds >= 0) || math.IsInf(seconds, 0) {
		return fmt.Errorf("chip: program age %g s: must be finite and ≥ 0", seconds)
	}
	x.cimAge = seconds
	return nil
}

// ProgramMacros programs the machine's macros from the programming streams
// of root seed seed (see the CIM section above). RunSamples and RunOne call
// it; a caller that runs a Machine itself must call it before Run when the
// program has cim cores.
func (m *Machine) ProgramMacros(seed uint64) error {
	x := m.x
	if x.cim == nil {
		return nil
	}
	st := sim.NewStreams(seed).Sub("chip")
	if m.cim == nil {
		m.cim = make([]*cimState, len(x.cim))
	}
	for ci, ce := range x.cim {
		if ce == nil {
			continue
		}
		cs := m.cim[ci]
		if cs == nil {
			cs = &cimState{dst: make([]float32, ce.outs), active: make([][]int32, ce.tile.RowTiles)}
			for rt := range cs.active {
				cs.active[rt] = make([]int32, 0, ce.rows)
			}
			cs.pcg = rand.NewPCG(0, 0)
			cs.rng = rand.New(cs.pcg)
			m.cim[ci] = cs
		}
		cs.xb = cs.xb[:0]
		for mi, w := range ce.levels {
			xb, err := crossbar.New(ce.macro)
			if err != nil {
				return err
			}
			if err := xb.Program(w, 1, st.For(fmt.Sprintf("core[%d].xbar[%d]/program", ci, mi))); err != nil {
				return fmt.Errorf("chip: core %d macro %d: %w", ci, mi, err)
			}
			cs.xb = append(cs.xb, xb)
		}
		cs.k1, cs.k2 = st.Seeds(fmt.Sprintf("core[%d]/read-noise", ci))
	}
	m.cimSeed, m.cimReady = seed, true
	return nil
}

// SetSample sets the sample index the next Run draws its read noise for
// (RunSamples sets it; otherwise Run counts samples from 0 on this machine).
func (m *Machine) SetSample(i int) { m.sample = i }

// cimBegin seeds every cim core's read-noise stream for the sample about to
// run, or fails if the macros were never programmed.
func (m *Machine) cimBegin() error {
	if m.x.cim == nil {
		return nil
	}
	if !m.cimReady {
		return errors.New("chip: the machine's crossbar macros are not programmed; call ProgramMacros(seed) before Run")
	}
	for _, cs := range m.cim {
		if cs != nil {
			cs.pcg.Seed(cs.k1, cs.k2+uint64(m.sample)*0x9E3779B97F4A7C15)
		}
	}
	return nil
}

// cimInput latches an input value event (element → axon a of cim core ci).
func (m *Machine) cimInput(ci int, a int32, val int64) {
	pend := m.pending[ci]
	if pend[a] == 0 {
		m.touched[ci] = append(m.touched[ci], a)
	}
	pend[a] = int32(val)
	m.cur.InputEvents++
}

// cimPhase runs the reads of every cim core with latched spikes at the close
// of phase k (started at t0, its work so far ending at end) and returns the
// new end of the phase's work.
func (m *Machine) cimPhase(k int, t0, end sim.Time) sim.Time {
	x := m.x
	bitSerial := k == 0 && x.Prog.Input.Encoding == "direct"
	for ci, ce := range x.cim {
		if ce == nil || len(m.touched[ci]) == 0 {
			continue
		}
		tl := m.touched[ci]
		slices.Sort(tl) // rows in index order: sums do not depend on arrival order
		pend := m.pending[ci]
		var top int32
		for _, a := range tl {
			top = max(top, pend[a])
		}
		reads := int(top) // thermometer: sub-step j drives counts > j
		if bitSerial {
			reads = bits.Len32(uint32(top))
		}
		start := max(m.busy[ci], t0)
		xc := &x.cores[ci]
		for r := 0; r < reads; r++ {
			at := start + sim.Time(r)*ce.read
			m.cimRead(ci, ce, xc, tl, at, bitSerial, r)
		}
		d := sim.Time(reads) * ce.read
		m.busy[ci] = start + d
		m.coreBusy[ci] += d
		end = max(end, m.busy[ci])
		for _, a := range tl {
			pend[a] = 0
		}
		m.touched[ci] = tl[:0]
	}
	return end
}

// cimRead performs read r of core ci at simulated time at: it drives the
// rows of the latched axons in tl that are active in read r (bit r of the
// value when bitSerial, else a count above r), reads every macro of a row
// tile with an active row, and adds the rounded column outputs × Coef ×
// (2^r when bitSerial) to the neurons' accumulators.
func (m *Machine) cimRead(ci int, ce *cimExec, xc *execCore, tl []int32, at sim.Time, bitSerial bool, r int) {
	cs := m.cim[ci]
	pend := m.pending[ci]
	for rt := range cs.active {
		cs.active[rt] = cs.active[rt][:0]
	}
	weight := int64(1)
	if bitSerial {
		weight <<= r
	}
	for _, a := range tl {
		if v := pend[a]; (bitSerial && v>>r&1 != 0) || (!bitSerial && v > int32(r)) {
			rt := int(a) / ce.rows
			cs.active[rt] = append(cs.active[rt], a-int32(rt*ce.rows))
		}
	}
	age := ageAt(m.x.cimAge, at)
	acc, perm := m.acc[ci], xc.perm
	t := &ce.tile
	for rt, act := range cs.active {
		if len(act) == 0 {
			continue
		}
		for ct := 0; ct < t.ColTiles; ct++ {
			xb := cs.xb[rt*t.ColTiles+ct]
			c := xb.MulSpikes(cs.dst, act, age, cs.rng)
			m.cur.XbarReads += uint64(c.Reads)
			m.cur.XbarRows += uint64(c.RowDrives)
			m.cur.ADCConversions += uint64(c.ADCConversions)
			m.cur.CellReads += uint64(c.CellReads)
			col0 := ct * ce.outs
			n := min(ce.outs, t.Cols-col0)
			for j, v := range cs.dst[:n] {
				q := int64(math.Round(float64(v)))
				if q == 0 {
					continue
				}
				col := col0 + j
				acc[perm[col/t.Parts]] += ce.coef[col%t.Parts] * q * weight
			}
			m.cur.PsumAdds += uint64(n)
		}
	}
}

// ageAt returns the age of the macros in seconds at engine time at.
func ageAt(age float64, at sim.Time) float64 { return age + float64(at)*1e-12 }

// CIMLine is one cim core kind of a run: the macro its cores ran with, how
// many cores and macros the program put on it, and whether it was exact
// (MacroExact).
type CIMLine struct {
	Kind   string     `json:"kind"`
	Cores  int        `json:"cores"`
	Macros int        `json:"macros"`
	Exact  bool       `json:"exact"`
	Age    float64    `json:"program_age_s"`
	Macro  arch.Macro `json:"macro"`
}

func (x *Exec) cimLines() []CIMLine {
	var out []CIMLine
	for _, k := range x.CIMKinds() {
		l := CIMLine{Kind: k, Age: x.cimAge}
		for _, ce := range x.cim {
			if ce != nil && ce.kind == k {
				l.Cores++
				l.Macros += ce.tile.Macros()
				l.Macro = ce.macro
			}
		}
		l.Exact = MacroExact(l.Macro)
		out = append(out, l)
	}
	return out
}
