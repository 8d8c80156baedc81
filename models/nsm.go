package models

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/neurosim/neurosim/internal/atomicfile"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The .nsm file is a safetensors file:
//
//	8 bytes   little-endian uint64 N: length of the JSON header
//	N bytes   JSON header, padded with spaces to a multiple of 8 bytes:
//	          {"__metadata__": {"format": "neurosim-nsm", "format_version": "1",
//	                            "graph": "<graph JSON>"},
//	           "nodes/<id>/<param>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …}
//	rest      tensor data, little-endian, offsets relative to the end of the header;
//	          tensors are laid out in key order, contiguous, without gaps.
//
// The graph JSON lists nodes (id, op, attrs, names of tensors), edges and Meta.
const (
	// NSMFormat is the value of the "format" metadata key.
	NSMFormat = "neurosim-nsm"
	// NSMVersion is the format version this package writes and reads.
	NSMVersion = 1
	// MaxHeaderLen bounds the JSON header (as the safetensors reference does), so a
	// corrupted length cannot trigger a huge allocation.
	MaxHeaderLen = 100 << 20
)

type fileGraph struct {
	Nodes []fileNode        `json:"nodes"`
	Edges []fileEdge        `json:"edges"`
	Meta  map[string]string `json:"meta,omitempty"`
}

type fileNode struct {
	ID      string              `json:"id"`
	Op      Op                  `json:"op"`
	Attrs   map[string]fileAttr `json:"attrs,omitempty"`
	Tensors []string            `json:"tensors,omitempty"`
}

// fileAttr holds exactly one of its fields.
type fileAttr struct {
	Int    *int64   `json:"int,omitempty"`
	Float  *float64 `json:"float,omitempty"`
	String *string  `json:"string,omitempty"`
	Ints   *[]int   `json:"ints,omitempty"`
}

type fileEdge struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Recurrent bool   `json:"recurrent,omitempty"`
}

type tensorEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

func tensorKey(node, param string) string { return "nodes/" + node + "/" + param }

// EncodeNSM writes g in the .nsm format. The graph must verify; the output is
// deterministic.
func EncodeNSM(w io.Writer, g *Graph) error {
	if err := Verify(g); err != nil {
		return fmt.Errorf("nsm: graph does not verify:\n%w", err)
	}
	fg := fileGraph{Nodes: make([]fileNode, 0, len(g.nodes)), Edges: make([]fileEdge, 0, len(g.edges))}
	if len(g.Meta) > 0 {
		fg.Meta = g.Meta
	}
	type blob struct {
		key string
		t   *Tensor
	}
	var blobs []blob
	for _, n := range g.nodes {
		fn := fileNode{ID: n.ID, Op: n.Op, Tensors: sortedKeys(n.Tensors)}
		if len(n.Attrs) > 0 {
			fn.Attrs = make(map[string]fileAttr, len(n.Attrs))
			for name, a := range n.Attrs {
				var fa fileAttr
				switch a.Kind {
				case AttrInt:
					fa.Int = &a.I
				case AttrFloat:
					fa.Float = &a.F
				case AttrString:
					fa.String = &a.S
				case AttrInts:
					v := slices.Clone(a.Ints)
					if v == nil {
						v = []int{}
					}
					fa.Ints = &v
				}
				fn.Attrs[name] = fa
			}
		}
		for _, name := range fn.Tensors {
			blobs = append(blobs, blob{tensorKey(n.ID, name), n.Tensors[name]})
		}
		fg.Nodes = append(fg.Nodes, fn)
	}
	for _, e := range g.edges {
		fg.Edges = append(fg.Edges, fileEdge(e))
	}
	gj, err := json.Marshal(fg)
	if err != nil {
		return fmt.Errorf("nsm: encode graph: %w", err)
	}
	slices.SortFunc(blobs, func(a, b blob) int { return strings.Compare(a.key, b.key) })

	header := map[string]any{
		"__metadata__": map[string]string{
			"format":         NSMFormat,
			"format_version": strconv.Itoa(NSMVersion),
			"graph":          string(gj),
		},
	}
	var off int64
	for _, b := range blobs {
		size := int64(b.t.Len()) * 4
		header[b.key] = tensorEntry{DType: b.t.DType.String(), Shape: nonNil(b.t.Shape), DataOffsets: [2]int64{off, off + size}}
		off += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("nsm: encode header: %w", err)
	}
	if pad := (8 - len(hj)%8) % 8; pad > 0 {
		hj = append(hj, bytes.Repeat([]byte{' '}, pad)...)
	}
	buf := make([]byte, 8, 8+len(hj)+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(len(hj)))
	buf = append(buf, hj...)
	for _, b := range blobs {
		switch b.t.DType {
		case F32:
			for _, v := range b.t.F32 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		case I32:
			for _, v := range b.t.I32 {
				buf = binary.LittleEndian.AppendUint32(buf, uint32(v))
			}
		}
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("nsm: write: %w", err)
	}
	return nil
}

