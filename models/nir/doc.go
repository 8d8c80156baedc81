// Package nir imports trained networks into neurosim's graph IR (models.Graph):
// NIR files (Neuromorphic Intermediate Representation, HDF5, as written by
// snnTorch, Norse, Sinabs, Rockpool, Lava and the nir Python package) with
// Read and Decode, and lava-dl netx network files (.net, HDF5) with ReadNet
// and DecodeNet. The HDF5 layer is internal/hdf5.
//
// # NIR files
//
// A NIR file holds a dataset "version" and a group "node", which is a
// NIRGraph: a "type" dataset ("NIRGraph"), an "edges" dataset of strings
// shaped [n,2] (source, target) and a group "nodes" with one group per node.
// Every node group carries its own "type" string dataset and its parameters
// as datasets named as in NIR (nir/ir/*.py). The node types are mapped one to
// one onto the models ops of the same name: Input (shape), Output, Affine
// (weight, bias), Linear (weight), Conv1d and Conv2d (weight, bias, stride,
// padding, dilation, groups), SumPool2d and AvgPool2d (kernel_size, stride,
// padding), Flatten (start_dim, end_dim), Scale, Threshold, Delay, and the
// neurons I, IF, LI, LIF, CubaLI and CubaLIF. A node of any other type is an
// error naming the type and the node; a dataset the importer does not know is
// skipped with a Warning ("metadata", "input_type" and "output_type" are
// skipped silently).
//
// Parameter conventions:
//   - Float parameters become float32 tensors with the file's shape (NIR's
//     per-neuron arrays have one value per element, which models accepts).
//   - Missing optional parameters get NIR's defaults explicitly: v_reset = 0
//     (IF, LIF, CubaLIF) and w_in = 1 (CubaLI, CubaLIF), shaped like
//     v_threshold (or v_leak for CubaLI).
//   - Conv padding "valid" is 0; "same" is (dilation·(k−1))/2 per side, an
//     error when that total is odd or the stride is not 1.
//   - Flatten's start_dim and end_dim count over the node's input_type, which
//     in NIR excludes the batch dimension (nir/ir/utils.calc_flatten_output
//     applies them to input_type; Sinabs writes start_dim 0 for [8,4,4]), so
//     they are copied unchanged: models counts over the shape without batch
//     as well.
//   - NIR's Conv input_shape (spatial only) and Flatten input_type are not
//     copied (an --input override would contradict them); after import they
//     are compared with the inferred shapes and a difference is a Warning,
//     as is an Output whose recorded shape has another element count than
//     the inferred one.
//
// # Time step
//
// NIR neurons are continuous-time ODEs; the step is not in the file.
// Options.DT (seconds, default DefaultDT = 1e-4, snnTorch's and the NIR
// paper's convention) is recorded in Graph.Meta["lif_dt"] in the unit of the
// time constants, with Meta["lif_integration"] ("exact", the default, or
// "euler") and Meta["lif_reset"] ("hard": v ← v_reset as NIR defines it, or
// "subtract" for networks trained with reset by subtraction, which NIR cannot
// express). These are the keys models/train writes, and they apply to every
// neuron node of the graph; neuron.LIFParams / CubaLIFParams take them as DT,
// Integration and Reset.
//
// # Names
//
// Node IDs are the NIR names when models.ValidID accepts them. Otherwise every
// character that is not printable, a space or '/' becomes '_', the name is cut
// to 256 bytes, and a clash with an earlier ID gets "~2", "~3", … appended.
// Nodes of a nested NIRGraph are flattened into the parent as
// "<subgraph>.<node>" (the same rule applied recursively). IDs are given a
// graph at a time in name order, a graph's own nodes before its subgraphs'
// nodes, so a top-level "s.l" keeps its name and subgraph s's node l becomes
// "s.l~2". Whenever an ID
// differs from the node's NIR path (names joined by '/'), Graph.Meta maps
// "nir_name:<id>" to that path, so every flattened or renamed node can be
// traced back.
//
// # Subgraphs and edges
//
// A nested NIRGraph is flattened: its Input and Output nodes are removed and
// every edge through them is rewired, so an edge into the subgraph reaches the
// successors of its Input and the predecessors of its Output feed the
// subgraph's successors. An endpoint naming a subgraph means its only Input
// (as a target) or its only Output (as a source); "<subgraph>.<name>" picks one
// by name when there are several. Duplicate edges are merged (NIR's edge list
// is a set).
//
// An edge endpoint naming no node of its graph is resolved to the unique node
// whose name starts with it, with a Warning (the braille_*_subgraph.nir files
// written by snnTorch have edges naming "lif" in a graph whose node is "lif1");
// with no or several such nodes, or with Options.StrictEdges, it is an error
// listing the graph's nodes.
//
// # Recurrent edges
//
// NIR marks no edge as recurrent; a cycle is a recurrence through the previous
// time step. After flattening, the importer runs a depth-first search: roots
// are the Input nodes in ID order, then every node not yet reached in ID
// order; successors are visited in ID order. Every edge that reaches a node
// still on the search stack (a back edge, including a self-loop) is marked
// recurrent (models.Edge.Recurrent); all other edges are feed-forward, so the
// result has no feed-forward cycle. The rule depends only on the node names,
// not on the order of the edge list in the file. In a loop entered from an
// input through a neuron (input → fc → lif ⇄ w_rec) the edge back into the
// neuron, w_rec → lif, is the recurrent one.
//
// Nodes are added to the graph in the order that search first reaches them,
// edges in the file's order (nested graphs where they are referenced).
//
// # lava-dl netx files
//
// A .net file has a group "layer" with members "0", "1", … in order. Each
// layer has a "type" (input, dense, conv, flatten), "shape" ([C,H,W] or [N]),
// the synapse parameters ("weight", optional "bias"; conv also "stride",
// "padding", "dilation", "groups") and a "neuron" group. A dense layer becomes
// a Linear (Affine with a bias) then a CubaLIF; a conv layer a Conv2d then a
// CubaLIF; a flatten layer (or a dense layer after a multi-dimensional one) a
// Flatten; an input layer the Input node (its neuron and input transform are
// not imported; a Warning says so). Pool, average, concat and other types are
// errors, as they are in netx.
//
// The neuron must be "CUBA" (or "LOIHI"): Loihi's fixed-point CUBA-LIF,
//
//	u[t] = u[t−1]·(4096 − iDecay)/4096 + Σ w·s      (weights as stored)
//	v[t] = v[t−1]·(4096 − vDecay)/4096 + u[t]
//	spike if v[t] > vThMant, then v ← 0
//
// in the hardware's units, where the stored weights and vThMant are both
// mantissas scaled by 2^6 on the chip (slayer's neuron_params reads the
// threshold back as vThMant/2^6 in the same units as its weights/2^6), so the
// scale cancels and the stored weights and vThMant are used as floats. It maps exactly onto the forward-Euler step
// of NIR's CubaLIF (I ← (1−dt/τs)·I + (dt/τs)·w_in·x, v ← (1−dt/τm)·v +
// (dt/τm)·r·I) with
//
//	tau_syn = 4096·dt/iDecay    w_in = 4096/iDecay
//	tau_mem = 4096·dt/vDecay    r    = 4096/vDecay
//	v_leak = 0, v_threshold = vThMant, v_reset = 0
//
// so ReadNet sets Meta["lif_integration"] = "euler". Differences left: Loihi
// adds the new current u[t] to v within the same step, Euler the old one (a
// one-step lag of the voltage); Loihi rounds each product toward zero; a
// decay of 0 (no leak) has no finite time constant and is imported as 1/4096
// with a Warning; refDelay is ignored, as netx ignores it; a layer bias is
// added to the current (Loihi adds it to the voltage), identical when
// iDecay = 4096, a Warning otherwise. Graded spikes (gradedSpike true) are
// imported as binary with a Warning.
//
// # Invariants
//   - Malformed files return errors naming the file structure or node; the
//     importers never panic (fuzz targets cover both).
//   - The result verifies (models.Verify) or the import fails.
//   - The same file and Options give the same graph, warnings included.
//   - The package never prints; warnings are returned.
package nir
