package sweep

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/neurosim/neurosim/internal/plotout"
)

// Merged is the complete result of a sweep: every point once, in plan order,
// and the seeds of each grid value summarised.
type Merged struct {
	ConfigHash string
	Sweep      *Sweep
	Records    []Record // Records[i] is point i
	Groups     []Group  // one per grid value, in plan order
	// Notes are harmless findings (an unfinished last line of a killed run).
	Notes []string
}

// Group is one grid value summarised over its seeds.
type Group struct {
	Params   []Param
	Seeds    int
	Accuracy Stat // fraction
	EnergyPJ Stat
	LatencyS Stat
}

// Stat is a mean over seeds and the half-width of its 95 % confidence
// interval (Student t with n−1 degrees of freedom; NaN for one seed).
type Stat struct {
	Mean, CI95 float64
}

// MeanCI returns the mean of x and the half-width of its two-sided 95 %
// Student-t interval, t(0.975, n−1)·s/√n (NaN when n < 2).
func MeanCI(x []float64) Stat {
	if len(x) == 0 {
		return Stat{math.NaN(), math.NaN()}
	}
	if len(x) == 1 {
		return Stat{x[0], math.NaN()}
	}
	m, sd := stat.MeanStdDev(x, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(x) - 1)}.Quantile(0.975)
	return Stat{m, t * sd / math.Sqrt(float64(len(x)))}
}

// Merge reads the results directories, checks that together they hold
// every point of one plan exactly once, with that plan's config hash and
// seed, and summarises them. All problems are reported together.
func Merge(dirs ...string) (*Merged, error) {
	if len(dirs) == 0 {
		return nil, errors.New("sweep: merge needs at least one results directory")
	}
	seen := map[string]bool{}
	var plan *RecordedPlan
	var probs, notes []string
	var lines []line
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		rp, err := ReadPlan(d)
		if err != nil {
			return nil, fmt.Errorf("sweep: %s is not a sweep results directory: %w", d, err)
		}
		if plan == nil {
			plan = rp
		} else if rp.ConfigHash != plan.ConfigHash {
			probs = append(probs, fmt.Sprintf("%s holds sweep config %s, %s holds %s: these are different sweeps", d, rp.ConfigHash, dirs[0], plan.ConfigHash))
			continue
		}
		files, err := resultFiles(d)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			ls, tail, err := scanResults(f)
			if err != nil {
				probs = append(probs, err.Error())
				continue
			}
			if tail >= 0 {
				notes = append(notes, fmt.Sprintf("%s: ignored an unfinished last line (a killed run; rerunning the sweep cuts it)", f))
			}
			lines = append(lines, ls...)
		}
	}
	if plan == nil {
		return nil, errors.New("sweep: no results directory")
	}
	s := plan.Sweep
	n := s.NumPoints()
	where := make([][]string, n)
	m := &Merged{ConfigHash: plan.ConfigHash, Sweep: s, Records: make([]Record, n), Notes: notes}
	for _, l := range lines {
		at := fmt.Sprintf("%s:%d", l.file, l.no)
		r := l.rec
		switch {
		case r.ConfigHash != plan.ConfigHash:
			probs = append(probs, fmt.Sprintf("%s: point of config %s, the sweep is %s (mismatched config hash)", at, r.ConfigHash, plan.ConfigHash))
			continue
		case r.Index < 0 || r.Index >= n:
			probs = append(probs, fmt.Sprintf("%s: point index %d outside the plan's %d points", at, r.Index, n))
			continue
		}
		want := s.Point(r.Index)
		if r.Key != want.Key || r.Seed != want.Seed {
			probs = append(probs, fmt.Sprintf("%s: point %d is %q seed %d, the plan says %q seed %d", at, r.Index, r.Key, r.Seed, want.Key, want.Seed))
			continue
		}
		where[r.Index] = append(where[r.Index], at)
		r.Point = want
		m.Records[r.Index] = r
	}
	var missing []string
	for i, w := range where {
		switch {
		case len(w) == 0:
			missing = append(missing, fmt.Sprintf("%d (%s)", i, s.Point(i).Key))
		case len(w) > 1:
			probs = append(probs, fmt.Sprintf("point %d (%s) is present %d times: %s (duplicate)", i, s.Point(i).Key, len(w), strings.Join(w, ", ")))
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 10 {
			more = fmt.Sprintf(" and %d more", len(missing)-10)
			missing = missing[:10]
		}
		probs = append(probs, fmt.Sprintf("%d of %d points missing: %s%s; run the missing shards (a rerun resumes)", len(where)-countPresent(where), n, strings.Join(missing, ", "), more))
	}
	if len(probs) > 0 {
		sort.Strings(probs)
		return nil, errors.New("sweep: merge: " + strings.Join(probs, "\n"))
	}
	for g := 0; g < s.NumGroups(); g++ {
		rs := m.Records[g*s.Seeds : (g+1)*s.Seeds]
		acc, en, lat := make([]float64, len(rs)), make([]float64, len(rs)), make([]float64, len(rs))
		for i, r := range rs {
			acc[i], en[i], lat[i] = r.Accuracy, r.EnergyPJ, r.LatencyS
		}
		m.Groups = append(m.Groups, Group{Params: rs[0].Params, Seeds: len(rs), Accuracy: MeanCI(acc), EnergyPJ: MeanCI(en), LatencyS: MeanCI(lat)})
	}
	return m, nil
}

