package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/nir"
)

// loadModel reads a model by its file extension: .nsm (neurosim's own
// format), .nir (NIR, imported with step dt in seconds) or .net (lava-dl
// netx, imported with step dt). dt = 0 means nir.DefaultDT; .nsm files
// ignore it. Import warnings go to warn, one per line, prefixed with the
// file name. The graph returned has been verified.
func loadModel(path string, dt float64, warn io.Writer) (*models.Graph, error) {
	if dt == 0 {
		dt = nir.DefaultDT
	}
	var (
		g   *models.Graph
		ws  []nir.Warning
		err error
	)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".nsm":
		return models.Load(path)
	case ".nir":
		g, ws, err = nir.Read(path, nir.Options{DT: dt})
	case ".net":
		g, ws, err = nir.ReadNet(path, nir.Options{DT: dt})
	default:
		return nil, fmt.Errorf("%s: unknown model format %q (want .nsm, .nir or .net)", path, ext)
	}
	for _, w := range ws {
		fmt.Fprintf(warn, "warning: %s: %s\n", path, w)
	}
	return g, err
}
