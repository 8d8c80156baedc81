package noc

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/neurosim/neurosim/internal/mem"
)

// The analytic timing model (arch NoC.Model = "analytic") and precomputed
// multicast trees. See the package documentation, section "Analytic
// model". The model is the packet model (packet.go) without link
// reservations: a link is crossed P+L cycles after the head was ready at
// its router, whatever else uses it; the injection channel and the
// ejection port keep their bookings. A Tree lets a source that sends the
// same destination set again and again (a neuron's spikes) pay for walking
// its multicast tree once: under the analytic model, a packet with a Tree
// costs one step per destination, and the tree's links are counted as
// flits × links when statistics are read.

// Tree is a multicast expansion from one tile to a fixed set of
// destinations, computed once by NewTree: the links the dimension-order
// tree crosses and, for each destination, its router and hop count, in the
// order the packet model's walk reaches them. Set Packet.Tree to send a
// packet along it. A Tree belongs to the network that made it.
//
// The links are kept as straight runs where the fast walk made the tree
// (networks of at most rayMax routers a side): a dimension-order tree is a
// trunk each way along the first dimension and, from each of its lines
// with destinations, a branch each way along the second, so a few runs
// (prefixes of the network's rays) stand for hundreds of link ids. The
// recording walk of larger networks keeps every link id.
type Tree struct {
	// What a batched send reads first, side by side.
	net    *Network
	ejects []treeEject // in walk order, one per destination
	src    Tile
	id     int32 // index in the network's trees

	dests        []Tile    // made by Dests on first use (the ejections name them)
	destOf       []int32   // per ejection, its index in the destinations (SetTags, Dests, launchTree); nil until destIndex when they ascend
	runs         []treeRun // fast walk: the links, as prefixes of rays
	links        []int32   // reference walk: router·numPorts + port of each router-to-router link
	hopsX, hopsY uint64    // links of the tree in x and in y
	uses         uint64    // flits sent along the tree by the analytic fast path
	counted      uint64    // of uses, those already added to the link counters
	hopSum       uint64    // the destinations' hop counts, summed
	ejUses       uint64    // flits sent by batches (MergeBatch) whose ejections are not yet counted
}

// treeEject is one destination of a Tree: its tag, its router and the
// links from the source (16 bytes: a batch streams them; the destination's
// index lives apart, in Tree.destOf).
type treeEject struct {
	tag      int64
	ri, hops int32
}

// treeRun is a straight run of a tree's links: the first length links of
// the ray ray>>rayLenBits (router·4 + port; Network.ray), length being the
// low rayLenBits bits. A ray has at most rayMax−1 links.
type treeRun uint32

// rayLenBits is the width of a treeRun's length.
const rayLenBits = 6

// makeRun returns the run of the first length links of the ray of router
// ri and port o.
func makeRun(ri int, o Port, length int) treeRun {
	return treeRun((ri*4+int(o))<<rayLenBits | length)
}

// ray and length split a run.
func (r treeRun) ray() int    { return int(r >> rayLenBits) }
func (r treeRun) length() int { return int(r & (1<<rayLenBits - 1)) }

// appendLinks appends the ids (router·numPorts + port) of the tree's
// links to dst: its runs expanded, then its explicit links.
func (t *Tree) appendLinks(dst []int32) []int32 {
	n := t.net
	for _, r := range t.runs {
		dst = append(dst, n.rays[n.rayAt[r.ray()]:][:r.length()]...)
	}
	return append(dst, t.links...)
}

// Dests returns the tree's destinations (do not modify). The first call
// makes the list (from the ejections: a tree under the analytic model with
// multicast never needs it), so it is not safe to call on one tree from
// several goroutines at once.
func (t *Tree) Dests() []Tile {
	if t.dests == nil {
		t.dests = make([]Tile, len(t.ejects))
		for k, e := range t.ejects {
			t.dests[t.destIndex()[k]] = t.net.tileOf[e.ri]
		}
	}
	return t.dests
}

