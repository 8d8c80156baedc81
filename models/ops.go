package models

import (
	"slices"
)

// Domain restricts the values of a float32 tensor.
type Domain uint8

// Tensor value domains. All float32 tensors must be finite in any case.
const (
	AnyValue    Domain = iota
	Positive           // every element > 0 (time constants)
	NonNegative        // every element ≥ 0 (variances, delays)
)

// TensorSpec describes one tensor parameter of an op.
type TensorSpec struct {
	Name     string
	DType    DType
	Required bool
	// Buffer marks constant data that is not a trainable parameter (BatchNorm running
	// statistics, sparse adjacency); ParamCount leaves it out, like PyTorch buffers.
	Buffer bool
	Domain Domain
}

// AttrSpec describes one attribute of an op. A spec of Kind AttrInts also accepts a
// single int (it means a one-element list), and AttrFloat also accepts an int.
type AttrSpec struct {
	Name     string
	Kind     AttrKind
	Required bool
	Enum     []string // allowed values of a string attribute; nil means any
}

// OpSpec describes an op: its parameters, its arity and how it maps input shapes to
// its output shape.
type OpSpec struct {
	Op      Op
	Tensors []TensorSpec
	Attrs   []AttrSpec
	// MinInputs and MaxInputs bound the number of feed-forward inputs; MaxInputs < 0
	// means unbounded.
	MinInputs, MaxInputs int
	// SumsInputs: several inputs (feed-forward or recurrent) are summed into one, as in
	// NIR; all must have the same shape. Only such ops may receive recurrent edges.
	SumsInputs bool
	// infer checks op-specific attributes and tensor shapes against the input shapes
	// and returns the output shape, or nil after reporting a problem.
	infer func(c *nodeCheck) Shape
	// macs counts multiply-accumulates for one time step; nil means zero.
	macs func(n *Node, in []Shape, out Shape) int64
}

var (
	neuronTensors = func(names ...string) []TensorSpec {
		ts := make([]TensorSpec, 0, len(names))
		for _, nm := range names {
			req := true
			if nm == "v_reset" || nm == "w_in" {
				req = false
			}
			d := AnyValue
			if nm == "tau" || nm == "tau_syn" || nm == "tau_mem" {
				d = Positive
			}
			ts = append(ts, TensorSpec{Name: nm, DType: F32, Required: req, Domain: d})
		}
		return ts
	}
	poolAttrs = []AttrSpec{
		{Name: "kernel_size", Kind: AttrInts, Required: true},
		{Name: "stride", Kind: AttrInts},
		{Name: "padding", Kind: AttrInts},
	}
	convAttrs = []AttrSpec{
		{Name: "stride", Kind: AttrInts},
		{Name: "padding", Kind: AttrInts},
		{Name: "dilation", Kind: AttrInts},
		{Name: "groups", Kind: AttrInt},
		{Name: "input_shape", Kind: AttrInts}, // NIR records it; checked if present
	}
	weightBias = func(biasRequired bool) []TensorSpec {
		return []TensorSpec{
			{Name: "weight", DType: F32, Required: true},
			{Name: "bias", DType: F32, Required: biasRequired},
		}
	}
)

func unary(op Op, infer func(c *nodeCheck) Shape, ts []TensorSpec, as []AttrSpec) OpSpec {
	return OpSpec{Op: op, Tensors: ts, Attrs: as, MinInputs: 1, MaxInputs: -1, SumsInputs: true, infer: infer}
}

func encoder(op Op, as []AttrSpec) OpSpec {
	return OpSpec{Op: op, Attrs: as, MinInputs: 1, MaxInputs: 1, infer: inferEncoder}
}

var opSpecs = map[Op]OpSpec{}

