package noc

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// sortedLinks returns the ids of t's links (its runs expanded), sorted:
// the fast walk records a trunk's links as one run after its branches, the
// recording walk each trunk link before the branch it leads to.
func sortedLinks(t *Tree) []int32 {
	l := t.appendLinks(nil)
	slices.Sort(l)
	return l
}

// sameTree reports whether a and b have the same links (in any order),
// the same ejections and destination indices in the same order, and the
// same hop counts.
func sameTree(a, b *Tree) bool {
	return slices.Equal(sortedLinks(a), sortedLinks(b)) && slices.Equal(a.ejects, b.ejects) &&
		slices.Equal(a.destOf, b.destOf) && a.hopsX == b.hopsX && a.hopsY == b.hopsY && a.hopSum == b.hopSum
}

// TestFastTreeMatchesWalk compares the fast tree walk with the packet
// models' recording walk it replaces (walkTree) on random destination sets:
// the same links (in any order), ejections (router, hops, destination
// index) in the same order, hop counts, and errors, on meshes and tori of odd
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
					m := n.NewTreeMaker()
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
						want, got := Tree{net: n}, Tree{net: n}
						errW := n.walkTree(&want, src, ds)
						errG := m.walkTreeFast(&got, src, ds, nil)
						if fmt.Sprint(errW) != fmt.Sprint(errG) {
							t.Fatalf("src %v dests %v: errors %v (walk) and %v (fast)", src, ds, errW, errG)
						}
						if errW != nil {
							continue
						}
						if !sameTree(&want, &got) || len(got.links) != 0 || got.Links() != len(want.links) {
							t.Fatalf("src %v dests %v:\nwalk links %v ejects %v %v hops %d,%d\nfast links %v ejects %v %v hops %d,%d",
								src, ds, sortedLinks(&want), want.ejects, want.destOf, want.hopsX, want.hopsY,
								sortedLinks(&got), got.ejects, got.destOf, got.hopsX, got.hopsY)
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

// TestNewTreeTags: NewTreeTags makes the tree NewTree and SetTags make, on
// the fast walk and the reference walk, whether the destinations come in
// router order (where the fast walk leaves the destination indices to
// destIndex) or not.
func TestNewTreeTags(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, sz := range [][2]int{{8, 8}, {28, 28}, {70, 3}} {
		n, _, _ := newNet(t, testSpec("mesh", 2, 1, 4), sz[0], sz[1])
		m := n.NewTreeMaker()
		for trial := range 200 {
			var ds []Tile
			for _, k := range rng.Perm(sz[0] * sz[1])[:1+rng.IntN(40)] {
				ds = append(ds, Tile{k % sz[0], k / sz[0]})
			}
			if trial%2 == 0 {
				slices.SortFunc(ds, func(a, b Tile) int { return n.index(a) - n.index(b) })
			}
			tags := make([]int64, len(ds))
			for k := range tags {
				tags[k] = rng.Int64()
			}
			src := Tile{rng.IntN(sz[0]), rng.IntN(sz[1])}
			want, err := m.NewTree(src, ds)
			if err == nil {
				err = want.SetTags(tags)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.NewTreeTags(src, ds, tags)
			if err != nil {
				t.Fatal(err)
			}
			sorted := slices.IsSortedFunc(ds, func(a, b Tile) int { return n.index(a) - n.index(b) })
			if lazy := got.destOf == nil; lazy != (sorted && n.fastTree()) {
				t.Fatalf("%v trial %d: destination indices left out: %v", sz, trial, lazy)
			}
			if !slices.Equal(got.ejects, want.ejects) || !slices.Equal(got.destIndex(), want.destIndex()) ||
				!slices.Equal(got.Tags(), tags) || !reflect.DeepEqual(got.Dests(), ds) {
				t.Fatalf("%v trial %d: NewTreeTags %v %v, NewTree and SetTags %v %v", sz, trial, got.ejects, got.destOf, want.ejects, want.destOf)
			}
		}
		if _, err := m.NewTreeTags(Tile{0, 0}, []Tile{{1, 0}}, []int64{1, 2}); err == nil {
			t.Error("NewTreeTags with a tag too many: no error")
		}
	}
}

// TestTreeMakersConcurrent: two makers working at once on one network make
// the trees NewTree makes; AddTree numbers them and refuses a tree twice or
// one of another network, and a tree not added cannot carry a packet.
func TestTreeMakersConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 7))
	const w, h = 12, 9
	type set struct {
		src   Tile
		dests []Tile
	}
	sets := make([]set, 400)
	for i := range sets {
		sets[i].src = Tile{rng.IntN(w), rng.IntN(h)}
		for _, k := range rng.Perm(w * h)[:1+rng.IntN(30)] {
			sets[i].dests = append(sets[i].dests, Tile{k % w, k / w})
		}
	}
	ref, _, _ := newNet(t, testSpec("torus", 2, 1, 4), w, h)
	n, _, _ := newNet(t, testSpec("torus", 2, 1, 4), w, h)
	if !n.ConcurrentTrees() {
		t.Fatal("a 12×9 network does not allow concurrent makers")
	}
	made := make([]*Tree, len(sets))
	ms := []*TreeMaker{n.NewTreeMaker(), n.NewTreeMaker()}
	var wg sync.WaitGroup
	for g, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(sets); i += 2 {
				tr, err := m.NewTree(sets[i].src, sets[i].dests)
				if err != nil {
					t.Error(err)
					return
				}
				made[i] = tr
			}
		}()
	}
	wg.Wait()
	for i, s := range sets {
		want, err := ref.NewTree(s.src, s.dests)
		if err != nil {
			t.Fatal(err)
		}
		got := made[i]
		if !sameTree(got, want) {
			t.Fatalf("tree %d differs from NewTree's", i)
		}
		if err := n.AddTree(got); err != nil || got.id != want.id {
			t.Fatalf("AddTree: %v, id %d want %d", err, got.id, want.id)
		}
	}
	if err := n.AddTree(made[0]); err == nil {
		t.Error("a tree added twice")
	}
	if err := ref.AddTree(made[1]); err == nil {
		t.Error("a tree of another network added")
	}
	loose, err := ms[0].NewTree(Tile{0, 0}, []Tile{{1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a packet along a tree not added was injected")
		}
	}()
	p := n.NewPacket()
	p.Tree = loose
	n.Inject(Tile{0, 0}, p)
}
