// Package models holds neurosim's SNN graph IR: a directed graph of nodes, each with
// an op and typed parameters, joined by edges. Op and parameter names follow the
// Neuromorphic Intermediate Representation (NIR): Input Output Affine Linear Conv1d
// Conv2d SumPool2d AvgPool2d Flatten Scale Threshold Delay I IF LI LIF CubaLI CubaLIF,
// extended with what the seed models need: MultiSpike (SFA / I-LIF integer neuron),
// BatchNorm, Add, Concat, Upsample, MaxPool2d, Mean, SpikeAttention, LinearAttention,
// GraphConv, DFL and the input encoders Direct, Rate, Poisson and Events. The table in
// ops.go (Spec, Ops) lists every op with its tensors, attributes and arity.
//
// # Ops and parameters
//
// Tensors are float32 unless marked (i32); "?" marks optional parameters, defaults in
// parentheses. Weights are [out, in, kernel…] as in PyTorch and NIR.
//
//	Input            shape ints
//	Output           —
//	Affine, Linear   weight [out,in], bias [out] (Affine only); act on the last dim
//	Conv1d           weight [Cout,Cin/groups,k], bias? [Cout]; stride? padding? dilation? groups? (1,0,1,1)
//	Conv2d           weight [Cout,Cin/groups,kH,kW], bias?; stride? padding? dilation? (1 or 2 ints), groups?
//	SumPool2d AvgPool2d MaxPool2d  kernel_size, stride? (= kernel_size), padding? (0)
//	Flatten          start_dim? (0), end_dim? (-1), over the shape without batch
//	Scale Threshold Delay  scale | threshold | delay (≥ 0)
//	I IF LI LIF CubaLI CubaLIF  NIR names: r, tau, tau_syn, tau_mem (> 0), v_leak, v_threshold, v_reset?, w_in?
//	MultiSpike       D int ≥ 1, rounding? (half-even | half-up), decay? (0: stateless; I-LIF 0.25),
//	                 norm? (D; output = spikes/norm), ste? (inclusive | exclusive; training only)
//	BatchNorm        weight, bias, running_mean, running_var [C]; eps? (1e-5); C is the first dim;
//	                 padding? (0): [C,H,W] is zero-padded by p on each side first (BNAndPad)
//	Add              ≥ 2 inputs of equal shape (membrane shortcut)
//	Concat           axis? (0)
//	Upsample         scale_factor int, mode? (nearest)
//	Mean             dims? (all but the first), removed from the shape
//	SpikeAttention   inputs q, k [C,tokens…], v [Cv,tokens…]; heads, scale? ((C/heads)^-½), order? (qk_v | q_kv)
//	LinearAttention  inputs q, k [N,dk], v [N,dv], gate? [N,dk]; heads, scale?, decay? (constant decay without gate)
//	GraphConv        input [nodes,Fin]; weight [Fout,Fin], bias?, Â as adj_row, adj_col (i32) and adj_val [E]
//	DFL              input [4·bins, anchors] → [4, anchors]; weight [1,bins,1,1]: per side, a
//	                 softmax over the bins, then Σ weight[i]·p[i] (YOLOv8 / SpikeYOLO box head)
//	Direct           steps? (1)
//	Rate Poisson     steps; Poisson gain? (1; spike probability gain·x)
//	Events           steps? (frames T), bin_us? (µs per frame) or bins? (Tonic n_time_bins)
//
// Element-wise parameters of Scale, Threshold, Delay and the neurons broadcast to the
// input shape by NumPy rules ([] or [1] scalar, [C,1,1] per channel of [C,H,W], [F]
// per feature of [N,F]) or have one value per element (NIR's flattened arrays).
//
// # Model
//
// A Node has a unique ID, an Op, named tensors (float32 or int32, with a shape) and
// named attributes (int, float, string or a list of ints). An Edge runs From → To; a
// node's inputs are its incoming edges in the order they were added (Concat and the
// attention ops depend on that order). For ops that take one input (every layer and
// neuron op), several incoming edges are summed, as in NIR. An edge marked Recurrent
// carries the value of the previous time step; cycles are allowed only through such
// edges.
//
// Shapes exclude the batch and time dimensions: an image is [C,H,W], a feature vector
// [N], a token sequence [N,F]. The Input node declares its shape in the "shape"
// attribute; every other shape is inferred (InferShapes).
//
// Building a graph never fails: NewGraph, AddNode and Connect record what they are
// given, and Verify returns every problem at once (duplicate or malformed IDs, dangling
// edges, cycles through non-recurrent edges, unknown ops, missing or mistyped
// parameters, wrong shapes), sorted by node.
//
// The native model file (.nsm) is a safetensors file: tensors keyed
// "nodes/<id>/<param>", the graph as JSON in the "__metadata__" map with a format
// version. Save and Load round-trip a graph exactly (float32 bits included).
//
// # Invariants
//   - The package never prints and holds no global mutable state.
//   - Verify, InferShapes, Summarize, DecodeNSM and Load never panic on bad input;
//     they return errors.
//   - EncodeNSM is deterministic: the same graph gives the same bytes.
package models
