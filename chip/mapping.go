package chip

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/internal/mem"
)

// Options control how a network is mapped onto the chip.
type Options struct {
	// NeuronsPerCore caps the neurons on one core (0: as many as the core
	// kind's neuron, axon and synapse-memory limits allow).
	NeuronsPerCore int
	// AutoSize grows the mesh to the smallest square that holds every core
	// when the spec's mesh is too small (the result says so).
	AutoSize bool
	// Serial runs the functional model (neuron updates, synaptic
	// accumulation) inline at each step instead of on a second goroutine
	// ahead of the timing model. Results are identical either way.
	Serial bool
	// NoBatch runs every step on the engine, one event per spike and per
	// delivery cycle, even where the analytic NoC model would let Run
	// batch a step's deliveries (chip/batch.go). Results are identical
	// either way; the engine-driven run is the reference.
	NoBatch bool
}

// CoreMap is one used core: where it sits and what it holds.
type CoreMap struct {
	X, Y     int
	Pop      int // population index
	First, N int // neurons [First, First+N) of the population
	Axons    int
	Synapses int
	Bytes    int // synapse memory used
}

// Mapping places populations on cores and cores on tiles. Each core holds a
// contiguous range of one population; cores are filled greedily in
// population order, each with as many neurons as its neuron, axon (fan-in)
// and synapse-memory limits allow, and placed on the tiles of the spec's
// default core kind in row-major order. (The compiler generalises this.)
type Mapping struct {
	Kind          string // core kind used
	Width, Height int    // mesh actually used
	SpecW, SpecH  int    // mesh of the spec
	AutoSized     bool
	Cores         []CoreMap
	popCores      [][]int // per population, its cores in order
	// Until Build drops them: the axon key of projection p's pre neuron i
	// is keyBase[p]+i, and in[pi] lists each neuron of population pi's
	// incoming keys (transpose).
	keyBase []int
	in      []incoming
}

// incoming is a CSR by post neuron: neuron j's incoming synapses have
// axon keys key[start[j]:start[j+1]], in increasing order.
type incoming struct {
	start, key []int32
}

// MaxNeuronsPerCore returns the largest number of neurons on one core.
func (m *Mapping) MaxNeuronsPerCore() int {
	k := 0
	for _, c := range m.Cores {
		k = max(k, c.N)
	}
	return k
}

// String summarises the mapping in one line.
func (m *Mapping) String() string {
	cores := "cores"
	if len(m.Cores) == 1 {
		cores = "core"
	}
	s := fmt.Sprintf("%d %s (%s, ≤ %d neurons each) on a %d×%d mesh", len(m.Cores), cores, m.Kind, m.MaxNeuronsPerCore(), m.Width, m.Height)
	if m.AutoSized {
		s += fmt.Sprintf(" (auto-sized from %d×%d)", m.SpecW, m.SpecH)
	}
	return s
}

