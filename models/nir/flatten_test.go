package nir

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// fakeNode builds small valid nodes over 2-element vectors for graphs
// written in the tests, without HDF5.
func fakeNode(rn *rawNode, id, _ string) (*models.Node, error) {
	one := func(v float32) *models.Tensor { return models.NewTensor(models.Shape{1}, []float32{v}) }
	switch rn.typ {
	case "Input":
		return models.NewNode(id, models.OpInput).SetInts("shape", 2), nil
	case "Output":
		return models.NewNode(id, models.OpOutput), nil
	case "Linear":
		return models.NewNode(id, models.OpLinear).SetF32("weight", models.Shape{2, 2}, []float32{1, 0, 0, 1}), nil
	case "LIF":
		return models.NewNode(id, models.OpLIF).SetTensor("tau", one(1e-3)).SetTensor("r", one(1)).
			SetTensor("v_leak", one(0)).SetTensor("v_threshold", one(1)).SetTensor("v_reset", one(0)), nil
	}
	return nil, nil
}

// graphOf builds a rawGraph from "name:Type" nodes (Type NIRGraph takes the
// next sub from subs) and "a>b" edges.
func graphOf(nodes []string, edges []string, subs ...*rawGraph) *rawGraph {
	rg := &rawGraph{nodes: map[string]*rawNode{}}
	for _, nt := range nodes {
		name, typ, _ := strings.Cut(nt, ":")
		rn := &rawNode{name: name, typ: typ}
		if typ == "NIRGraph" {
			rn.sub, subs = subs[0], subs[1:]
		}
		rg.nodes[name] = rn
		rg.names = append(rg.names, name)
	}
	slices.Sort(rg.names)
	for _, e := range edges {
		a, b, _ := strings.Cut(e, ">")
		rg.edges = append(rg.edges, [2]string{a, b})
	}
	return rg
}

func assembleFake(t *testing.T, rg *rawGraph, opts Options) (*models.Graph, []Warning, error) {
	t.Helper()
	opts, err := opts.normalize()
	if err != nil {
		t.Fatal(err)
	}
	im := newImporter(opts)
	im.convertNode = fakeNode
	g, err := im.assemble(rg)
	return g, im.warns, err
}

func edgeList(g *models.Graph) []string {
	var s []string
	for _, e := range g.Edges() {
		r := ""
		if e.Recurrent {
			r = " (rec)"
		}
		s = append(s, e.From+">"+e.To+r)
	}
	slices.Sort(s)
	return s
}

func nodeIDs(g *models.Graph) []string {
	var s []string
	for _, n := range g.Nodes() {
		s = append(s, n.ID)
	}
	return s
}

