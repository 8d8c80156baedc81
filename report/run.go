package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/neurosim/neurosim/internal/atomicfile"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/neurosim/neurosim/chip"
)

// RunTable writes the report of a `neurosim run` (a chip.Summary) as text
// tables: accuracy and agreement, energy per inference by component beside the
// analytic SDT/SpikeYOLO estimate, latency and throughput, per-layer activity,
// utilisation, the busiest links, early stopping, and what makes the run
// reproducible. It prints no wall-clock figure (the caller may).
func RunTable(w io.Writer, s *chip.Summary) error {
	fmt.Fprintf(w, "%s on %q (%s-level NoC timing): %d %s %s samples, %s input, %d step(s)\n\n", s.Model, s.Chip, s.NoCModel, s.Samples, s.Dataset, s.Split, s.Encoding, s.Steps)
	t := runTable(w)
	t.Header("result", "value")
	rows := [][]string{
		{"accuracy on chip", fmt.Sprintf("%.2f%% (95%% CI %.2f–%.2f%%, Wilson)", 100*s.Accuracy, 100*s.AccuracyCI[0], 100*s.AccuracyCI[1])},
		{"software integer model", fmt.Sprintf("%.2f%%", 100*s.RefAccuracy)},
		{"chip = software (class, scores, counts)", fmt.Sprintf("%.2f%% (class %.2f%%, scores %.2f%%, spike counts %.2f%%)", 100*s.Agreement, 100*s.ClassAgree, 100*s.ScoresAgree, 100*s.CountsAgree)},
		{"energy per inference", fmt.Sprintf("%s mean, %s p50, %s p99", pjString(s.EnergyTotal.Mean), pjString(s.EnergyTotal.P50), pjString(s.EnergyTotal.P99))},
		{"analytic estimate (SDT/SpikeYOLO)", fmt.Sprintf("%s = %.1f pJ × %s MACs + %.1f pJ × %s SOPs", pjString(s.Analytic.EnergyPJ), s.Analytic.EMAC, count(s.Analytic.MACs), s.Analytic.EAC, count(s.Analytic.SOPs))},
		{"latency per inference", fmt.Sprintf("%s mean, %s p50, %s p99", secString(s.Latency.Mean), secString(s.Latency.P50), secString(s.Latency.P99))},
		{"throughput", fmt.Sprintf("%.0f inferences/s (1/latency); %.0f pipelined (1/slowest stage)", s.Throughput, s.PipelinedThroughput)},
		{"core utilisation", fmt.Sprintf("%.1f%% mean, %.1f%% busiest core (busy time / latency)", 100*s.CoreUse, 100*s.CoreUseMax)},
		{"NoC packet latency", fmt.Sprintf("%.1f cycles mean, %.0f p99", s.PacketLatencyCycles.Mean, s.PacketLatencyCycles.P99)},
	}
	if b := s.Board; b != nil {
		rows = append(rows,
			[]string{"chips used", fmt.Sprintf("%d of %d; %d cores (%s)", b.UsedChips, b.Chips, b.Cores, perChip(b.CoresPerChip))},
			[]string{"inter-chip traffic", fmt.Sprintf("%s packet crossings, %s bits, %s over %d board links", count(b.Packets), count(b.Bits), pjString(b.EnergyPJ), len(b.Links))},
			[]string{"inter-chip link time", fmt.Sprintf("%s summed over crossings, %s per crossing (queueing, serialisation, latency)", secString(b.LinkTimeS), secString(b.MeanCrossingS))})
	}
	if s.FirstMismatch >= 0 {
		rows = append(rows, []string{"first mismatching sample", fmt.Sprint(s.FirstMismatch)})
	}
	if err := appendRows(t, rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nenergy per inference by component (mean count × pJ each)")
	t = runTable(w)
	t.Header("component", "count", "unit", "pJ each", "mean", "p50", "p99", "share")
	rows = rows[:0]
	for _, e := range s.Energy {
		share := 0.0
		if s.EnergyTotal.Mean > 0 {
			share = e.Energy.Mean / s.EnergyTotal.Mean
		}
		rows = append(rows, []string{e.Component, count(e.Count), e.Unit, fmt.Sprintf("%.4g", e.PJ), pjString(e.Energy.Mean), pjString(e.Energy.P50), pjString(e.Energy.P99), fmt.Sprintf("%.1f%%", 100*share)})
	}
	rows = append(rows, []string{"total", "", "", "", pjString(s.EnergyTotal.Mean), pjString(s.EnergyTotal.P50), pjString(s.EnergyTotal.P99), "100%"})
	if err := appendRows(t, rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nlayers (per inference; analytic SOP = source mean count × T × FLOPs, first direct-input layer as MACs)")
	t = runTable(w)
	t.Header("layer", "kind", "neurons", "cores", "spikes", "mean count", "FLOPs/step", "analytic SOPs", "chip synaptic ops", "core use")
	rows = rows[:0]
	for _, l := range s.Layers {
		rows = append(rows, []string{l.Name, l.Kind, fmt.Sprint(l.Neurons), fmt.Sprint(l.Cores), count(l.SpikesMean), fmt.Sprintf("%.3f", l.Rate),
			count(l.FLOPs), count(l.SOPs), count(l.SynOps), fmt.Sprintf("%.1f%%", 100*l.Utilisation)})
	}
	if err := appendRows(t, rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(s.Links) > 0 {
		var parts []string
		for _, l := range s.Links {
			parts = append(parts, fmt.Sprintf("%s %.0f", l.Link, l.FlitsPerInf))
		}
		fmt.Fprintf(w, "\nbusiest links (flits per inference): %s\n", strings.Join(parts, "; "))
	}
	if es := s.EarlyStop; es != nil {
		fmt.Fprintf(w, "\nearly stop (%s ≥ θ on the accumulated output; against all %d steps)\n", es.Rule, s.Steps)
		t = runTable(w)
		t.Header("θ", "accuracy", "Δ accuracy (points)", "mean steps", "synaptic ops saved", "energy saved")
		rows = rows[:0]
		for _, p := range es.Curve {
			mark := ""
			if p.Theta == es.Theta {
				mark = " ←"
			}
			rows = append(rows, []string{fmt.Sprintf("%.4g%s", p.Theta, mark), fmt.Sprintf("%.2f%%", 100*p.Accuracy), fmt.Sprintf("%+.2f", p.AccuracyDiff),
				fmt.Sprintf("%.2f", p.MeanSteps), fmt.Sprintf("%.1f%%", 100*p.OpsSaved), fmt.Sprintf("%.1f%%", 100*p.EnergySaved)})
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nreproduce: seed %d, spec %s sha256 %s\n  model %s sha256 %s\n  program sha256 %s\n", s.Seed, s.Chip, s.SpecHash, s.Model, s.ModelHash, s.ProgramHash)
	return nil
}

// perChipListed is how many chips the text table names; the JSON report's
// cores_per_chip holds them all.
const perChipListed = 8

// perChip lists the cores of every chip that holds some: "chip 3: 18, chip 4: 1".
// Past perChipListed chips it names how many more there are, so that a
// board run's table stays readable (a 224² zoo model uses hundreds of chips).
func perChip(cores []int) string {
	var parts []string
	more := 0
	for i, n := range cores {
		if n > 0 {
			if len(parts) == perChipListed {
				more++
				continue
			}
			parts = append(parts, fmt.Sprintf("chip %d: %d", i, n))
		}
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("… and %d more chips: cores_per_chip in --json", more))
	}
	return strings.Join(parts, ", ")
}

func runTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
}

func appendRows(t *tablewriter.Table, rows [][]string) error {
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return nil
}

// pjString formats an energy given in picojoules with a readable unit.
func pjString(pj float64) string {
	switch a := abs(pj); {
	case a >= 1e9:
		return fmt.Sprintf("%.3g mJ", pj/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.3g µJ", pj/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.3g nJ", pj/1e3)
	default:
		return fmt.Sprintf("%.3g pJ", pj)
	}
}

// secString formats seconds with a readable unit.
func secString(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case s >= 1e-6:
		return fmt.Sprintf("%.3g µs", s*1e6)
	default:
		return fmt.Sprintf("%.3g ns", s*1e9)
	}
}

// count formats a (mean) count: integers grouped, small values with decimals.
func count(v float64) string {
	if v >= 1e4 {
		return fmt.Sprintf("%.4g", v)
	}
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// RunJSON writes s as indented JSON.
func RunJSON(w io.Writer, s *chip.Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// WriteRunReport writes dir/report.json and a self-contained dir/report.html
// (tables and inline SVG plots: energy breakdown, latency histogram, early-stop
// trade-off), each through a temporary file renamed over the target.
func WriteRunReport(dir string, s *chip.Summary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var js bytes.Buffer
	if err := RunJSON(&js, s); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "report.json"), js.Bytes()); err != nil {
		return err
	}
	var h bytes.Buffer
	if err := RunHTML(&h, s); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "report.html"), h.Bytes())
}

