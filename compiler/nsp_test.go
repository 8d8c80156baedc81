package compiler

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func smallProgram(t testing.TB, seed uint64) *Program {
	t.Helper()
	g := convNet(rand.New(rand.NewPCG(11, 12)), 4, 8, 16, 10)
	p, err := Compile(g, mustPreset("default"), Options{Seed: seed, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func encode(t testing.TB, p *Program) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNSPDeterministicAndRoundTrip(t *testing.T) {
	a, b := encode(t, smallProgram(t, 3)), encode(t, smallProgram(t, 3))
	if !bytes.Equal(a, b) {
		t.Fatal("same model, spec and seed gave different .nsp bytes")
	}
	p, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	if c := encode(t, p); !bytes.Equal(a, c) {
		t.Fatal("decode → encode changed the bytes")
	}
	px := randImage(rand.New(rand.NewPCG(1, 1)), 784)
	r1, _ := Simulate(smallProgram(t, 3), px)
	r2, _ := Simulate(p, px)
	if r1.Class != r2.Class || !equalI64(r1.Scores, r2.Scores) {
		t.Fatal("decoded program simulates differently")
	}
	path := filepath.Join(t.TempDir(), "m.nsp")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	q, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, q), a) {
		t.Fatal("Save/Load changed the program")
	}
}

func equalI64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGolden pins the compiled small model: its header as JSON and the SHA-256
// of the whole .nsp. Run with -update after an intended change.
func TestGolden(t *testing.T) {
	p := smallProgram(t, 1)
	var hdr bytes.Buffer
	if err := p.WriteHeaderJSON(&hdr); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(encode(t, p))
	got := map[string][]byte{
		"small-default.json":   hdr.Bytes(),
		"small-default.sha256": []byte(hex.EncodeToString(sum[:]) + "\n"),
	}
	for name, b := range got {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update)", err)
		}
		if !bytes.Equal(want, b) {
			t.Errorf("%s differs from the golden file (run with -update if intended)", name)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	good := encode(t, smallProgram(t, 1))
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), "bad magic"},
		{"version", mut(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 99); return b }), "format version 99"},
		{"truncated", good[:len(good)/2], "truncated"},
		{"truncated-header", good[:20], "truncated"},
		{"flipped-payload", mut(func(b []byte) []byte { b[len(b)-10] ^= 1; return b }), "checksum"},
		{"flipped-header", mut(func(b []byte) []byte { b[40] ^= 0x20; return b }), "checksum"},
		{"extra", append(append([]byte(nil), good...), 0), "corrupted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.b)
			if err == nil || !errors.Is(err, ErrNSP) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrNSP containing %q", err, c.want)
			}
		})
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts passes Check and
// re-encodes to a stable encoding. Each input is also tried with its checksum
// repaired, so mutations reach the header and payload parsers.
func FuzzDecode(f *testing.F) {
	p, err := Compile(tinyNet(), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	good := encode(f, p)
	f.Add(good)
	f.Add(good[:100])
	// split into partial sums (fc: 18 dense inputs over 10 axons): psum
	// layers and input ranges
	if sp, err := Compile(tinyNet(), smallAxonSpec(10), Options{Seed: 1}); err != nil {
		f.Fatal(err)
	} else {
		f.Add(encode(f, sp))
	}
	// the same with a LIF layer and Poisson input over 2 steps
	lg := tinyNet()
	lg.Node("spike").Op = models.OpLIF
	delete(lg.Node("spike").Attrs, "D")
	delete(lg.Node("spike").Attrs, "norm")
	for _, nm := range []string{"tau", "r", "v_threshold"} {
		lg.Node("spike").SetF32(nm, models.Shape{1}, []float32{2})
	}
	lg.Node("spike").SetF32("v_leak", models.Shape{1}, []float32{0})
	lg.Add("encode", models.OpPoisson).SetInt("steps", 2)
	lg.Disconnect("input", "conv", false)
	lg.Chain("input", "encode", "conv")
	lp, err := Compile(lg, mustPreset("default"), Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, lp))
	// a spiking GNN: sparse projections
	sp, err := Compile(modeltest.GraphNet(rand.New(rand.NewPCG(1, 1)), 7, 2, 3, 2, 2), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, sp))
	// a recurrent CubaLIF network with events input
	cp, err := Compile(recurrentNet(4), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, cp))
	// a program with cim cores: the header carries their macro tilings
	cp, err = Compile(tinyNet(), mustPreset("prime-40nm"), Options{Seed: 1, CIMLayers: CIMAll})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, cp))
	// spike-driven attention: an attention layer with q, k, v inputs
	ap, err := Compile(modeltest.AttnNet(rand.New(rand.NewPCG(1, 2)), 8, 2, 2, 3, 0.5, "qk_v"), mustPreset("default"), Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, ap))
	// version 2 (explicit axons and fan-out) and a multicast program's
	// routing entries in the payload
	multi := mustPreset("loihi")
	multi.NoC.Multicast = true
	mp, err := Compile(tinyNet(), multi, Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, mp))
	f.Add(encodeV2(f, mp))
	f.Add([]byte(nspMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		try := func(b []byte) {
			p, err := Decode(b)
			if err != nil {
				if !errors.Is(err, ErrNSP) {
					t.Fatalf("error does not wrap ErrNSP: %v", err)
				}
				return
			}
			if err := p.Check(); err != nil {
				t.Fatalf("accepted a program that fails Check: %v", err)
			}
			out := encode(t, p)
			q, err := Decode(out)
			if err != nil {
				t.Fatalf("re-encoded program does not decode: %v", err)
			}
			if !bytes.Equal(encode(t, q), out) {
				t.Fatalf("encoding is not stable")
			}
		}
		try(b)
		if len(b) >= 36 {
			fixed := append([]byte(nil), b...)
			binary.LittleEndian.PutUint32(fixed[len(fixed)-4:], crc32.ChecksumIEEE(fixed[:len(fixed)-4]))
			try(fixed)
		}
	})
}

