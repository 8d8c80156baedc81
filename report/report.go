package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/neurosim/neurosim/chip"
)

// Row is one extra line of the summary table (a name and its value).
type Row struct {
	Name, Value string
}

// Options control Table.
type Options struct {
	// Extra rows appended to the summary (e.g. a benchmark's rate and wall time).
	Extra []Row
	// Cores is how many per-core lines to print, busiest first (0: none, −1: all).
	Cores int
}

// Table writes s as four tables: summary, energy by component, NoC and, if
// asked, per-core figures.
func Table(w io.Writer, s *chip.Stats, opt Options) error {
	sum := newTable(w)
	sum.Header("quantity", "value")
	rows := [][]string{
		{"chip", fmt.Sprintf("%s, %d×%d mesh", s.Chip, s.Width, s.Height)},
		{"mapping", s.Mapping},
		{"neurons", fmt.Sprint(s.Neurons)},
		{"synapses", fmt.Sprint(s.Synapses)},
		{"steps", fmt.Sprint(s.Steps)},
		{"simulated time (chip)", s.SimTime.String()},
		{"  per step", perStep(s)},
		{"  of which barriers", s.BarrierTime.String()},
		{"spikes", fmt.Sprint(s.Spikes)},
		{"synaptic events", fmt.Sprint(s.SynEvents)},
		{"packets out (cores)", fmt.Sprint(s.Totals.PacketsOut)},
		{"energy", formatPJ(s.EnergyPJ)},
		{"raster hash", s.RasterHash},
		{"engine events (simulator)", fmt.Sprint(s.Events)},
	}
	if s.SynEvents > 0 {
		rows = append(rows, []string{"energy per synaptic event", formatPJ(s.EnergyPJ / float64(s.SynEvents))})
	}
	for _, r := range opt.Extra {
		rows = append(rows, []string{r.Name, r.Value})
	}
	if err := appendAll(sum, rows); err != nil {
		return err
	}
	if err := sum.Render(); err != nil {
		return err
	}

	en := newTable(w)
	en.Header("component", "count", "unit", "pJ each", "total", "share", "source")
	rows = rows[:0]
	for _, e := range s.Energy {
		share := 0.0
		if s.EnergyPJ > 0 {
			share = 100 * e.TotalPJ / s.EnergyPJ
		}
		rows = append(rows, []string{e.Component, fmt.Sprintf("%.6g", e.Count), e.Unit, fmt.Sprintf("%.6g", e.PJ),
			formatPJ(e.TotalPJ), fmt.Sprintf("%.1f %%", share), e.Source})
	}
	rows = append(rows, []string{"total", "", "", "", formatPJ(s.EnergyPJ), "100.0 %", ""})
	if err := appendAll(en, rows); err != nil {
		return err
	}
	if err := en.Render(); err != nil {
		return err
	}

	n := s.NoC
	nt := newTable(w)
	nt.Header("NoC", "value")
	rows = [][]string{
		{"packets injected", fmt.Sprint(n.PacketsInjected)},
		{"packets delivered", fmt.Sprint(n.PacketsDelivered)},
		{"flit-hops x / y", fmt.Sprintf("%d / %d", n.HopsX, n.HopsY)},
		{"mean hops per delivery", fmt.Sprintf("%.3f", n.MeanHops)},
		{"latency mean / p99 / max (cycles)", fmt.Sprintf("%.2f / %d / %d", n.LatencyMean, n.LatencyP99, n.LatencyMax)},
		{"stall cycles", fmt.Sprint(n.StallCycles)},
		{"busiest link", fmt.Sprintf("%s: %d flits", n.MaxLinkFrom, n.MaxLinkFlits)},
	}
	if err := appendAll(nt, rows); err != nil {
		return err
	}
	if err := nt.Render(); err != nil {
		return err
	}
	if opt.Cores == 0 || len(s.PerCore) == 0 {
		return nil
	}
	order := busiest(s.PerCore)
	if opt.Cores > 0 && opt.Cores < len(order) {
		order = order[:opt.Cores]
	}
	ct := newTable(w)
	ct.Header("core", "tile", "neurons", "axons", "synapses", "SRAM bytes", "syn ops", "spikes", "busy cycles", "busy %")
	rows = rows[:0]
	for _, i := range order {
		c := s.PerCore[i]
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprintf("(%d,%d)", c.X, c.Y), fmt.Sprint(c.Neurons), fmt.Sprint(c.Axons),
			fmt.Sprint(c.Synapses), fmt.Sprint(c.Bytes), fmt.Sprint(c.Counters.SynOps), fmt.Sprint(c.Counters.SpikesOut),
			fmt.Sprint(c.Counters.BusyCycles), fmt.Sprintf("%.1f", 100*c.Utilisation)})
	}
	if err := appendAll(ct, rows); err != nil {
		return err
	}
	return ct.Render()
}

// newTable returns a table that prints headers as written (units such as
// "pJ" keep their case).
func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
}

func appendAll(t *tablewriter.Table, rows [][]string) error {
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return nil
}

// busiest returns core indices by busy cycles, descending (ties by index).
func busiest(cs []chip.CoreStats) []int {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return cs[idx[a]].Counters.BusyCycles > cs[idx[b]].Counters.BusyCycles })
	return idx
}

// perStep returns the mean chip time per algorithmic step.
func perStep(s *chip.Stats) string {
	if s.Steps <= 0 {
		return "-"
	}
	return s.StepTime().String()
}

// formatPJ prints an energy with an SI prefix.
func formatPJ(pj float64) string {
	switch a := abs(pj); {
	case a >= 1e12:
		return fmt.Sprintf("%.4g J", pj/1e12)
	case a >= 1e9:
		return fmt.Sprintf("%.4g mJ", pj/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.4g µJ", pj/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.4g nJ", pj/1e3)
	default:
		return fmt.Sprintf("%.4g pJ", pj)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// JSON writes s (and the extra rows) as indented JSON.
func JSON(w io.Writer, s *chip.Stats, extra []Row) error {
	ex := map[string]string{}
	for _, r := range extra {
		ex[r.Name] = r.Value
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*chip.Stats
		Extra map[string]string `json:"extra,omitempty"`
	}{s, ex})
}