func countPresent(w [][]string) int {
	n := 0
	for _, x := range w {
		if len(x) > 0 {
			n++
		}
	}
	return n
}

// Output file names written by Merged.Write.
const (
	ResultsCSV = "results.csv"
	SummaryCSV = "summary.csv"
	SummaryTxt = "summary.txt"
	PlotPNG    = "accuracy.png"
	PlotSVG    = "accuracy.svg"
)

// Write writes results.csv, summary.csv, summary.txt and the accuracy plots
// (PNG, SVG) into dir, each atomically.
func (m *Merged) Write(dir string) error {
	var res, sum, tab bytes.Buffer
	if err := m.ResultsCSV(&res); err != nil {
		return err
	}
	if err := m.SummaryCSV(&sum); err != nil {
		return err
	}
	if err := m.Table(&tab); err != nil {
		return err
	}
	png, svg, err := m.Plots()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{ResultsCSV, res.Bytes()}, {SummaryCSV, sum.Bytes()}, {SummaryTxt, tab.Bytes()}, {PlotPNG, png}, {PlotSVG, svg}} {
		if err := WriteFileAtomic(filepath.Join(dir, f.name), f.b); err != nil {
			return err
		}
	}
	return nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// countNames are chip.Counts' JSON names, in field order.
func countNames() []string {
	t := reflect.TypeOf(chipCounts{})
	var out []string
	for i := 0; i < t.NumField(); i++ {
		out = append(out, strings.Split(t.Field(i).Tag.Get("json"), ",")[0])
	}
	return out
}

func countValues(c chipCounts) []string {
	v := reflect.ValueOf(c)
	var out []string
	for i := 0; i < v.NumField(); i++ {
		out = append(out, strconv.FormatUint(v.Field(i).Uint(), 10))
	}
	return out
}

