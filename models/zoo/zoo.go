package zoo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neurosim/neurosim/models"
)

// Options control how Build makes a model's tensors.
type Options struct {
	// Seed drives the random weights: each tensor draws from its own PCG stream
	// derived from (Seed, node ID, tensor name), so a tensor's values do not depend
	// on the order of construction.
	Seed uint64
	// Placeholder skips making weights: every tensor is a slice of one shared zero
	// buffer (the largest tensor's size). Shapes, parameter counts, MACs and FLOPs
	// are exact; values are not. Such a graph is for analysis only: it must not be
	// evaluated, compiled, saved as a model or written to.
	Placeholder bool
	// From, if set, supplies trained weights: every tensor is taken from the node of
	// the same ID in From and must have the same name, dtype and shape.
	From *models.Graph
}

// Model is a built zoo model.
type Model struct {
	Name  string
	Graph *models.Graph
	Input models.Shape // the published input size, e.g. [3,224,224]
}

type entry struct {
	input models.Shape
	build func(b *builder)
	doc   string
}

var registry = map[string]entry{}

func register(name string, input models.Shape, doc string, build func(b *builder)) {
	registry[name] = entry{input: input, build: build, doc: doc}
}

// Names returns the names Build accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Describe returns a one-line description of the named model, or "".
func Describe(name string) string { return registry[name].doc }

// Build builds the named model. The graph verifies; its input declares the
// published input size, which InferShapes and Summarize may override.
func Build(name string, opt Options) (*Model, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("zoo: unknown model %q; the zoo has %s", name, strings.Join(Names(), ", "))
	}
	if opt.From != nil && opt.Placeholder {
		return nil, fmt.Errorf("zoo: Options.From and Options.Placeholder exclude each other")
	}
	b := &builder{g: models.NewGraph(), opt: opt}
	b.g.Meta["architecture"] = name
	b.input("image", e.input)
	e.build(b)
	if b.err != nil {
		return nil, b.err
	}
	if err := models.Verify(b.g); err != nil {
		return nil, fmt.Errorf("zoo: %s does not verify (a builder bug):\n%w", name, err)
	}
	return &Model{Name: name, Graph: b.g, Input: slices.Clone(e.input)}, nil
}

// Fold replaces every linear chain of g (RepConv, SepRepConv, the Large models'
// RepConv: see models.LinearChains) by the one convolution it computes at inference
// and returns how many chains it folded. It needs real weights (not Placeholder).
func Fold(g *models.Graph) (int, error) {
	chains := models.LinearChains(g)
	if len(chains) == 0 {
		return 0, nil
	}
	if err := models.FoldChains(g, chains); err != nil {
		return 0, err
	}
	return len(chains), nil
}