// mapNetwork packs the network's populations onto cores of the spec's
// default kind and places the cores on tiles.
func mapNetwork(spec *arch.Spec, net *Network, opt Options) (*Mapping, error) {
	kname := spec.Chip.DefaultCore
	kind, ok := spec.Cores[kname]
	if !ok {
		return nil, fmt.Errorf("chip: default core kind %q is not declared", kname)
	}
	if kind.Type != arch.Digital {
		return nil, fmt.Errorf("chip: default core kind %q is %s; this mapping needs digital cores", kname, kind.Type)
	}
	if kind.Neurons < 1 || kind.Axons < 1 {
		return nil, fmt.Errorf("chip: core kind %q holds %d neurons and %d axons", kname, kind.Neurons, kind.Axons)
	}
	for _, pop := range net.Populations {
		if pop.Model != ModelInput && !slices.Contains(kind.NeuronModels, pop.Model) {
			return nil, fmt.Errorf("chip: population %s uses neuron model %q; core kind %q implements %v",
				pop.Name, pop.Model, kname, kind.NeuronModels)
		}
	}
	limit := kind.Neurons
	if opt.NeuronsPerCore > 0 {
		limit = min(limit, opt.NeuronsPerCore)
	}
	m := &Mapping{Kind: kname, SpecW: spec.Chip.Width, SpecH: spec.Chip.Height, popCores: make([][]int, len(net.Populations))}

	// Axon keys: projection p's pre neuron i is key base[p]+i.
	base := make([]int, len(net.Projections)+1)
	for p := range net.Projections {
		base[p+1] = base[p] + net.Populations[net.Projections[p].Pre].N
	}
	stamp := make([]int32, base[len(base)-1])
	for i := range stamp {
		stamp[i] = -1
	}
	// A projection with one weight for all synapses gives shared-weight
	// axons (core.Synapses); with per-synapse weights the packer assumes the
	// full format, an upper bound on what the builder stores.
	shared := make([]bool, len(stamp))
	allShared := true
	for p := range net.Projections {
		if net.Projections[p].Weights == nil {
			for k := base[p]; k < base[p+1]; k++ {
				shared[k] = true
			}
		} else {
			allShared = false
		}
	}
	m.keyBase, m.in = base, make([]incoming, len(net.Populations))
	for pi, pop := range net.Populations {
		inStart, inKey := transpose(net, pi, base)
		m.in[pi] = incoming{inStart, inKey}
		c := CoreMap{Pop: pi}
		var fp core.Footprint
		open := func(first int) {
			c = CoreMap{Pop: pi, First: first}
			fp = core.Footprint{}
		}
		closeCore := func() {
			c.Bytes = fp.Bytes(kind)
			m.popCores[pi] = append(m.popCores[pi], len(m.Cores))
			m.Cores = append(m.Cores, c)
		}
		open(0)
		for j := 0; j < pop.N; j++ {
			// A key is the core's once stamped with its id, the number
			// of cores so far: a neuron that does not fit starts the next
			// core, whose id no stamp holds yet.
			id := int32(len(m.Cores))
			next := fp
			keys := inKey[inStart[j]:inStart[j+1]]
			if allShared {
				for _, k := range keys {
					if stamp[k] != id {
						stamp[k] = id
						next.Axons++
					}
				}
				next.SharedAxons = next.Axons
				next.Synapses += len(keys)
				next.SharedSynapses = next.Synapses
			} else {
				for _, k := range keys {
					if stamp[k] != id {
						stamp[k] = id
						next.Axons++
						if shared[k] {
							next.SharedAxons++
						}
					}
					next.Synapses++
					if shared[k] {
						next.SharedSynapses++
					}
				}
			}
			if c.N+1 <= limit && next.Axons <= kind.Axons && next.Bytes(kind) <= kind.SynapseMemoryBytes {
				fp = next
				c.N, c.Axons, c.Synapses = c.N+1, fp.Axons, fp.Synapses
				continue
			}
			if c.N == 0 {
				return nil, fmt.Errorf("chip: neuron %d of population %s alone needs %d axons and %d bytes of synapse memory; core kind %q has %d axons and %d bytes",
					j, pop.Name, next.Axons, next.Bytes(kind), kname, kind.Axons, kind.SynapseMemoryBytes)
			}
			closeCore()
			open(j)
			j--
		}
		closeCore()
	}

	// Placement: the cores fill a near-square block of tiles of the default
	// kind (row-major inside it), which keeps multicast trees short.
	w, h := spec.Chip.Width, spec.Chip.Height
	tiles := placeTiles(spec.Chip, w, h, len(m.Cores))
	if tiles == nil {
		if !opt.AutoSize {
			return nil, fmt.Errorf("chip: the network needs %d cores of kind %q (≤ %d neurons each), the %d×%d mesh has %d; use a larger chip or AutoSize",
				len(m.Cores), kname, m.MaxNeuronsPerCore(), w, h, len(freeTiles(spec.Chip, w, h, w)))
		}
		k := max(w, h)
		for ; tiles == nil; k++ {
			tiles = placeTiles(spec.Chip, k, k, len(m.Cores))
		}
		w, h, m.AutoSized = k-1, k-1, true
	}
	m.Width, m.Height = w, h
	for i := range m.Cores {
		m.Cores[i].X, m.Cores[i].Y = tiles[i][0], tiles[i][1]
	}
	return m, nil
}

