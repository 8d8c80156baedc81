package plotout

import (
	"bytes"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Render draws p at width w and height h in the given format ("png", "svg",
// or any other format gonum/plot's WriterTo accepts).
func Render(p *plot.Plot, w, h vg.Length, format string) ([]byte, error) {
	wt, err := p.WriterTo(w, h, format)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PNGSVG draws p at width w and height h as PNG and as SVG.
func PNGSVG(p *plot.Plot, w, h vg.Length) (png, svg []byte, err error) {
	if png, err = Render(p, w, h, "png"); err != nil {
		return nil, nil, err
	}
	if svg, err = Render(p, w, h, "svg"); err != nil {
		return nil, nil, err
	}
	return png, svg, nil
}