// destIndex returns each ejection's index in the destinations. A maker
// leaves them out when the destinations ascend in router order (row by
// row, as a chip places its cores): destination k is then the ejection
// with the k-th lowest router, and the first call works them out (trees
// sent by batches never need them).
func (t *Tree) destIndex() []int32 {
	if t.destOf == nil {
		order := make([]int32, len(t.ejects))
		for k := range order {
			order[k] = int32(k)
		}
		slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(t.ejects[a].ri, t.ejects[b].ri) })
		t.destOf = make([]int32, len(t.ejects))
		for d, k := range order {
			t.destOf[k] = int32(d)
		}
	}
	return t.destOf
}

// SetTags gives each destination k of the tree the value tags[k], which a
// packet delivered along the tree under the analytic model carries as
// Packet.DestTag (the owner's per-destination payload, so that the endpoint
// need not look it up).
func (t *Tree) SetTags(tags []int64) error {
	if len(tags) != len(t.ejects) {
		return fmt.Errorf("noc: %d tags for a tree of %d destinations", len(tags), len(t.ejects))
	}
	destOf := t.destIndex()
	for k := range t.ejects {
		t.ejects[k].tag = tags[destOf[k]]
	}
	return nil
}

// Tags returns each destination's tag (SetTags), in destination order.
func (t *Tree) Tags() []int64 {
	tags := make([]int64, len(t.ejects))
	destOf := t.destIndex()
	for k, e := range t.ejects {
		tags[destOf[k]] = e.tag
	}
	return tags
}

// Links returns the number of router-to-router links the tree crosses.
func (t *Tree) Links() int { return int(t.hopsX + t.hopsY) }

// NewTree computes the multicast tree from src to dests (distinct tiles
// of the network; one destination makes a unicast path) and adds it to
// the network (AddTree). It returns an error for a tile outside the
// network, a repeated destination or an empty set.
func (n *Network) NewTree(src Tile, dests []Tile) (*Tree, error) {
	if n.maker == nil {
		n.maker = n.NewTreeMaker()
	}
	t, err := n.maker.NewTree(src, dests)
	if err != nil {
		return nil, err
	}
	n.trees = append(n.trees, t)
	t.id = int32(len(n.trees) - 1)
	return t, nil
}

// AddTree adds a tree a TreeMaker of the network made, so that packets may
// travel along it: trees are numbered in the order they are added, and the
// network's statistics count the links of every tree added.
func (n *Network) AddTree(t *Tree) error {
	if t == nil || t.net != n {
		return errors.New("noc: AddTree: a tree of another network")
	}
	if t.id >= 0 {
		return fmt.Errorf("noc: AddTree: tree %d added twice", t.id)
	}
	n.trees = append(n.trees, t)
	t.id = int32(len(n.trees) - 1)
	return nil
}

// ConcurrentTrees reports whether several TreeMakers of the network may
// make trees at once (on networks of at most 64 routers a side, where
// they walk on scratch of their own); elsewhere they share the network's.
func (n *Network) ConcurrentTrees() bool { return n.fastTree() }

// A TreeMaker makes trees for one network with scratch and storage of its
// own (trees, links, runs and ejections cut from slabs: one allocation per
// many trees). Makers only read the network's topology, so where
// ConcurrentTrees allows, several run at once on goroutines of their own,
// as long as the network carries no packets meanwhile. A tree a maker
// makes joins the network with AddTree.
type TreeMaker struct {
	n      *Network
	cols   []uint64    // fast walk: per first-dimension line, its destinations' coordinates as bits
	dest   []int32     // fast walk: index of each destination router in the set
	tag    []int64     // fast walk: tag of each destination router (NewTreeTags)
	sorted bool        // fast walk: the destinations ascend in router order (no destOf: destIndex)
	links  []int32     // storage the trees' link lists are cut from (reference walk)
	runs   []treeRun   // storage the trees' run lists are cut from (fast walk)
	ejects []treeEject // storage the trees' ejection lists are cut from
	destOf []int32     // storage the trees' destination indices are cut from
	trees  []Tree      // storage the trees are cut from
}

