package noc

import (
	"fmt"
	"math/bits"
)

// The fast walk NewTree uses on networks of at most rayMax routers per
// row and column: the same links and the same ejections in the same order
// as the packet models' recording walk (tree, branch and unicast with
// n.rec set; tested against it), without visiting routers one by one.
// Each line's destinations are a bit mask of second-dimension coordinates,
// so a branch finds its ejections by counting bits, and its links are a
// prefix of a precomputed ray: the links from a router straight on in one
// direction, recorded as one run (treeRun). The trunk's runs come after
// the branches they carry (the recording walk lists each trunk link before
// the branch it leads to: the same links, in another order).

// rayMax is the largest mesh side the fast walk handles (one uint64 mask
// per line).
const rayMax = 64

// fastTree reports whether NewTree may use the fast walk.
func (n *Network) fastTree() bool { return n.w <= rayMax && n.h <= rayMax }

// initRays tabulates, for every router and direction, the links from that
// router straight on in that direction: to the edge on a mesh, k−1 links
// round the ring on a torus (a walk never goes further than k/2).
func (n *Network) initRays() {
	if n.rayAt != nil {
		return
	}
	n.initWalk()
	nr := len(n.routers)
	n.rayAt = make([]int32, nr*4+1)
	var rays []int32
	for ri := range nr {
		for o := range Port(4) {
			n.rayAt[ri*4+int(o)] = int32(len(rays))
			k := n.w
			if o >= North {
				k = n.h
			}
			cur := ri
			for range k - 1 {
				t := n.tileOf[cur]
				if !n.torus && (o == East && t.X == n.w-1 || o == West && t.X == 0 ||
					o == North && t.Y == n.h-1 || o == South && t.Y == 0) {
					break
				}
				l := cur*numPorts + int(o)
				rays = append(rays, int32(l))
				cur = int(n.downOf[l])
			}
		}
	}
	n.rayAt[nr*4] = int32(len(rays))
	n.rays = rays
}

// ray returns the links from router ri straight on through port o.
func (n *Network) ray(ri int, o Port) []int32 {
	k := ri*4 + int(o)
	return n.rays[n.rayAt[k]:n.rayAt[k+1]]
}

// sides splits the coordinates set in mask, on a line of k routers seen
// from coordinate c (c's own bit excluded), by the way routing goes (axis):
// bit j−1 of pos (neg) is set if a coordinate lies j links away the
// positive (negative) way.
func (n *Network) sides(mask uint64, c, k int) (pos, neg uint64) {
	if !n.torus {
		return mask >> (c + 1), bits.Reverse64(mask << (64 - c))
	}
	// rot: bit d is coordinate (c+d) mod k.
	rot := mask>>c | mask<<(k-c)
	if k < 64 {
		rot &= 1<<k - 1
	}
	pos = rot >> 1 & (1<<(k/2) - 1)
	neg = bits.Reverse64(rot<<(64-k)) & (1<<((k-1)/2) - 1)
	return pos, neg
}

// walkTreeFast records into t the tree from src to dests, after checking
// the destinations as walkTree does; it returns the first bad
// destination's error.
func (m *TreeMaker) walkTreeFast(t *Tree, src Tile, dests []Tile, tags []int64) error {
	n := m.n
	ka, kb := n.w, n.h
	pa, na, pb, nb := East, West, North, South
	if n.yx {
		ka, kb = n.h, n.w
		pa, na, pb, nb = North, South, East, West
	}
	cols := m.cols[:ka]
	clear(cols)
	for k, d := range dests {
		if !n.Contains(d) {
			return fmt.Errorf("noc: tree destination %v outside the %d×%d network", d, n.w, n.h)
		}
		a, b := n.coordA(d), n.coordB(d)
		if cols[a]&(1<<b) != 0 {
			return fmt.Errorf("noc: tree from %v names destination %v twice", src, d)
		}
		cols[a] |= 1 << b
		m.dest[n.index(d)] = int32(k)
		if tags != nil {
			m.tag[n.index(d)] = tags[k]
		} else {
			m.tag[n.index(d)] = 0
		}
	}
	ri := n.index(src)
	sa := n.coordA(src)
	m.branchFast(t, ri, 0, cols[sa], n.coordB(src), kb, pb, nb)
	var lines uint64
	for x, m := range cols {
		if m != 0 && x != sa {
			lines |= 1 << x
		}
	}
	pos, neg := n.sides(lines, sa, ka)
	for _, w := range [2]struct {
		port  Port
		lines uint64
		step  int
	}{{pa, pos, 1}, {na, neg, ka - 1}} {
		dist := bits.Len64(w.lines)
		if dist == 0 {
			continue
		}
		ray := m.straight(t, ri, w.port, dist)
		x := sa
		for k, l := range ray {
			x += w.step
			if x >= ka {
				x -= ka
			}
			if w.lines&(1<<k) != 0 {
				cur := int(n.downOf[l])
				m.branchFast(t, cur, k+1, cols[x], n.coordB(n.tileOf[cur]), kb, pb, nb)
			}
		}
	}
	return nil
}

// straight adds to t the dist links straight on from router ri by port p
// (counted in x or y, kept as one run) and returns them.
func (m *TreeMaker) straight(t *Tree, ri int, p Port, dist int) []int32 {
	if p <= West {
		t.hopsX += uint64(dist)
	} else {
		t.hopsY += uint64(dist)
	}
	t.runs = append(t.runs, makeRun(ri, p, dist))
	return m.n.ray(ri, p)[:dist]
}

// branchFast records the branch from router ri (hops links from the
// source, at second-dimension coordinate c) to the destinations in mask:
// an ejection at ri itself, then each way along the second dimension (pb,
// then nb) the links as far as the farthest destination and an ejection at
// each destination, nearest first.
func (m *TreeMaker) branchFast(t *Tree, ri, hops int, mask uint64, c, kb int, pb, nb Port) {
	n := m.n
	if mask == 0 {
		return
	}
	if mask&(1<<c) != 0 {
		t.ejects = append(t.ejects, treeEject{tag: m.tag[ri], ri: int32(ri), hops: int32(hops)})
		t.hopSum += uint64(hops)
		if !m.sorted {
			t.destOf = append(t.destOf, m.dest[ri])
		}
	}
	pos, neg := n.sides(mask, c, kb)
	for _, w := range [2]struct {
		port Port
		dsts uint64
	}{{pb, pos}, {nb, neg}} {
		dist := bits.Len64(w.dsts)
		if dist == 0 {
			continue
		}
		ray := m.straight(t, ri, w.port, dist)
		for b := w.dsts; b != 0; b &= b - 1 {
			k := bits.TrailingZeros64(b)
			cur := n.downOf[ray[k]]
			t.ejects = append(t.ejects, treeEject{tag: m.tag[cur], ri: cur, hops: int32(hops + k + 1)})
			t.hopSum += uint64(hops + k + 1)
			if !m.sorted {
				t.destOf = append(t.destOf, m.dest[cur])
			}
		}
	}
}
