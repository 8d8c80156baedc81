package compiler

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
)

// Options configure Compile.
type Options struct {
	// Seed drives simulated annealing in place; the same seed gives the same
	// program.
	Seed uint64
	// Verify runs models.Verify after every graph pass and the program checks
	// after every later pass.
	Verify bool
	// DumpAfter names a pass after which the state is written: the graph (graph
	// passes) or the lowered layers and cores (later passes), as DumpFormat.
	DumpAfter string
	// DumpFormat is "json" (default) or "dot".
	DumpFormat string
	// DumpWriter receives the dump; if nil, it goes to DumpDir/after-PASS.EXT
	// (DumpDir defaults to ".").
	DumpWriter io.Writer
	DumpDir    string
	// Activity is the expected number of binary spikes per neuron per inference
	// used to estimate traffic for placement and link loads; 0 means 1.
	Activity float64
	// AnnealSteps bounds the simulated-annealing moves; 0 means automatic.
	AnnealSteps int
	// CIMLayers says which layers run on cim cores on a chip that has them:
	// CIMDense ("" too: layers fed only by dense projections), CIMAll (every
	// layer with stored weights), CIMNone, or a comma-separated list of layer
	// names. Selected layers go only on cim kinds, the others only on
	// digital kinds.
	CIMLayers string
}

// State is what the passes read and write.
type State struct {
	Spec  *arch.Spec
	Graph *models.Graph // a private clone; graph passes rewrite it
	Opts  Options

	modelHash, modelName string // of the caller's graph (hashModel)

	shapes map[string]models.Shape
	prog   *Program
	diags  Diagnostics
	// partition and placement working data
	parts   []layerPart
	onCIM   []bool // per layer: placed on cim kinds (cimSelect)
	tilings map[tilingKey]tilingVal
	cost    placementCost
	cross   int64       // placement price of a chip-boundary crossing, in hops (place.go)
	traffic [][]edgeW   // per core: cores it sends to, with weights
	grid    []layerGrid // per layer: the index of its cores (axons.go), built by place
	splits  []string    // layers the split pass rewrote, for diagnostics
	// splitMemo: tilings of trial partial-sum layers by shape (split.go)
	splitMemo map[string]tilingVal
}

// Pass is one step of the compiler.
type Pass struct {
	Name string
	// Graph passes rewrite State.Graph; Verify checks it after them.
	Graph bool
	Run   func(*State) error
	Doc   string
}

// Passes is the pipeline in order. lower runs before quantize: the unit of
// quantisation is a population (one threshold θ shared by every projection that
// sums into it, e.g. both branches of a residual Add), which exists only after
// lowering.
var Passes = []Pass{
	{Name: "verify", Graph: true, Run: verifyPass, Doc: "check the graph (models.Verify) and infer shapes"},
	{Name: "fold-bn", Graph: true, Run: foldBNPass, Doc: "fold every BatchNorm into the conv/dense layer feeding it"},
	{Name: "fold-scale", Graph: true, Run: foldScalePass, Doc: "fold MultiSpike 1/norm and AvgPool 1/k² into the next layer's weights"},
	{Name: "lower", Run: lowerPass, Doc: "ops → populations (spike, pool, readout) and projections (conv kernels, dense)"},
	{Name: "quantize", Run: quantizePass, Doc: "per-population odd threshold θ and integer weights within the spec's weight bits"},
	{Name: "split", Run: splitPass, Doc: "split layers whose neurons read more inputs than a core has axons into partial-sum layers (exact)"},
	{Name: "partition", Run: partitionPass, Doc: "split layers into core-sized boxes (neurons, axons, synapse memory, crossbar rows×cols)"},
	{Name: "tile", Run: tilePass, Doc: "lay each cim core's synapse matrix onto its macros: weight digits, row tiles × column tiles"},
	{Name: "place", Run: placePass, Doc: "assign cores to tiles: greedy, then simulated annealing on Σ traffic × hops"},
	{Name: "route", Run: routePass, Doc: "axon tables, spike fan-out, dimension-order multicast routing tables, link loads"},
	{Name: "emit", Run: emitPass, Doc: "schedule, hashes and mapping report"},
}

// Diagnostic is one reason a model does not compile for a spec.
type Diagnostic struct {
	Node string // graph node or layer; empty for whole-model problems
	Msg  string
}

func (d Diagnostic) Error() string {
	if d.Node == "" {
		return d.Msg
	}
	return "layer " + d.Node + ": " + d.Msg
}

// Diagnostics is every problem found by a pass, sorted by node then message.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	if len(ds) == 1 {
		return ds[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(ds))
	for _, d := range ds {
		b.WriteString("\n  ")
		b.WriteString(d.Error())
	}
	return b.String()
}

