package nir

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/internal/hdf5"
	"github.com/neurosim/neurosim/models"
)

// DefaultDT is the step length, in seconds, used when Options.DT is zero:
// snnTorch's convention and the NIR paper's.
const DefaultDT = 1e-4

// Limits on what an import builds, so a hostile file cannot make it loop or
// allocate without bound (hdf5 bounds each dataset; these bound the graph).
const (
	maxDepth = 32      // nesting of NIRGraph subgraphs
	maxNodes = 1 << 20 // nodes after flattening
	maxEdges = 1 << 22 // edges after flattening and rewiring
)

// Options control an import. The zero value is usable.
type Options struct {
	// DT is the simulation step in seconds (the unit of NIR's time
	// constants); 0 means DefaultDT. Recorded as Meta["lif_dt"].
	DT float64
	// Integration is "exact" (zero-order hold, the default) or "euler";
	// recorded as Meta["lif_integration"]. ReadNet ignores it and records
	// "euler", which its fixed-point mapping is exact for.
	Integration string
	// Reset is "hard" (v ← v_reset, NIR's definition and the default) or
	// "subtract" (v ← v − v_threshold); recorded as Meta["lif_reset"].
	Reset string
	// StrictEdges makes an edge endpoint that names no node an error instead
	// of resolving it by a unique prefix match.
	StrictEdges bool
}

func (o Options) normalize() (Options, error) {
	if o.DT == 0 {
		o.DT = DefaultDT
	}
	if !(o.DT > 0) || math.IsInf(o.DT, 0) {
		return o, fmt.Errorf("nir: time step %g, want a finite positive number of seconds", o.DT)
	}
	switch o.Integration {
	case "":
		o.Integration = "exact"
	case "exact", "euler":
	default:
		return o, fmt.Errorf("nir: integration %q, want exact or euler", o.Integration)
	}
	switch o.Reset {
	case "":
		o.Reset = "hard"
	case "hard", "subtract":
	default:
		return o, fmt.Errorf("nir: reset %q, want hard or subtract", o.Reset)
	}
	return o, nil
}

// Warning is something the importer changed or left out without failing:
// a resolved edge name, an ignored parameter, a shape the file records
// differently from the inferred one.
type Warning struct {
	Node string // node ID or NIR name; empty for the whole file
	Msg  string
}

func (w Warning) String() string {
	if w.Node == "" {
		return w.Msg
	}
	return w.Node + ": " + w.Msg
}

// Read imports the NIR file at path. Warnings are returned even when the
// import succeeds; on error the graph is nil.
func Read(path string, opts Options) (*models.Graph, []Warning, error) {
	if _, err := opts.normalize(); err != nil {
		return nil, nil, err
	}
	f, err := hdf5.OpenFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("nir: %w", err)
	}
	defer f.Close()
	g, ws, err := decode(f, opts)
	if err != nil {
		return nil, ws, fmt.Errorf("%s: %w", path, err)
	}
	return g, ws, nil
}

// Decode imports a NIR file of the given size held in r.
func Decode(r io.ReaderAt, size int64, opts Options) (*models.Graph, []Warning, error) {
	if _, err := opts.normalize(); err != nil {
		return nil, nil, err
	}
	f, err := hdf5.Open(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("nir: %w", err)
	}
	return decode(f, opts)
}

// rawGraph is one NIRGraph as stored: node names sorted by byte value.
type rawGraph struct {
	names []string
	nodes map[string]*rawNode
	edges [][2]string
}

type rawNode struct {
	name string
	typ  string
	grp  *hdf5.Group
	sub  *rawGraph // for NIRGraph
}

type importer struct {
	opts Options
	// convertNode builds the models node of a leaf (convert; tests swap it
	// to exercise flattening without HDF5 files).
	convertNode func(rn *rawNode, id, path string) (*models.Node, error)
	warns       []Warning
	count       int // nodes read, all levels

	// flattened graph
	ids      map[string]bool
	recorded map[string][]int // input shapes the file records (Conv input_shape, Flatten input_type)
	resolved map[string]bool  // edge endpoints resolved by prefix, warned once
	flat     []*flatNode
	edges    []flatEdge
}

type flatNode struct {
	id, path string
	node     *models.Node // nil for a removed subgraph Input/Output
	nirShape []int        // Output: the shape NIR records
}