func nonNil(s Shape) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// Save writes g to path as .nsm: to a temporary file in the same directory first,
// then renamed over path, so a crash never leaves a half-written model.
func Save(path string, g *Graph) error {
	var buf bytes.Buffer
	if err := EncodeNSM(&buf, g); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("nsm: save %s: %w", path, err)
	}
	return nil
}

// Load reads and verifies the .nsm file at path.
func Load(path string) (*Graph, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nsm: %w", err)
	}
	g, err := DecodeNSM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// DecodeNSM parses a .nsm file held in b and verifies the graph. It rejects
// truncated or corrupted files, header lengths beyond the file or above
// MaxHeaderLen, out-of-range, overlapping or gapped data offsets, other format
// versions, unknown dtypes, shape/size mismatches, missing or unreferenced tensors and
// non-finite weights. The result does not alias b.
func DecodeNSM(b []byte) (*Graph, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("nsm: truncated file: %d bytes, need at least 8 for the header length", len(b))
	}
	hlen := binary.LittleEndian.Uint64(b)
	if hlen > MaxHeaderLen {
		return nil, fmt.Errorf("nsm: header length %d exceeds the limit of %d bytes (corrupted file?)", hlen, MaxHeaderLen)
	}
	if hlen > uint64(len(b)-8) {
		return nil, fmt.Errorf("nsm: header length %d beyond the end of the file (%d bytes): truncated or corrupted", hlen, len(b))
	}
	hj, data := b[8:8+hlen], b[8+hlen:]

	var header map[string]json.RawMessage
	if err := json.Unmarshal(hj, &header); err != nil {
		return nil, fmt.Errorf("nsm: corrupted header: %w", err)
	}
	rawMeta, ok := header["__metadata__"]
	if !ok {
		return nil, errors.New("nsm: header has no __metadata__: not a neurosim model file")
	}
	var meta map[string]string
	if err := json.Unmarshal(rawMeta, &meta); err != nil {
		return nil, fmt.Errorf("nsm: corrupted __metadata__: %w", err)
	}
	if meta["format"] != NSMFormat {
		return nil, fmt.Errorf("nsm: metadata format is %q, want %q: not a neurosim model file", meta["format"], NSMFormat)
	}
	if v := meta["format_version"]; v != strconv.Itoa(NSMVersion) {
		return nil, fmt.Errorf("nsm: unsupported format version %q (this build reads version %d)", v, NSMVersion)
	}

	tensors, err := decodeTensors(header, data)
	if err != nil {
		return nil, err
	}

	dec := json.NewDecoder(strings.NewReader(meta["graph"]))
	dec.DisallowUnknownFields()
	var fg fileGraph
	if err := dec.Decode(&fg); err != nil {
		return nil, fmt.Errorf("nsm: corrupted graph JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("nsm: corrupted graph JSON: trailing data")
	}
	g := NewGraph()
	for k, v := range fg.Meta {
		g.Meta[k] = v
	}
	used := map[string]bool{}
	for _, fn := range fg.Nodes {
		n := NewNode(fn.ID, fn.Op)
		for name, fa := range fn.Attrs {
			a, err := fa.attr()
			if err != nil {
				return nil, fmt.Errorf("nsm: node %s attribute %s: %w", fn.ID, name, err)
			}
			n.Attrs[name] = a
		}
		for _, name := range fn.Tensors {
			key := tensorKey(fn.ID, name)
			t, ok := tensors[key]
			if !ok {
				return nil, fmt.Errorf("nsm: missing tensor %s (listed by node %s)", key, fn.ID)
			}
			if used[key] {
				return nil, fmt.Errorf("nsm: tensor %s listed twice", key)
			}
			used[key] = true
			n.Tensors[name] = t
		}
		g.AddNode(n)
	}
	for _, key := range sortedKeys(tensors) {
		if !used[key] {
			return nil, fmt.Errorf("nsm: tensor %s is not referenced by the graph", key)
		}
	}
	for _, e := range fg.Edges {
		g.edges = append(g.edges, Edge(e))
	}
	if err := Verify(g); err != nil {
		return nil, fmt.Errorf("nsm: model does not verify:\n%w", err)
	}
	return g, nil
}