// NewTreeMaker returns a maker for the network's trees. It prepares the
// network's shared tables, so call it before any maker runs.
func (n *Network) NewTreeMaker() *TreeMaker {
	if n.treeSeen == nil {
		n.treeSeen = make([]uint32, len(n.routers))
		n.treeDest = make([]int32, len(n.routers))
	}
	n.initTreeScratch()
	m := &TreeMaker{n: n}
	if n.fastTree() {
		n.initRays()
		m.dest = make([]int32, len(n.routers))
		m.tag = make([]int64, len(n.routers))
		m.cols = make([]uint64, max(n.w, n.h))
	}
	return m
}

// NewTree computes the multicast tree from src to dests as Network.NewTree
// does, without adding it to the network.
func (m *TreeMaker) NewTree(src Tile, dests []Tile) (*Tree, error) {
	return m.NewTreeTags(src, dests, nil)
}

// NewTreeTags is NewTree followed by SetTags(tags) (tags nil: none), with
// the tags set as the walk records the ejections.
func (m *TreeMaker) NewTreeTags(src Tile, dests []Tile, tags []int64) (*Tree, error) {
	n := m.n
	if tags != nil && len(tags) != len(dests) {
		return nil, fmt.Errorf("noc: %d tags for a tree of %d destinations", len(tags), len(dests))
	}
	if !n.Contains(src) {
		return nil, fmt.Errorf("noc: tree source %v outside the %d×%d network", src, n.w, n.h)
	}
	if len(dests) == 0 {
		return nil, errors.New("noc: tree with no destinations")
	}
	t := m.allocTree()
	t.net, t.src, t.id = n, src, -1
	fast := n.fastTree()
	// The walk appends the runs (fast) or links straight into the slab.
	// The fast walk makes at most two runs per line of the first
	// dimension and two for the trunk; the recording walk's tree enters
	// each router but the source once, and crosses at most one line of
	// each dimension per destination.
	l := 0
	if fast {
		nl := 2*max(n.w, n.h) + 2
		if cap(m.runs)-len(m.runs) < nl {
			m.runs = make([]treeRun, 0, max(nl, 1<<16))
		}
		l = len(m.runs)
		t.runs = m.runs[l:l]
	} else {
		nl := min(len(n.routers), n.w+n.h+len(dests)*max(n.w, n.h))
		if cap(m.links)-len(m.links) < nl {
			m.links = make([]int32, 0, max(nl, 1<<20))
		}
		l = len(m.links)
		t.links = m.links[l:l]
	}
	if cap(m.ejects)-len(m.ejects) < len(dests) {
		// Slabs doubling up to 4 MiB, those on huge pages: a batched run
		// reads a tree's ejections at random, and a 4 KiB page per tree
		// costs a TLB miss each time (and a page fault when made).
		m.ejects = mem.MakeHuge[treeEject](max(len(dests), min(2*cap(m.ejects), 1<<18), 1<<14))
	}
	e := len(m.ejects)
	t.ejects = m.ejects[e : e : e+len(dests)] // the walk appends one per destination
	// Destination indices, unless the fast walk finds the destinations
	// ascending (destIndex works them out then).
	m.sorted = fast && slices.IsSortedFunc(dests, func(a, b Tile) int { return cmp.Compare(n.index(a), n.index(b)) })
	if !m.sorted {
		if cap(m.destOf)-len(m.destOf) < len(dests) {
			m.destOf = make([]int32, 0, max(len(dests), 1<<14))
		}
		d := len(m.destOf)
		t.destOf = m.destOf[d : d : d+len(dests)]
	}
	var err error
	if fast {
		err = m.walkTreeFast(t, src, dests, tags)
	} else {
		err = n.walkTree(t, src, dests)
		if err == nil && tags != nil {
			err = t.SetTags(tags)
		}
	}
	if err != nil {
		*t = Tree{}
		return nil, err
	}
	m.ejects = m.ejects[:e+len(t.ejects)]
	if !m.sorted {
		m.destOf = m.destOf[:len(m.destOf)+len(t.destOf)]
	}
	if fast {
		k := len(t.runs)
		m.runs = m.runs[:l+k]
		t.runs = m.runs[l : l+k : l+k]
	} else {
		k := len(t.links)
		m.links = m.links[:l+k]
		t.links = m.links[l : l+k : l+k]
	}
	return t, nil
}