type flatEdge struct{ from, to int }

func (im *importer) warn(node, format string, args ...any) {
	im.warns = append(im.warns, Warning{Node: node, Msg: fmt.Sprintf(format, args...)})
}

func decode(f *hdf5.File, opts Options) (*models.Graph, []Warning, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, nil, err
	}
	im := newImporter(opts)
	root := f.Root()
	version := ""
	if root.Has("version") {
		if s, err := readString(root, "version"); err == nil {
			version = s
		} else {
			im.warn("", "unreadable version: %v", err)
		}
	}
	if !root.Has("node") {
		return nil, nil, errors.New("nir: no group \"node\" at the root (not a NIR file?)")
	}
	top, err := root.Group("node")
	if err != nil {
		return nil, nil, fmt.Errorf("nir: %w", err)
	}
	typ, err := nodeType(top)
	if err != nil {
		return nil, nil, fmt.Errorf("nir: node: %w", err)
	}
	if typ != "NIRGraph" {
		return nil, nil, fmt.Errorf("nir: the root node has type %q, want NIRGraph", typ)
	}
	rg, err := im.readGraph(top, "", 0)
	if err != nil {
		return nil, im.warns, err
	}
	g, err := im.assemble(rg)
	if err != nil {
		return nil, im.warns, err
	}
	if version != "" {
		g.Meta["nir_version"] = version
	}
	return g, im.warns, nil
}

func newImporter(opts Options) *importer {
	im := &importer{opts: opts, ids: map[string]bool{}, recorded: map[string][]int{}, resolved: map[string]bool{}}
	im.convertNode = im.convert
	return im
}

// assemble flattens a read graph into a verified models.Graph.
func (im *importer) assemble(rg *rawGraph) (*models.Graph, error) {
	opts := im.opts
	if _, _, err := im.flatten(rg, "", "", true); err != nil {
		return nil, err
	}
	if err := im.contract(); err != nil {
		return nil, err
	}
	g := im.build()
	g.Meta["format"] = "nir"
	g.Meta["lif_dt"] = strconv.FormatFloat(opts.DT, 'g', -1, 64)
	g.Meta["lif_integration"] = opts.Integration
	g.Meta["lif_reset"] = opts.Reset
	if err := models.Verify(g); err != nil {
		return nil, fmt.Errorf("nir: the imported graph does not verify:\n%w", err)
	}
	im.checkShapes(g)
	return g, nil
}