func (ds Diagnostics) sorted() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].Node != ds[j].Node {
			return ds[i].Node < ds[j].Node
		}
		return ds[i].Msg < ds[j].Msg
	})
	return ds
}

func (s *State) errorf(node, format string, args ...any) {
	s.diags = append(s.diags, Diagnostic{Node: node, Msg: fmt.Sprintf(format, args...)})
}

// flush returns the diagnostics collected so far as one sorted error.
func (s *State) flush() error {
	if len(s.diags) == 0 {
		return nil
	}
	d := s.diags.sorted()
	s.diags = nil
	return d
}

// Program returns the program built so far (nil before lower).
func (s *State) Program() *Program { return s.prog }

// Compile runs every pass on a copy of g for spec and returns the program. On
// failure the error is a Diagnostics listing every problem of the failing pass,
// sorted, or a wrapped error naming the pass.
func Compile(g *models.Graph, spec *arch.Spec, opts Options) (*Program, error) {
	if g == nil || spec == nil {
		return nil, errors.New("compile: nil graph or spec")
	}
	if ps := spec.Validate(); ps != nil {
		return nil, fmt.Errorf("compile: %w", ps)
	}
	if opts.DumpAfter != "" && passIndex(opts.DumpAfter) < 0 {
		return nil, fmt.Errorf("compile: --dump-after %q: no such pass (passes: %s)", opts.DumpAfter, strings.Join(PassNames(), ", "))
	}
	if opts.DumpFormat == "" {
		opts.DumpFormat = "json"
	}
	if opts.DumpFormat != "json" && opts.DumpFormat != "dot" {
		return nil, fmt.Errorf("compile: dump format %q: want json or dot", opts.DumpFormat)
	}
	st := &State{Spec: spec, Graph: g.Clone(), Opts: opts}
	// the model's hash now, so that Compile holds no reference to the
	// caller's graph (its float weights are garbage during lowering when
	// the caller keeps none)
	if err := st.hashModel(g); err != nil {
		return nil, err
	}
	g = nil
	for _, p := range Passes {
		if err := p.Run(st); err != nil {
			var ds Diagnostics
			if errors.As(err, &ds) {
				return nil, err
			}
			return nil, fmt.Errorf("compile: pass %s: %w", p.Name, err)
		}
		if err := st.flush(); err != nil {
			return nil, err
		}
		if opts.Verify {
			if err := st.verifyAfter(p); err != nil {
				return nil, fmt.Errorf("compile: verify after %s: %w", p.Name, err)
			}
		}
		if opts.DumpAfter == p.Name {
			if err := st.dump(p); err != nil {
				return nil, fmt.Errorf("compile: dump after %s: %w", p.Name, err)
			}
		}
		if p.Name == "lower" {
			st.Graph = nil // the layers hold everything later passes read
		}
	}
	return st.prog, nil
}

// PassNames lists the passes in order.
func PassNames() []string {
	var s []string
	for _, p := range Passes {
		s = append(s, p.Name)
	}
	return s
}

func passIndex(name string) int {
	for i, p := range Passes {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func (s *State) verifyAfter(p Pass) error {
	if p.Graph || s.prog == nil {
		return models.Verify(s.Graph)
	}
	switch i := passIndex(p.Name); {
	case i >= passIndex("route"):
		return s.prog.check(checkRouted)
	case i >= passIndex("quantize"):
		return s.prog.check(checkQuantized)
	}
	return s.prog.check(checkLowered)
}

func (s *State) dump(p Pass) (err error) {
	w := s.Opts.DumpWriter
	if w == nil {
		dir := s.Opts.DumpDir
		if dir == "" {
			dir = "."
		}
		f, err := os.Create(filepath.Join(dir, "after-"+p.Name+"."+s.Opts.DumpFormat))
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	if p.Graph || s.prog == nil {
		if s.Opts.DumpFormat == "dot" {
			return models.WriteDOT(w, s.Graph)
		}
		return models.WriteJSON(w, s.Graph)
	}
	if s.Opts.DumpFormat == "dot" {
		return s.prog.WriteDOT(w)
	}
	return s.prog.WriteHeaderJSON(w)
}

func verifyPass(s *State) error {
	if err := models.Verify(s.Graph); err != nil {
		var el models.ErrorList
		if errors.As(err, &el) {
			for _, p := range el {
				s.errorf(p.Node, "%s", p.Msg)
			}
			return nil
		}
		return err
	}
	return nil
}

func foldBNPass(s *State) error {
	_, err := models.FoldAllBatchNorm(s.Graph)
	return err
}
