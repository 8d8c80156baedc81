package core

import (
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// TestNewFunctionalFanEqualsTables: a model given, in two parts, the
// by-source copy NewFunctional made from the tables (every source one
// weight) steps to the same spikes; bad copies are errors.
func TestNewFunctionalFanEqualsTables(t *testing.T) {
	ref := randomCUBACores(t, 11, 40, 0.3, 2, 1, false)
	want, err := NewFunctional(ref)
	if err != nil {
		t.Fatal(err)
	}
	nrn := 0
	for _, c := range ref {
		nrn += c.Len()
	}
	half := int32(nrn / 2)
	parts := []SourceFan{{First: 0, At: []int32{0}}, {First: half, At: []int32{0}}}
	for j := range int32(nrn) {
		x, w, ok := want.FanOf(j)
		if !ok {
			t.Fatal("NewFunctional made no by-source copy")
		}
		p := &parts[0]
		if j >= half {
			p = &parts[1]
		}
		p.X = append(p.X, x...)
		p.At = append(p.At, int32(len(p.X)))
		w0 := float32(0)
		if len(w) > 0 {
			w0 = w[0]
		}
		p.W = append(p.W, w0)
	}
	var rs [][]int32
	for _, c := range ref {
		rs = append(rs, c.routeSyn)
	}
	cores := randomCUBACores(t, 11, 40, 0.3, 2, 1, false)
	got, err := NewFunctionalFan(cores, parts, rs)
	if err != nil {
		t.Fatal(err)
	}
	spikes := 0
	for s := range 80 {
		g, w := got.Step(), want.Step()
		for i := range w {
			if !slices.Equal(g[i], w[i]) {
				t.Fatalf("step %d core %d: spikes %v, want %v", s, i, g[i], w[i])
			}
			spikes += len(w[i])
		}
	}
	if spikes == 0 {
		t.Fatal("no spikes: the comparison shows nothing")
	}

	bad := func(name, msg string, parts []SourceFan, rs [][]int32) {
		t.Helper()
		_, err := NewFunctionalFan(randomCUBACores(t, 11, 40, 0.3, 2, 1, false), parts, rs)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want an error with %q", name, err, msg)
		}
	}
	bad("gap", "does not cover", []SourceFan{parts[0], {First: half + 1, At: parts[1].At[1:], X: parts[1].X, W: parts[1].W[1:]}}, rs)
	bad("short", "cover", parts[:1], rs)
	out := slices.Clone(parts)
	out[1].X = slices.Clone(out[1].X)
	out[1].X[0] = int32(2 * nrn)
	bad("input out of range", "reaches input", out, rs)
	bad("route counts", "synapse counts", parts, rs[:3])

	// A deferred table: NewFunctional refuses the core until it is set,
	// and SetSynapses checks the announced axons.
	c0 := cores[0]
	d, err := NewTableDeferred(Config{ID: 0, Kind: c0.kind, Clock: sim.GHz}, c0.nrn, int(c0.nAxons)+1, c0.routeStart, c0.routes, sim.NewEngine(), &fixedNet{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Synapses() != nil {
		t.Fatal("a deferred core has a table")
	}
	if _, err := NewFunctional(append([]*Core{d}, cores[1:]...)); err == nil || !strings.Contains(err.Error(), "deferred") {
		t.Errorf("NewFunctional with a deferred table: %v", err)
	}
	if err := d.SetSynapses(c0.syn); err == nil || !strings.Contains(err.Error(), "announced") {
		t.Errorf("SetSynapses with one axon fewer: %v", err)
	}
	d.nAxons--
	if err := d.SetSynapses(c0.syn); err != nil || d.Synapses() != c0.syn {
		t.Errorf("SetSynapses: %v", err)
	}
	if err := d.SetSynapses(c0.syn); err == nil {
		t.Error("SetSynapses twice: no error")
	}
}
