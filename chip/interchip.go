package chip

import (
	"encoding/binary"
	"fmt"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Multi-chip boards (arch.Board): the model.
//
// The tiles of every chip sit on one board-wide grid (chip (cx, cy) holds
// the tiles cx·Width … and cy·Height …, as compiler.Program.GlobalXY), and
// one NoC of that size carries the on-chip traffic; a packet whose
// destinations all sit on its own chip is routed as on a single chip (a
// dimension-order route between two tiles of one chip never leaves it).
//
// A spike bound for another chip follows the same dimension-order route as
// the compiler's mapping report (compiler.route: XY, or YX), but every grid
// link that crosses a chip boundary is a board link (arch.Board):
//   - the on-chip stretch before a boundary (from the source tile, or from
//     the tile where the packet entered an intermediate chip) is charged as
//     flit hops (HopsX, HopsY) and takes hops × (router pipeline + link)
//     NoC cycles, without contention;
//   - the board link takes the packet for SpikePacketBits / link_gbps
//     (serialisation: a link is busy for that long per packet, and packets
//     queue in order of arrival) plus link_latency_ns, and costs
//     SpikePacketBits × energy.interchip_bit;
//   - with multicast, a packet crosses each board link of its tree once (the
//     union of the routes to its destination tiles, as the compiler counts
//     link loads); without, once per destination tile;
//   - after the last boundary it is injected into the NoC at the tile where
//     it entered its destination chip, with that chip's destination tiles,
//     and is routed and delivered like any packet.
//
// The counts (packets and bits on board links, the energy, the time spent
// on them) are kept apart from the on-chip NoC figures (Counts.InterChip*).

// boardHop is one board-link crossing of a neuron's inter-chip route tree.
type boardHop struct {
	link   int32 // board link index: (tile·4 + direction) of the grid link, see Exec.boardLinks
	parent int32 // hop this one follows, −1: leaves from the source tile
	// on-chip stretch before the link: flit hops and its time
	hopsX, hopsY int32
	onChip       sim.Time
	entry        noc.Tile   // tile of the next chip where the packet arrives
	dests        []noc.Tile // destination tiles reached from entry (may be empty: transit)
}

// remoteRoutes holds, for every local neuron of a core, its board hops:
// hops[span[2i]:span[2i+1]], parents before children (a hop's parent is an
// index into hops). Neurons whose remote destination tiles are the same list
// share one range: the neurons of a core mostly reach the same tiles.
type remoteRoutes struct {
	span []int32
	hops []boardHop
}

// boardInit prepares the inter-chip routes of every core (NewExec, called
// after the cores' tiles are board-wide) and lists the board links they use.
func (x *Exec) boardInit(cn *compiler.Connectivity) error {
	p := x.Prog
	m := p.Mesh
	x.chips = m.ChipsX * m.ChipsY
	if x.chips == 1 {
		return nil
	}
	if m.Torus {
		return fmt.Errorf("chip: the program spans %d×%d chips on a torus NoC; multi-chip boards run on a mesh only", m.ChipsX, m.ChipsY)
	}
	b := x.Spec.Board
	bits := float64(x.Spec.NoC.SpikePacketBits)
	x.boardSerial = nsTime(bits / b.LinkGbps) // Gb/s = bits per ns
	x.boardLatency = nsTime(b.LinkLatencyNS)
	x.boardBits = uint64(x.Spec.NoC.SpikePacketBits)
	hopTime := sim.Time(x.Spec.NoC.RouterPipelineCycles+x.Spec.NoC.LinkLatencyCycles) * x.nocFreq.Period()
	gw := m.Width * m.ChipsX
	chipOf := func(t noc.Tile) int { return t.Y/m.Height*m.ChipsX + t.X/m.Width }
	linkIdx := map[int32]int32{}
	yx := m.Routing == "yx"
	x.remote = make([]remoteRoutes, len(x.cores))
	for ci := range x.cores {
		xc := &x.cores[ci]
		fanStart, fan := cn.FanStart[ci], cn.Fan[ci]
		src := xc.tile
		rr := &x.remote[ci]
		rr.span = make([]int32, 2*xc.n)
		any := false
		routes := map[string][2]int32{} // a remote tile list's key → its hop range
		var tiles []noc.Tile
		var key []byte
		for i := 0; i < xc.n; i++ {
			base := len(rr.hops)
			// tiles of the neuron's destinations, in fan order, distinct
			tiles = tiles[:0]
			for _, d := range fan[fanStart[i]:fanStart[i+1]] {
				dc := &p.Cores[d.Core]
				gx, gy := p.GlobalXY(dc)
				t := noc.Tile{X: gx, Y: gy}
				if chipOf(t) == chipOf(src) {
					continue
				}
				dup := false
				for _, h := range tiles {
					dup = dup || h == t
				}
				if !dup {
					tiles = append(tiles, t)
				}
			}
			key = key[:0]
			for _, t := range tiles {
				key = binary.LittleEndian.AppendUint32(key, uint32(t.X))
				key = binary.LittleEndian.AppendUint32(key, uint32(t.Y))
			}
			if r, ok := routes[string(key)]; ok {
				rr.span[2*i], rr.span[2*i+1] = r[0], r[1]
				continue
			}
			for _, t := range tiles {
				parent := int32(-1)
				var hx, hy int32
				walk(src, t, yx, func(at noc.Tile, dir int) {
					next := at
					switch dir {
					case compiler.DirEast:
						next.X++
					case compiler.DirWest:
						next.X--
					case compiler.DirNorth:
						next.Y--
					case compiler.DirSouth:
						next.Y++
					}
					if chipOf(next) == chipOf(at) {
						if dir == compiler.DirEast || dir == compiler.DirWest {
							hx++
						} else {
							hy++
						}
						return
					}
					key := int32((at.Y*gw+at.X)*4 + dir)
					li, ok := linkIdx[key]
					if !ok {
						li = int32(len(x.boardLinks))
						linkIdx[key] = li
						x.boardLinks = append(x.boardLinks, BoardLinkLoad{From: at, Dir: dir})
					}
					h := -1
					if m.Multicast {
						for k := base; k < len(rr.hops); k++ {
							if rr.hops[k].link == li {
								h = k
							}
						}
					}
					if h < 0 {
						rr.hops = append(rr.hops, boardHop{link: li, parent: parent, hopsX: hx, hopsY: hy,
							onChip: sim.Time(hx+hy) * hopTime, entry: next})
						h = len(rr.hops) - 1
					}
					parent, hx, hy = int32(h), 0, 0
				})
				rr.hops[parent].dests = append(rr.hops[parent].dests, t)
			}
			rr.span[2*i], rr.span[2*i+1] = int32(base), int32(len(rr.hops))
			routes[string(key)] = [2]int32{int32(base), int32(len(rr.hops))}
			any = any || len(rr.hops) > base
		}
		if !any {
			x.remote[ci] = remoteRoutes{}
		}
	}
	return nil
}

// walk calls f for every grid link of the dimension-order route from a to b
// (the tile it leaves and the direction, compiler.Dir*): compiler's own walk,
// so board packets take the links the mapping report counts.
func walk(a, b noc.Tile, yx bool, f func(at noc.Tile, dir int)) {
	compiler.RoutePath(a.X, a.Y, b.X, b.Y, yx, func(x, y, dir int) { f(noc.Tile{X: x, Y: y}, dir) })
}

// boardState is a machine's inter-chip state: when each board link is next
// free, the packets on their way over each link to their entry tile, and
// the counts of the sample in progress.
//
// A link's packets arrive in the order they were sent (each starts when the
// previous one has left the link), so they wait in a FIFO per link and only
// each link's first is an engine event; each takes the engine sequence
// number reserved when it was sent (sim.Engine.Reserve), so every packet is
// injected exactly when and in the order a calendar of all of them would
// inject it, with a calendar of at most one packet per link.
type boardState struct {
	free    []sim.Time
	arrive  []sim.Time // per hop of the route being sent (scratch)
	linkPkt []uint64   // packets per board link, summed over samples
	fifo    []linkFIFO // per board link

	packets, bits, hopsX, hopsY uint64
	linkTime                    sim.Time // summed over crossings: queueing + serialisation + latency
}

// boardPkt is a packet on its way over a board link to its entry tile:
// when it is injected there, its reserved engine sequence number, its hop
// (entry tile and destination tiles) and payload.
type boardPkt struct {
	t    sim.Time
	id   sim.EventID
	hop  *boardHop
	a, b int64
}

// linkFIFO holds a link's packets in flight in arrival order: a ring of
// n packets from q[head] (len(q) a power of two), so it holds no more than
// the link's packets in flight at once.
type linkFIFO struct {
	q       []boardPkt
	head, n int
}

func (f *linkFIFO) push(bp boardPkt) {
	if f.n == len(f.q) {
		q := make([]boardPkt, max(8, 2*len(f.q)))
		for i := range f.n {
			q[i] = f.q[(f.head+i)&(len(f.q)-1)]
		}
		f.q, f.head = q, 0
	}
	f.q[(f.head+f.n)&(len(f.q)-1)] = bp
	f.n++
}

func (f *linkFIFO) pop() boardPkt {
	bp := f.q[f.head]
	f.head = (f.head + 1) & (len(f.q) - 1)
	f.n--
	return bp
}

// boardInjector's events are the first packet of a link's FIFO (link e.A).
type boardInjector struct{ m *Machine }

// Handle injects link e.A's first packet at its hop's entry tile and hands
// the engine the next one.
func (h boardInjector) Handle(e sim.Event) {
	m := h.m
	f := &m.board.fifo[e.A]
	bp := f.pop()
	if f.n > 0 {
		next := &f.q[f.head]
		m.eng.ScheduleReserved(sim.Event{Time: next.t, Handler: h, A: e.A}, next.id)
	}
	hop := bp.hop
	p := m.net.NewPacket()
	p.Dests = p.Dests[:0]
	if len(hop.dests) == 1 {
		p.Dst = hop.dests[0]
	} else {
		p.Dests = append(p.Dests, hop.dests...)
	}
	p.A, p.B = bp.a, bp.b
	if !m.net.Inject(hop.entry, p) {
		panic("chip: the unbounded NoC source queue refused a packet")
	}
}

// sendRemote sends local neuron i of core ci's spike, leaving at now with
// payload (a, b), over its board routes; local is the number of its
// destination tiles on its own chip (emit counts that packet). The core
// sends one packet (multicast; emit's when local > 0) or one per
// destination tile.
func (m *Machine) sendRemote(ci int, i int32, now sim.Time, a, b int64, local int) {
	x := m.x
	rr := &x.remote[ci]
	lo := rr.span[2*i]
	hops := rr.hops[lo:rr.span[2*i+1]]
	if len(hops) == 0 {
		return
	}
	bs := &m.board
	bs.arrive = bs.arrive[:0]
	for k := range hops {
		h := &hops[k]
		t := now
		if h.parent >= 0 {
			t = bs.arrive[h.parent-lo]
		}
		t += h.onChip
		start := max(t, bs.free[h.link])
		bs.free[h.link] = start + x.boardSerial
		arr := start + x.boardSerial + x.boardLatency
		bs.arrive = append(bs.arrive, arr)
		bs.packets++
		bs.bits += x.boardBits
		bs.hopsX += uint64(h.hopsX)
		bs.hopsY += uint64(h.hopsY)
		bs.linkTime += arr - t
		bs.linkPkt[h.link]++
		if len(h.dests) == 0 {
			continue
		}
		if m.multicast {
			if local == 0 {
				m.cur.Packets++
				local = 1
			}
		} else {
			m.cur.Packets += uint64(len(h.dests))
		}
		f := &bs.fifo[h.link]
		f.push(boardPkt{t: x.nocFreq.ThisOrNextTick(arr), id: m.eng.Reserve(), hop: h, a: a, b: b})
		if f.n == 1 {
			m.eng.ScheduleReserved(sim.Event{Time: f.q[f.head].t, Handler: boardInjector{m}, A: int64(h.link)}, f.q[f.head].id)
		}
	}
}

// boardBegin clears the per-sample board counts (the links' free times
// carry over, like the NoC's state, until Reset).
func (m *Machine) boardBegin() {
	bs := &m.board
	bs.packets, bs.bits, bs.hopsX, bs.hopsY, bs.linkTime = 0, 0, 0, 0, 0
}

// boardReset gives the machine fresh board links.
func (m *Machine) boardReset() {
	if m.x.chips <= 1 {
		return
	}
	bs := &m.board
	if bs.free == nil {
		bs.free = make([]sim.Time, len(m.x.boardLinks))
		bs.linkPkt = make([]uint64, len(m.x.boardLinks))
		bs.fifo = make([]linkFIFO, len(m.x.boardLinks))
	}
	clear(bs.free)
	for i := range bs.fifo {
		bs.fifo[i].head, bs.fifo[i].n = 0, 0
	}
}

// boardCounts adds the sample's board counts to c.
func (m *Machine) boardCounts(c *Counts) {
	bs := &m.board
	c.HopsX += bs.hopsX
	c.HopsY += bs.hopsY
	c.InterChipPackets = bs.packets
	c.InterChipBits = bs.bits
	c.InterChipLinkTime = bs.linkTime
}

// Chips returns the number of chips of the board the program runs on and
// the number holding at least one core.
func (x *Exec) Chips() (board, used int) {
	m := x.Prog.Mesh
	seen := map[int]bool{}
	for i := range x.Prog.Cores {
		seen[x.Prog.Cores[i].Chip] = true
	}
	return max(m.ChipsX*m.ChipsY, 1), len(seen)
}

// BoardLinkLoad is the packets that crossed one board link, summed over a
// machine's samples.
type BoardLinkLoad struct {
	From    noc.Tile
	Dir     int // compiler.Dir*
	Packets uint64
}

// BoardSummary is a multi-chip run's board figures, per inference (means
// over the samples).
type BoardSummary struct {
	Chips     int `json:"chips"`      // chips on the board
	UsedChips int `json:"used_chips"` // chips holding at least one core
	Cores     int `json:"cores"`      // cores used, over every chip
	// CoresPerChip is the number of cores on each chip (chip index order).
	CoresPerChip []int   `json:"cores_per_chip"`
	Packets      float64 `json:"interchip_packets"` // packets × board links crossed
	Bits         float64 `json:"interchip_bits"`
	EnergyPJ     float64 `json:"interchip_energy_pj"` // Bits × energy.interchip_bit
	// LinkTimeS is the time packets spent on board links (queueing,
	// serialisation, latency), summed over crossings; MeanCrossingS is it
	// per crossing. The latency contribution of the board is on the critical
	// path of the phases, included in the run's latency.
	LinkTimeS     float64 `json:"interchip_link_time_s"`
	MeanCrossingS float64 `json:"interchip_mean_crossing_s"`
	// Links is the packets per inference of every board link used, as
	// (from tile, direction) on the board-wide grid.
	Links []BoardLinkLine `json:"links"`
}

// BoardLinkLine is one board link's load per inference.
type BoardLinkLine struct {
	X       int     `json:"x"`
	Y       int     `json:"y"`
	Dir     int     `json:"dir"` // compiler.Dir*
	Packets float64 `json:"packets"`
}

func (x *Exec) boardSummary(res *RunResult) *BoardSummary {
	b := &BoardSummary{Cores: len(x.Prog.Cores)}
	b.Chips, b.UsedChips = x.Chips()
	b.CoresPerChip = make([]int, b.Chips)
	for i := range x.Prog.Cores {
		b.CoresPerChip[x.Prog.Cores[i].Chip]++
	}
	n := float64(max(len(res.Samples), 1))
	var t float64
	for i := range res.Samples {
		c := &res.Samples[i].Counts
		b.Packets += float64(c.InterChipPackets)
		b.Bits += float64(c.InterChipBits)
		t += float64(c.InterChipLinkTime) * 1e-12
	}
	if b.Packets > 0 {
		b.MeanCrossingS = t / b.Packets
	}
	b.Packets /= n
	b.Bits /= n
	b.LinkTimeS = t / n
	b.EnergyPJ = b.Bits * x.Spec.Energy.InterchipBit.PJ
	for i, l := range x.boardLinks {
		if res.BoardLinks != nil && res.BoardLinks[i] > 0 {
			b.Links = append(b.Links, BoardLinkLine{X: l.From.X, Y: l.From.Y, Dir: l.Dir, Packets: float64(res.BoardLinks[i]) / n})
		}
	}
	return b
}
