package noc

import (
	"errors"
	"fmt"
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
type Tree struct {
	net          *Network
	src          Tile
	dests        []Tile      // made by Dests on first use (the ejections name them)
	ejects       []treeEject // in walk order, one per destination
	links        []int32     // router·numPorts + port of each router-to-router link
	hopsX, hopsY uint64      // links of the tree in x and in y
	uses         uint64      // flits sent along the tree by the analytic fast path
	counted      uint64      // of uses, those already added to the link counters
	hopSum       uint64      // the destinations' hop counts, summed
	ejUses       uint64      // flits sent by batches (MergeBatch) whose ejections are not yet counted
	id           int32       // index in the network's trees
}

// treeEject is one destination of a Tree: its router, the links from the
// source, its index in the tree's destinations and its tag.
type treeEject struct {
	ri, hops, dest int32
	tag            int64
}

// Dests returns the tree's destinations (do not modify). The first call
// makes the list (from the ejections: a tree under the analytic model with
// multicast never needs it), so it is not safe to call on one tree from
// several goroutines at once.
func (t *Tree) Dests() []Tile {
	if t.dests == nil {
		t.dests = make([]Tile, len(t.ejects))
		for _, e := range t.ejects {
			t.dests[e.dest] = t.net.tileOf[e.ri]
		}
	}
	return t.dests
}

// SetTags gives each destination k of the tree the value tags[k], which a
// packet delivered along the tree under the analytic model carries as
// Packet.DestTag (the owner's per-destination payload, so that the endpoint
// need not look it up).
func (t *Tree) SetTags(tags []int64) error {
	if len(tags) != len(t.ejects) {
		return fmt.Errorf("noc: %d tags for a tree of %d destinations", len(tags), len(t.ejects))
	}
	for k := range t.ejects {
		t.ejects[k].tag = tags[t.ejects[k].dest]
	}
	return nil
}

// Links returns the number of router-to-router links the tree crosses.
func (t *Tree) Links() int { return len(t.links) }

// NewTree computes the multicast tree from src to dests (distinct tiles
// of the network; one destination makes a unicast path). It returns an
// error for a tile outside the network, a repeated destination or an empty
// set.
func (n *Network) NewTree(src Tile, dests []Tile) (*Tree, error) {
	if !n.Contains(src) {
		return nil, fmt.Errorf("noc: tree source %v outside the %d×%d network", src, n.w, n.h)
	}
	if len(dests) == 0 {
		return nil, errors.New("noc: tree with no destinations")
	}
	if n.treeSeen == nil {
		n.treeSeen = make([]uint32, len(n.routers))
		n.treeDest = make([]int32, len(n.routers))
	}
	n.initTreeScratch()
	t := n.allocTree()
	// The walk appends the links straight into the slab. A tree enters
	// each router but the source once, and crosses at most one line of
	// each dimension per destination.
	nl := min(len(n.routers), n.w+n.h+len(dests)*max(n.w, n.h))
	if cap(n.linkSlab)-len(n.linkSlab) < nl {
		n.linkSlab = make([]int32, 0, max(nl, 1<<20))
	}
	l := len(n.linkSlab)
	t.net, t.src, t.links = n, src, n.linkSlab[l:l]
	if cap(n.ejectSlab)-len(n.ejectSlab) < len(dests) {
		n.ejectSlab = make([]treeEject, 0, max(len(dests), 1<<14))
	}
	e := len(n.ejectSlab)
	t.ejects = n.ejectSlab[e : e : e+len(dests)] // the walk appends one per destination
	if n.fastTree() {
		n.initRays()
		if err := n.walkTreeFast(t, src, dests); err != nil {
			*t = Tree{}
			return nil, err
		}
	} else if err := n.walkTree(t, src, dests); err != nil {
		*t = Tree{}
		return nil, err
	}
	n.ejectSlab = n.ejectSlab[:len(n.ejectSlab)+len(t.ejects)]
	k := len(t.links)
	n.linkSlab = n.linkSlab[:l+k]
	t.links = n.linkSlab[l : l+k : l+k]
	for _, e := range t.ejects {
		t.hopSum += uint64(e.hops)
	}
	t.id = int32(len(n.trees))
	n.trees = append(n.trees, t)
	return t, nil
}

// allocTree returns a zero Tree cut from a slab (one allocation per many
// trees).
func (n *Network) allocTree() *Tree {
	if len(n.treeSlab) == cap(n.treeSlab) {
		n.treeSlab = make([]Tree, 0, 256)
	}
	n.treeSlab = n.treeSlab[:len(n.treeSlab)+1]
	return &n.treeSlab[len(n.treeSlab)-1]
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
	for _, e := range t.ejects {
		n.ejectDest(int(e.ri), ready+uint64(e.hops)*per, int(e.hops), e.dest, e.tag, p)
	}
}

// flushCounts adds to the routers' output counters what the packet
// models count elsewhere: the ejection ports' flits and stall cycles, and
// the flits sent along trees since the last flush.
func (n *Network) flushCounts() {
	for i := range n.ejFlits {
		o := &n.routers[i].out[Local]
		o.flits += n.ejFlits[i]
		o.stalls += n.ejStalls[i]
		n.ejFlits[i], n.ejStalls[i] = 0, 0
	}
	n.flushTrees()
}

// flushTrees adds to the link counters the flits sent along trees since
// the last flush.
func (n *Network) flushTrees() {
	for _, t := range n.trees {
		if t.ejUses != 0 {
			// Batches count their ejections here, not per delivery.
			for _, e := range t.ejects {
				n.routers[e.ri].out[Local].flits += t.ejUses
			}
			t.ejUses = 0
		}
		d := t.uses - t.counted
		if d == 0 {
			continue
		}
		for _, l := range t.links {
			n.routers[l/numPorts].out[l%numPorts].flits += d
		}
		t.counted = t.uses
	}
}
