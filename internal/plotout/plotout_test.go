package plotout

import (
	"bytes"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func TestPNGSVG(t *testing.T) {
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	png, svg, err := PNGSVG(p, 2*vg.Inch, 1*vg.Inch)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("png starts %q", png[:min(8, len(png))])
	}
	if !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("svg has no <svg element")
	}
	if _, err := Render(p, vg.Inch, vg.Inch, "nosuchformat"); err == nil {
		t.Error("unknown format: no error")
	}
}
