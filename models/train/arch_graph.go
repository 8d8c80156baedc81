package train

import (
	"fmt"

	"github.com/neurosim/neurosim/models/data"
)

// Spiking GNN architectures (seed-models §5): GraphConv → STFN → LIF
// stacks over a fixed graph, trained by BPTT over T steps (default 4).
const (
	// ArchSGNNSuperpixel classifies MNIST superpixel graphs
	// (data.Superpixels: 49 nodes × 3 features): two GraphConv(32) → STFN →
	// LIF(β 0.5, V_th 1) layers, then the node states flattened into a
	// linear classifier (the node order is fixed by the grid segmentation).
	ArchSGNNSuperpixel = "sgnn-superpixel"
	// ArchSGNNKarate classifies the nodes of Zachary's karate club
	// (data.Karate, one-hot features): GraphConv(16) → STFN → LIF →
	// GraphConv(2), the logits of every node averaged over time. Train it
	// with TrainNodes.
	ArchSGNNKarate = "sgnn-karate"
)

// graphArchs maps each graph architecture to the graph it is built on.
var graphArchs = map[string]func() (data.Graph, error){
	ArchSGNNSuperpixel: func() (data.Graph, error) {
		return data.SuperpixelGraph(28, 28, data.SuperpixelCell, data.SuperpixelK)
	},
	ArchSGNNKarate: func() (data.Graph, error) { return data.Karate().Graph, nil },
}

// IsGraphArch reports whether arch is a spiking GNN (its samples are graphs).
func IsGraphArch(arch string) bool { _, ok := graphArchs[arch]; return ok }

func init() {
	gnn := func(arch string, hidden []int, flatten bool) func(Shape, int, ArchConfig) []Layer {
		return func(in Shape, classes int, c ArchConfig) []Layer {
			g, _ := graphArchs[arch]() // checked by Build
			r, col, v := g.NormAdj()
			var ls []Layer
			for _, h := range hidden {
				ls = append(ls, NewGraphConv(h, false, r, col, v), NewSTFN(1), NewLIF(0.5, 1))
			}
			if flatten {
				return append(ls, &Flatten{}, NewLinear(classes, true))
			}
			return append(ls, NewGraphConv(classes, true, r, col, v))
		}
	}
	builders[ArchSGNNSuperpixel] = gnn(ArchSGNNSuperpixel, []int{32, 32}, true)
	builders[ArchSGNNKarate] = gnn(ArchSGNNKarate, []int{16}, false)
}

// checkGraphArch checks that samples of shape in fit the graph of arch.
func checkGraphArch(arch string, in Shape) error {
	f, ok := graphArchs[arch]
	if !ok {
		return nil
	}
	g, err := f()
	if err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return fmt.Errorf("%s: %w", arch, err)
	}
	if in.H != g.Nodes || in.C != 1 {
		return fmt.Errorf("%s runs on graphs of %d nodes (samples [nodes, features]); the samples are %dx%d: use the dataset it is built for", arch, g.Nodes, in.H, in.W)
	}
	return nil
}