// readGraph reads a NIRGraph group: its edges and nodes, recursively.
func (im *importer) readGraph(grp *hdf5.Group, path string, depth int) (*rawGraph, error) {
	where := path
	if where == "" {
		where = "root graph"
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("nir: %s: subgraphs nested deeper than %d", where, maxDepth)
	}
	rg := &rawGraph{nodes: map[string]*rawNode{}}
	if !grp.Has("nodes") {
		return nil, fmt.Errorf("nir: %s: NIRGraph without \"nodes\"", where)
	}
	ng, err := grp.Group("nodes")
	if err != nil {
		return nil, fmt.Errorf("nir: %s: %w", where, err)
	}
	rg.names = ng.Members()
	for _, name := range rg.names {
		im.count++
		if im.count > maxNodes {
			return nil, fmt.Errorf("nir: more than %d nodes", maxNodes)
		}
		p := joinPath(path, name)
		kind, err := ng.Kind(name)
		if err != nil {
			return nil, fmt.Errorf("nir: node %s: %w", p, err)
		}
		if kind != "group" {
			return nil, fmt.Errorf("nir: node %s is a dataset, want a group", p)
		}
		sub, err := ng.Group(name)
		if err != nil {
			return nil, fmt.Errorf("nir: node %s: %w", p, err)
		}
		typ, err := nodeType(sub)
		if err != nil {
			return nil, fmt.Errorf("nir: node %s: %w", p, err)
		}
		rn := &rawNode{name: name, typ: typ, grp: sub}
		if typ == "NIRGraph" {
			if rn.sub, err = im.readGraph(sub, p, depth+1); err != nil {
				return nil, err
			}
		}
		rg.nodes[name] = rn
	}
	if grp.Has("edges") {
		ds, err := grp.Dataset("edges")
		if err != nil {
			return nil, fmt.Errorf("nir: %s: edges: %w", where, err)
		}
		if ds.Len() > 0 {
			sh := ds.Shape()
			if len(sh) != 2 || sh[1] != 2 {
				return nil, fmt.Errorf("nir: %s: edges have shape %v, want [n,2]", where, sh)
			}
			if ds.DType().Class != hdf5.String {
				return nil, fmt.Errorf("nir: %s: edges are %v, want strings", where, ds.DType())
			}
			s, err := ds.ReadStrings()
			if err != nil {
				return nil, fmt.Errorf("nir: %s: edges: %w", where, err)
			}
			if len(s) != 2*sh[0] {
				return nil, fmt.Errorf("nir: %s: edges: read %d strings for shape %v", where, len(s), sh)
			}
			for i := 0; i < len(s); i += 2 {
				rg.edges = append(rg.edges, [2]string{s[i], s[i+1]})
			}
		}
	}
	return rg, nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

// nodeType reads a node group's type: a scalar string dataset "type" (every
// NIR writer), or an attribute of that name.
func nodeType(g *hdf5.Group) (string, error) {
	if g.Has("type") {
		return readString(g, "type")
	}
	if a := g.Attr("type"); a != nil {
		v, err := a.Value()
		if err != nil {
			return "", fmt.Errorf("type attribute: %w", err)
		}
		if s, ok := v.(string); ok {
			return s, nil
		}
		return "", fmt.Errorf("type attribute is %T, want a string", v)
	}
	return "", errors.New("no \"type\"")
}

func readString(g *hdf5.Group, name string) (string, error) {
	ds, err := g.Dataset(name)
	if err != nil {
		return "", err
	}
	if ds.DType().Class != hdf5.String {
		return "", fmt.Errorf("%s is %v, want a string", name, ds.DType())
	}
	if ds.Len() != 1 {
		return "", fmt.Errorf("%s has %d elements, want one string", name, ds.Len())
	}
	s, err := ds.ReadStrings()
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if len(s) != 1 {
		return "", fmt.Errorf("%s: read %d strings, want 1", name, len(s))
	}
	return strings.TrimRight(s[0], "\x00 "), nil
}

// endpoints of one node of a graph after flattening: where edges into it
// go, and where edges out of it come from. For a leaf both are its own
// index; for a subgraph they are its Input and Output placeholders by name.
type endpoints struct {
	leaf    int
	ins     map[string]int // subgraph Input placeholders by name
	outs    map[string]int
	inList  []string // sorted names, for messages
	outList []string
}

// flatten appends the nodes of rg under prefix (an ID prefix) and path (the
// NIR path) and its edges, and returns the endpoints of rg's Input and
// Output nodes (used by the parent to rewire) when rg is nested.
func (im *importer) flatten(rg *rawGraph, prefix, path string, top bool) (map[string]int, map[string]int, error) {
	eps := make(map[string]*endpoints, len(rg.names))
	ins, outs := map[string]int{}, map[string]int{}
	// Name the nodes of this graph before those of its subgraphs, so a
	// node keeps its NIR name rather than a flattened node taking it.
	ids := make(map[string]string, len(rg.names))
	for _, name := range rg.names {
		ids[name] = im.newID(prefix, name)
	}
	for _, name := range rg.names {
		rn := rg.nodes[name]
		p := joinPath(path, name)
		id := ids[name]
		if rn.typ == "NIRGraph" {
			si, so, err := im.flatten(rn.sub, id+".", p, false)
			if err != nil {
				return nil, nil, err
			}
			e := &endpoints{leaf: -1, ins: si, outs: so}
			e.inList, e.outList = sortedKeys(si), sortedKeys(so)
			eps[name] = e
			continue
		}
		fn := &flatNode{id: id, path: p}
		if !top && (rn.typ == "Input" || rn.typ == "Output") {
			// A nested Input or Output disappears when rewired (contract).
		} else {
			n, err := im.convertNode(rn, id, p)
			if err != nil {
				return nil, nil, err
			}
			fn.node = n
			if rn.typ == "Output" && rn.grp != nil && rn.grp.Has("shape") {
				if s, err := readInts(rn.grp, "shape"); err == nil {
					fn.nirShape = s
				}
			}
		}
		idx := len(im.flat)
		im.flat = append(im.flat, fn)
		eps[name] = &endpoints{leaf: idx}
		switch rn.typ {
		case "Input":
			ins[name] = idx
		case "Output":
			outs[name] = idx
		}
	}
	graphName := path
	if graphName == "" {
		graphName = "the root graph"
	} else {
		graphName = "subgraph " + graphName
	}
	for _, e := range rg.edges {
		from, err := im.resolve(rg, eps, e[0], false, graphName)
		if err != nil {
			return nil, nil, err
		}
		to, err := im.resolve(rg, eps, e[1], true, graphName)
		if err != nil {
			return nil, nil, err
		}
		if len(im.edges) >= maxEdges {
			return nil, nil, fmt.Errorf("nir: more than %d edges", maxEdges)
		}
		im.edges = append(im.edges, flatEdge{from, to})
	}
	return ins, outs, nil
}

// resolve maps an edge endpoint name of graph rg to a flat node index.
// target says whether it is the edge's target (a subgraph is entered through
// its Input) or source (left through its Output).
func (im *importer) resolve(rg *rawGraph, eps map[string]*endpoints, name string, target bool, graphName string) (int, error) {
	if e, ok := eps[name]; ok {
		return pick(e, name, "", target)
	}
	// "<subgraph>.<Input or Output name>"
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		if e, ok := eps[name[:i]]; ok && e.leaf < 0 {
			if idx, err := pick(e, name[:i], name[i+1:], target); err == nil {
				return idx, nil
			}
		}
	}
	if !im.opts.StrictEdges && name != "" {
		var cand []string
		for _, n := range rg.names {
			if strings.HasPrefix(n, name) {
				cand = append(cand, n)
			}
		}
		if len(cand) == 1 {
			key := graphName + "\x00" + name
			if !im.resolved[key] {
				im.resolved[key] = true
				im.warn(strings.TrimPrefix(graphName, "subgraph "), "edge endpoint %q names no node; resolved to %q, the only node whose name starts with it", name, cand[0])
			}
			return pick(eps[cand[0]], cand[0], "", target)
		}
	}
	return 0, fmt.Errorf("nir: %s: edge endpoint %q names no node (nodes: %s)", graphName, name, strings.Join(rg.names, ", "))
}