// placeTiles picks n tiles of the default core kind on a w×h mesh: those of
// the smallest block of b columns (b from ceil(sqrt(n)) up to w) that holds
// n of them, in row-major order; nil if the mesh has fewer than n.
func placeTiles(c arch.Chip, w, h, n int) [][2]int {
	for b := min(w, max(1, int(math.Ceil(math.Sqrt(float64(n)))))); b <= w; b++ {
		if t := freeTiles(c, w, h, b); len(t) >= n {
			return t[:n]
		}
	}
	return nil
}

// freeTiles lists the tiles of the default core kind in columns [0, b) of a
// w×h mesh, row-major.
func freeTiles(c arch.Chip, w, h, b int) [][2]int {
	var t [][2]int
	for y := 0; y < h; y++ {
		for x := 0; x < min(b, w); x++ {
			if c.CoreAt(x, y) == c.DefaultCore {
				t = append(t, [2]int{x, y})
			}
		}
	}
	return t
}

// transpose lists, for each neuron of population post, the axon keys of its
// incoming synapses (CSR by post neuron), in increasing order. Two
// goroutines share the work, each for half of the post neurons (the result
// does not depend on the split).
func transpose(net *Network, post int, base []int) (start []int32, key []int32) {
	n := net.Populations[post].N
	start = make([]int32, n+1)
	h := int32(n / 2)
	if net.Synapses() < 1<<16 {
		h = int32(n) // small: one goroutine
	}
	// Count each half's synapses per post neuron. Targets are sorted: a
	// half's are a run of each pre neuron's, split at mid[p][i] (the
	// upper half's first, found when counting), so the two passes search
	// each list only twice in all.
	var wg sync.WaitGroup
	mid := make([][]int32, len(net.Projections))
	for p := range net.Projections {
		if h < int32(n) && net.Projections[p].Post == post {
			mid[p] = make([]int32, net.Populations[net.Projections[p].Pre].N)
		}
	}
	counted := false
	half := func(lo, hi int32, f func(p int, i int, tg []int32)) {
		for p := range net.Projections {
			pr := &net.Projections[p]
			if pr.Post != post {
				continue
			}
			for i := range net.Populations[pr.Pre].N {
				tg := pr.Targets[pr.Start[i]:pr.Start[i+1]]
				a, b := 0, len(tg)
				switch {
				case lo == 0 && hi == int32(n):
				case counted && lo == 0:
					b = int(mid[p][i])
				case counted:
					a = int(mid[p][i])
				case lo == 0:
					b, _ = slices.BinarySearch(tg, hi)
				default:
					a, _ = slices.BinarySearch(tg, lo)
					mid[p][i] = int32(a)
				}
				if a < b {
					f(p, i, tg[a:b])
				}
			}
		}
	}
	both := func(f func(p int, i int, tg []int32), g func(p int, i int, tg []int32)) {
		if h == int32(n) {
			half(0, int32(n), f)
			return
		}
		wg.Add(1)
		go func() { defer wg.Done(); half(h, int32(n), g) }()
		half(0, h, f)
		wg.Wait()
	}
	count := func(_ int, _ int, tg []int32) {
		for _, t := range tg {
			start[t+1]++
		}
	}
	both(count, count)
	counted = true
	for j := 0; j < n; j++ {
		start[j+1] += start[j]
	}
	key = mem.MakeHuge[int32](int(start[n]))[:start[n]] // written at random: a fault per 2 MiB, not per 4 KiB
	fill := make([]int32, n)
	copy(fill, start[:n])
	put := func(p int, i int, tg []int32) {
		k := int32(base[p] + i)
		for _, t := range tg {
			key[fill[t]] = k
			fill[t]++
		}
	}
	both(put, put)
	return start, key
}