func init() {
	specs := []OpSpec{
		{Op: OpInput, Attrs: []AttrSpec{{Name: "shape", Kind: AttrInts, Required: true}}, infer: inferInput},
		unary(OpOutput, inferSame, nil, nil),
		withMACs(unary(OpAffine, inferDense, weightBias(true), nil), macsDense),
		withMACs(unary(OpLinear, inferDense, weightBias(false)[:1], nil), macsDense),
		withMACs(unary(OpConv1d, inferConv1d, weightBias(false), convAttrs), macsConv),
		withMACs(unary(OpConv2d, inferConv2d, weightBias(false), convAttrs), macsConv),
		unary(OpSumPool2d, inferPool, nil, poolAttrs),
		unary(OpAvgPool2d, inferPool, nil, poolAttrs),
		unary(OpMaxPool2d, inferPool, nil, poolAttrs),
		unary(OpFlatten, inferFlatten, nil, []AttrSpec{{Name: "start_dim", Kind: AttrInt}, {Name: "end_dim", Kind: AttrInt}}),
		unary(OpScale, inferElementwise, []TensorSpec{{Name: "scale", DType: F32, Required: true}}, nil),
		unary(OpThreshold, inferElementwise, []TensorSpec{{Name: "threshold", DType: F32, Required: true}}, nil),
		unary(OpDelay, inferElementwise, []TensorSpec{{Name: "delay", DType: F32, Required: true, Domain: NonNegative}}, nil),
		unary(OpI, inferElementwise, neuronTensors("r"), nil),
		unary(OpIF, inferElementwise, neuronTensors("r", "v_threshold", "v_reset"), nil),
		unary(OpLI, inferElementwise, neuronTensors("tau", "r", "v_leak"), nil),
		unary(OpLIF, inferElementwise, neuronTensors("tau", "r", "v_leak", "v_threshold", "v_reset"), nil),
		unary(OpCubaLI, inferElementwise, neuronTensors("tau_syn", "tau_mem", "r", "v_leak"), nil),
		unary(OpCubaLIF, inferElementwise, neuronTensors("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"), nil),
		unary(OpMultiSpike, inferMultiSpike, nil, []AttrSpec{
			{Name: "D", Kind: AttrInt, Required: true},
			{Name: "rounding", Kind: AttrString, Enum: []string{RoundHalfEven, RoundHalfUp}},
			{Name: "decay", Kind: AttrFloat},
			{Name: "norm", Kind: AttrFloat},
			{Name: "ste", Kind: AttrString, Enum: []string{"inclusive", "exclusive"}},
		}),
		unary(OpBatchNorm, inferBatchNorm, []TensorSpec{
			{Name: "weight", DType: F32, Required: true},
			{Name: "bias", DType: F32, Required: true},
			{Name: "running_mean", DType: F32, Required: true, Buffer: true},
			{Name: "running_var", DType: F32, Required: true, Buffer: true, Domain: NonNegative},
		}, []AttrSpec{{Name: "eps", Kind: AttrFloat}, {Name: "padding", Kind: AttrInt}}),
		{Op: OpAdd, MinInputs: 2, MaxInputs: -1, infer: inferAdd},
		{Op: OpConcat, MinInputs: 1, MaxInputs: -1, Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt}}, infer: inferConcat},
		unary(OpUpsample, inferUpsample, nil, []AttrSpec{
			{Name: "scale_factor", Kind: AttrInt, Required: true},
			{Name: "mode", Kind: AttrString, Enum: []string{"nearest"}},
		}),
		unary(OpMean, inferMean, nil, []AttrSpec{{Name: "dims", Kind: AttrInts}}),
		{Op: OpSpikeAttention, MinInputs: 3, MaxInputs: 3, infer: inferSpikeAttention, macs: macsSpikeAttention,
			Attrs: []AttrSpec{
				{Name: "heads", Kind: AttrInt, Required: true},
				{Name: "scale", Kind: AttrFloat},
				{Name: "order", Kind: AttrString, Enum: []string{"qk_v", "q_kv"}},
			}},
		{Op: OpLinearAttention, MinInputs: 3, MaxInputs: 4, infer: inferLinearAttention, macs: macsLinearAttention,
			Attrs: []AttrSpec{
				{Name: "heads", Kind: AttrInt, Required: true},
				{Name: "scale", Kind: AttrFloat},
				{Name: "decay", Kind: AttrFloat},
			}},
		withMACs(unary(OpGraphConv, inferGraphConv, []TensorSpec{
			{Name: "weight", DType: F32, Required: true},
			{Name: "bias", DType: F32},
			{Name: "adj_row", DType: I32, Required: true, Buffer: true},
			{Name: "adj_col", DType: I32, Required: true, Buffer: true},
			{Name: "adj_val", DType: F32, Required: true, Buffer: true},
		}, nil), macsGraphConv),
		{Op: OpDFL, Tensors: []TensorSpec{{Name: "weight", DType: F32, Required: true}}, MinInputs: 1, MaxInputs: 1,
			infer: inferDFL, macs: macsDFL},
		encoder(OpDirect, []AttrSpec{{Name: "steps", Kind: AttrInt}}),
		encoder(OpRate, []AttrSpec{{Name: "steps", Kind: AttrInt, Required: true}}),
		encoder(OpPoisson, []AttrSpec{{Name: "steps", Kind: AttrInt, Required: true}, {Name: "gain", Kind: AttrFloat}}),
		encoder(OpEvents, []AttrSpec{{Name: "steps", Kind: AttrInt}, {Name: "bin_us", Kind: AttrInt}, {Name: "bins", Kind: AttrInt}}),
	}
	for _, s := range specs {
		opSpecs[s.Op] = s
	}
}

func withMACs(s OpSpec, f func(n *Node, in []Shape, out Shape) int64) OpSpec {
	s.macs = f
	return s
}

// Rounding modes of MultiSpike's "rounding" attribute.
const (
	RoundHalfEven = "half-even" // torch.round, SDT-V3 Base models (the default)
	RoundHalfUp   = "half-up"   // floor(x+0.5), SDT-V3 Large models
)

// Spec returns the description of op and whether op is known.
func Spec(op Op) (OpSpec, bool) {
	s, ok := opSpecs[op]
	return s, ok
}

// Ops returns every known op, sorted by name.
func Ops() []Op {
	ops := make([]Op, 0, len(opSpecs))
	for op := range opSpecs {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// tensorSpec returns the spec of tensor name of op.
func (s OpSpec) tensorSpec(name string) (TensorSpec, bool) {
	for _, t := range s.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return TensorSpec{}, false
}

func (s OpSpec) attrSpec(name string) (AttrSpec, bool) {
	for _, a := range s.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return AttrSpec{}, false
}
