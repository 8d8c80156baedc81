package compiler

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// greedyNearRef is greedyNear as first written: the candidate cost read
// through the traffic edges and dist for every tile tried.
func (s *State) greedyNearRef(ts []tile, byKind map[string][]int, at, occ []int, slack int) {
	gw := s.Spec.Chip.Width * s.Spec.Board.ChipsX
	gh := s.Spec.Chip.Height * s.Spec.Board.ChipsY
	grid := make([]int, gw*gh)
	for i, t := range ts {
		grid[t.gy*gw+t.gx] = i
	}
	next := map[string]int{}
	for c := range at {
		kind := s.prog.Cores[c].Kind
		var wx, wy, w float64
		for _, e := range s.traffic[c] {
			if at[e.to] >= 0 {
				t := ts[at[e.to]]
				wx += float64(e.w) * float64(t.gx)
				wy += float64(e.w) * float64(t.gy)
				w += float64(e.w)
			}
		}
		if w == 0 {
			list := byKind[kind]
			for next[kind] < len(list) && occ[list[next[kind]]] >= 0 {
				next[kind]++
			}
			if next[kind] < len(list) {
				at[c], occ[list[next[kind]]] = list[next[kind]], c
			}
			continue
		}
		cx, cy := int(math.Round(wx/w)), int(math.Round(wy/w))
		best, bestCost, stop := -1, int64(math.MaxInt64), max(gw, gh)
		for r := 0; r <= stop; r++ {
			for y := cy - r; y <= cy+r; y++ {
				if y < 0 || y >= gh {
					continue
				}
				for x := cx - r; x <= cx+r; x++ {
					if x < 0 || x >= gw || (y != cy-r && y != cy+r && x != cx-r && x != cx+r) {
						continue
					}
					ti := grid[y*gw+x]
					if occ[ti] >= 0 || ts[ti].kind != kind {
						continue
					}
					var cc int64
					for _, e := range s.traffic[c] {
						if at[e.to] >= 0 {
							cc += e.w * dist(ts[ti], ts[at[e.to]], s.cross)
						}
					}
					if cc < bestCost || (cc == bestCost && ti < best) {
						best, bestCost = ti, cc
					}
				}
			}
			if best >= 0 && stop > r+slack {
				stop = r + slack
			}
		}
		if best >= 0 {
			at[c], occ[best] = best, c
		}
	}
}

// TestGreedyNearMatchesReference: the ring-search greedy placement with
// its partners copied out once places every core where the plain version
// does, on a board of chips (crossings priced).
func TestGreedyNearMatchesReference(t *testing.T) {
	spec := mustPreset("loihi-board-32")
	g := convNet(rand.New(rand.NewPCG(1, 2)), 16, 32, 64, 10)
	p, err := Compile(g, spec, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	st := &State{Spec: spec, prog: p}
	if err := st.buildTraffic(); err != nil {
		t.Fatal(err)
	}
	st.cross = crossHops(st)
	ts := st.tiles()
	byKind := map[string][]int{}
	for i, tl := range ts {
		byKind[tl.kind] = append(byKind[tl.kind], i)
	}
	run := func(f func([]tile, map[string][]int, []int, []int, int), slack int) []int {
		at, occ := make([]int, len(p.Cores)), make([]int, len(ts))
		for i := range at {
			at[i] = -1
		}
		for i := range occ {
			occ[i] = -1
		}
		f(ts, byKind, at, occ, slack)
		return at
	}
	for _, slack := range greedyNearSlack {
		a, b := run(st.greedyNear, slack), run(st.greedyNearRef, slack)
		if !slices.Equal(a, b) || st.cross == 0 || len(p.Cores) < 10 {
			t.Fatalf("slack %d: greedyNear placed %v, the reference %v (cross %d)", slack, a, b, st.cross)
		}
	}
}