func writeAtomic(path string, b []byte) error { return atomicfile.WriteFile(path, b) }

// RunHTML writes the report as one self-contained HTML page.
func RunHTML(w io.Writer, s *chip.Summary) error {
	var tbl bytes.Buffer
	if err := RunTable(&tbl, s); err != nil {
		return err
	}
	var plots []template.HTML
	for _, mk := range []func(*chip.Summary) (*plot.Plot, error){energyPlot, latencyPlot, earlyStopPlot} {
		p, err := mk(s)
		if err != nil {
			return err
		}
		if p == nil {
			continue
		}
		svg, err := svgOf(p, 7*vg.Inch, 4*vg.Inch)
		if err != nil {
			return err
		}
		plots = append(plots, template.HTML(svg)) // generated by gonum/plot, not user input
	}
	return runPage.Execute(w, struct {
		Title  string
		Tables string
		Plots  []template.HTML
	}{fmt.Sprintf("neurosim run: %s on %s", s.Model, s.Chip), tbl.String(), plots})
}

var runPage = template.Must(template.New("run").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:80em}pre{font-size:12px;line-height:1.25}figure{margin:1em 0}</style>
</head><body>
<h1>{{.Title}}</h1>
{{range .Plots}}<figure>{{.}}</figure>
{{end}}<h2>Tables</h2>
<pre>{{.Tables}}</pre>
</body></html>
`))

func svgOf(p *plot.Plot, wd, ht vg.Length) (string, error) {
	c := vgsvg.New(wd, ht)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	out := b.String()
	if i := strings.Index(out, "<svg"); i > 0 {
		out = out[i:] // drop the XML prolog inside HTML
	}
	return out, nil
}

func energyPlot(s *chip.Summary) (*plot.Plot, error) {
	var vals plotter.Values
	var names []string
	for _, e := range s.Energy {
		if e.Energy.Mean <= 0 {
			continue
		}
		vals = append(vals, e.Energy.Mean/1e3)
		names = append(names, e.Component)
	}
	if len(vals) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = "energy per inference by component (mean)"
	p.Y.Label.Text = "nJ"
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return nil, err
	}
	p.Add(bars)
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	return p, nil
}

func latencyPlot(s *chip.Summary) (*plot.Plot, error) {
	if len(s.Latencies) == 0 {
		return nil, nil
	}
	v := make(plotter.Values, len(s.Latencies))
	for i, l := range s.Latencies {
		v[i] = l * 1e6
	}
	p := plot.New()
	p.Title.Text = "latency per inference"
	p.X.Label.Text = "µs"
	p.Y.Label.Text = "inferences"
	h, err := plotter.NewHist(v, 40)
	if err != nil {
		return nil, err
	}
	p.Add(h)
	return p, nil
}

func earlyStopPlot(s *chip.Summary) (*plot.Plot, error) {
	es := s.EarlyStop
	if es == nil || len(es.Curve) == 0 {
		return nil, nil
	}
	pts := make(plotter.XYs, len(es.Curve))
	for i, c := range es.Curve {
		pts[i].X, pts[i].Y = 100*c.OpsSaved, 100*c.Accuracy
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("early stop (%s): accuracy against synaptic ops saved", es.Rule)
	p.X.Label.Text = "synaptic ops saved (%)"
	p.Y.Label.Text = "accuracy (%)"
	l, sc, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	p.Add(l, sc)
	return p, nil
}
