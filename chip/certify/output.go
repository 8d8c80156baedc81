package certify

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"github.com/neurosim/neurosim/internal/atomicfile"
	"github.com/neurosim/neurosim/internal/plotout"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Table writes certified accuracy against radius.
func Table(w io.Writer, curve []Point) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header([]string{"radius (L2, pixel/255)", "certified accuracy %"})
	for _, p := range curve {
		if err := t.Append([]string{strconv.FormatFloat(p.Radius, 'f', 2, 64), fmt.Sprintf("%.2f", 100*p.Accuracy)}); err != nil {
			return err
		}
	}
	return t.Render()
}

// SamplesCSV writes one row per sample.
func SamplesCSV(w io.Writer, ss []Sample) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"index", "label", "prediction", "count_a", "p_a_lower", "radius", "correct"})
	for _, s := range ss {
		cw.Write([]string{strconv.Itoa(s.Index), strconv.Itoa(s.Label), strconv.Itoa(s.Pred), strconv.Itoa(s.CountA),
			strconv.FormatFloat(s.PA, 'g', -1, 64), strconv.FormatFloat(s.Radius, 'g', -1, 64), strconv.FormatBool(s.Correct)})
	}
	cw.Flush()
	return cw.Error()
}

// Plot draws certified accuracy against radius as a step curve, PNG and SVG.
func Plot(ss []Sample, title string) (png, svg []byte, err error) {
	radii := []float64{0}
	for _, s := range ss {
		if s.Correct {
			radii = append(radii, s.Radius)
		}
	}
	curve := Curve(ss, radii)
	// Sort by radius and draw the right-continuous step function.
	for i := 1; i < len(curve); i++ {
		for j := i; j > 0 && curve[j].Radius < curve[j-1].Radius; j-- {
			curve[j], curve[j-1] = curve[j-1], curve[j]
		}
	}
	var pts plotter.XYs
	for i, c := range curve {
		if i > 0 {
			pts = append(pts, plotter.XY{X: c.Radius, Y: 100 * curve[i-1].Accuracy})
		}
		pts = append(pts, plotter.XY{X: c.Radius, Y: 100 * c.Accuracy})
	}
	last := curve[len(curve)-1].Radius
	pts = append(pts, plotter.XY{X: last * 1.05, Y: 0})
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "radius (L2, pixel/255)"
	p.Y.Label.Text = "certified accuracy (%)"
	p.Y.Min, p.Y.Max = 0, 100
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, nil, err
	}
	p.Add(l, plotter.NewGrid())
	return plotout.PNGSVG(p, 6*vg.Inch, 4*vg.Inch)
}

// Write writes certify.csv (per sample), certified.txt (the table) and
// certified.png / certified.svg into dir, each atomically.
func Write(dir string, ss []Sample, curve []Point, title string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var c, t bytes.Buffer
	if err := SamplesCSV(&c, ss); err != nil {
		return err
	}
	if err := Table(&t, curve); err != nil {
		return err
	}
	png, svg, err := Plot(ss, title)
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{"certify.csv": c.Bytes(), "certified.txt": t.Bytes(), "certified.png": png, "certified.svg": svg} {
		if err := writeAtomic(filepath.Join(dir, name), b); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, b []byte) error {
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("certify: writing %s: %w", path, err)
	}
	return nil
}
