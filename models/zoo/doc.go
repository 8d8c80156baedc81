// Package zoo builds the published seed models as models.Graph values, exactly to
// the parameter: E-SpikeFormer (Spike-Driven Transformer V3) t, s, m, l and Large
// 512 / 768, and SpikeYOLO n, s, m, l (../shared/reference/seed-models.md §1–§2).
// Names: e-spikeformer-t|s|m|l, e-spikeformer-large-512|768, spikeyolo-n|s|m|l.
//
// # Model
//
// Each builder follows the authors' PyTorch modules (node IDs are their module
// paths) in training form, so models.ParamCount equals the published count:
// SpikeYOLO's RepConv (1×1 → BNAndPad → depthwise 3×3 → 1×1 → BN) and SepRepConv
// (BNAndPad → 1×1 → depthwise 3×3) and the Large models' RepConv (1×1 → BN → 1×1 →
// BN) stay unfolded; BNAndPad is a BatchNorm with a padding attribute. Fold rewrites
// every such linear chain (models.LinearChains) into the one 3×3 (or 1×1) conv it is
// at inference; Analyze counts FLOPs as folded without touching weights.
// Membrane shortcuts are Add nodes on real-valued tensors; every branch starts with
// a MultiSpike. The SDT-V3 MLPs' Conv1d over tokens is a 1×1 Conv2d here.
//
// Weights are random (PyTorch's default U(±1/√fan_in) for convs and dense layers,
// identity BatchNorm statistics, layer scales 1e-6, DFL's fixed 0…15), each tensor
// from its own PCG stream derived from (Options.Seed, node ID, tensor name), or
// copied from a trained graph (Options.From). Options.Placeholder builds the graph
// with every tensor a slice of one shared zero buffer: the 171,740,714 parameters of
// e-spikeformer-large-768 would otherwise take 690 MB of float32 and seconds of
// random generation just to print a table. That choice keeps one graph type (no lazy
// tensors in the IR) at the price of a flag the caller must respect: a placeholder
// graph is for shapes and counts only.
//
// Analyze produces the analytic table (per-layer FLOPs = Cin·Cout·k²·Hout·Wout/groups
// with Rep chains folded, parameters, the spiking node that drives each layer, the
// MultiSpike outputs); Table.Price applies the SDT/SpikeYOLO methodology (§3):
// E_SNN = E_MAC·FLOPs of real-valued-input layers + E_AC·Σ rate·T·FLOPs, with rates
// per spiking node from ParseRates (a CSV) or a run. Eval is a float64 reference
// evaluator of one time step, used to check Fold and the builders.
//
// # Invariants
//   - Build is deterministic: the same name and Options give the same graph, bit for
//     bit; every built graph verifies.
//   - models.ParamCount(Build(name).Graph) is the published count for every name.
//   - Fold preserves the function up to float32 rounding of the composed weights.
//   - ParseRates never panics; it returns an error naming the line for bad input.
//   - The package never prints and holds no mutable global state (the registry is
//     filled once by init).
package zoo