func pick(e *endpoints, name, port string, target bool) (int, error) {
	if e.leaf >= 0 {
		if port != "" {
			return 0, fmt.Errorf("nir: %s is not a subgraph", name)
		}
		return e.leaf, nil
	}
	m, list, kind := e.outs, e.outList, "Output"
	if target {
		m, list, kind = e.ins, e.inList, "Input"
	}
	if port != "" {
		if idx, ok := m[port]; ok {
			return idx, nil
		}
		return 0, fmt.Errorf("nir: subgraph %s has no %s node %q (has %s)", name, kind, port, strings.Join(list, ", "))
	}
	if len(list) != 1 {
		return 0, fmt.Errorf("nir: an edge names subgraph %s, which has %d %s nodes (%s); name one as %s.<name>",
			name, len(list), kind, strings.Join(list, ", "), name)
	}
	return m[list[0]], nil
}

func sortedKeys(m map[string]int) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// newID returns a unique valid node ID for name under prefix (see the
// package doc).
func (im *importer) newID(prefix, name string) string {
	id := prefix + sanitize(name)
	if len(id) > 256 {
		id = truncate(id, 256)
	}
	if im.ids[id] {
		for k := 2; ; k++ {
			suf := "~" + strconv.Itoa(k)
			c := truncate(id, 256-len(suf)) + suf
			if !im.ids[c] {
				id = c
				break
			}
		}
	}
	im.ids[id] = true
	return id
}

