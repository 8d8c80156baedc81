package nir

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/neurosim/neurosim/internal/hdf5"
	"github.com/neurosim/neurosim/models"
)

// loihiUnity is Loihi's fixed-point 1 for decays (12 fractional bits).
const loihiUnity = 4096

// maxLayers bounds the layers of a .net file.
const maxLayers = 1 << 16

// ReadNet imports the lava-dl netx network file (.net) at path; see the
// package doc for the mapping of Loihi's CUBA neuron onto CubaLIF.
func ReadNet(path string, opts Options) (*models.Graph, []Warning, error) {
	if _, err := opts.normalize(); err != nil {
		return nil, nil, err
	}
	f, err := hdf5.OpenFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("netx: %w", err)
	}
	defer f.Close()
	g, ws, err := decodeNet(f, opts)
	if err != nil {
		return nil, ws, fmt.Errorf("%s: %w", path, err)
	}
	return g, ws, nil
}

// DecodeNet imports a lava-dl netx file of the given size held in r.
func DecodeNet(r io.ReaderAt, size int64, opts Options) (*models.Graph, []Warning, error) {
	if _, err := opts.normalize(); err != nil {
		return nil, nil, err
	}
	f, err := hdf5.Open(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("netx: %w", err)
	}
	return decodeNet(f, opts)
}

type netImporter struct {
	opts  Options
	g     *models.Graph
	warns []Warning
	prev  string       // ID of the node feeding the next layer
	shape models.Shape // its output shape
}

func (ni *netImporter) warn(node, format string, args ...any) {
	ni.warns = append(ni.warns, Warning{Node: node, Msg: fmt.Sprintf(format, args...)})
}

func decodeNet(f *hdf5.File, opts Options) (*models.Graph, []Warning, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, nil, err
	}
	root := f.Root()
	if !root.Has("layer") {
		return nil, nil, errors.New("netx: no group \"layer\" at the root (not a lava-dl netx file?)")
	}
	lg, err := root.Group("layer")
	if err != nil {
		return nil, nil, fmt.Errorf("netx: %w", err)
	}
	names := lg.Members()
	if len(names) == 0 {
		return nil, nil, errors.New("netx: no layers")
	}
	if len(names) > maxLayers {
		return nil, nil, fmt.Errorf("netx: %d layers, at most %d", len(names), maxLayers)
	}
	// Layers are named 0, 1, …, n−1 (Members sorts them as strings).
	ordered := make([]string, len(names))
	for _, nm := range names {
		i, err := strconv.Atoi(nm)
		if err != nil || i < 0 || i >= len(names) || strconv.Itoa(i) != nm || ordered[i] != "" {
			return nil, nil, fmt.Errorf("netx: layer %q: want layers named 0 to %d", nm, len(names)-1)
		}
		ordered[i] = nm
	}
	ni := &netImporter{opts: opts, g: models.NewGraph()}
	ni.g.Meta = map[string]string{
		"format":          "lava-dl netx",
		"lif_dt":          strconv.FormatFloat(opts.DT, 'g', -1, 64),
		"lif_integration": "euler",
		"lif_reset":       opts.Reset,
	}
	for i, nm := range ordered {
		l, err := lg.Group(nm)
		if err != nil {
			return nil, ni.warns, fmt.Errorf("netx: layer %s: %w", nm, err)
		}
		if err := ni.layer(i, l); err != nil {
			return nil, ni.warns, fmt.Errorf("netx: layer %s: %w", nm, err)
		}
	}
	if ni.prev == "" {
		return nil, ni.warns, errors.New("netx: no input layer and no dense layer to size the input")
	}
	ni.g.Add("output", models.OpOutput)
	ni.g.Connect(ni.prev, "output")
	if err := models.Verify(ni.g); err != nil {
		return nil, ni.warns, fmt.Errorf("netx: the imported graph does not verify:\n%w", err)
	}
	return ni.g, ni.warns, nil
}

func (ni *netImporter) layer(i int, l *hdf5.Group) error {
	typ, err := readString(l, "type")
	if err != nil {
		return err
	}
	id := "layer" + strconv.Itoa(i)
	switch typ {
	case "input":
		if ni.prev != "" {
			return errors.New("an input layer after the first layer")
		}
		shape, err := readInts(l, "shape")
		if err != nil {
			return err
		}
		if len(shape) == 0 {
			return errors.New("empty shape")
		}
		ni.g.Add("input", models.OpInput).SetInts("shape", shape...)
		ni.prev, ni.shape = "input", models.Shape(shape)
		if l.Has("neuron") {
			ni.warn("input", "the input layer's neuron and input transform are not imported; inputs go straight to layer 1")
		}
		return nil
	case "flatten":
		if ni.prev == "" {
			return errors.New("flatten as the first layer")
		}
		ni.flatten(id)
		return nil
	case "dense":
		return ni.dense(id, l)
	case "conv":
		return ni.conv(id, l)
	}
	return fmt.Errorf("layer type %q not supported (input, dense, conv, flatten)", typ)
}

func (ni *netImporter) connect(id string, out models.Shape) {
	ni.g.Connect(ni.prev, id)
	ni.prev, ni.shape = id, out
}

func (ni *netImporter) flatten(id string) {
	ni.g.Add(id, models.OpFlatten).SetInt("start_dim", 0).SetInt("end_dim", -1)
	ni.connect(id, models.Shape{int(ni.shape.Numel())})
}

