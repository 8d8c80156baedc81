// Package models holds neurosim's SNN graph IR: a directed graph of nodes, each with
// an op and typed parameters, joined by edges. Op and parameter names follow the
// Neuromorphic Intermediate Representation (NIR): Input Output Affine Linear Conv1d
// Conv2d SumPool2d AvgPool2d Flatten Scale Threshold Delay I IF LI LIF CubaLI CubaLIF,
// extended with what the seed models need: MultiSpike (SFA / I-LIF integer neuron),
// BatchNorm, Add, Concat, Upsample, MaxPool2d, Mean, SpikeAttention, LinearAttention,
// GraphConv and the input encoders Direct, Rate, Poisson and Events. The table in
// ops.go (see OpSpecs) lists every op with its tensors, attributes and arity.
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
