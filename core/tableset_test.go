package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// TestSharedTablesEqualBuilder builds random tables of several cores both
// ways, the axons of the cores interleaved: SharedTables.AddAxon must give
// exactly the table of SynapseBuilder.AddAxon then AddSynapses, empty axons
// included.
func TestSharedTablesEqualBuilder(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	kind := testKind
	kind.Axons, kind.SynapseMemoryBytes = 64, 1<<20
	for trial := range 20 {
		nc := 1 + rng.IntN(5)
		type ax struct {
			core    int
			ch      Channel
			scale   float64
			w       float64
			targets []int32
			offset  int32
		}
		var axs []ax
		neurons, axons, syns := make([]int, nc), make([]int, nc), make([]int, nc)
		for c := range nc {
			neurons[c] = 1 + rng.IntN(kind.Neurons)
		}
		for range rng.IntN(60) {
			c := rng.IntN(nc)
			if axons[c] == kind.Axons {
				continue
			}
			a := ax{core: c, ch: Channel(rng.IntN(2)), scale: []float64{1, 0.5, 1.0 / 64}[rng.IntN(3)],
				w: []float64{1.2, -0.74, 100, -3}[rng.IntN(4)], offset: int32(rng.IntN(5))}
			for j := range neurons[c] {
				if rng.IntN(3) == 0 {
					a.targets = append(a.targets, int32(j)+a.offset)
				}
			}
			axs = append(axs, a)
			axons[c]++
			syns[c] += len(a.targets)
		}
		st, err := NewSharedTables(kind, neurons, axons, syns)
		if err != nil {
			t.Fatal(err)
		}
		bs := make([]*SynapseBuilder, nc)
		for c := range nc {
			bs[c], _ = NewSynapseBuilder(kind, neurons[c])
		}
		for _, a := range axs {
			got := st.AddAxon(a.core, a.ch, a.scale, a.targets, a.offset, a.w)
			want := bs[a.core].AddAxon(a.ch, a.scale)
			bs[a.core].AddSynapses(a.targets, a.offset, a.w)
			if got != want {
				t.Fatalf("trial %d: axon index %d, want %d", trial, got, want)
			}
		}
		for c := range nc {
			got, err := st.Table(c)
			if err != nil {
				t.Fatal(err)
			}
			want, err := bs[c].Build()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.axons, got.target, got.weight, got.neurons, got.fp) != fmt.Sprint(want.axons, want.target, want.weight, want.neurons, want.fp) {
				t.Fatalf("trial %d core %d:\nshared tables %+v\nbuilder       %+v", trial, c, *got, *want)
			}
		}
	}
}

func TestSharedTablesErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		add  func(st *SharedTables)
		want string
	}{
		{"channel", func(st *SharedTables) { st.AddAxon(0, 7, 1, []int32{0}, 0, 1) }, "unknown channel"},
		{"scale", func(st *SharedTables) { st.AddAxon(0, Exc, 0, []int32{0}, 0, 1) }, "weight scale"},
		{"weight", func(st *SharedTables) { st.AddAxon(0, Exc, 1, []int32{0}, 0, math.NaN()) }, "not finite"},
		{"target", func(st *SharedTables) { st.AddAxon(0, Exc, 1, []int32{8}, 0, 1) }, "out of range"},
		{"negative target", func(st *SharedTables) { st.AddAxon(0, Exc, 1, []int32{2}, 3, 1) }, "out of range"},
		{"too many synapses", func(st *SharedTables) { st.AddAxon(0, Exc, 1, []int32{0, 1, 2}, 0, 1) }, "more axons or synapses than announced"},
		{"too few", func(st *SharedTables) { st.AddAxon(0, Exc, 1, []int32{0}, 0, 1) }, "received 1 of 2 axons"},
		{"too many axons", func(st *SharedTables) {
			for range 3 {
				st.AddAxon(0, Exc, 1, nil, 0, 1)
			}
		}, "than announced"},
	} {
		st, err := NewSharedTables(testKind, []int{8}, []int{2}, []int{2})
		if err != nil {
			t.Fatal(err)
		}
		tc.add(st)
		if _, err := st.Table(0); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// The fan-in limit and the synapse memory, as SynapseBuilder.
	k := testKind
	st, _ := NewSharedTables(k, []int{8}, []int{k.Axons + 1}, []int{0})
	for range k.Axons + 1 {
		st.AddAxon(0, Exc, 1, nil, 0, 1)
	}
	if _, err := st.Table(0); err == nil || !strings.Contains(err.Error(), "fan-in limit") {
		t.Errorf("fan-in: %v", err)
	}
	st, _ = NewSharedTables(k, []int{8}, []int{4}, []int{4 * 40})
	for range 4 {
		st.AddAxon(0, Exc, 1, make([]int32, 40), 0, 1)
	}
	if _, err := st.Table(0); err == nil || !strings.Contains(err.Error(), "synapse_memory_bytes") {
		t.Errorf("memory: %v", err)
	}
	for _, bad := range [][3][]int{{{9}, {1}, {1}}, {{0}, {1}, {1}}, {{1}, {-1}, {0}}, {{1, 2}, {1}, {1, 1}}} {
		if _, err := NewSharedTables(k, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("NewSharedTables(%v) accepted", bad)
		}
	}
}

