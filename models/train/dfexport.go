package train

import (
	"fmt"
	"strconv"

	"github.com/neurosim/neurosim/models"
)

// export writes a trained DF network as a models.Graph whose output k is the
// summed goodness of label k, so that the chip's arg-max is DF's inference.
// The graph has one branch per label (the label column folded into block 1's
// bias); it is exact only for what the graph ops express: MultiSpike blocks
// (integer spikes, 1/D folded into the next weights), no normalisation
// between blocks (or a single block) and linear goodness Σh (Goodness
// "sum": a weight row of 1/D). Other configurations return an error saying
// why; their accuracy is the software one trainDF reports.
func (n *dfNet) export(opt Options, dataset string) (*models.Graph, error) {
	c := n.cfg
	if n.head != nil {
		return nil, fmt.Errorf("df-bp: the backpropagation baseline is not exported (it is a memory and accuracy reference)")
	}
	if c.Act != DFActMultiSpike || c.Goodness != DFGoodSum || (c.Norm != DFNormNone && len(n.blocks) > 1) {
		return nil, fmt.Errorf("df: only multispike blocks with goodness sum and norm none (or one block) map onto graph ops; this network has act %s, goodness %s, norm %s",
			c.Act, c.Goodness, c.Norm)
	}
	g := models.NewGraph()
	g.Meta = map[string]string{
		"arch": "df-mlp", "learning": LearnDF, "df": c.String(), "steps": "1",
		"encoding": EncodingDirect, "producer": "neurosim train", "D": strconv.Itoa(n.d),
		"rounding": models.RoundHalfEven, "dataset": dataset,
		"epochs": strconv.Itoa(opt.Epochs), "seed": fmt.Sprint(opt.Seed),
		"inference": "output k = summed goodness of label k; prediction = arg max",
	}
	g.Add("input", models.OpInput).SetInts("shape", 1, n.rows, n.cols)
	g.Add("encode", models.OpDirect).SetInt("steps", 1)
	g.Connect("input", "encode")
	g.Add("flat", models.OpFlatten)
	g.Connect("encode", "flat")
	g.Add("goodness", models.OpAdd)
	inv := 1 / float32(n.d)
	for k := 0; k < n.classes; k++ {
		prev := "flat"
		for l, b := range n.blocks {
			w := make([]float32, b.out*max(b.in-n.classes*boolInt(l == 0), 0))
			bias := f32s(b.b.W)
			nin := b.in
			if l == 0 {
				nin = n.pixels
			}
			scale := float32(1)
			if l > 0 {
				scale = inv
			}
			for o := 0; o < b.out; o++ {
				for i := 0; i < nin; i++ {
					w[o*nin+i] = b.w.W[o*b.in+i] * scale
				}
				if l == 0 {
					bias[o] += float32(c.LabelScale) * b.w.W[o*b.in+n.pixels+k]
				}
			}
			fc := fmt.Sprintf("fc%d_%d", k, l)
			g.Add(fc, models.OpAffine).SetF32("weight", models.Shape{b.out, nin}, w).SetF32("bias", models.Shape{b.out}, bias)
			g.Connect(prev, fc)
			sp := fmt.Sprintf("spike%d_%d", k, l)
			g.Add(sp, models.OpMultiSpike).SetInt("D", n.d).SetString("rounding", models.RoundHalfEven).
				SetFloat("norm", 1).SetString("ste", "inclusive")
			g.Connect(fc, sp)
			if l >= c.InferFrom {
				// Row k sums the block's spikes/D: its goodness Σh for
				// label k; the other rows are 0.
				gw := make([]float32, n.classes*b.out)
				for i := k * b.out; i < (k+1)*b.out; i++ {
					gw[i] = inv
				}
				gd := fmt.Sprintf("good%d_%d", k, l)
				g.Add(gd, models.OpLinear).SetF32("weight", models.Shape{n.classes, b.out}, gw)
				g.Connect(sp, gd)
				g.Connect(gd, "goodness")
			}
			prev = sp
		}
	}
	g.Add("output", models.OpOutput)
	g.Connect("goodness", "output")
	if err := models.Verify(g); err != nil {
		return nil, fmt.Errorf("df export produced an invalid graph: %w", err)
	}
	return g, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
