package nir

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neurosim/neurosim/internal/hdf5"
	"github.com/neurosim/neurosim/models"
)

// nodeSpec lists the datasets of one NIR node type: float tensors (required
// and optional) and integer attributes.
type nodeSpec struct {
	op       models.Op
	req, opt []string // tensors
	ints     []string // integer attributes (scalars or lists)
}

var nodeSpecs = map[string]nodeSpec{
	"Input":     {op: models.OpInput, ints: []string{"shape"}},
	"Output":    {op: models.OpOutput, ints: []string{"shape"}},
	"Affine":    {op: models.OpAffine, req: []string{"weight", "bias"}},
	"Linear":    {op: models.OpLinear, req: []string{"weight"}},
	"Conv1d":    {op: models.OpConv1d, req: []string{"weight"}, opt: []string{"bias"}, ints: []string{"stride", "padding", "dilation", "groups", "input_shape"}},
	"Conv2d":    {op: models.OpConv2d, req: []string{"weight"}, opt: []string{"bias"}, ints: []string{"stride", "padding", "dilation", "groups", "input_shape"}},
	"SumPool2d": {op: models.OpSumPool2d, ints: []string{"kernel_size", "stride", "padding"}},
	"AvgPool2d": {op: models.OpAvgPool2d, ints: []string{"kernel_size", "stride", "padding"}},
	"Flatten":   {op: models.OpFlatten, ints: []string{"start_dim", "end_dim", "input_type"}},
	"Scale":     {op: models.OpScale, req: []string{"scale"}},
	"Threshold": {op: models.OpThreshold, req: []string{"threshold"}},
	"Delay":     {op: models.OpDelay, req: []string{"delay"}},
	"I":         {op: models.OpI, req: []string{"r"}},
	"IF":        {op: models.OpIF, req: []string{"r", "v_threshold"}, opt: []string{"v_reset"}},
	"LI":        {op: models.OpLI, req: []string{"tau", "r", "v_leak"}},
	"LIF":       {op: models.OpLIF, req: []string{"tau", "r", "v_leak", "v_threshold"}, opt: []string{"v_reset"}},
	"CubaLI":    {op: models.OpCubaLI, req: []string{"tau_syn", "tau_mem", "r", "v_leak"}, opt: []string{"w_in"}},
	"CubaLIF":   {op: models.OpCubaLIF, req: []string{"tau_syn", "tau_mem", "r", "v_leak", "v_threshold"}, opt: []string{"v_reset", "w_in"}},
}

// skipped are datasets and groups of a node that carry nothing the graph
// needs (NIR writes them for its own type checks and user metadata).
var skipped = map[string]bool{"type": true, "metadata": true, "input_type": true, "output_type": true}

// convert builds the models node of one NIR leaf node.
func (im *importer) convert(rn *rawNode, id, path string) (*models.Node, error) {
	spec, ok := nodeSpecs[rn.typ]
	if !ok {
		known := make([]string, 0, len(nodeSpecs)+1)
		for k := range nodeSpecs {
			known = append(known, k)
		}
		known = append(known, "NIRGraph")
		slices.Sort(known)
		return nil, fmt.Errorf("nir: node %s: unknown NIR node type %q (known: %s)", path, rn.typ, strings.Join(known, " "))
	}
	fail := func(err error) error { return fmt.Errorf("nir: node %s (%s): %w", path, rn.typ, err) }
	g := rn.grp
	n := models.NewNode(id, spec.op)
	used := map[string]bool{}
	for _, name := range spec.req {
		if !g.Has(name) {
			return nil, fail(fmt.Errorf("missing parameter %q", name))
		}
		t, err := readTensor(g, name)
		if err != nil {
			return nil, fail(err)
		}
		n.SetTensor(name, t)
		used[name] = true
	}
	for _, name := range spec.opt {
		if !g.Has(name) {
			continue
		}
		t, err := readTensor(g, name)
		if err != nil {
			return nil, fail(err)
		}
		n.SetTensor(name, t)
		used[name] = true
	}
	ints := map[string][]int{}
	for _, name := range spec.ints {
		if !g.Has(name) {
			continue
		}
		used[name] = true
		if name == "padding" && isString(g, name) {
			continue // "same" or "valid", handled below
		}
		v, err := readInts(g, name)
		if err != nil {
			return nil, fail(err)
		}
		ints[name] = v
	}
	for _, m := range g.Members() {
		if !used[m] && !skipped[m] {
			im.warn(id, "parameter %q of %s ignored", m, rn.typ)
		}
	}

	switch spec.op {
	case models.OpInput:
		s, ok := ints["shape"]
		if !ok {
			return nil, fail(fmt.Errorf("missing parameter %q", "shape"))
		}
		if len(s) == 0 {
			return nil, fail(fmt.Errorf("empty shape"))
		}
		n.SetInts("shape", s...)
	case models.OpConv1d, models.OpConv2d:
		if err := im.convAttrs(n, g, ints, id); err != nil {
			return nil, fail(err)
		}
	case models.OpSumPool2d, models.OpAvgPool2d:
		for _, k := range []string{"kernel_size", "stride", "padding"} {
			if v, ok := ints[k]; ok {
				n.SetInts(k, v...)
			}
		}
	case models.OpFlatten:
		// NIR's default start_dim is 1 (models' is 0); set both explicitly.
		start, end := 1, -1
		if v, ok := ints["start_dim"]; ok {
			if len(v) != 1 {
				return nil, fail(fmt.Errorf("start_dim has %d values, want 1", len(v)))
			}
			start = v[0]
		}
		if v, ok := ints["end_dim"]; ok {
			if len(v) != 1 {
				return nil, fail(fmt.Errorf("end_dim has %d values, want 1", len(v)))
			}
			end = v[0]
		}
		n.SetInt("start_dim", start).SetInt("end_dim", end)
		if v, ok := ints["input_type"]; ok && len(v) > 0 {
			im.recorded[id] = v
		}
	case models.OpIF, models.OpLIF, models.OpCubaLIF:
		if n.Tensor("v_reset") == nil {
			n.SetTensor("v_reset", fill(n.Tensor("v_threshold").Shape, 0))
		}
		if spec.op == models.OpCubaLIF && n.Tensor("w_in") == nil {
			n.SetTensor("w_in", fill(n.Tensor("v_threshold").Shape, 1))
		}
	case models.OpCubaLI:
		if n.Tensor("w_in") == nil {
			n.SetTensor("w_in", fill(n.Tensor("v_leak").Shape, 1))
		}
	}
	return n, nil
}