// TestNewTableEqualsNew: a core made from one route table equals one made
// from per-neuron lists, and bad tables are refused.
func TestNewTableEqualsNew(t *testing.T) {
	eng := sim.NewEngine()
	b, _ := NewSynapseBuilder(testKind, 3)
	syn, _ := b.Build()
	routes := [][]Route{{{Core: 1, Axon: 5}, {Core: 4, Axon: 0}}, nil, {{Core: 0, Axon: 2}}}
	a, err := New(Config{Kind: testKind, Clock: sim.GHz}, &scriptNeurons{n: 3}, syn, routes, eng, &fixedNet{sched: eng})
	if err != nil {
		t.Fatal(err)
	}
	flat := []Route{{Core: 9, Axon: 9}, {Core: 1, Axon: 5}, {Core: 4, Axon: 0}, {Core: 0, Axon: 2}}
	c, err := NewTable(Config{Kind: testKind, Clock: sim.GHz}, &scriptNeurons{n: 3}, syn, []int32{1, 3, 3, 4}, flat[1:], eng, &fixedNet{sched: eng})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if fmt.Sprint(a.Routes(i)) != fmt.Sprint(c.Routes(i)) {
			t.Errorf("neuron %d: routes %v, want %v", i, c.Routes(i), a.Routes(i))
		}
	}
	for _, bad := range []struct {
		start  []int32
		routes []Route
	}{
		{[]int32{0, 2, 1, 3}, flat[1:]}, // decreasing
		{[]int32{0, 2, 2, 4}, flat[1:]}, // too few routes
		{[]int32{0, 2, 2}, flat[1:3]},   // too few neurons
	} {
		if _, err := NewTable(Config{Kind: testKind, Clock: sim.GHz}, &scriptNeurons{n: 3}, syn, bad.start, bad.routes, eng, &fixedNet{sched: eng}); err == nil {
			t.Errorf("start %v with %d routes accepted", bad.start, len(bad.routes))
		}
	}
	if _, err := NewTable(Config{Kind: testKind, Clock: sim.GHz}, &scriptNeurons{n: 3}, syn, []int32{0, 2, 2, 3},
		[]Route{{Core: 4, Axon: 0}, {Core: 1, Axon: 0}, {Core: 0, Axon: 0}}, eng, &fixedNet{sched: eng}); err == nil {
		t.Errorf("unsorted routes accepted")
	}
}

// TestSharedTablesAddAxons: adding a run of axons at once equals adding
// them one by one, empty axons included, and a bad target names its axon.
func TestSharedTablesAddAxons(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	kind := testKind
	kind.Axons, kind.SynapseMemoryBytes = 64, 1<<20
	for range 20 {
		na := 1 + rng.IntN(30)
		at := []int32{0}
		var tg []int32
		for range na {
			for j := range kind.Neurons {
				if rng.IntN(4) == 0 {
					tg = append(tg, int32(j)+3)
				}
			}
			at = append(at, int32(len(tg)))
		}
		one, _ := NewSharedTables(kind, []int{kind.Neurons}, []int{na}, []int{len(tg)})
		all, _ := NewSharedTables(kind, []int{kind.Neurons}, []int{na}, []int{len(tg)})
		for a := range na {
			one.AddAxon(0, Inh, 0.25, tg[at[a]:at[a+1]], 3, -1.1)
		}
		if first := all.AddAxons(0, Inh, 0.25, tg, at, 3, -1.1); first != 0 {
			t.Fatalf("first axon %d", first)
		}
		a, err := one.Table(0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := all.Table(0)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(*a) != fmt.Sprint(*b) {
			t.Fatalf("one by one %+v\nat once     %+v", *a, *b)
		}
	}
	st, _ := NewSharedTables(testKind, []int{8}, []int{3}, []int{3})
	st.AddAxons(0, Exc, 1, []int32{1, 2, 9}, []int32{0, 1, 2, 3}, 0, 1)
	if _, err := st.Table(0); err == nil || !strings.Contains(err.Error(), "axon 2: target neuron 9") {
		t.Errorf("bad target: %v", err)
	}
}
