package compiler

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
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
