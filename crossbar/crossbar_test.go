package crossbar_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/crossbar"
)

// ideal returns a noise-free macro with an ideal ADC.
func ideal(rows, cols int) arch.Macro {
	return arch.Macro{
		Rows: rows, Cols: cols, CellsPerWeight: 2,
		GOnUS: 100, GOffUS: 1, Levels: 16,
		ADCBits: 0, ColsPerADC: 8, ReadLatencyNS: 10,
		VariationMode: "proportional", DriftT0S: 1,
	}
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

func mustNew(t testing.TB, m arch.Macro) *crossbar.Crossbar {
	t.Helper()
	x, err := crossbar.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// randWeights returns rows×outs weights in [lo, hi].
func randWeights(rng *rand.Rand, rows, outs, lo, hi int) []int32 {
	w := make([]int32, rows*outs)
	for i := range w {
		w[i] = int32(lo + rng.IntN(hi-lo+1))
	}
	return w
}

// naive is the digital integer model: Σ over active rows of w[r][j].
func naive(w []int32, outs int, active []int32) []int64 {
	y := make([]int64, outs)
	for j := range outs {
		for _, r := range active {
			y[j] += int64(w[int(r)*outs+j])
		}
	}
	return y
}

func randActive(rng *rand.Rand, rows int, p float64) []int32 {
	var a []int32
	for r := range rows {
		if rng.Float64() < p {
			a = append(a, int32(r))
		}
	}
	rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	return a
}

func TestNewRejectsBadMacros(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*arch.Macro)
		want string
	}{
		{"rows", func(m *arch.Macro) { m.Rows = 0 }, "macro.rows"},
		{"huge", func(m *arch.Macro) { m.Rows, m.Cols = 1<<15, 1<<15 }, "exceed"},
		{"cpw", func(m *arch.Macro) { m.CellsPerWeight = 3 }, "cells_per_weight"},
		{"odd cols", func(m *arch.Macro) { m.Cols = 7 }, "macro.cols"},
		{"g_on", func(m *arch.Macro) { m.GOnUS = 1 }, "g_on_us"},
		{"g_off NaN", func(m *arch.Macro) { m.GOffUS = math.NaN() }, "g_on_us"},
		{"levels", func(m *arch.Macro) { m.Levels = 1 }, "levels"},
		{"adc", func(m *arch.Macro) { m.ADCBits = 25 }, "adc_bits"},
		{"cols per adc", func(m *arch.Macro) { m.ColsPerADC = 0 }, "cols_per_adc"},
		{"mode", func(m *arch.Macro) { m.VariationMode = "" }, "variation_mode"},
		{"stuck", func(m *arch.Macro) { m.StuckOnRate, m.StuckOffRate = 0.6, 0.5 }, "stuck_on_rate"},
		{"t0", func(m *arch.Macro) { m.DriftT0S = 0 }, "drift_t0_s"},
		{"ir", func(m *arch.Macro) { m.IRDrop = 1.5 }, "ir_drop"},
		{"noise", func(m *arch.Macro) { m.ReadNoise = -0.1 }, "read_noise"},
		{"variation inf", func(m *arch.Macro) { m.ProgramVariation = math.Inf(1) }, "program_variation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ideal(8, 8)
			tc.edit(&m)
			_, err := crossbar.New(m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestPresetMacroBuilds(t *testing.T) {
	for _, name := range arch.Presets() {
		s, err := arch.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		for kind, k := range s.Cores {
			if k.Type != arch.CIM {
				continue
			}
			if _, err := crossbar.New(k.Macro); err != nil {
				t.Errorf("preset %s core %s: %v", name, kind, err)
			}
		}
	}
}

func TestProgramRejectsBadWeights(t *testing.T) {
	x := mustNew(t, ideal(4, 4)) // 2 outputs, levels 16
	good := make([]int32, 8)
	for _, tc := range []struct {
		name  string
		w     []int32
		scale float64
		want  string
	}{
		{"length", make([]int32, 7), 1, "7 weights"},
		{"too big", func() []int32 { w := slices.Clone(good); w[3] = 16; return w }(), 1, "outside [-15, 15]"},
		{"too small", func() []int32 { w := slices.Clone(good); w[0] = -16; return w }(), 1, "outside"},
		{"scale", good, 0, "scale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := x.Program(tc.w, tc.scale, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	m := ideal(4, 4)
	m.CellsPerWeight = 1
	u := mustNew(t, m)
	if err := u.Program([]int32{0, 1, 2, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, nil); err == nil {
		t.Error("one cell per weight accepted a negative weight")
	}
	m = ideal(4, 4)
	m.ProgramVariation = 0.1
	v := mustNew(t, m)
	if err := v.Program(good, 1, nil); err == nil {
		t.Error("Program with variation accepted a nil rng")
	}
}

// TestExactAgainstIntegerModel is the differential test: with every
// non-ideality off and an ideal ADC, MulSpikes (and MulVec with 0/1 drives)
// equals the integer triple loop bit for bit.
func TestExactAgainstIntegerModel(t *testing.T) {
	rng := newRNG(1)
	for trial := range 200 {
		rows := 1 + rng.IntN(300)
		outs := 1 + rng.IntN(40)
		cpw := 1 + rng.IntN(2)
		levels := 2 + rng.IntN(255)
		m := ideal(rows, outs*cpw)
		m.CellsPerWeight = cpw
		m.Levels = levels
		m.GOffUS = []float64{0, 1, 0.37, 3.3}[trial%4]
		m.GOnUS = m.GOffUS + 10 + 190*rng.Float64()
		x := mustNew(t, m)
		lo := -(levels - 1)
		if cpw == 1 {
			lo = 0
		}
		w := randWeights(rng, rows, outs, lo, levels-1)
		if err := x.Program(w, 1, nil); err != nil {
			t.Fatal(err)
		}
		active := randActive(rng, rows, rng.Float64())
		dst := make([]float32, outs)
		tm := rng.Float64() * 2 // before t0: no drift even with ν > 0
		x.MulSpikes(dst, active, tm, nil)
		want := naive(w, outs, active)
		v := make([]float32, rows)
		for _, r := range active {
			v[r] = 1
		}
		dv := make([]float32, outs)
		x.MulVec(dv, v, tm, nil)
		for j := range outs {
			if dst[j] != float32(want[j]) || dv[j] != float32(want[j]) {
				t.Fatalf("trial %d (%d×%d, %d cells/weight, L=%d, g_off %g): out %d: MulSpikes %v, MulVec %v, integer model %d",
					trial, rows, outs, cpw, levels, m.GOffUS, j, dst[j], dv[j], want[j])
			}
		}
	}
}

// TestMulVecAgainstFloatLoop checks real, signed drives against a naive
// float loop (ideal device, ideal ADC) within rounding.
func TestMulVecAgainstFloatLoop(t *testing.T) {
	rng := newRNG(2)
	for range 50 {
		rows, outs := 1+rng.IntN(200), 1+rng.IntN(30)
		x := mustNew(t, ideal(rows, 2*outs))
		w := randWeights(rng, rows, outs, -15, 15)
		if err := x.Program(w, 0.25, nil); err != nil {
			t.Fatal(err)
		}
		v := make([]float32, rows)
		for r := range v {
			if rng.IntN(3) > 0 {
				v[r] = float32(rng.NormFloat64())
			}
		}
		dst := make([]float32, outs)
		x.MulVec(dst, v, 0, nil)
		for j := range outs {
			var want float64
			for r := range rows {
				want += float64(v[r]) * float64(w[r*outs+j]) * 0.25
			}
			if math.Abs(float64(dst[j])-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("out %d: MulVec %v, float loop %v", j, dst[j], want)
			}
		}
	}
}

// TestReadNoiseStatistics draws many reads and checks the mean and σ of each
// output against the per-cell model: Var = (σ_m²·Σ G² + σ_a²·n)/ΔG² summed
// over the two cells of every active row, for multiplicative noise alone,
// additive alone and both.
func TestReadNoiseStatistics(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mult, add float64
	}{{"multiplicative", 0.2, 0}, {"additive", 0, 3}, {"both", 0.1, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			m := ideal(64, 16)
			m.ReadNoise = tc.mult
			m.ReadNoiseAddUS = tc.add
			x := mustNew(t, m)
			prng := newRNG(3)
			w := randWeights(prng, 64, 8, -15, 15)
			if err := x.Program(w, 1, nil); err != nil {
				t.Fatal(err)
			}
			active := randActive(prng, 64, 0.5)
			want := naive(w, 8, active)
			const n = 4000
			sum := make([]float64, 8)
			sum2 := make([]float64, 8)
			dst := make([]float32, 8)
			rrng := newRNG(4)
			for range n {
				x.MulSpikes(dst, active, 0, rrng)
				for j, v := range dst {
					sum[j] += float64(v)
					sum2[j] += float64(v) * float64(v)
				}
			}
			dG := x.LevelStepUS()
			for j := range 8 {
				var v float64
				for _, r := range active {
					for c := 2 * j; c < 2*j+2; c++ {
						g := x.Conductance(int(r), c)
						v += tc.mult*tc.mult*g*g + tc.add*tc.add
					}
				}
				sd := math.Sqrt(v) / dG
				mean := sum[j] / n
				got := math.Sqrt(sum2[j]/n - mean*mean)
				if d := math.Abs(mean - float64(want[j])); d > 5*sd/math.Sqrt(n) {
					t.Errorf("out %d: mean %.3f, want %d ± %.3f", j, mean, want[j], 5*sd/math.Sqrt(n))
				}
				if d := math.Abs(got/sd - 1); d > 5/math.Sqrt(2*n) {
					t.Errorf("out %d: σ %.4f, want %.4f (relative error %.3f)", j, got, sd, d)
				}
			}
		})
	}
}

func TestStuckAtRates(t *testing.T) {
	m := ideal(512, 512)
	m.StuckOnRate, m.StuckOffRate = 0.01, 0.02
	x := mustNew(t, m)
	w := make([]int32, 512*256)
	for i := range w {
		w[i] = int32(i%31 - 15)
	}
	if err := x.Program(w, 1, newRNG(5)); err != nil {
		t.Fatal(err)
	}
	on, off := x.FaultCounts()
	const cells = 512 * 512
	for _, c := range []struct {
		name string
		got  int
		p    float64
	}{{"stuck-on", on, m.StuckOnRate}, {"stuck-off", off, m.StuckOffRate}} {
		mu, sd := cells*c.p, math.Sqrt(cells*c.p*(1-c.p))
		if math.Abs(float64(c.got)-mu) > 5*sd {
			t.Errorf("%s cells: %d, want %.0f ± %.0f (binomial, 5σ)", c.name, c.got, mu, 5*sd)
		}
	}
	for r := range 512 {
		for c := range 512 {
			switch x.FaultAt(r, c) {
			case crossbar.StuckOn:
				if g := x.Conductance(r, c); g != m.GOnUS {
					t.Fatalf("stuck-on cell (%d, %d) at %g µS", r, c, g)
				}
			case crossbar.StuckOff:
				if g := x.Conductance(r, c); g != m.GOffUS {
					t.Fatalf("stuck-off cell (%d, %d) at %g µS", r, c, g)
				}
			}
		}
	}
	// Reprogramming other weights with the same stream seed gives the same
	// fault map: a cell's draws depend on its position only.
	y := mustNew(t, m)
	for i := range w {
		w[i] = -w[i] / 2
	}
	if err := y.Program(w, 1, newRNG(5)); err != nil {
		t.Fatal(err)
	}
	for r := range 512 {
		for c := range 512 {
			if x.FaultAt(r, c) != y.FaultAt(r, c) {
				t.Fatalf("fault map differs at (%d, %d) for the same stream", r, c)
			}
		}
	}
}

func TestDrift(t *testing.T) {
	m := ideal(4, 4)
	m.DriftNu, m.DriftT0S = 0.06, 2
	x := mustNew(t, m)
	if err := x.Program([]int32{7, -3, 0, 0, 0, 0, 0, 0}, 1, nil); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 2)
	for _, tm := range []float64{0, 1, 2, 3, 20, 1e3, 1e6} {
		x.MulSpikes(dst, []int32{0}, tm, nil)
		f := 1.0
		if tm > 2 {
			f = math.Pow(tm/2, -0.06)
		}
		if d := math.Abs(float64(dst[0]) - 7*f); d > 1e-6 {
			t.Errorf("t = %g s: out 0 = %v, want 7·%.6f", tm, dst[0], f)
		}
		if d := math.Abs(float64(dst[1]) + 3*f); d > 1e-6 {
			t.Errorf("t = %g s: out 1 = %v, want −3·%.6f", tm, dst[1], f)
		}
		if d := x.DriftFactor(tm); math.Abs(d-f) > 1e-15 {
			t.Errorf("DriftFactor(%g) = %v, want %v", tm, d, f)
		}
	}
}

func TestIRDrop(t *testing.T) {
	m := ideal(8, 2)
	m.IRDrop = 0.05
	x := mustNew(t, m)
	w := []int32{5, 5, 5, 5, 5, 5, 5, 5}
	if err := x.Program(w, 1, nil); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 1)
	for r := range 8 {
		x.MulSpikes(dst, []int32{int32(r)}, 0, nil)
		want := 5 * math.Pow(0.95, float64(r))
		if math.Abs(float64(dst[0])-want) > 1e-6 {
			t.Errorf("row %d: %v, want 5·0.95^%d = %v", r, dst[0], r, want)
		}
	}
	// One cell per weight: the baseline g_off·n subtracted after the ADC is
	// nominal, so IR drop also shrinks the g_off currents:
	// y = Σ a_r·G_r/ΔG − n·g_off/ΔG. Checked with an ideal and a 20-bit ADC.
	for _, bits := range []int{0, 20} {
		m := ideal(16, 3)
		m.CellsPerWeight, m.IRDrop, m.GOffUS, m.ADCBits = 1, 0.02, 10, bits
		x := mustNew(t, m)
		w := randWeights(newRNG(30), 16, 3, 0, 15)
		if err := x.Program(w, 1, nil); err != nil {
			t.Fatal(err)
		}
		active := []int32{0, 3, 7, 15}
		dst := make([]float32, 3)
		x.MulSpikes(dst, active, 0, nil)
		for j := range 3 {
			want := 0.0
			for _, r := range active {
				want += math.Pow(0.98, float64(r)) * x.Conductance(int(r), j)
			}
			want = (want - float64(len(active))*m.GOffUS) / x.LevelStepUS()
			if math.Abs(float64(dst[j])-want) > 1e-3 {
				t.Errorf("%d-bit ADC, out %d: %v, want %v", bits, j, dst[j], want)
			}
		}
	}
}

// TestProgramVariation measures σ of the programmed conductance around its
// target, far from the clip, in both modes.
func TestProgramVariation(t *testing.T) {
	for _, mode := range []string{"proportional", "absolute"} {
		t.Run(mode, func(t *testing.T) {
			m := ideal(256, 256)
			m.CellsPerWeight = 1
			m.ProgramVariation = 0.04
			m.VariationMode = mode
			x := mustNew(t, m)
			w := make([]int32, 256*256)
			for i := range w {
				w[i] = int32(5 + i%6) // 34 µS … 67 µS: > 10 σ from either bound
			}
			if err := x.Program(w, 1, newRNG(6)); err != nil {
				t.Fatal(err)
			}
			var s, s2 float64
			for i, l := range w {
				target := m.GOffUS + float64(l)*x.LevelStepUS()
				ref := target
				if mode == "absolute" {
					ref = m.GOnUS
				}
				z := (x.Conductance(i/256, i%256) - target) / ref
				s += z
				s2 += z * z
			}
			n := float64(len(w))
			mean := s / n
			sd := math.Sqrt(s2/n - mean*mean)
			if math.Abs(mean) > 5*0.04/math.Sqrt(n) {
				t.Errorf("mean relative deviation %.5f, want 0", mean)
			}
			if d := math.Abs(sd/0.04 - 1); d > 5/math.Sqrt(2*n) {
				t.Errorf("σ = %.5f, want 0.04", sd)
			}
		})
	}
	// The clip keeps every cell inside [g_off, g_on].
	m := ideal(64, 64)
	m.ProgramVariation = 0.5
	x := mustNew(t, m)
	w := randWeights(newRNG(7), 64, 32, -15, 15)
	if err := x.Program(w, 1, newRNG(8)); err != nil {
		t.Fatal(err)
	}
	for r := range 64 {
		for c := range 64 {
			if g := x.Conductance(r, c); g < m.GOffUS || g > m.GOnUS {
				t.Fatalf("cell (%d, %d) at %g µS outside [%g, %g]", r, c, g, m.GOffUS, m.GOnUS)
			}
		}
	}
}

// TestADCErrorBound: with one cell per weight and no noise, every output is
// within half an LSB of the exact sum; with pairs, within one LSB.
func TestADCErrorBound(t *testing.T) {
	rng := newRNG(9)
	for _, bits := range []int{2, 4, 6, 8, 12} {
		for _, cpw := range []int{1, 2} {
			for range 20 {
				rows, outs := 1+rng.IntN(128), 1+rng.IntN(16)
				m := ideal(rows, outs*cpw)
				m.CellsPerWeight, m.ADCBits = cpw, bits
				x := mustNew(t, m)
				lo := -15
				if cpw == 1 {
					lo = 0
				}
				w := randWeights(rng, rows, outs, lo, 15)
				if err := x.Program(w, 1, nil); err != nil {
					t.Fatal(err)
				}
				active := randActive(rng, rows, 0.1+0.9*rng.Float64())
				if len(active) == 0 {
					continue
				}
				dst := make([]float32, outs)
				x.MulSpikes(dst, active, 0, nil)
				lsb := (m.GOnUS / x.LevelStepUS()) * float64(len(active)) / (math.Ldexp(1, bits) - 1)
				bound := lsb / 2 * float64(cpw)
				for j, want := range naive(w, outs, active) {
					if e := math.Abs(float64(dst[j]) - float64(want)); e > bound*(1+1e-6)+1e-4 {
						t.Fatalf("%d bits, %d cells/weight, %d active: out %d = %v, exact %d, error %g > %g",
							bits, cpw, len(active), j, dst[j], want, e, bound)
					}
				}
			}
		}
	}
}

// TestRoundingRecoversExactSums: with no noise and b bits, a pair's error is
// at most one LSB = n·g_on/ΔG/(2^b − 1), so rounding recovers the integer
// sum whenever that is below 1/2: 512 active rows, 16 levels and
// g_on/g_off = 100/1 need 14 bits (LSB 0.47 levels).
func TestRoundingRecoversExactSums(t *testing.T) {
	m := ideal(512, 512)
	m.ADCBits = 14
	x := mustNew(t, m)
	rng := newRNG(33)
	for range 5 {
		w := randWeights(rng, 512, 256, -15, 15)
		if err := x.Program(w, 1, nil); err != nil {
			t.Fatal(err)
		}
		active := randActive(rng, 512, 1)
		dst := make([]float32, 256)
		x.MulSpikes(dst, active, 0, nil)
		for j, want := range naive(w, 256, active) {
			if got := math.Round(float64(dst[j])); got != float64(want) {
				t.Fatalf("out %d: round(%v) = %v, exact %d", j, dst[j], got, want)
			}
		}
	}
}

func TestADCFullScale(t *testing.T) {
	m := ideal(16, 2)
	m.CellsPerWeight, m.ADCBits = 1, 4
	x := mustNew(t, m)
	if err := x.SetADCFullScale(0); err == nil {
		t.Error("SetADCFullScale(0) accepted")
	}
	w := make([]int32, 32)
	for i := range w {
		w[i] = 15 // every cell at g_on: column current = full scale
	}
	if err := x.Program(w, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := x.SetADCFullScale(0.5); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 2)
	x.MulSpikes(dst, []int32{0, 1, 2, 3}, 0, nil)
	// Clipped at half the worst case: 0.5·4·g_on/ΔG − 4·g_off/ΔG levels.
	dG := x.LevelStepUS()
	want := (0.5*4*m.GOnUS - 4*m.GOffUS) / dG
	if math.Abs(float64(dst[0])-want) > 1e-4 {
		t.Errorf("clipped read = %v, want %v", dst[0], want)
	}
}

// TestADCCodes pins the converter on a hand-computed read: g_off = 0,
// ΔG = 10 µS (g_on = 70 µS, 8 levels), every cell at g_on, IR drop 10 %,
// a 3-bit ADC. Four active rows carry 7·(1 + 0.9 + 0.81 + 0.729) = 24.073
// levels; the full scale is nominal, 4·7 = 28 levels, so the LSB is 28/7 = 4
// and the code round(24.073/4) = 6 reads back as 24.
func TestADCCodes(t *testing.T) {
	m := ideal(4, 1)
	m.CellsPerWeight, m.GOffUS, m.GOnUS, m.Levels, m.ADCBits, m.IRDrop = 1, 0, 70, 8, 3, 0.1
	x := mustNew(t, m)
	if err := x.Program([]int32{7, 7, 7, 7}, 1, nil); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 1)
	x.MulSpikes(dst, []int32{0, 1, 2, 3}, 0, nil)
	if math.Abs(float64(dst[0])-24) > 1e-9 {
		t.Errorf("4 rows: %v, want code 6 × LSB 4 = 24", dst[0])
	}
	// Two rows (1, 3): 7·(0.9 + 0.729) = 11.403, LSB 2, code 6 → 12.
	x.MulSpikes(dst, []int32{3, 1}, 0, nil)
	if math.Abs(float64(dst[0])-12) > 1e-9 {
		t.Errorf("2 rows: %v, want code 6 × LSB 2 = 12", dst[0])
	}
}

// TestReadNoiseWithDrives checks the noise variance when rows are driven
// with real amplitudes through MulVec and IR drop is on: each cell's
// current, noise included, scales with v_r·a_r.
func TestReadNoiseWithDrives(t *testing.T) {
	// A high g_off and small weights make the g_off cells and the additive
	// noise count as much as the programmed cells.
	m := ideal(32, 8)
	m.ReadNoise, m.ReadNoiseAddUS, m.IRDrop, m.GOffUS = 0.2, 5, 0.01, 20
	x := mustNew(t, m)
	w := randWeights(newRNG(31), 32, 4, -2, 2)
	if err := x.Program(w, 1, nil); err != nil {
		t.Fatal(err)
	}
	v := make([]float32, 32)
	for r := range v {
		v[r] = []float32{0, 0.5, 1, 2.5}[r%4]
	}
	const n = 4000
	dst := make([]float32, 4)
	sum, sum2 := make([]float64, 4), make([]float64, 4)
	rrng := newRNG(32)
	for range n {
		x.MulVec(dst, v, 0, rrng)
		for j, y := range dst {
			sum[j] += float64(y)
			sum2[j] += float64(y) * float64(y)
		}
	}
	dG := x.LevelStepUS()
	for j := range 4 {
		var mean, vr float64
		for r := range 32 {
			s := float64(v[r]) * math.Pow(0.99, float64(r))
			mean += s * float64(w[r*4+j])
			for c := 2 * j; c < 2*j+2; c++ {
				g := x.Conductance(r, c)
				vr += s * s * (0.04*g*g + 25)
			}
		}
		sd := math.Sqrt(vr) / dG
		gm := sum[j] / n
		gs := math.Sqrt(sum2[j]/n - gm*gm)
		if math.Abs(gm-mean) > 5*sd/math.Sqrt(n) {
			t.Errorf("out %d: mean %.3f, want %.3f", j, gm, mean)
		}
		if d := math.Abs(gs/sd - 1); d > 5/math.Sqrt(2*n) {
			t.Errorf("out %d: σ %.4f, want %.4f", j, gs, sd)
		}
	}
}

// prime returns a macro with every non-ideality on.
func prime(rows, cols int) arch.Macro {
	m := ideal(rows, cols)
	m.ADCBits = 8
	m.ProgramVariation = 0.05
	m.ReadNoise = 0.2
	m.ReadNoiseAddUS = 0.3
	m.StuckOnRate, m.StuckOffRate = 0.001, 0.001
	m.DriftNu = 0.02
	m.IRDrop = 0.001
	return m
}

func TestDeterminism(t *testing.T) {
	run := func(readSeed uint64) []float32 {
		x := mustNew(t, prime(128, 64))
		w := randWeights(newRNG(10), 128, 32, -15, 15)
		if err := x.Program(w, 0.5, newRNG(11)); err != nil {
			t.Fatal(err)
		}
		rrng := newRNG(readSeed)
		active := randActive(newRNG(12), 128, 0.3)
		var out []float32
		dst := make([]float32, 32)
		v := make([]float32, 128)
		for i := range v {
			v[i] = float32(i%5) - 2
		}
		for step := range 5 {
			x.MulSpikes(dst, active, float64(step)*10, rrng)
			out = append(out, dst...)
			x.MulVec(dst, v, float64(step)*10, rrng)
			out = append(out, dst...)
		}
		return out
	}
	a, b, c := run(13), run(13), run(14)
	if !slices.Equal(a, b) {
		t.Error("same streams gave different outputs")
	}
	if slices.Equal(a, c) {
		t.Error("different read-noise streams gave identical outputs")
	}
}

func TestCountsAndPricing(t *testing.T) {
	m := ideal(8, 16) // 8 outputs, 4 ADC turns of 4 columns
	m.ColsPerADC = 4
	m.ReadLatencyNS = 2.5
	x := mustNew(t, m)
	dst := make([]float32, 8)
	got := x.MulSpikes(dst, []int32{1, 4, 6}, 0, nil)
	want := crossbar.Counts{Reads: 1, RowDrives: 3, ADCConversions: 16, CellReads: 48}
	if got != want {
		t.Fatalf("MulSpikes counts %+v, want %+v", got, want)
	}
	if c := x.MulSpikes(dst, nil, 0, nil); c != (crossbar.Counts{}) {
		t.Errorf("empty read counted %+v", c)
	}
	v := []float32{0, 1, -1, 0.5, 0, 0, -2, 0}
	vc := x.MulVec(dst, v, 0, nil)
	if w := (crossbar.Counts{Reads: 2, RowDrives: 4, ADCConversions: 32, CellReads: 64}); vc != w {
		t.Fatalf("MulVec counts %+v, want %+v", vc, w)
	}
	got.Add(vc)
	if x.ReadLatencyNS() != 10 {
		t.Errorf("ReadLatencyNS = %v, want 2.5 × 4 turns = 10", x.ReadLatencyNS())
	}
	if l := x.LatencyNS(got); l != 30 {
		t.Errorf("LatencyNS = %v, want 30", l)
	}
	e := arch.Energy{XbarRow: arch.Entry{PJ: 0.5}, ADC: arch.Entry{PJ: 2}, CellRead: arch.Entry{PJ: 0.01}}
	if pj, w := got.EnergyPJ(e), 7*0.5+48*2+112*0.01; math.Abs(pj-w) > 1e-9 {
		t.Errorf("EnergyPJ = %v, want %v", pj, w)
	}
}

func TestReadsDoNotAllocateOrModifyInputs(t *testing.T) {
	x := mustNew(t, prime(256, 256))
	w := randWeights(newRNG(15), 256, 128, -15, 15)
	if err := x.Program(w, 1, newRNG(16)); err != nil {
		t.Fatal(err)
	}
	active := randActive(newRNG(17), 256, 0.2)
	keep := slices.Clone(active)
	v := make([]float32, 256)
	for i := range v {
		v[i] = float32(i%7) - 3
	}
	keepV := slices.Clone(v)
	dst := make([]float32, 128)
	rrng := newRNG(18)
	if n := testing.AllocsPerRun(20, func() { x.MulSpikes(dst, active, 5, rrng) }); n != 0 {
		t.Errorf("MulSpikes allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(20, func() { x.MulVec(dst, v, 5, rrng) }); n != 0 {
		t.Errorf("MulVec allocates %v times per call", n)
	}
	if !slices.Equal(active, keep) || !slices.Equal(v, keepV) {
		t.Error("a read modified its input")
	}
}

func TestProgrammerErrorsPanic(t *testing.T) {
	x := mustNew(t, ideal(4, 4))
	noisy := ideal(4, 4)
	noisy.ReadNoise = 0.1
	xn := mustNew(t, noisy)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"dst", func() { x.MulSpikes(make([]float32, 3), nil, 0, nil) }, "len(dst)"},
		{"range", func() { x.MulSpikes(make([]float32, 2), []int32{4}, 0, nil) }, "outside"},
		{"repeat", func() { x.MulSpikes(make([]float32, 2), []int32{1, 2, 1}, 0, nil) }, "repeats"},
		{"time", func() { x.MulSpikes(make([]float32, 2), []int32{1}, -1, nil) }, "time"},
		{"rng", func() { xn.MulSpikes(make([]float32, 2), []int32{1}, 0, nil) }, "rng"},
		{"v len", func() { x.MulVec(make([]float32, 2), make([]float32, 3), 0, nil) }, "len(v)"},
		{"v NaN", func() { x.MulVec(make([]float32, 2), []float32{0, float32(math.NaN()), 0, 0}, 0, nil) }, "finite"},
		{"cell", func() { x.Conductance(0, 4) }, "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
	// A panic on a repeated row leaves no mark behind.
	dst := make([]float32, 2)
	if err := x.Program([]int32{1, 0, 2, 0, 3, 0, 4, 0}, 1, nil); err != nil {
		t.Fatal(err)
	}
	x.MulSpikes(dst, []int32{0, 1, 2, 3}, 0, nil)
	if dst[0] != 10 {
		t.Errorf("after a recovered panic: out 0 = %v, want 10", dst[0])
	}
}

func TestProgramFloat(t *testing.T) {
	x := mustNew(t, ideal(2, 4))
	w := []float32{0.3, -0.16, 0.012, 0}
	if err := x.ProgramFloat(w, nil); err != nil {
		t.Fatal(err)
	}
	if s := x.Scale(); math.Abs(s-0.02) > 1e-9 {
		t.Fatalf("scale %v, want 0.3/15", s)
	}
	dst := make([]float32, 2)
	x.MulSpikes(dst, []int32{0, 1}, 0, nil)
	// Levels: 15, −8, round(0.6) = 1, 0.
	if math.Abs(float64(dst[0])-16*0.02) > 1e-6 || math.Abs(float64(dst[1])+8*0.02) > 1e-6 {
		t.Errorf("outputs %v, want [0.32 −0.16]", dst)
	}
	if err := x.ProgramFloat([]float32{1, float32(math.Inf(1)), 0, 0}, nil); err == nil {
		t.Error("ProgramFloat accepted +Inf")
	}
}

func TestFaultString(t *testing.T) {
	for f, want := range map[crossbar.Fault]string{crossbar.Healthy: "healthy", crossbar.StuckOn: "stuck-on", crossbar.StuckOff: "stuck-off", 7: "Fault(7)"} {
		if f.String() != want {
			t.Errorf("%d: %q, want %q", f, f.String(), want)
		}
	}
}