func sanitize(name string) string {
	if models.ValidID(name) {
		return name
	}
	var b strings.Builder
	for _, r := range name {
		if r == '/' || r == '\uFFFD' || !isPrint(r) {
			b.WriteByte('_')
		} else {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" {
		s = "_"
	}
	return s
}

// isPrint matches what models.ValidID accepts inside an ID.
func isPrint(r rune) bool {
	return models.ValidID(string(r))
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// contract removes the nested Input/Output placeholders, joining every edge
// into one with every edge out of it, then merges duplicate edges.
func (im *importer) contract() error {
	for p, fn := range im.flat {
		if fn.node != nil {
			continue
		}
		var in, out []int
		kept := im.edges[:0:0]
		for _, e := range im.edges {
			switch {
			case e.to == p && e.from == p:
			case e.to == p:
				in = append(in, e.from)
			case e.from == p:
				out = append(out, e.to)
			default:
				kept = append(kept, e)
			}
		}
		if len(kept)+len(in)*len(out) > maxEdges {
			return fmt.Errorf("nir: more than %d edges after rewiring subgraph %s", maxEdges, fn.path)
		}
		for _, a := range in {
			for _, b := range out {
				kept = append(kept, flatEdge{a, b})
			}
		}
		im.edges = kept
	}
	seen := make(map[flatEdge]bool, len(im.edges))
	uniq := im.edges[:0]
	for _, e := range im.edges {
		if !seen[e] {
			seen[e] = true
			uniq = append(uniq, e)
		}
	}
	im.edges = uniq
	return nil
}

// build adds the nodes in depth-first discovery order and the edges in list
// order, marking back edges recurrent (see the package doc).
func (im *importer) build() *models.Graph {
	var live []int
	for i, fn := range im.flat {
		if fn.node != nil {
			live = append(live, i)
		}
	}
	byID := func(a, b int) int { return strings.Compare(im.flat[a].id, im.flat[b].id) }
	succ := make(map[int][]int)
	for _, e := range im.edges {
		succ[e.from] = append(succ[e.from], e.to)
	}
	for k := range succ {
		slices.SortFunc(succ[k], byID)
		succ[k] = slices.Compact(succ[k])
	}
	roots := slices.Clone(live)
	slices.SortStableFunc(roots, func(a, b int) int {
		ia, ib := im.flat[a].node.Op == models.OpInput, im.flat[b].node.Op == models.OpInput
		if ia != ib {
			if ia {
				return -1
			}
			return 1
		}
		return byID(a, b)
	})
	const (
		white = iota
		grey
		black
	)
	color := make(map[int]int, len(live))
	back := map[flatEdge]bool{}
	var order []int
	type frame struct{ n, next int }
	for _, r := range roots {
		if color[r] != white {
			continue
		}
		stack := []frame{{r, 0}}
		color[r] = grey
		order = append(order, r)
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			ss := succ[top.n]
			if top.next == len(ss) {
				color[top.n] = black
				stack = stack[:len(stack)-1]
				continue
			}
			s := ss[top.next]
			top.next++
			switch color[s] {
			case grey:
				back[flatEdge{top.n, s}] = true
			case white:
				color[s] = grey
				order = append(order, s)
				stack = append(stack, frame{s, 0})
			}
		}
	}
	g := models.NewGraph()
	g.Meta = map[string]string{}
	for _, i := range order {
		fn := im.flat[i]
		g.AddNode(fn.node)
		if fn.id != fn.path {
			g.Meta["nir_name:"+fn.id] = fn.path
		}
	}
	for _, e := range im.edges {
		from, to := im.flat[e.from].id, im.flat[e.to].id
		if back[e] {
			g.ConnectRecurrent(from, to)
		} else {
			g.Connect(from, to)
		}
	}
	return g
}

// checkShapes compares what the file records about shapes with what the
// graph infers, as warnings.
func (im *importer) checkShapes(g *models.Graph) {
	shapes, err := models.InferShapes(g, nil)
	if err != nil {
		return
	}
	for _, fn := range im.flat {
		if fn.node == nil {
			continue
		}
		id := fn.id
		n := fn.node
		var in models.Shape
		if p := g.Predecessors(id); len(p) > 0 {
			in = shapes[p[0]]
		}
		switch n.Op {
		case models.OpOutput:
			if fn.nirShape != nil && models.Shape(fn.nirShape).Numel() != shapes[id].Numel() {
				im.warn(id, "the file records output shape %v, the graph infers %v", fn.nirShape, shapes[id])
			}
		}
		if want, ok := im.recorded[id]; ok && in != nil && !slices.Equal(want, in) {
			im.warn(id, "the file records input shape %v, the graph infers %v", want, in)
		}
	}
}