// convAttrs sets stride, padding, dilation and groups of a convolution and
// records the full input shape NIR's spatial input_shape implies.
func (im *importer) convAttrs(n *models.Node, g *hdf5.Group, ints map[string][]int, id string) error {
	w := n.Tensor("weight")
	dims := 2
	if n.Op == models.OpConv1d {
		dims = 1
	}
	if len(w.Shape) != 2+dims {
		return fmt.Errorf("weight has shape %v, want %d dimensions", w.Shape, 2+dims)
	}
	for _, k := range []string{"stride", "dilation"} {
		if v, ok := ints[k]; ok {
			n.SetInts(k, v...)
		}
	}
	groups := 1
	if v, ok := ints["groups"]; ok {
		if len(v) != 1 || v[0] < 1 {
			return fmt.Errorf("groups = %v, want one positive integer", v)
		}
		groups = v[0]
		n.SetInt("groups", groups)
	}
	if g.Has("padding") && isString(g, "padding") {
		s, err := readString(g, "padding")
		if err != nil {
			return err
		}
		pad, err := samePadding(s, w.Shape[2:], n.Ints("stride"), n.Ints("dilation"))
		if err != nil {
			return err
		}
		n.SetInts("padding", pad...)
	} else if v, ok := ints["padding"]; ok {
		n.SetInts("padding", v...)
	}
	if v, ok := ints["input_shape"]; ok && len(v) == dims {
		im.recorded[id] = append([]int{w.Shape[1] * groups}, v...)
	}
	return nil
}

// samePadding turns NIR's string padding into explicit padding per spatial
// dimension.
func samePadding(mode string, kernel, stride, dilation []int) ([]int, error) {
	pad := make([]int, len(kernel))
	switch mode {
	case "valid":
		return pad, nil
	case "same":
	default:
		return nil, fmt.Errorf("padding %q, want an integer, \"same\" or \"valid\"", mode)
	}
	at := func(v []int, i, def int) int {
		switch len(v) {
		case 0:
			return def
		case 1:
			return v[0]
		}
		if i < len(v) {
			return v[i]
		}
		return def
	}
	for i, k := range kernel {
		if s := at(stride, i, 1); s != 1 {
			return nil, fmt.Errorf("padding \"same\" with stride %d: only stride 1 keeps the size", s)
		}
		total := at(dilation, i, 1) * (k - 1)
		if total%2 != 0 {
			return nil, fmt.Errorf("padding \"same\" with kernel %d needs asymmetric padding, which Conv cannot express", k)
		}
		pad[i] = total / 2
	}
	return pad, nil
}

func fill(shape models.Shape, v float32) *models.Tensor {
	n := shape.Numel()
	if n < 0 {
		n = 0
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	return models.NewTensor(slices.Clone(shape), data)
}

func isString(g *hdf5.Group, name string) bool {
	ds, err := g.Dataset(name)
	return err == nil && ds.DType().Class == hdf5.String
}

// readTensor reads a numeric dataset as a float32 tensor of the same shape.
func readTensor(g *hdf5.Group, name string) (*models.Tensor, error) {
	ds, err := g.Dataset(name)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", name, err)
	}
	switch ds.DType().Class {
	case hdf5.Float, hdf5.Integer, hdf5.Enum:
	default:
		return nil, fmt.Errorf("parameter %s is %v, want numbers", name, ds.DType())
	}
	data, err := ds.ReadFloat32s()
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", name, err)
	}
	shape := models.Shape(slices.Clone(ds.Shape()))
	if int64(len(data)) != shape.Numel() {
		return nil, fmt.Errorf("parameter %s: %d values for shape %v", name, len(data), shape)
	}
	return models.NewTensor(shape, data), nil
}

// readInts reads an integer dataset (scalar or array) as ints. Integral
// floats are accepted; values must fit in an int32.
func readInts(g *hdf5.Group, name string) ([]int, error) {
	ds, err := g.Dataset(name)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", name, err)
	}
	var vals []float64
	switch ds.DType().Class {
	case hdf5.Integer, hdf5.Enum:
		v, err := ds.ReadInt64s()
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		out := make([]int, len(v))
		for i, x := range v {
			if x > math.MaxInt32 || x < math.MinInt32 {
				return nil, fmt.Errorf("parameter %s: value %d out of range", name, x)
			}
			out[i] = int(x)
		}
		return out, nil
	case hdf5.Float:
		if vals, err = ds.ReadFloat64s(); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
	default:
		return nil, fmt.Errorf("parameter %s is %v, want integers", name, ds.DType())
	}
	out := make([]int, len(vals))
	for i, x := range vals {
		if x != math.Trunc(x) || x > math.MaxInt32 || x < math.MinInt32 {
			return nil, fmt.Errorf("parameter %s: value %g is not an integer in range", name, x)
		}
		out[i] = int(x)
	}
	return out, nil
}