// allocTree returns a zero Tree cut from a slab.
func (m *TreeMaker) allocTree() *Tree {
	if len(m.trees) == cap(m.trees) {
		// Slabs doubling up to 16 384 trees (3.5 MiB), the big ones on
		// huge pages: made once, a fault per 2 MiB instead of per 4 KiB.
		m.trees = mem.MakeHuge[Tree](min(max(2*cap(m.trees), 256), 1<<14))
	}
	m.trees = m.trees[:len(m.trees)+1]
	return &m.trees[len(m.trees)-1]
}

// walkTree records into t the tree from src to dests by the packet
// models' walk (tree or unicast) in recording mode, after checking the
// destinations: the reference the fast walk (treewalk.go) equals, used on
// networks too large for it.
func (n *Network) walkTree(t *Tree, src Tile, dests []Tile) error {
	n.treeSeenGen++
	if n.treeSeenGen == 0 {
		clear(n.treeSeen)
		n.treeSeenGen = 1
	}
	for _, d := range dests {
		if !n.Contains(d) {
			return fmt.Errorf("noc: tree destination %v outside the %d×%d network", d, n.w, n.h)
		}
		i := n.index(d)
		if n.treeSeen[i] == n.treeSeenGen {
			return fmt.Errorf("noc: tree from %v names destination %v twice", src, d)
		}
		n.treeSeen[i] = n.treeSeenGen
	}
	for k, d := range dests {
		n.treeDest[n.index(d)] = int32(k)
	}
	p := &Packet{Flits: 1}
	if len(dests) == 1 {
		p.Dst = dests[0]
	} else {
		p.Dests = dests
	}
	n.rec = t
	ri := n.index(src)
	if len(p.Dests) == 0 {
		n.unicast(ri, 0, p)
	} else {
		n.tree(ri, 0, p)
	}
	n.rec = nil
	for _, e := range t.ejects { // (the fast walk sums them as it goes)
		t.hopSum += uint64(e.hops)
	}
	return nil
}

// record notes, while NewTree walks a tree, a link crossed from router ri
// by port o.
func (t *Tree) record(ri int, o Port) {
	t.links = append(t.links, int32(ri*numPorts+int(o)))
	if o <= West {
		t.hopsX++
	} else {
		t.hopsY++
	}
}

// initTreeScratch allocates the buffers the tree walk uses (the packet
// models have them already).
func (n *Network) initTreeScratch() {
	n.initWalk()
	if n.treeStart != nil {
		return
	}
	k := max(n.w, n.h)
	n.treeStart = make([]int, k+1)
	n.treeMark = make([]uint32, k)
}

// initWalk builds the compact topology the packet models' walks read
// instead of the (large) router structs: each router's tile, and the
// router each output port leads to.
func (n *Network) initWalk() {
	if n.tileOf != nil {
		return
	}
	n.tileOf = make([]Tile, len(n.routers))
	n.downOf = make([]int32, len(n.routers)*numPorts)
	for i := range n.routers {
		r := &n.routers[i]
		n.tileOf[i] = r.tile
		for o := range Port(numPorts) {
			n.downOf[i*numPorts+int(o)] = int32(r.out[o].downID)
		}
	}
}

// launchTree is launch for a packet with a Tree under the analytic model:
// the tree's links cost nothing now (they are counted when statistics are
// read); each destination is ejected at its zero-load head time, through
// its ejection port's bookings.
func (n *Network) launchTree(ready uint64, p *Packet) {
	t := p.Tree
	f := uint64(p.Flits)
	p.pending = len(t.ejects)
	n.inFlight += len(t.ejects) - 1
	n.stats.hopsX += t.hopsX * f
	n.stats.hopsY += t.hopsY * f
	t.uses += f
	per := n.link + n.pipe
	destOf := t.destIndex()
	for k, e := range t.ejects {
		n.ejectDest(int(e.ri), ready+uint64(e.hops)*per, int(e.hops), destOf[k], e.tag, p)
	}
}

