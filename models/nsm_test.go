package models

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tricky holds float32 values whose bits a text format could lose.
var tricky = []float32{0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.MaxFloat32,
	1.0 / 3, 0.1, 16777217, 1e-38}

func richGraph() *Graph {
	g := convNet()
	w := g.Node("conv1").Tensors["weight"].F32
	copy(w, tricky)
	g.Meta["dataset"] = "mnist"
	g.Meta["arch"] = "sfa-convnet"
	g.Node("spike1").SetFloat("decay", 0.25).SetFloat("norm", 1.0/3)
	g.Add("gc_in", OpInput).SetInts("shape", 4, 3)
	g.Add("gc", OpGraphConv).SetF32("weight", Shape{2, 3}, seq(6)).
		SetTensor("adj_row", NewIntTensor(Shape{3}, []int32{0, 1, 3})).
		SetTensor("adj_col", NewIntTensor(Shape{3}, []int32{1, 2, 0})).
		SetF32("adj_val", Shape{3}, []float32{0.5, 0.25, 1})
	g.Add("gc_lif", OpLIF).SetF32("tau", Shape{1}, []float32{2}).SetF32("r", Shape{1}, []float32{1}).
		SetF32("v_leak", Shape{}, []float32{0}).SetF32("v_threshold", Shape{2}, []float32{1, 1})
	g.Add("gc_rec", OpLinear).SetF32("weight", Shape{2, 2}, seq(4))
	g.Add("gc_out", OpOutput)
	g.Chain("gc_in", "gc", "gc_lif", "gc_out")
	g.Connect("gc_lif", "gc_rec")
	g.ConnectRecurrent("gc_rec", "gc_lif")
	return g
}

func encode(t testing.TB, g *Graph) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeNSM(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNSMRoundTrip(t *testing.T) {
	g := richGraph()
	b := encode(t, g)
	g2, err := DecodeNSM(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.nodes, g2.nodes) {
		t.Error("nodes differ after round trip")
	}
	if !reflect.DeepEqual(g.edges, g2.edges) || !reflect.DeepEqual(g.Meta, g2.Meta) {
		t.Error("edges or meta differ after round trip")
	}
	w2 := g2.Node("conv1").Tensors["weight"].F32
	for i, v := range tricky {
		if math.Float32bits(v) != math.Float32bits(w2[i]) {
			t.Errorf("weight %d: bits %08x, want %08x", i, math.Float32bits(w2[i]), math.Float32bits(v))
		}
	}
	if b2 := encode(t, g2); !bytes.Equal(b, b2) {
		t.Error("re-encoding gives different bytes")
	}
	// Header layout: 8-byte aligned, safetensors entries.
	hlen := binary.LittleEndian.Uint64(b)
	if hlen%8 != 0 {
		t.Errorf("header length %d not a multiple of 8", hlen)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+hlen], &h); err != nil {
		t.Fatal(err)
	}
	if _, ok := h["nodes/conv1/weight"]; !ok {
		t.Error("no tensor nodes/conv1/weight in header")
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.nsm")
	g := richGraph()
	if err := Save(path, g); err != nil {
		t.Fatal(err)
	}
	g2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, err %v; want 0644", st.Mode(), err)
	}
	if !reflect.DeepEqual(g.nodes, g2.nodes) {
		t.Error("nodes differ")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temp files left behind: %v", ents)
	}
	bad := NewGraph()
	bad.Add("x", "Nope")
	if err := Save(filepath.Join(dir, "bad.nsm"), bad); err == nil {
		t.Error("saved a graph that does not verify")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.nsm")); !os.IsNotExist(err) {
		t.Error("failed save created the file")
	}
	if _, err := Load(filepath.Join(dir, "missing.nsm")); err == nil {
		t.Error("loaded a missing file")
	}
}

