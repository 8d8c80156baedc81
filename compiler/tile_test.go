package compiler

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestCIMTileDigits checks the tile pass's mapping against the synapse table:
// for every cim core, macro cell and weight, Σ_p Coef(p)·digit_p over the
// macros equals the synapse's weight, every digit fits the macro's levels,
// and cells no synapse uses hold 0. Both cell layouts are covered.
func TestCIMTileDigits(t *testing.T) {
	g := convNet(rand.New(rand.NewPCG(1, 2)), 16, 32, 64, 10)
	for _, cpw := range []int{2, 1} {
		spec := mustPreset("prime-40nm")
		spec.Chip.Tiles[0].X0 = 3
		k := spec.Cores["xbar"]
		k.Macro.CellsPerWeight = cpw
		spec.Cores["xbar"] = k
		p, err := Compile(g, spec, Options{Seed: 1, Verify: true, CIMLayers: "conv2,fc1,fc2"})
		if err != nil {
			t.Fatalf("cells per weight %d: %v", cpw, err)
		}
		if len(p.CIMTiles) == 0 {
			t.Fatal("no cim tiles")
		}
		m := k.Macro
		outs := m.Cols / m.CellsPerWeight
		for ti := range p.CIMTiles {
			tl := &p.CIMTiles[ti]
			c := &p.Cores[tl.Core]
			if c.Kind != "xbar" || tl.Macros() > k.MacrosPerCore() {
				t.Fatalf("tile %+v on a %s core", tl, c.Kind)
			}
			// rebuild the weight of every (axon, neuron) from the macros
			got := make([]int64, tl.Rows*c.Neurons())
			for rt := 0; rt < tl.RowTiles; rt++ {
				for ct := 0; ct < tl.ColTiles; ct++ {
					w, err := p.CIMWeights(c, tl, rt, ct, m.Rows, outs)
					if err != nil {
						t.Fatal(err)
					}
					for i, d := range w {
						r, col := rt*m.Rows+i/outs, ct*outs+i%outs
						lo := -int32(m.Levels - 1)
						if cpw == 1 {
							lo = 0
						}
						if d < lo || d > int32(m.Levels-1) {
							t.Fatalf("core %d: digit %d outside [%d, %d]", c.ID, d, lo, m.Levels-1)
						}
						if r >= tl.Rows || col >= tl.Cols {
							if d != 0 {
								t.Fatalf("core %d: unused cell (%d, %d) holds %d", c.ID, r, col, d)
							}
							continue
						}
						got[r*c.Neurons()+col/tl.Parts] += tl.Coef(col%tl.Parts) * int64(d)
					}
				}
			}
			want := make([]int64, len(got))
			var syn []Synapse
			for a := range c.NumAxons {
				syn = p.Synapses(syn[:0], c, a)
				for _, s := range syn {
					want[a*c.Neurons()+int(s.Neuron)] += int64(s.Weight)
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("cells per weight %d, core %d: axon %d neuron %d: macros hold %d, synapse %d", cpw, c.ID, i/c.Neurons(), i%c.Neurons(), got[i], want[i])
				}
			}
		}
	}
}

// TestCIMTilesRoundTrip: the tilings survive the .nsp file, and a file whose
// tiling disagrees with its cores is rejected.
func TestCIMTilesRoundTrip(t *testing.T) {
	p, err := Compile(tinyNet(), mustPreset("prime-40nm"), Options{Seed: 1, CIMLayers: CIMAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CIMTiles) == 0 {
		t.Fatal("no cim tiles")
	}
	q, err := Decode(encode(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(q.CIMTiles, p.CIMTiles) {
		t.Fatalf("tiles changed: %+v vs %+v", q.CIMTiles, p.CIMTiles)
	}
	p.CIMTiles[0].Rows++
	if _, err := Decode(encode(t, p)); err == nil {
		t.Fatal("a tiling that disagrees with its core was accepted")
	}
}

func TestCIMSlices(t *testing.T) {
	for _, c := range []struct {
		max    int64
		levels int
		want   int
	}{{0, 16, 1}, {15, 16, 1}, {16, 16, 2}, {127, 16, 2}, {255, 16, 2}, {256, 16, 3}, {1, 2, 1}, {2, 2, 2}, {127, 2, 7}} {
		if got := cimSlices(c.max, c.levels); got != c.want {
			t.Errorf("cimSlices(%d, %d) = %d, want %d", c.max, c.levels, got, c.want)
		}
	}
}
