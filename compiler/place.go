package compiler

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

type edgeW struct {
	to int32
	w  int64
}

type placementCost struct {
	RowMajor, Greedy, Annealed int64
}

// tile is one tile of the board.
type tile struct {
	chip, x, y int
	gx, gy     int
	cx, cy     int // the chip's column and row on the board
	kind       string
}

func (s *State) tiles() []tile {
	sp := s.Spec
	var ts []tile
	for cy := 0; cy < sp.Board.ChipsY; cy++ {
		for cx := 0; cx < sp.Board.ChipsX; cx++ {
			for y := 0; y < sp.Chip.Height; y++ {
				for x := 0; x < sp.Chip.Width; x++ {
					ts = append(ts, tile{chip: cy*sp.Board.ChipsX + cx, x: x, y: y, cx: cx, cy: cy,
						gx: cx*sp.Chip.Width + x, gy: cy*sp.Chip.Height + y, kind: sp.Chip.CoreAt(x, y)})
				}
			}
		}
	}
	// row-major over the global grid
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].gy != ts[j].gy {
			return ts[i].gy < ts[j].gy
		}
		return ts[i].gx < ts[j].gx
	})
	return ts
}

// buildTraffic counts, for every ordered pair of cores, how many neurons of the
// first have an axon on the second (the packets per inference at one spike per
// neuron), and stores it as a symmetric adjacency. It reads the cores' axon
// boxes, not per-axon lists.
func (s *State) buildTraffic() error {
	p := s.prog
	g, err := s.layerGrids()
	if err != nil {
		return err
	}
	n := len(p.Cores)
	s.traffic = make([][]edgeW, n)
	cnt := make([]int64, n)
	var touched []int
	for b := range p.Cores {
		p.eachIn(g, b, func(_, c int32, in Region) {
			if cnt[c] == 0 {
				touched = append(touched, int(c))
			}
			cnt[c] += int64(in.Len())
		})
		sort.Ints(touched)
		for _, a := range touched {
			if a != b {
				s.traffic[a] = append(s.traffic[a], edgeW{int32(b), cnt[a]})
				s.traffic[b] = append(s.traffic[b], edgeW{int32(a), cnt[a]})
			}
			cnt[a] = 0
		}
		touched = touched[:0]
	}
	return nil
}

