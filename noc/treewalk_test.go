package noc

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestFastTreeMatchesWalk compares the fast tree walk with the packet
// models' recording walk it replaces (walkTree) on random destination sets:
// the same links, ejections (router, hops, destination index) and hop
// counts in the same order, and the same errors, on meshes and tori of odd
// and even sides up to rayMax, with xy and yx routing.
func TestFastTreeMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	sizes := [][2]int{{1, 1}, {1, 7}, {6, 1}, {2, 2}, {3, 5}, {8, 8}, {7, 9}, {28, 28}, {64, 3}, {5, 64}, {64, 64}}
	for _, topo := range []string{"mesh", "torus"} {
		for _, routing := range []string{"xy", "yx"} {
			for _, sz := range sizes {
				w, h := sz[0], sz[1]
				t.Run(fmt.Sprintf("%s-%s-%dx%d", topo, routing, w, h), func(t *testing.T) {
					spec := testSpec(topo, 2, 1, 4)
					spec.Routing = routing
					n, _, _ := newNet(t, spec, w, h)
					if !n.fastTree() {
						t.Fatal("fast walk not used")
					}
					n.initTreeScratch()
					n.initRays()
					n.treeSeen = make([]uint32, len(n.routers))
					n.treeDest = make([]int32, len(n.routers))
					for trial := range 300 {
						src := Tile{rng.IntN(w), rng.IntN(h)}
						var ds []Tile
						p := []float64{0.02, 0.1, 0.5, 1}[trial%4]
						for _, k := range rng.Perm(w * h) {
							if rng.Float64() < p {
								ds = append(ds, Tile{k % w, k / w})
							}
						}
						switch {
						case len(ds) == 0:
							ds = append(ds, Tile{rng.IntN(w), rng.IntN(h)})
						case trial%17 == 0: // a repeated destination
							ds = append(ds, ds[rng.IntN(len(ds))])
						case trial%23 == 0: // one outside
							ds = append(ds, Tile{w, rng.IntN(h)})
						}
						var want, got Tree
						errW := n.walkTree(&want, src, ds)
						errG := n.walkTreeFast(&got, src, ds)
						if fmt.Sprint(errW) != fmt.Sprint(errG) {
							t.Fatalf("src %v dests %v: errors %v (walk) and %v (fast)", src, ds, errW, errG)
						}
						if errW != nil {
							continue
						}
						if !reflect.DeepEqual(want.links, got.links) || !reflect.DeepEqual(want.ejects, got.ejects) ||
							want.hopsX != got.hopsX || want.hopsY != got.hopsY {
							t.Fatalf("src %v dests %v:\nwalk links %v ejects %v hops %d,%d\nfast links %v ejects %v hops %d,%d",
								src, ds, want.links, want.ejects, want.hopsX, want.hopsY, got.links, got.ejects, got.hopsX, got.hopsY)
						}
					}
				})
			}
		}
	}
}

// TestTreeDests: a tree's destination list, made from its ejections on
// first use, is the list NewTree was given, in its order.
func TestTreeDests(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, sz := range [][2]int{{8, 8}, {70, 3}} { // the fast walk and the reference walk
		n, _, _ := newNet(t, testSpec("mesh", 2, 1, 4), sz[0], sz[1])
		for range 50 {
			var ds []Tile
			for _, k := range rng.Perm(sz[0] * sz[1])[:1+rng.IntN(20)] {
				ds = append(ds, Tile{k % sz[0], k / sz[0]})
			}
			tr, err := n.NewTree(Tile{rng.IntN(sz[0]), rng.IntN(sz[1])}, ds)
			if err != nil {
				t.Fatal(err)
			}
			if got := tr.Dests(); !reflect.DeepEqual(got, ds) {
				t.Fatalf("Dests() = %v, want %v", got, ds)
			}
		}
	}
}