func TestNSPRoundTripLIF(t *testing.T) {
	p, err := Compile(lifNet(rand.New(rand.NewPCG(1, 1)), 4, 8, 10, 3), mustPreset("loihi"), Options{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	a := encode(t, p)
	q, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, q), a) || q.Steps != 3 || q.Layers[0].LIF == nil || q.Input.Encoding != "poisson" {
		t.Fatal("LIF program does not round-trip")
	}
}

// encodeV2 writes p (expanded) in the version-2 layout: routing entries in
// the header, the explicit axons and fan-out in the payload.
func encodeV2(t testing.TB, p *Program) []byte {
	t.Helper()
	if err := p.Expand(); err != nil {
		t.Fatal(err)
	}
	q := *p
	q.Version = 2
	hdr, err := json.Marshal(&q)
	if err != nil {
		t.Fatal(err)
	}
	var pay bytes.Buffer
	le := binary.LittleEndian
	put := func(v int32) { pay.Write(le.AppendUint32(nil, uint32(v))) }
	ww := weightWidth(p.WeightBits)
	for i := range p.Layers {
		l := &p.Layers[i]
		for _, b := range l.Bias {
			put(b)
		}
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			for _, v := range pr.Weights {
				switch ww {
				case 1:
					pay.WriteByte(byte(int8(v)))
				case 2:
					pay.Write(le.AppendUint16(nil, uint16(int16(v))))
				default:
					put(v)
				}
			}
			if pr.Kind == ProjSparse {
				for _, v := range pr.SpStart {
					put(v)
				}
				for _, v := range pr.SpOut {
					put(v)
				}
			}
		}
	}
	for _, v := range p.InputStart {
		put(v)
	}
	for _, d := range p.InputFan {
		put(d.Core)
		put(d.Axon)
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		for _, a := range c.Axons {
			put(a.Source)
			put(a.Neuron)
		}
		for _, v := range c.FanStart {
			put(v)
		}
		for _, d := range c.Fan {
			put(d.Core)
			put(d.Axon)
		}
	}
	var head [32]byte
	copy(head[:8], nspMagic)
	le.PutUint32(head[8:], 2)
	le.PutUint64(head[16:], uint64(len(hdr)))
	le.PutUint64(head[24:], uint64(pay.Len()))
	out := append(append(head[:], hdr...), pay.Bytes()...)
	return le.AppendUint32(out, crc32.ChecksumIEEE(out))
}

// TestDecodeV2: a version-2 file (explicit axons and fan-out) decodes to
// the expanded program, simulates the same and re-encodes as version 3.
func TestDecodeV2(t *testing.T) {
	multi := mustPreset("loihi")
	multi.NoC.Multicast = true
	g := convNet(rand.New(rand.NewPCG(11, 12)), 4, 8, 16, 10)
	p, err := Compile(g, multi, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	v3 := encode(t, p)
	old, err := Decode(encodeV2(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if old.Version != 2 || old.InputStart == nil || len(old.Routers) == 0 || !reflect.DeepEqual(old.Routers, p.Routers) {
		t.Fatalf("version-2 program decoded as version %d, %d routing entries (want %d)", old.Version, len(old.Routers), len(p.Routers))
	}
	for i := range p.Cores {
		if !reflect.DeepEqual(old.Cores[i].Axons, p.Cores[i].Axons) || !reflect.DeepEqual(old.Cores[i].Fan, p.Cores[i].Fan) || !reflect.DeepEqual(old.Cores[i].FanStart, p.Cores[i].FanStart) {
			t.Fatalf("core %d: version-2 lists differ", i)
		}
	}
	if !reflect.DeepEqual(old.InputFan, p.InputFan) {
		t.Fatal("version-2 input fan-out differs")
	}
	px := randImage(rand.New(rand.NewPCG(1, 1)), 784)
	r1, _ := Simulate(p, px)
	r2, _ := Simulate(old, px)
	if r1.Class != r2.Class || !equalI64(r1.Scores, r2.Scores) {
		t.Fatal("version-2 program simulates differently")
	}
	// re-encoded, it is a version-3 file with explicit axon lists
	q, err := Decode(encode(t, old))
	if err != nil {
		t.Fatal(err)
	}
	if q.Version != NSPVersion || q.InputStart != nil || !reflect.DeepEqual(q.Routers, p.Routers) {
		t.Fatal("a version-2 program re-encodes wrongly")
	}
	if len(v3) >= len(encodeV2(t, p)) {
		t.Errorf("version 3 (%d bytes) is not smaller than version 2", len(v3))
	}
}