// flushCounts adds to the routers' output counters what the packet
// models count elsewhere: the ejection ports' flits and stall cycles, and
// the flits sent along trees since the last flush.
func (n *Network) flushCounts() {
	n.flushTrees()
	for i := range n.ejFlits {
		o := &n.routers[i].out[Local]
		o.flits += n.ejFlits[i]
		o.stalls += n.ejStalls[i]
		n.ejFlits[i], n.ejStalls[i] = 0, 0
	}
}

// flushTrees adds to the link counters the flits sent along trees since
// the last flush, and to the compact ejection counters (flushCounts moves
// them on) the flits batches delivered along trees. A run's flits are
// summed per ray position before they reach the links: a run of length k
// counts at position k−1 of its ray, and position j of a ray carries what
// counts at positions j and beyond, so each link of a ray is touched once
// per flush whatever the number of trees.
func (n *Network) flushTrees() {
	if n.rayFlits == nil && n.rays != nil {
		n.rayFlits = make([]uint64, len(n.rays))
	}
	trees, ran := n.trees, false
	if len(trees) >= parallelFlush && n.fastTree() {
		// Two goroutines, each half the trees into counters of its own
		// (fast trees have runs, no links): integer sums, the same
		// whatever the split.
		if n.flush2 == nil {
			n.flush2 = &flushScratch{ej: make([]uint64, len(n.routers)), end: make([]uint64, len(n.rays))}
		}
		h := len(trees) / 2
		var ran2 bool
		done := make(chan struct{})
		go func() {
			ran2 = n.flushSome(trees[h:], n.flush2.ej, n.flush2.end)
			close(done)
		}()
		ran = n.flushSome(trees[:h], n.ejFlits, n.rayFlits)
		<-done
		for i, f := range n.flush2.ej {
			if f != 0 {
				n.ejFlits[i] += f
				n.flush2.ej[i] = 0
			}
		}
		if ran2 {
			ran = true
			for j, f := range n.flush2.end {
				n.rayFlits[j] += f
				n.flush2.end[j] = 0
			}
		}
	} else {
		ran = n.flushSome(trees, n.ejFlits, n.rayFlits)
	}
	if !ran {
		return
	}
	end := n.rayFlits
	for k := len(n.rayAt) - 2; k >= 0; k-- {
		var f uint64
		for j := int(n.rayAt[k+1]) - 1; j >= int(n.rayAt[k]); j-- {
			f += end[j]
			end[j] = 0
			if f != 0 {
				l := n.rays[j]
				n.routers[l/numPorts].out[l%numPorts].flits += f
			}
		}
	}
}

// parallelFlush is the number of trees from which flushTrees takes two
// goroutines (a variable so that tests can lower it).
var parallelFlush = 1 << 13

// flushScratch is the second goroutine's counters in flushTrees.
type flushScratch struct {
	ej, end []uint64
}

// flushSome is flushTrees for trees: their ejections' flits into ej (per
// router), their runs' flits into end (per ray position) and their links'
// into the routers; it reports whether any tree has runs with flits to
// count.
func (n *Network) flushSome(trees []*Tree, ej, end []uint64) bool {
	ran := false
	for _, t := range trees {
		if t.ejUses != 0 {
			// Batches count their ejections here, not per delivery.
			for _, e := range t.ejects {
				ej[e.ri] += t.ejUses
			}
			t.ejUses = 0
		}
		d := t.uses - t.counted
		if d == 0 {
			continue
		}
		ran = ran || len(t.runs) > 0
		for _, r := range t.runs {
			end[int(n.rayAt[r.ray()])+r.length()-1] += d
		}
		for _, l := range t.links {
			n.routers[l/numPorts].out[l%numPorts].flits += d
		}
		t.counted = t.uses
	}
	return ran
}
