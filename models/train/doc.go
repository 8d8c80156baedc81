// Package train trains spiking neural networks on image datasets and exports
// them as models.Graph (saved as .nsm by the models package).
//
// # Model
//
// A Net is a sequence of Layers over batches of samples stored CHW (channels
// first, as PyTorch and NIR). The layers are Conv2d (im2col, then matrix
// products on register-tiled AVX-512 kernels of this package, AVX or Go where
// the CPU lacks them; the element-wise BatchNorm, MultiSpike and 2×2 pool
// passes have AVX kernels too),
// Linear, BatchNorm (batch statistics in training, running statistics in
// evaluation), Pool2d (average, sum, max), Residual (x + Body(x), the SFA
// membrane shortcut), Flatten, and two neurons:
//
//   - MultiSpike, the SFA integer neuron (seed-models §1.1):
//     s = round(clamp(x, 0, D)), half-to-even by default or half-up, output
//     s/Norm; the backward pass is straight-through inside [0, D], ends
//     included. One time step; no state.
//   - LIF, trained by BPTT with a rectangular surrogate gradient over T time
//     steps: h = β·v + x, spike if h ≥ Vth, hard or subtractive reset.
//
// A batch of B items run for T steps is T·B samples, time-major; stateless
// layers treat them as a larger batch and a final TimeMean averages the
// outputs over time. Poisson input (RSC-SNN) draws a Bernoulli spike per pixel
// and step. The noise-aware option multiplies every Conv2d and Linear weight
// by (1 + σ·N(0,1)) in each training forward pass, as PRIME does, and
// propagates the gradient through the factor. Its absolute mode (noise.go)
// adds σ·max|W_layer|·N(0,1) instead, the shape of absolute programming
// variation σ·g_on on a macro programmed with scale max|W|/(Levels−1), to
// the Linear layers by default (the ones --cim-layers dense maps), with
// the gradient passed straight through.
//
// Spiking GNNs (seed-models §5) add GraphConv (Â·X·Wᵀ over a fixed
// normalised adjacency; graph tensors are stored feature-major, one channel
// per feature) and STFN (a BatchNorm over features, statistics over batch,
// time and nodes, γ starting at V_th), followed by LIF. TrainNodes trains a
// node classifier full batch on one graph with the loss on its labelled
// nodes.
//
// Transformers: SpikeAttention is E-SpikeFormer's spike-driven
// self-attention (seed-models §1.3): three branches (q, k, v; 1×1 conv, BN,
// MultiSpike) read the same input and the layer computes
// Scale·(q·kᵀ)·v per head over the spatial positions as tokens, with the
// gradient taken through both products; Mean averages each channel over
// the positions (the pool before the head). spikformer-tiny stacks them
// with membrane shortcuts for 28×28 input (arch_spikformer.go). Export
// writes the SpikeAttention op with integer q, k, v counts, the three
// norms folded into its scale.
//
// Detection: ILIF is SpikeYOLO's integer LIF (soft reset by the spike count,
// then the leak; MultiSpike at T = 1), TrainDetector trains spikeyolo-tiny's
// anchor-free grid head (DetHead: loss, Decode with NMS) and scores it with
// models/eval. LinearAttentionStep and LinearAttentionParallel are the two
// forms of the MetaLA-style LinearAttention op, kept equal by a test.
//
// Train runs the loop (Adam or SGD, constant, cosine or step schedules,
// weight decay, random-shift augmentation, softmax cross-entropy), reports
// progress through a callback, writes a checkpoint after every epoch
// (temporary file, then rename) and resumes from it. Build names the
// architectures: mlp, sfa-convnet (the default model), lif-convnet,
// torch-bench (the network of shared/bench/torch_sfa_mnist.py),
// sgnn-superpixel, sgnn-karate, spikeyolo-tiny and spikformer-tiny.
//
// Options.Learning selects the learning rule. "bp" is the above. "prune" is
// PRIME's edge-popup (prune.go, seed-models §7): every Linear becomes a
// PrunedLinear whose weights are frozen random differential pairs
// Scale·(G⁺−G⁻) drawn from a conductance distribution and whose only
// parameters are scores; the forward pass keeps the top Keep fraction of
// |score| per layer and the scores get the straight-through gradient.
// Without training noise a PrunedLinear runs over each sample's nonzero
// inputs (spikes, rate-coded pixels) with a transposed copy of the masked
// weights, each element summed by one task in a fixed order. The
// prime-mlp architecture has PRIME's LIF (β 0.25, threshold 0.2, hard reset)
// over rate-coded input. "df" is Distance-Forward (df.go, dftrain.go,
// seed-models §8): an MLP of blocks, each trained by its own goodness-based
// N-pair margin loss with the label embedded in the input, normalised inputs
// between blocks and no gradient between them; blocks are trained one after
// another within a batch and the labels streamed through one at a time, so
// one block-sized gradient buffer and one label's activations suffice.
// "df-bp" trains the same blocks by backpropagation (dfbp.go), DF's memory
// and accuracy baseline; both account their buffers (MemStats) and measure
// the Go heap after every batch (HeapStats, runtime/metrics, above a
// baseline taken after loading the dataset; process-wide, so it is only
// meaningful when nothing else allocates meanwhile).
//
// Export folds BatchNorm into the preceding weights and writes MultiSpike
// layers with integer outputs (norm 1), folding 1/D (and the 1/k² of an
// average pool, which becomes a SumPool2d) into the next layer, so that every
// activation between spiking layers of the graph is a small integer. Evaluate
// runs a graph with the reference arithmetic documented on Model; its test
// accuracy is the "integer inference" accuracy the trainer reports.
//
// # Invariants
//
//   - Deterministic: every random draw comes from a PCG stream derived from
//     the seed and a name (init, shuffle, augment, encode, noise; per epoch).
//     Batches are split into fixed 8-sample chunks and every reduction runs in
//     chunk order, so the same seed gives bit-identical weights for any
//     number of workers; resuming from a checkpoint gives the same model as
//     an uninterrupted run.
//   - The kernels fix their summation order and never fuse multiply and add,
//     so the AVX path and the portable Go path give the same bits.
//   - A training step allocates nothing once the buffers have grown to the
//     batch size.
//   - A pruned layer's effective weights are always its frozen random
//     values or exactly 0, and exactly round(Keep·n) of its n weights are
//     kept (ties at the threshold aside); the exported graph carries them
//     unchanged (no BatchNorm is allowed to rescale them).
//   - DF: no gradient crosses a block boundary; inference is the arg-max of
//     the summed goodness, and an exported DF graph computes exactly that.
//   - Bad options, graphs and checkpoints return errors; the package never
//     prints and never reads global randomness.
package train
