package traces

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DefaultRasterPoints is the default cap on the points a Raster keeps
// (16 bytes each: 16 MiB).
const DefaultRasterPoints = 1 << 20

// Raster collects spikes for a raster plot (time on x, neuron row on y) and
// renders it with gonum/plot as PNG or SVG. A plot needs its points, so a
// Raster keeps at most its cap of them and counts the rest as dropped (the
// plot's title says how many): memory stays bounded however long the run.
type Raster struct {
	Title string
	max   int
	pts   plotter.XYs
	drop  int64
}

// NewRaster returns a raster that keeps at most maxPoints spikes
// (≤ 0: DefaultRasterPoints).
func NewRaster(maxPoints int) *Raster {
	if maxPoints <= 0 {
		maxPoints = DefaultRasterPoints
	}
	return &Raster{Title: "spikes", max: maxPoints}
}

// Add records a spike at timeNS nanoseconds on row.
func (r *Raster) Add(timeNS float64, row int) {
	if len(r.pts) >= r.max {
		r.drop++
		return
	}
	r.pts = append(r.pts, plotter.XY{X: timeNS, Y: float64(row)})
}

// Len returns the number of points kept; Dropped the number beyond the cap.
func (r *Raster) Len() int { return len(r.pts) }

// Dropped returns the number of spikes beyond the cap.
func (r *Raster) Dropped() int64 { return r.drop }

// WriteTo renders the plot in format ("png" or "svg", with or without the
// dot) to w.
func (r *Raster) WriteTo(w io.Writer, format string) error {
	format = strings.TrimPrefix(strings.ToLower(format), ".")
	if format != "png" && format != "svg" {
		return fmt.Errorf("traces: raster format %q: want png or svg", format)
	}
	p := plot.New()
	p.Title.Text = r.Title
	if r.drop > 0 {
		p.Title.Text += fmt.Sprintf(" (first %d; %d more not shown)", len(r.pts), r.drop)
	}
	p.X.Label.Text = "time (ns)"
	p.Y.Label.Text = "neuron (layers stacked)"
	s, err := plotter.NewScatter(r.pts)
	if err != nil {
		return err
	}
	s.GlyphStyle.Shape = draw.BoxGlyph{}
	s.GlyphStyle.Radius = vg.Points(0.6)
	p.Add(s)
	wt, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// Save writes the plot to path, in the format its extension names.
func (r *Raster) Save(path string) error {
	ext := filepath.Ext(path)
	if e := strings.ToLower(ext); e != ".png" && e != ".svg" {
		return fmt.Errorf("traces: %s: raster plots are .png or .svg", path)
	}
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	if err := r.WriteTo(f, ext); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