// ResultsCSV writes one row per point, in plan order.
func (m *Merged) ResultsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"index", "key"}
	for _, a := range m.Sweep.Axes {
		head = append(head, a.Path)
	}
	head = append(head, "seed_index", "seed", "samples", "correct", "accuracy", "software_accuracy", "agreement", "energy_pj", "latency_s", "latency_p99_s")
	head = append(head, countNames()...)
	head = append(head, "spec_hash", "program_hash")
	cw.Write(head)
	for _, r := range m.Records {
		row := []string{strconv.Itoa(r.Index), r.Key}
		for _, p := range r.Params {
			row = append(row, p.Label)
		}
		row = append(row, strconv.Itoa(r.SeedIndex), strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Samples), strconv.Itoa(r.Correct),
			num(r.Accuracy), num(r.SoftwareAccuracy), num(r.Agreement), num(r.EnergyPJ), num(r.LatencyS), num(r.LatencyP99S))
		row = append(row, countValues(r.Counts)...)
		row = append(row, r.SpecHash, r.ProgramHash)
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// SummaryCSV writes one row per grid value: means and 95 % half-widths.
func (m *Merged) SummaryCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	var head []string
	for _, a := range m.Sweep.Axes {
		head = append(head, a.Path)
	}
	cw.Write(append(head, "seeds", "accuracy_mean", "accuracy_ci95", "energy_pj_mean", "energy_pj_ci95", "latency_s_mean", "latency_s_ci95"))
	for _, g := range m.Groups {
		var row []string
		for _, p := range g.Params {
			row = append(row, p.Label)
		}
		row = append(row, strconv.Itoa(g.Seeds), num(g.Accuracy.Mean), num(g.Accuracy.CI95), num(g.EnergyPJ.Mean), num(g.EnergyPJ.CI95), num(g.LatencyS.Mean), num(g.LatencyS.CI95))
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func pm(s Stat, scale float64, format string) string {
	if math.IsNaN(s.CI95) {
		return fmt.Sprintf(format, s.Mean*scale) + " (1 seed)"
	}
	return fmt.Sprintf(format+" ± "+format, s.Mean*scale, s.CI95*scale)
}

// Table writes the summary table: per grid value the mean ± 95 % CI over
// seeds of accuracy, energy and latency per inference.
func (m *Merged) Table(w io.Writer) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	var head []string
	for _, a := range m.Sweep.Axes {
		head = append(head, a.Path)
	}
	t.Header(append(head, "seeds", "accuracy % (±95% CI)", "energy µJ/inference", "latency µs"))
	for _, g := range m.Groups {
		var row []string
		for _, p := range g.Params {
			row = append(row, p.Label)
		}
		row = append(row, strconv.Itoa(g.Seeds), pm(g.Accuracy, 100, "%.2f"), pm(g.EnergyPJ, 1e-6, "%.4g"), pm(g.LatencyS, 1e6, "%.4g"))
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	samples := 0
	if len(m.Records) > 0 {
		samples = m.Records[0].Samples
	}
	_, err := fmt.Fprintf(w, "sweep %q (config %s): %d points, %d seeds per value, %d samples per point; CI: Student t over seeds\n",
		m.Sweep.Name, m.ConfigHash, len(m.Records), m.Sweep.Seeds, samples)
	return err
}

// xAxis returns the axis plotted along x: the first whose values are all
// numbers, else the first.
func (m *Merged) xAxis() (int, bool) {
	for k, a := range m.Sweep.Axes {
		numeric := a.Path != ModelAxis
		for _, v := range a.Values {
			switch v.(type) {
			case int64, float64:
			default:
				numeric = false
			}
		}
		if numeric {
			return k, true
		}
	}
	return 0, false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// Plots draws mean accuracy against the first numeric axis with 95 % error
// bars, one line per value of the other axes, as PNG and SVG.
func (m *Merged) Plots() (png, svg []byte, err error) {
	xk, numeric := m.xAxis()
	xa := &m.Sweep.Axes[xk]
	p := plot.New()
	p.Title.Text = m.Sweep.Name + ": accuracy (mean ± 95% CI over seeds)"
	if m.Sweep.Name == "" {
		p.Title.Text = "accuracy (mean ± 95% CI over seeds)"
	}
	p.X.Label.Text = xa.Path
	p.Y.Label.Text = "accuracy (%)"
	p.Legend.Top = true
	if !numeric {
		var ticks []plot.Tick
		for j := range xa.Values {
			ticks = append(ticks, plot.Tick{Value: float64(j), Label: xa.Label(j)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	type series struct {
		name string
		pts  plotter.XYs
		errs plotter.YErrors
	}
	var order []string
	byName := map[string]*series{}
	for _, g := range m.Groups {
		var parts []string
		x := 0.0
		for k, q := range g.Params {
			if k == xk {
				if numeric {
					x = toFloat(q.Value)
				} else {
					for j := range xa.Values {
						if xa.Label(j) == q.Label {
							x = float64(j)
						}
					}
				}
				continue
			}
			parts = append(parts, q.Path+"="+q.Label)
		}
		name := strings.Join(parts, ", ")
		s := byName[name]
		if s == nil {
			s = &series{name: name}
			byName[name] = s
			order = append(order, name)
		}
		ci := g.Accuracy.CI95 * 100
		if math.IsNaN(ci) {
			ci = 0
		}
		s.pts = append(s.pts, plotter.XY{X: x, Y: g.Accuracy.Mean * 100})
		s.errs = append(s.errs, struct{ Low, High float64 }{ci, ci})
	}
	for i, name := range order {
		s := byName[name]
		idx := make([]int, len(s.pts))
		for j := range idx {
			idx[j] = j
		}
		sort.SliceStable(idx, func(a, b int) bool { return s.pts[idx[a]].X < s.pts[idx[b]].X })
		pts, errs := make(plotter.XYs, len(idx)), make(plotter.YErrors, len(idx))
		for j, k := range idx {
			pts[j], errs[j] = s.pts[k], s.errs[k]
		}
		s.pts, s.errs = pts, errs
		l, sc, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			return nil, nil, err
		}
		col := plotutil.Color(i)
		l.Color, sc.Color = col, col
		sc.Shape = plotutil.Shape(i)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{s.pts, s.errs})
		if err != nil {
			return nil, nil, err
		}
		eb.Color = col
		p.Add(l, sc, eb)
		if name != "" {
			p.Legend.Add(name, l, sc)
		}
	}
	p.Add(plotter.NewGrid())
	return plotout.PNGSVG(p, 7*vg.Inch, 4.5*vg.Inch)
}