func (ni *netImporter) dense(id string, l *hdf5.Group) error {
	w, err := readTensor(l, "weight")
	if err != nil {
		return err
	}
	shape, err := readInts(l, "shape")
	if err != nil {
		return err
	}
	out := int(models.Shape(shape).Numel())
	if len(shape) == 0 || out <= 0 || w.Len() == 0 || w.Len()%out != 0 {
		return fmt.Errorf("weight %v does not fit %v outputs", w.Shape, shape)
	}
	w.Shape = models.Shape{out, w.Len() / out}
	if ni.prev == "" {
		ni.g.Add("input", models.OpInput).SetInts("shape", w.Shape[1])
		ni.prev, ni.shape = "input", models.Shape{w.Shape[1]}
	}
	if len(ni.shape) > 1 {
		ni.flatten(id + ".flatten")
	}
	n := ni.g.Add(id, models.OpLinear).SetTensor("weight", w)
	if l.Has("bias") {
		b, err := readTensor(l, "bias")
		if err != nil {
			return err
		}
		n.Op = models.OpAffine
		n.SetTensor("bias", b)
	}
	ni.connect(id, models.Shape{out})
	return ni.neuron(id, l, l.Has("bias"))
}

func (ni *netImporter) conv(id string, l *hdf5.Group) error {
	if ni.prev == "" {
		return errors.New("a conv layer first: the file needs an input layer to give the input size")
	}
	w, err := readTensor(l, "weight")
	if err != nil {
		return err
	}
	// slayer stores [Cout, Cin, kH, kW] with a trailing time dimension of 1.
	for len(w.Shape) > 4 && w.Shape[len(w.Shape)-1] == 1 {
		w.Shape = w.Shape[:len(w.Shape)-1]
	}
	if len(w.Shape) != 4 {
		return fmt.Errorf("conv weight has shape %v, want [Cout, Cin, kH, kW]", w.Shape)
	}
	n := ni.g.Add(id, models.OpConv2d).SetTensor("weight", w)
	for _, k := range []string{"stride", "padding", "dilation"} {
		if l.Has(k) {
			v, err := readInts(l, k)
			if err != nil {
				return err
			}
			n.SetInts(k, v...)
		}
	}
	if l.Has("groups") {
		v, err := readInts(l, "groups")
		if err != nil {
			return err
		}
		if len(v) != 1 {
			return fmt.Errorf("groups = %v, want one integer", v)
		}
		n.SetInt("groups", v[0])
	}
	if l.Has("bias") {
		b, err := readTensor(l, "bias")
		if err != nil {
			return err
		}
		n.SetTensor("bias", b)
	}
	ni.g.Connect(ni.prev, id)
	shapes, err := models.InferShapes(ni.g, nil)
	if err != nil {
		return err
	}
	ni.prev, ni.shape = id, shapes[id]
	if l.Has("shape") {
		if s, err := readInts(l, "shape"); err == nil && !slices.Equal(s, []int(ni.shape)) {
			ni.warn(id, "the file records output shape %v, the graph infers %v", s, ni.shape)
		}
	}
	return ni.neuron(id, l, l.Has("bias"))
}

// neuron appends the CubaLIF that follows synapse layer id (see the package
// doc for the mapping).
func (ni *netImporter) neuron(id string, l *hdf5.Group, bias bool) error {
	if !l.Has("neuron") {
		return errors.New("no neuron group")
	}
	ng, err := l.Group("neuron")
	if err != nil {
		return err
	}
	typ, err := readString(ng, "type")
	if err != nil {
		return fmt.Errorf("neuron: %w", err)
	}
	if typ != "CUBA" && typ != "LOIHI" {
		return fmt.Errorf("neuron type %q not supported (CUBA, LOIHI)", typ)
	}
	nid := id + ".neuron"
	scalar := func(name string) (int, error) {
		v, err := readInts(ng, name)
		if err != nil {
			return 0, fmt.Errorf("neuron: %w", err)
		}
		if len(v) != 1 {
			return 0, fmt.Errorf("neuron: %s has %d values, want 1", name, len(v))
		}
		return v[0], nil
	}
	decay := func(name string) (float64, error) {
		d, err := scalar(name)
		if err != nil {
			return 0, err
		}
		if d < 0 || d > loihiUnity {
			return 0, fmt.Errorf("neuron: %s = %d, want 0 to %d", name, d, loihiUnity)
		}
		if d == 0 {
			ni.warn(nid, "%s = 0 (no decay) has no finite time constant; imported as 1/%d per step", name, loihiUnity)
			d = 1
		}
		return float64(d), nil
	}
	iDecay, err := decay("iDecay")
	if err != nil {
		return err
	}
	vDecay, err := decay("vDecay")
	if err != nil {
		return err
	}
	vth, err := scalar("vThMant")
	if err != nil {
		return err
	}
	if ng.Has("gradedSpike") {
		if v, err := scalar("gradedSpike"); err == nil && v != 0 {
			ni.warn(nid, "graded spikes imported as binary spikes")
		}
	}
	if bias && iDecay != loihiUnity {
		ni.warn(nid, "the bias of %s is added to the current; Loihi adds it to the voltage (equal only for iDecay = %d)", id, loihiUnity)
	}
	dt := ni.opts.DT
	one := func(v float64) *models.Tensor { return models.NewTensor(models.Shape{1}, []float32{float32(v)}) }
	ni.g.Add(nid, models.OpCubaLIF).
		SetTensor("tau_syn", one(loihiUnity*dt/iDecay)).
		SetTensor("w_in", one(loihiUnity/iDecay)).
		SetTensor("tau_mem", one(loihiUnity*dt/vDecay)).
		SetTensor("r", one(loihiUnity/vDecay)).
		SetTensor("v_leak", one(0)).
		SetTensor("v_threshold", one(float64(vth))).
		SetTensor("v_reset", one(0))
	ni.connect(nid, ni.shape)
	return nil
}