// rewrite decodes the header of a valid file, lets edit change it and re-assembles the
// file with the same data section.
func rewrite(t *testing.T, b []byte, edit func(h map[string]any)) []byte {
	t.Helper()
	hlen := binary.LittleEndian.Uint64(b)
	var h map[string]any
	if err := json.Unmarshal(b[8:8+hlen], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	out = append(out, hj...)
	return append(out, b[8+hlen:]...)
}

func editGraph(t *testing.T, h map[string]any, edit func(fg map[string]any)) {
	meta := h["__metadata__"].(map[string]any)
	var fg map[string]any
	if err := json.Unmarshal([]byte(meta["graph"].(string)), &fg); err != nil {
		t.Fatal(err)
	}
	edit(fg)
	gj, _ := json.Marshal(fg)
	meta["graph"] = string(gj)
}

func TestNSMCorrupted(t *testing.T) {
	good := encode(t, richGraph())
	hlen := binary.LittleEndian.Uint64(good)
	entry := func(h map[string]any, key string) map[string]any { return h[key].(map[string]any) }
	tests := []struct {
		name string
		b    func() []byte
		want string
	}{
		{"empty", func() []byte { return nil }, "truncated file"},
		{"truncated header", func() []byte { return good[:20] }, "beyond the end of the file"},
		{"truncated data", func() []byte { return good[:len(good)-3] }, "outside the data section"},
		{"huge header length", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint64(b, math.MaxUint64)
			return b
		}, "exceeds the limit"},
		{"header not json", func() []byte {
			b := bytes.Clone(good)
			b[8] = 'x'
			return b
		}, "corrupted header"},
		{"trailing bytes", func() []byte { return append(bytes.Clone(good), 0, 0, 0, 0) }, "trailing data"},
		{"no metadata", func() []byte { return rewrite(t, good, func(h map[string]any) { delete(h, "__metadata__") }) }, "no __metadata__"},
		{"wrong version", func() []byte {
			return rewrite(t, good, func(h map[string]any) { h["__metadata__"].(map[string]any)["format_version"] = "2" })
		}, `unsupported format version "2"`},
		{"wrong format", func() []byte {
			return rewrite(t, good, func(h map[string]any) { h["__metadata__"].(map[string]any)["format"] = "pytorch" })
		}, "not a neurosim model file"},
		{"unknown dtype", func() []byte {
			return rewrite(t, good, func(h map[string]any) { entry(h, "nodes/fc/bias")["dtype"] = "BF16" })
		}, `unknown dtype "BF16"`},
		{"shape size mismatch", func() []byte {
			return rewrite(t, good, func(h map[string]any) { entry(h, "nodes/fc/bias")["shape"] = []int{11} })
		}, "shape [11] needs 44 bytes, data offsets give 40"},
		{"offsets out of range", func() []byte {
			return rewrite(t, good, func(h map[string]any) { entry(h, "nodes/fc/bias")["data_offsets"] = []int64{1 << 40, 1<<40 + 40} })
		}, "outside the data section"},
		{"overlapping offsets", func() []byte {
			return rewrite(t, good, func(h map[string]any) {
				entry(h, "nodes/fc/bias")["data_offsets"] = entry(h, "nodes/bn1/bias")["data_offsets"]
				entry(h, "nodes/fc/bias")["shape"] = []int{16}
			})
		}, "overlap"},
		{"missing tensor", func() []byte {
			return rewrite(t, good, func(h map[string]any) {
				// Keep the data section consistent: rename instead of delete.
				h["nodes/ghost/bias"] = h["nodes/fc/bias"]
				delete(h, "nodes/fc/bias")
			})
		}, "missing tensor nodes/fc/bias"},
		{"bad tensor key", func() []byte {
			return rewrite(t, good, func(h map[string]any) { h["weights"] = h["nodes/fc/bias"]; delete(h, "nodes/fc/bias") })
		}, `tensor key "weights"`},
		{"nan weight", func() []byte {
			b := bytes.Clone(good)
			var h map[string]any
			json.Unmarshal(b[8:8+hlen], &h)
			off := int(entry(h, "nodes/fc/weight")["data_offsets"].([]any)[0].(float64))
			binary.LittleEndian.PutUint32(b[8+int(hlen)+off+8:], math.Float32bits(float32(math.NaN())))
			return b
		}, "element 2 is NaN"},
		{"inf weight", func() []byte {
			b := bytes.Clone(good)
			var h map[string]any
			json.Unmarshal(b[8:8+hlen], &h)
			off := int(entry(h, "nodes/fc/bias")["data_offsets"].([]any)[0].(float64))
			binary.LittleEndian.PutUint32(b[8+int(hlen)+off:], math.Float32bits(float32(math.Inf(-1))))
			return b
		}, "element 0 is -Inf"},
		{"graph json corrupt", func() []byte {
			return rewrite(t, good, func(h map[string]any) { h["__metadata__"].(map[string]any)["graph"] = "{" })
		}, "corrupted graph JSON"},
		{"graph unknown field", func() []byte {
			return rewrite(t, good, func(h map[string]any) { editGraph(t, h, func(fg map[string]any) { fg["extra"] = 1 }) })
		}, "unknown field"},
		{"graph does not verify", func() []byte {
			return rewrite(t, good, func(h map[string]any) {
				editGraph(t, h, func(fg map[string]any) {
					fg["edges"] = append(fg["edges"].([]any), map[string]any{"from": "fc", "to": "nowhere"})
				})
			})
		}, "does not verify"},
		{"attr two kinds", func() []byte {
			return rewrite(t, good, func(h map[string]any) {
				editGraph(t, h, func(fg map[string]any) {
					n := fg["nodes"].([]any)[0].(map[string]any)
					n["attrs"] = map[string]any{"shape": map[string]any{"ints": []int{1, 28, 28}, "int": 3}}
				})
			})
		}, "exactly one of"},
		{"unreferenced tensor", func() []byte {
			return rewrite(t, good, func(h map[string]any) {
				editGraph(t, h, func(fg map[string]any) {
					for _, n := range fg["nodes"].([]any) {
						if n := n.(map[string]any); n["id"] == "fc" {
							n["tensors"] = []string{"weight", "bias"}[:1]
						}
					}
				})
			})
		}, "not referenced by the graph"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeNSM(tc.b())
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// tinyGraph has every feature of the file format (float and int tensors, every
// attribute kind, recurrent edges, meta) with few bytes, so the fuzzer mutates fast.
func tinyGraph() *Graph {
	g := NewGraph()
	g.Meta["k"] = "v"
	g.Add("in", OpInput).SetInts("shape", 1, 4, 4)
	g.Add("conv", OpConv2d).SetF32("weight", Shape{2, 1, 3, 3}, seq(18)).SetInt("padding", 1)
	g.Add("ms", OpMultiSpike).SetInt("D", 4).SetString("rounding", RoundHalfUp).SetFloat("decay", 0.25)
	g.Add("pool", OpSumPool2d).SetInts("kernel_size", 2, 2)
	g.Add("flat", OpFlatten)
	g.Add("gc", OpGraphConv).SetF32("weight", Shape{2, 4}, seq(8)).
		SetTensor("adj_row", NewIntTensor(Shape{2}, []int32{0, 1})).
		SetTensor("adj_col", NewIntTensor(Shape{2}, []int32{1, 0})).
		SetF32("adj_val", Shape{2}, []float32{0.5, 0.5})
	g.Add("lif", OpLIF).SetF32("tau", Shape{1}, []float32{2}).SetF32("r", Shape{1}, []float32{1}).
		SetF32("v_leak", Shape{}, []float32{0}).SetF32("v_threshold", Shape{2}, []float32{1, 1})
	g.Add("rec", OpLinear).SetF32("weight", Shape{2, 2}, seq(4))
	g.Add("out", OpOutput)
	g.Chain("in", "conv", "ms", "pool")
	g.Add("in2", OpInput).SetInts("shape", 2, 4)
	g.Chain("in2", "gc", "lif", "out")
	g.Connect("lif", "rec")
	g.ConnectRecurrent("rec", "lif")
	g.Add("out2", OpOutput)
	g.Chain("pool", "flat", "out2")
	return g
}

func FuzzDecodeNSM(f *testing.F) {
	good := encode(f, tinyGraph())
	f.Add(good)
	f.Add(good[:len(good)/2])
	small := NewGraph()
	small.Add("in", OpInput).SetInts("shape", 2)
	small.Add("s", OpScale).SetF32("scale", Shape{2}, []float32{1, -2})
	small.Add("o", OpOutput)
	small.Chain("in", "s", "o")
	f.Add(encode(f, small))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeNSM(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same graph.
		var buf bytes.Buffer
		if err := EncodeNSM(&buf, g); err != nil {
			t.Fatalf("decoded graph does not re-encode: %v", err)
		}
		g2, err := DecodeNSM(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded graph does not decode: %v", err)
		}
		if !reflect.DeepEqual(g.nodes, g2.nodes) || !reflect.DeepEqual(g.edges, g2.edges) {
			t.Fatal("round trip changed the graph")
		}
	})
}