func TestFlattenSubgraphs(t *testing.T) {
	recurrentSub := func() *rawGraph {
		return graphOf([]string{"i:Input", "lif:LIF", "w:Linear", "o:Output"}, []string{"i>lif", "lif>w", "w>lif", "lif>o"})
	}
	for _, tc := range []struct {
		name  string
		rg    *rawGraph
		nodes []string // in insertion order
		edges []string
		meta  map[string]string // expected nir_name entries
		err   string
	}{
		{
			name:  "recurrent subgraph",
			rg:    graphOf([]string{"in:Input", "sub:NIRGraph", "out:Output"}, []string{"in>sub", "sub>out"}, recurrentSub()),
			nodes: []string{"in", "sub.lif", "out", "sub.w"},
			edges: []string{"in>sub.lif", "sub.lif>out", "sub.lif>sub.w", "sub.w>sub.lif (rec)"},
		},
		{
			name: "two inputs named by dotted endpoints",
			rg: graphOf([]string{"in:Input", "sub:NIRGraph", "out:Output"}, []string{"in>sub.a", "in>sub.b", "sub>out"},
				graphOf([]string{"a:Input", "b:Input", "la:LIF", "lb:LIF", "o:Output"}, []string{"a>la", "b>lb", "la>o", "lb>o"})),
			nodes: []string{"in", "sub.la", "out", "sub.lb"},
			edges: []string{"in>sub.la", "in>sub.lb", "sub.la>out", "sub.lb>out"},
		},
		{
			name: "an edge to a subgraph with two inputs",
			rg: graphOf([]string{"in:Input", "sub:NIRGraph", "out:Output"}, []string{"in>sub", "sub>out"},
				graphOf([]string{"a:Input", "b:Input", "l:LIF", "o:Output"}, []string{"a>l", "b>l", "l>o"})),
			err: "has 2 Input nodes (a, b); name one as sub.<name>",
		},
		{
			name: "pass-through subgraphs nested twice",
			rg: graphOf([]string{"in:Input", "s:NIRGraph", "l:LIF", "out:Output"}, []string{"in>s", "s>l", "l>out"},
				graphOf([]string{"i:Input", "t:NIRGraph", "o:Output"}, []string{"i>t", "t>o"},
					graphOf([]string{"i:Input", "o:Output"}, []string{"i>o"}))),
			nodes: []string{"in", "l", "out"},
			edges: []string{"in>l", "l>out"},
		},
		{
			name:  "self loop is recurrent",
			rg:    graphOf([]string{"in:Input", "l:LIF", "out:Output"}, []string{"in>l", "l>l", "l>out"}),
			nodes: []string{"in", "l", "out"},
			edges: []string{"in>l", "l>l (rec)", "l>out"},
		},
		{
			name: "ID clash between a flattened and a top-level name",
			rg: graphOf([]string{"in:Input", "s.l:LIF", "s:NIRGraph", "out:Output"}, []string{"in>s", "s>s.l", "s.l>out"},
				graphOf([]string{"i:Input", "l:LIF", "o:Output"}, []string{"i>l", "l>o"})),
			nodes: []string{"in", "s.l~2", "s.l", "out"},
			edges: []string{"in>s.l~2", "s.l>out", "s.l~2>s.l"},
			meta:  map[string]string{"nir_name:s.l~2": "s/l"},
		},
		{
			name: "unknown port",
			rg: graphOf([]string{"in:Input", "sub:NIRGraph", "out:Output"}, []string{"in>sub.zz", "sub>out"},
				recurrentSub()),
			err: `edge endpoint "sub.zz" names no node`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _, err := assembleFake(t, tc.rg, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := nodeIDs(g); !slices.Equal(got, tc.nodes) {
				t.Errorf("nodes %v, want %v", got, tc.nodes)
			}
			if got := edgeList(g); !slices.Equal(got, tc.edges) {
				t.Errorf("edges %v, want %v", got, tc.edges)
			}
			for k, v := range tc.meta {
				if g.Meta[k] != v {
					t.Errorf("Meta[%q] = %q, want %q", k, g.Meta[k], v)
				}
			}
		})
	}
}

// TestRecurrenceIndependentOfEdgeOrder: the back edge chosen depends on the
// names only, however the file orders its edge list.
func TestRecurrenceIndependentOfEdgeOrder(t *testing.T) {
	edges := []string{"in>fc", "fc>lif", "lif>rec", "rec>lif", "lif>fc2", "fc2>lif2", "lif2>out", "lif2>rec2", "rec2>fc"}
	nodes := []string{"in:Input", "fc:Linear", "lif:LIF", "rec:Linear", "fc2:Linear", "lif2:LIF", "rec2:Linear", "out:Output"}
	rng := rand.New(rand.NewPCG(7, 7))
	var first []string
	for range 20 {
		rng.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
		rng.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
		g, _, err := assembleFake(t, graphOf(nodes, edges), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := recurrentEdges(g)
		if first == nil {
			first = got
		}
		if !slices.Equal(got, first) {
			t.Fatalf("recurrent edges %v, earlier %v", got, first)
		}
	}
	// DFS from in: fc, lif, then fc2 before rec (by name): lif2 → rec2 → fc
	// closes the long loop, then rec → lif the short one.
	if want := []string{"rec->lif", "rec2->fc"}; !slices.Equal(first, want) {
		t.Errorf("recurrent edges %v, want %v", first, want)
	}
}
