package train

// ArchSpikformerTiny is E-SpikeFormer (SDT-V3, seed-models §1.3) sized for
// 28×28 input:
//
//   - stem: conv 3×3 1→16 + BN (the MAC layer on pixels), MultiSpike,
//     conv 3×3 s2 16→32 + BN, MultiSpike, conv 3×3 s2 32→C + BN: 7×7 = 49
//     tokens of C = 48 channels, the real-valued residual stream;
//   - spikformerBlocks blocks of three membrane shortcuts each (the adds are
//     on the real-valued stream, every branch starts with a MultiSpike), as
//     MS_Block_Spike_SepConv:
//     x += BN(conv 3×3 C→C (MultiSpike(x))), the token mixer in place of
//     SepConv_Spike (a dense 3×3 conv, since the compiler and the reference
//     evaluator map no grouped convolutions); without it the net has no
//     spatial information beyond the stem's receptive field, the attention
//     and the mean being blind to token order;
//     x += BN(proj 1×1 (MultiSpike(SSA(MultiSpike(x))))), SSA the spike-driven
//     self-attention (q, k, v each 1×1 conv C→C + BN + MultiSpike;
//     spikformerHeads heads; (q·kᵀ)·v·2·d^-½, order qk_v);
//     x += BN(1×1 4C→C (MultiSpike(BN(1×1 C→4C (MultiSpike(x)))))), the MLP;
//   - head: MultiSpike with norm 1 (integer counts, as the Base models' head
//     spike), the spatial mean, a linear classifier.
//
// All MultiSpikes use the configured D and rounding (D = 4, half to even by
// default, as the Base models). v has C channels (the Base model's 4C is
// left out to keep the model small). The sizes were chosen on 20 000-image
// subsets of MNIST (docs/bench-models11.md).
const ArchSpikformerTiny = "spikformer-tiny"

const (
	spikformerDim    = 48 // C, channels of the token stream
	spikformerHeads  = 4
	spikformerBlocks = 1
	spikformerMLP    = 4 // MLP hidden width / C
)

func init() {
	builders[ArchSpikformerTiny] = func(in Shape, classes int, c ArchConfig) []Layer {
		ms := func() Layer { return &MultiSpike{D: c.D, Round: c.Round} }
		conv := func(cout, k, stride int) []Layer {
			return []Layer{NewConv2d(cout, k, stride, k/2, false), NewBatchNorm()}
		}
		cat := func(parts ...[]Layer) []Layer {
			var out []Layer
			for _, p := range parts {
				out = append(out, p...)
			}
			return out
		}
		C := spikformerDim
		ls := cat(conv(16, 3, 1), []Layer{ms()}, conv(32, 3, 2), []Layer{ms()}, conv(C, 3, 2))
		for range spikformerBlocks {
			qkv := func() []Layer { return cat(conv(C, 1, 1), []Layer{ms()}) }
			attn := &SpikeAttention{Heads: spikformerHeads, Q: qkv(), K: qkv(), V: qkv()}
			ls = append(ls,
				&Residual{Body: cat([]Layer{ms()}, conv(C, 3, 1))},
				&Residual{Body: cat([]Layer{ms(), attn, ms()}, conv(C, 1, 1))},
				&Residual{Body: cat([]Layer{ms()}, conv(spikformerMLP*C, 1, 1), []Layer{ms()}, conv(C, 1, 1))},
			)
		}
		head := &MultiSpike{D: c.D, Round: c.Round, Norm: 1}
		return append(ls, head, &Mean{}, NewLinear(classes, true))
	}
}
