package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/nir"
)

// loadModel reads a model by its file extension: .nsm (neurosim's own
// format), .nir (NIR, imported with step dt in seconds) or .net (lava-dl
// netx, imported with step dt). dt = 0 means nir.DefaultDT; .nsm files
// ignore it. Import warnings go to warn, one per line, prefixed with the
// file name. The graph returned has been verified.
func loadModel(path string, dt float64, warn io.Writer) (*models.Graph, error) {
	return loadModelOpts(path, nir.Options{DT: dt}, warn)
}

// nirFlags are the NIR import options a command exposes besides --dt.
type nirFlags struct{ reset, integration string }

func (n *nirFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&n.reset, "nir-reset", "", "NIR import: hard (v ← v_reset, NIR's definition; the default) or subtract (v ← v − v_threshold, as Sinabs' IAF and snnTorch's subtract reset)")
	fl.StringVar(&n.integration, "nir-integration", "", "NIR import: exact (default) or euler (forward Euler, as snnTorch and Norse step)")
}

// loadModelOpts is loadModel with every NIR import option (opts.DT 0:
// nir.DefaultDT).
func loadModelOpts(path string, opts nir.Options, warn io.Writer) (*models.Graph, error) {
	dt := opts.DT
	if dt == 0 {
		dt = nir.DefaultDT
	}
	opts.DT = dt
	var (
		g   *models.Graph
		ws  []nir.Warning
		err error
	)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".nsm":
		return models.Load(path)
	case ".nir":
		g, ws, err = nir.Read(path, opts)
	case ".net":
		g, ws, err = nir.ReadNet(path, opts)
	default:
		return nil, fmt.Errorf("%s: unknown model format %q (want .nsm, .nir or .net)", path, ext)
	}
	for _, w := range ws {
		fmt.Fprintf(warn, "warning: %s: %s\n", path, w)
	}
	return g, err
}
