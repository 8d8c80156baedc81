package data

import (
	"fmt"
	"math"
	"slices"
)

// Graph is an undirected graph on nodes 0..Nodes−1 given by its edge list
// (each edge once, as {i, j} with i < j, no self loops).
type Graph struct {
	Nodes int
	Edges [][2]int32
}

// Validate reports a malformed graph: an edge out of range, a self loop, an
// unordered or repeated edge.
func (g *Graph) Validate() error {
	if g.Nodes < 1 {
		return fmt.Errorf("graph with %d nodes", g.Nodes)
	}
	seen := map[[2]int32]bool{}
	for k, e := range g.Edges {
		switch {
		case e[0] < 0 || int(e[1]) >= g.Nodes:
			return fmt.Errorf("edge %d = %v out of range for %d nodes", k, e, g.Nodes)
		case e[0] >= e[1]:
			return fmt.Errorf("edge %d = %v: want i < j (no self loops, each edge once)", k, e)
		case seen[e]:
			return fmt.Errorf("edge %d = %v repeated", k, e)
		}
		seen[e] = true
	}
	return nil
}

// Degrees returns the degree of every node (self loops not counted).
func (g *Graph) Degrees() []int {
	d := make([]int, g.Nodes)
	for _, e := range g.Edges {
		d[e[0]]++
		d[e[1]]++
	}
	return d
}

// NormAdj returns the normalised adjacency with self loops of a GCN (Kipf &
// Welling 2017), Â = D̃^−½ (A + I) D̃^−½ with D̃ the degrees of A + I, in COO
// form sorted by row then column: Â[row[k]][col[k]] = val[k]. Â is symmetric
// and has Nodes + 2·len(Edges) entries.
func (g *Graph) NormAdj() (row, col []int32, val []float32) {
	deg := g.Degrees()
	type ent struct{ r, c int32 }
	es := make([]ent, 0, g.Nodes+2*len(g.Edges))
	for i := 0; i < g.Nodes; i++ {
		es = append(es, ent{int32(i), int32(i)})
	}
	for _, e := range g.Edges {
		es = append(es, ent{e[0], e[1]}, ent{e[1], e[0]})
	}
	slices.SortFunc(es, func(a, b ent) int {
		if a.r != b.r {
			return int(a.r - b.r)
		}
		return int(a.c - b.c)
	})
	row, col, val = make([]int32, len(es)), make([]int32, len(es)), make([]float32, len(es))
	for k, e := range es {
		row[k], col[k] = e.r, e.c
		val[k] = float32(1 / math.Sqrt(float64(deg[e.r]+1)*float64(deg[e.c]+1)))
	}
	return row, col, val
}
