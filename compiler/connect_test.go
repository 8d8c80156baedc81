package compiler

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

// TestConnectEqualsExpand: Connect on a compact program returns exactly the
// lists Expand stores, and leaves the program compact; on an expanded
// program it returns the program's own lists.
func TestConnectEqualsExpand(t *testing.T) {
	cases := []struct {
		name string
		g    *models.Graph
		spec *archSpec
	}{
		{"strided-grouped-dense", stridedGroupedNet(rand.New(rand.NewPCG(3, 4))), mustPreset("default")},
		{"residual-split", resNet(rand.New(rand.NewPCG(12, 12))), smallAxonSpec(20)},
		{"attention", modeltest.AttnNet(rand.New(rand.NewPCG(7, 1)), 8, 2, 2, 3, 4, "q_kv"), mustPreset("default")},
		{"graph", modeltest.GraphNet(rand.New(rand.NewPCG(11, 12)), 9, 3, 5, 2, 4), mustPreset("default")},
	}
	for _, c := range cases {
		p, err := Compile(c.g, c.spec, Options{Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		compact := 0
		for i := range p.Cores {
			if p.Cores[i].compact() {
				compact++
			}
		}
		cn, err := p.Connect()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		after := 0
		for i := range p.Cores {
			if p.Cores[i].compact() {
				after++
			}
			if p.Cores[i].FanStart != nil {
				t.Fatalf("%s: Connect stored core %d's fan-out", c.name, i)
			}
		}
		if p.InputStart != nil || after != compact {
			t.Fatalf("%s: Connect expanded the program (%d of %d compact cores left)", c.name, after, compact)
		}
		if err := p.Expand(); err != nil {
			t.Fatal(err)
		}
		for i := range p.Cores {
			co := &p.Cores[i]
			if !reflect.DeepEqual(cn.Axons[i], co.Axons) || !reflect.DeepEqual(cn.FanStart[i], co.FanStart) || !reflect.DeepEqual(cn.Fan[i], co.Fan) {
				t.Fatalf("%s core %d: Connect's lists differ from Expand's", c.name, i)
			}
		}
		if !reflect.DeepEqual(cn.InputStart, p.InputStart) || !reflect.DeepEqual(cn.InputFan, p.InputFan) {
			t.Fatalf("%s: input fan-out differs", c.name)
		}
		if len(cn.InputFan) == 0 {
			t.Fatalf("%s: no input fan-out: the test compares little", c.name)
		}
		again, err := p.Connect()
		if err != nil {
			t.Fatal(err)
		}
		if &again.InputFan[0] != &p.InputFan[0] || (len(p.Cores[0].Fan) > 0 && &again.Fan[0][0] != &p.Cores[0].Fan[0]) {
			t.Fatalf("%s: Connect on an expanded program copied its lists", c.name)
		}
		t.Logf("%s: %d cores, %d compact", c.name, len(p.Cores), compact)
	}
}
