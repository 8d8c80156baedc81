package models

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

type dumpTensor struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

type dumpNode struct {
	ID      string                `json:"id"`
	Op      Op                    `json:"op"`
	Attrs   map[string]any        `json:"attrs,omitempty"`
	Tensors map[string]dumpTensor `json:"tensors,omitempty"`
}

// WriteJSON writes g's structure as indented JSON for humans and diffs (the
// compiler's --dump-after): nodes in insertion order with op, attributes and tensor
// dtypes and shapes (no tensor data), edges, and Meta. The output is deterministic.
// Non-finite float attributes are written as strings.
func WriteJSON(w io.Writer, g *Graph) error {
	out := struct {
		Nodes []dumpNode        `json:"nodes"`
		Edges []fileEdge        `json:"edges"`
		Meta  map[string]string `json:"meta,omitempty"`
	}{Nodes: []dumpNode{}, Edges: []fileEdge{}, Meta: g.Meta}
	for _, n := range g.nodes {
		dn := dumpNode{ID: n.ID, Op: n.Op}
		if len(n.Attrs) > 0 {
			dn.Attrs = map[string]any{}
			for k, a := range n.Attrs {
				dn.Attrs[k] = attrValue(a)
			}
		}
		if len(n.Tensors) > 0 {
			dn.Tensors = map[string]dumpTensor{}
			for k, t := range n.Tensors {
				if t == nil {
					continue
				}
				dn.Tensors[k] = dumpTensor{DType: t.DType.String(), Shape: nonNil(t.Shape)}
			}
		}
		out.Nodes = append(out.Nodes, dn)
	}
	for _, e := range g.edges {
		out.Edges = append(out.Edges, fileEdge(e))
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("models: dump JSON: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

func attrValue(a Attr) any {
	switch a.Kind {
	case AttrInt:
		return a.I
	case AttrFloat:
		if math.IsNaN(a.F) || math.IsInf(a.F, 0) {
			return strconv.FormatFloat(a.F, 'g', -1, 64)
		}
		return a.F
	case AttrString:
		return a.S
	case AttrInts:
		return nonNil(a.Ints)
	}
	return nil
}

// WriteDOT writes g in Graphviz DOT: one box per node labelled "id\nOp", feed-forward
// edges solid, recurrent edges dashed. Output is deterministic.
func WriteDOT(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph model {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n")
	for _, n := range g.nodes {
		fmt.Fprintf(bw, "  %s [label=%s];\n", dotQuote(n.ID), dotQuote(n.ID+"\n"+string(n.Op)))
	}
	for _, e := range g.edges {
		style := ""
		if e.Recurrent {
			style = " [style=dashed, constraint=false]"
		}
		fmt.Fprintf(bw, "  %s -> %s%s;\n", dotQuote(e.From), dotQuote(e.To), style)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
