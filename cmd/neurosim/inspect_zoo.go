package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/zoo"
)

// zooTable builds the named zoo model without weights (zoo.Options.Placeholder)
// and returns its analytic table at the input size given ("" keeps the published
// one).
func zooTable(name, input string) (*zoo.Model, *zoo.Table, error) {
	m, err := zoo.Build(name, zoo.Options{Placeholder: true})
	if err != nil {
		return nil, nil, err
	}
	shape, err := zooInput(m, input)
	if err != nil {
		return nil, nil, err
	}
	t, err := zoo.Analyze(m.Graph, map[string]models.Shape{m.Graph.Inputs()[0]: shape})
	if err != nil {
		return nil, nil, fmt.Errorf("%s at %v: %w", name, shape, err)
	}
	return m, t, nil
}

// zooInput parses --input for a zoo model: SIZE (square, the model's channels) or
// C,H,W.
func zooInput(m *zoo.Model, s string) (models.Shape, error) {
	if s == "" {
		return m.Input, nil
	}
	parts := strings.Split(s, ",")
	var shape models.Shape
	for _, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("--input: %q is not a positive size", p)
		}
		shape = append(shape, v)
	}
	switch len(shape) {
	case 1:
		return models.Shape{m.Input[0], shape[0], shape[0]}, nil
	case 3:
		return shape, nil
	}
	return nil, fmt.Errorf("--input %q: want SIZE or C,H,W", s)
}

func listZoo(w io.Writer) error {
	for _, n := range zoo.Names() {
		if _, err := fmt.Fprintf(w, "%-26s %s\n", n, zoo.Describe(n)); err != nil {
			return err
		}
	}
	return nil
}

func inspectZoo(w io.Writer, name, input string, asJSON bool) error {
	if name == "list" {
		return listZoo(w)
	}
	m, t, err := zooTable(name, input)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, struct {
			Model string `json:"model"`
			*zoo.Table
		}{m.Name, t})
	}
	tw := tablewriter.NewTable(w)
	tw.Header("layer", "op", "in", "out", "k", "groups", "params", "FLOPs", "driven by")
	for _, l := range t.Layers {
		k, grp := "", ""
		if l.Kernel > 0 {
			k, grp = strconv.Itoa(l.Kernel), strconv.Itoa(l.Groups)
		}
		op := string(l.Op)
		if len(l.Chain) > 0 {
			op = fmt.Sprintf("Conv2d (%d folded)", len(l.Chain))
		}
		src := l.Source
		if src == "" {
			src = "real input (MAC)"
		}
		if err := tw.Append(l.Node, op, shapeString(l.In), shapeString(l.Out), k, grp,
			groupDigits(l.Params), groupDigits(l.FLOPs), src); err != nil {
			return err
		}
	}
	tw.Footer("total", fmt.Sprintf("%d layers", len(t.Layers)), "", "", "", "", groupDigits(t.Params), groupDigits(t.FLOPs), "")
	if err := tw.Render(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s at %s: %s parameters; FLOPs %s (conv+linear %s, attention %s, other %s); spiking outputs %s in %d MultiSpike layers\n",
		m.Name, shapeString(t.Layers[0].In), groupDigits(t.Params), groupDigits(t.FLOPs), groupDigits(t.ConvLinear),
		groupDigits(t.Attention), groupDigits(t.FLOPs-t.ConvLinear-t.Attention), groupDigits(t.SpikingOutputs), len(t.Spikes))
	return err
}