// dist is the placement distance between two tiles: the hops between them
// on the global grid, plus cross extra hops for every chip boundary the route
// crosses (0 on a single chip; see crossHops).
func dist(a, b tile, cross int64) int64 {
	dx, dy := a.gx-b.gx, a.gy-b.gy
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	d := int64(dx + dy)
	if cross > 0 && a.chip != b.chip {
		cx, cy := a.cx-b.cx, a.cy-b.cy
		if cx < 0 {
			cx = -cx
		}
		if cy < 0 {
			cy = -cy
		}
		d += cross * int64(cx+cy)
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// crossHops prices a chip-boundary crossing in on-chip hops for placement:
// the energy of one packet over a board link (spike_packet_bits ×
// energy.interchip_bit) over the mean energy of one flit hop, less the one
// hop the crossing already counts; 0 on a single chip or when the table does
// not price hops or board links.
func crossHops(s *State) int64 {
	sp := s.Spec
	if sp.Board.ChipsX*sp.Board.ChipsY <= 1 {
		return 0
	}
	hop := (sp.Energy.HopX.PJ + sp.Energy.HopY.PJ) / 2
	link := float64(sp.NoC.SpikePacketBits) * sp.Energy.InterchipBit.PJ
	if hop <= 0 || link <= 0 {
		return 0
	}
	return max(int64(math.Round(link/hop))-1, 0)
}

// placePass puts every core on a tile of its kind, minimising Σ traffic × hops
// (Manhattan distance on the global tile grid; on a board every chip boundary
// crossed adds crossHops, so that cores stay on one chip when they fit): greedy construction in core order
// (each core on the free tile closest to its already placed partners), then
// simulated annealing with moves and swaps within a kind, seeded by Options.Seed.
// The naive row-major placement (cores in order on the tiles of their kind in
// row-major order) is costed for the report.
func placePass(s *State) error {
	p := s.prog
	if err := s.buildTraffic(); err != nil {
		return err
	}
	ts := s.tiles()
	s.cross = crossHops(s)
	byKind := map[string][]int{}
	for i, t := range ts {
		byKind[t.kind] = append(byKind[t.kind], i)
	}
	nc := len(p.Cores)
	cost := func(at []int) int64 {
		var c int64
		for a := range at {
			for _, e := range s.traffic[a] {
				c += e.w * dist(ts[at[a]], ts[at[e.to]], s.cross)
			}
		}
		return c / 2
	}
	// row-major
	rm := make([]int, nc)
	next := map[string]int{}
	for i := range p.Cores {
		k := p.Cores[i].Kind
		rm[i] = byKind[k][next[k]]
		next[k]++
	}
	s.cost.RowMajor = cost(rm)
	// greedy
	at := make([]int, nc)
	occ := make([]int, len(ts))
	for i := range occ {
		occ[i] = -1
	}
	for i := range at {
		at[i] = -1
	}
	if int64(nc)*int64(len(ts)) > greedyExhaustive {
		// the search window that places best depends on the program:
		// build with each and keep the cheaper (the first on a tie)
		s.greedyNear(ts, byKind, at, occ, greedyNearSlack[0])
		at2, occ2 := make([]int, nc), make([]int, len(ts))
		for i := range occ2 {
			occ2[i] = -1
		}
		for i := range at2 {
			at2[i] = -1
		}
		s.greedyNear(ts, byKind, at2, occ2, greedyNearSlack[1])
		if !slices.Contains(at, -1) && !slices.Contains(at2, -1) && cost(at2) < cost(at) {
			at, occ = at2, occ2
		}
	}
	for c := range p.Cores {
		if at[c] >= 0 {
			continue // placed by greedyNear
		}
		best, bestCost := -1, int64(math.MaxInt64)
		for _, ti := range byKind[p.Cores[c].Kind] {
			if occ[ti] >= 0 {
				continue
			}
			var cc int64
			for _, e := range s.traffic[c] {
				if at[e.to] >= 0 {
					cc += e.w * dist(ts[ti], ts[at[e.to]], s.cross)
				}
			}
			if cc < bestCost {
				best, bestCost = ti, cc
			}
		}
		at[c], occ[best] = best, c
	}
	s.cost.Greedy = cost(at)
	if s.cost.RowMajor < s.cost.Greedy {
		copy(at, rm)
		for i := range occ {
			occ[i] = -1
		}
		for c, ti := range at {
			occ[ti] = c
		}
	}
	if nc <= annealMaxCores || s.Opts.AnnealSteps > 0 {
		s.anneal(ts, byKind, at, occ, cost(at))
		s.cost.Annealed = cost(at)
	} else {
		s.cost.Annealed = min(s.cost.Greedy, s.cost.RowMajor) // the placement kept
	}
	for c := range p.Cores {
		t := ts[at[c]]
		p.Cores[c].Chip, p.Cores[c].X, p.Cores[c].Y = t.chip, t.x, t.y
	}
	return nil
}

// annealMaxCores: above it placement keeps the greedy result unless
// Options.AnnealSteps asks for annealing. Its 2·10⁶ moves cost 16 s for
// E-SpikeFormer Large 768 (114 k cores) and gained nothing there nor for
// e-spikeformer-m (41 k cores: 5.14e10 greedy and annealed), while the
// greedy placement itself grows near-linearly (greedyNear).
const annealMaxCores = 20_000

// anneal improves the placement at (core → tile) by simulated annealing.
func (s *State) anneal(ts []tile, byKind map[string][]int, at, occ []int, cur int64) {
	nc := len(at)
	if nc < 2 {
		return
	}
	rng := rand.New(rand.NewPCG(s.Opts.Seed, 0x6e6575726f73696d))
	steps := s.Opts.AnnealSteps
	if steps <= 0 {
		steps = min(400*nc*int(math.Sqrt(float64(nc))+1), 2_000_000)
	}
	// cost of core c at tile ti, ignoring partner skip
	local := func(c, ti, skip int) int64 {
		var x int64
		for _, e := range s.traffic[c] {
			if int(e.to) == skip {
				continue
			}
			x += e.w * dist(ts[ti], ts[at[e.to]], s.cross)
		}
		return x
	}
	move := func() (int, int) {
		c := rng.IntN(nc)
		tiles := byKind[s.prog.Cores[c].Kind]
		return c, tiles[rng.IntN(len(tiles))]
	}
	delta := func(c, ti int) int64 {
		o := occ[ti]
		from := at[c]
		d := local(c, ti, o) - local(c, from, o)
		if o >= 0 {
			d += local(o, from, c) - local(o, ti, c)
		}
		return d
	}
	apply := func(c, ti int) {
		o, from := occ[ti], at[c]
		at[c], occ[ti] = ti, c
		occ[from] = o
		if o >= 0 {
			at[o] = from
		}
	}
	// initial temperature: mean |delta| of random moves
	var sum float64
	for i := 0; i < 100; i++ {
		c, ti := move()
		sum += math.Abs(float64(delta(c, ti)))
	}
	t0 := sum/100 + 1
	// The best placement seen is kept as an undo log of the moves applied
	// since (a move is a swap, its own inverse given the core's old tile),
	// not as a copy per improvement, which cost O(cores) each time.
	type undo struct{ c, from int }
	var log []undo
	bestCost := cur
	for k := 0; k < steps; k++ {
		temp := t0 * math.Pow(1e-4, float64(k)/float64(steps))
		c, ti := move()
		if at[c] == ti {
			continue
		}
		d := delta(c, ti)
		if d <= 0 || rng.Float64() < math.Exp(-float64(d)/temp) {
			log = append(log, undo{c, at[c]})
			apply(c, ti)
			cur += d
			if cur < bestCost {
				bestCost = cur
				log = log[:0]
			}
		}
	}
	for i := len(log) - 1; i >= 0; i-- {
		apply(log[i].c, log[i].from)
	}
}

// greedyExhaustive bounds cores × tiles for the exhaustive greedy placement
// (every free tile tried for every core); above it greedyNear searches
// around each core's partners instead (e-spikeformer-m on loihi-board-768:
// 41 k cores × 98 k tiles).
const greedyExhaustive = 50_000_000

// greedyNearSlack holds the two search windows placePass tries with
// greedyNear (rings beyond the first ring with a free tile), keeping the
// cheaper placement. Neither wins everywhere: e-spikeformer-m at 224² on
// loihi-board-768 costs 1.81e10 with 2 (182.8 M board-link crossings at
// one spike per neuron) and 1.61e10 with 8 (160.3 M; a tile on a
// partner's chip is found more often when the nearest free tiles are
// across a chip boundary), Large 768 on loihi-board-1536 1.740e11 with 2
// and 1.807e11 with 8; 24 rings gained nothing over 8 for m (1.62e10).
var greedyNearSlack = [2]int{2, 8}

// greedyNear is the greedy construction for large programs: core c goes on
// the free tile of its kind that minimises its traffic × distance to the
// partners already placed, searched in rings of growing Chebyshev radius
// around the traffic-weighted mean of their tiles, slack rings beyond the
// first ring with a free tile; a core without placed partners takes the
// first free tile of its kind in tile order, as the exhaustive search does.
func (s *State) greedyNear(ts []tile, byKind map[string][]int, at, occ []int, slack int) {
	gw := s.Spec.Chip.Width * s.Spec.Board.ChipsX
	gh := s.Spec.Chip.Height * s.Spec.Board.ChipsY
	grid := make([]int, gw*gh)
	for i, t := range ts {
		grid[t.gy*gw+t.gx] = i
	}
	next := map[string]int{} // first possibly free position in byKind
	// the placed partners of the core being placed, copied out of the
	// tiles once (the candidate loop reads them for every tile it tries)
	type partner struct {
		gx, gy, cx, cy, chip int
		w                    int64
	}
	var ps []partner
	for c := range at {
		kind := s.prog.Cores[c].Kind
		var wx, wy, w float64
		ps = ps[:0]
		for _, e := range s.traffic[c] {
			if at[e.to] >= 0 {
				t := ts[at[e.to]]
				wx += float64(e.w) * float64(t.gx)
				wy += float64(e.w) * float64(t.gy)
				w += float64(e.w)
				ps = append(ps, partner{t.gx, t.gy, t.cx, t.cy, t.chip, e.w})
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
					t := &ts[ti]
					var cc int64
					for _, q := range ps { // dist(t, q's tile) × weight, as the exhaustive search sums
						d := int64(abs(t.gx-q.gx) + abs(t.gy-q.gy))
						if s.cross > 0 && t.chip != q.chip {
							d += s.cross * int64(abs(t.cx-q.cx)+abs(t.cy-q.cy))
						}
						cc += q.w * d
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