func (fa fileAttr) attr() (Attr, error) {
	var a Attr
	set := 0
	if fa.Int != nil {
		a, set = Attr{Kind: AttrInt, I: *fa.Int}, set+1
	}
	if fa.Float != nil {
		a, set = Attr{Kind: AttrFloat, F: *fa.Float}, set+1
	}
	if fa.String != nil {
		a, set = Attr{Kind: AttrString, S: *fa.String}, set+1
	}
	if fa.Ints != nil {
		a, set = Attr{Kind: AttrInts, Ints: *fa.Ints}, set+1
		if a.Ints == nil {
			a.Ints = []int{}
		}
	}
	if set != 1 {
		return Attr{}, fmt.Errorf("want exactly one of int, float, string, ints; have %d", set)
	}
	return a, nil
}

// decodeTensors parses the tensor entries of the header and copies their data.
func decodeTensors(header map[string]json.RawMessage, data []byte) (map[string]*Tensor, error) {
	type span struct {
		key        string
		begin, end int64
	}
	var spans []span
	out := map[string]*Tensor{}
	for _, key := range sortedKeys(header) {
		if key == "__metadata__" {
			continue
		}
		parts := strings.Split(key, "/")
		if len(parts) != 3 || parts[0] != "nodes" || !ValidID(parts[1]) || !ValidID(parts[2]) {
			return nil, fmt.Errorf("nsm: tensor key %q, want nodes/<id>/<param>", key)
		}
		dec := json.NewDecoder(bytes.NewReader(header[key]))
		dec.DisallowUnknownFields()
		var e tensorEntry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("nsm: tensor %s: corrupted entry: %w", key, err)
		}
		var dt DType
		switch e.DType {
		case "F32":
			dt = F32
		case "I32":
			dt = I32
		default:
			return nil, fmt.Errorf("nsm: tensor %s: unknown dtype %q (want F32 or I32)", key, e.DType)
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin < 0 || end < begin || end > int64(len(data)) {
			return nil, fmt.Errorf("nsm: tensor %s: data offsets [%d, %d] outside the data section of %d bytes", key, begin, end, len(data))
		}
		shape := Shape(e.Shape)
		numel := shape.Numel()
		if numel < 0 {
			return nil, fmt.Errorf("nsm: tensor %s: invalid shape %v", key, shape)
		}
		if numel > (end-begin)/4 || numel*4 != end-begin {
			return nil, fmt.Errorf("nsm: tensor %s: shape %v needs %d bytes, data offsets give %d", key, shape, numel*4, end-begin)
		}
		raw := data[begin:end]
		t := &Tensor{DType: dt, Shape: shape}
		switch dt {
		case F32:
			t.F32 = make([]float32, numel)
			for i := range t.F32 {
				v := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("nsm: tensor %s: element %d is %g; weights must be finite", key, i, v)
				}
				t.F32[i] = v
			}
		case I32:
			t.I32 = make([]int32, numel)
			for i := range t.I32 {
				t.I32[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		}
		out[key] = t
		spans = append(spans, span{key, begin, end})
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.begin != b.begin {
			return int(a.begin - b.begin)
		}
		return int(a.end - b.end)
	})
	var pos int64
	for _, s := range spans {
		if s.begin < pos {
			return nil, fmt.Errorf("nsm: tensor %s: data offsets [%d, %d] overlap another tensor", s.key, s.begin, s.end)
		}
		if s.begin > pos {
			return nil, fmt.Errorf("nsm: %d unreferenced bytes before tensor %s: corrupted data offsets", s.begin-pos, s.key)
		}
		pos = s.end
	}
	if pos != int64(len(data)) {
		return nil, fmt.Errorf("nsm: data section has %d bytes, tensors use %d: corrupted or trailing data", len(data), pos)
	}
	return out, nil
}
