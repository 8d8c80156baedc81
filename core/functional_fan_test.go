package core

import (
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
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
	parts, nrn := fanParts(t, ref, want)
	half := parts[1].First
	var rs [][]int32
	for _, c := range ref {
		rs = append(rs, c.routeSyn)
	}
	cores := randomCUBACores(t, 11, 40, 0.3, 2, 1, false)
	got, err := NewFunctionalFan(cores, parts, rs)
	if err != nil {
		t.Fatal(err)
	}
	if sameSteps(t, got, want, 80) == 0 {
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

// fanParts returns, in two parts, the by-source copy want (made by
// NewFunctional from cores) holds, and the number of neurons.
func fanParts(t *testing.T, cores []*Core, want *Functional) ([]SourceFan, int) {
	t.Helper()
	nrn := 0
	for _, c := range cores {
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
	return parts, nrn
}

// TestNewDeferredRoutes: cores whose routes are deferred (NewDeferred)
// step, under NewFunctionalFan without route counts, to the spikes of the
// cores with routes; NewFunctional and Barrier.Start refuse them until
// SetRoutes, which checks its table and brings the counts.
func TestNewDeferredRoutes(t *testing.T) {
	ref := randomCUBACores(t, 11, 40, 0.3, 2, 1, false)
	want, err := NewFunctional(ref)
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := fanParts(t, ref, want)
	src := randomCUBACores(t, 11, 40, 0.3, 2, 1, false)
	eng := sim.NewEngine()
	cores := make([]*Core, len(src))
	for i, c := range src {
		if cores[i], err = NewDeferred(Config{ID: c.id, Kind: c.kind, Clock: sim.GHz}, c.nrn, int(c.nAxons), eng, &fixedNet{}); err != nil {
			t.Fatal(err)
		}
		if !cores[i].RoutesDeferred() || cores[i].Routes(0) != nil || cores[i].RouteSynapses(0) != nil {
			t.Fatal("a deferred core has routes")
		}
		if _, ok := cores[i].AxonAt(0, 0); ok {
			t.Fatal("a deferred core finds an axon")
		}
		if err := cores[i].SetSynapses(c.syn); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewFunctional(cores); err == nil || !strings.Contains(err.Error(), "deferred routes") {
		t.Errorf("NewFunctional with deferred routes: %v", err)
	}
	bar := NewBarrier(eng, arch.Chip{})
	for _, c := range cores {
		if err := bar.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := bar.Start(1, nil); err == nil || !strings.Contains(err.Error(), "deferred routes") {
		t.Errorf("Barrier.Start with deferred routes: %v", err)
	}
	if _, err := NewFunctionalFan(src, parts, nil); err == nil || !strings.Contains(err.Error(), "no synapse counts") {
		t.Errorf("NewFunctionalFan without counts for cores with routes: %v", err)
	}
	got, err := NewFunctionalFan(cores, parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sameSteps(t, got, want, 80) == 0 {
		t.Fatal("no spikes: the comparison shows nothing")
	}

	c0, r0 := cores[0], src[0]
	bad := func(name, msg string, start []int32, routes []Route, syn []int32) {
		t.Helper()
		if err := c0.SetRoutes(start, routes, syn); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want an error with %q", name, err, msg)
		}
		if !c0.RoutesDeferred() {
			t.Fatalf("%s: the refused routes were set", name)
		}
	}
	bad("short start", "route lists", r0.routeStart[1:], r0.routes, nil)
	bad("counts", "synapse counts", r0.routeStart, r0.routes, ref[0].routeSyn[1:])
	if len(r0.routes) < 2 {
		t.Fatalf("core 0 has %d routes: too few to unsort", len(r0.routes))
	}
	sw := slices.Clone(r0.routes)
	sw[0], sw[len(sw)-1] = sw[len(sw)-1], sw[0]
	st := make([]int32, len(r0.routeStart))
	for n := 1; n < len(st); n++ {
		st[n] = int32(len(sw)) // all neuron 0's
	}
	bad("unsorted", "not sorted", st, sw, nil)
	for i, c := range cores {
		if err := c.SetRoutes(src[i].routeStart, src[i].routes, ref[i].routeSyn); err != nil {
			t.Fatal(err)
		}
		for n := range c.Len() {
			if !slices.Equal(c.Routes(n), ref[i].Routes(n)) || !slices.Equal(c.RouteSynapses(n), ref[i].RouteSynapses(n)) {
				t.Fatalf("core %d neuron %d: routes %v %v, want %v %v", i, n, c.Routes(n), c.RouteSynapses(n), ref[i].Routes(n), ref[i].RouteSynapses(n))
			}
		}
	}
	if err := c0.SetRoutes(r0.routeStart, r0.routes, nil); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("SetRoutes twice: %v", err)
	}
}

// sameSteps steps got and want together and fails at the first step whose
// spikes differ; it returns the spikes seen.
func sameSteps(t *testing.T, got, want *Functional, steps int) int {
	t.Helper()
	spikes := 0
	for s := range steps {
		g, w := got.Step(), want.Step()
		for i := range w {
			if !slices.Equal(g[i], w[i]) {
				t.Fatalf("step %d core %d: spikes %v, want %v", s, i, g[i], w[i])
			}
			spikes += len(w[i])
		}
	}
	return spikes
}
