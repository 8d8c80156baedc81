package traffic

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Patterns lists the destination patterns Run accepts.
var Patterns = []string{"uniform", "transpose", "hotspot"}

// Config describes one run at one offered load.
type Config struct {
	NoC           arch.NoC
	Width, Height int
	// Pattern is uniform, transpose or hotspot.
	Pattern string
	// Load is the offered load in flits/node/cycle, in (0, Flits].
	Load float64
	// Flits per packet (0: the spec's spike packet).
	Flits int
	// Warmup and Measure are phase lengths in cycles; MaxDrain bounds the
	// drain phase (0: 4·Measure).
	Warmup, Measure, MaxDrain uint64
	// Seed is the root seed of the sources' random streams.
	Seed uint64
	// HotspotFraction is the fraction of packets sent to Hotspot by the
	// hotspot pattern (0: 0.1); Hotspot defaults to the centre tile.
	HotspotFraction float64
	Hotspot         *noc.Tile
	// Clock is the router clock (0: 1 GHz); results are in cycles.
	Clock sim.Freq
}

// Result summarises a run. Latencies are in cycles.
type Result struct {
	Pattern string  `json:"pattern"`
	Offered float64 `json:"offered"` // flits/node/cycle requested
	// Generated is the measured generation rate in the measurement window.
	Generated float64 `json:"generated"`
	// Accepted is flits delivered per node per cycle in the measurement window.
	Accepted   float64 `json:"accepted"`
	AvgLatency float64 `json:"avg_latency"`
	P99Latency uint64  `json:"p99_latency"`
	MaxLatency uint64  `json:"max_latency"`
	// AvgHops is the mean number of links crossed by measured packets.
	AvgHops float64 `json:"avg_hops"`
	// Measured counts the measured packets; Delivered every delivered packet.
	Measured  uint64 `json:"measured"`
	Delivered uint64 `json:"delivered"`
	// Saturated: the network accepted less than 95 % of the generated
	// load, or the measured packets had not all arrived after MaxDrain.
	Saturated bool `json:"saturated"`
	// Cycles is the simulated length of the run (to the last delivery);
	// Events counts the engine events fired.
	Cycles uint64 `json:"cycles"`
	Events uint64 `json:"events"`
	// Latency is the histogram of the measured packets' latencies.
	Latency noc.Histogram `json:"-"`
	// Stats are the network's counters over the whole run.
	Stats noc.Stats `json:"-"`
}

// run holds the state of one Run.
type run struct {
	cfg                 Config
	e                   *sim.Engine
	n                   *noc.Network
	period              sim.Time
	p                   float64 // packets per node and cycle
	logq                float64 // log(1−p)
	flits               int
	winStart, winEnd    uint64
	stopped             bool
	outstanding         int // measured packets generated and not delivered
	nodes               []node
	hot                 noc.Tile
	hotFrac             float64
	generated, accepted uint64 // packets generated, flits delivered in the window
	cutHit              bool   // generation stopped with measured packets outstanding
	last                uint64 // cycle of the last delivery
	lat                 noc.Histogram
	hops, delivered     uint64
}

// node is one traffic source and sink.
type node struct {
	r       *run
	tile    noc.Tile
	rng     *rand.Rand
	backlog []pending // packets waiting for the source queue
	next    uint64    // cycle of the next generation
	head    int
}

// pending is a generated packet not yet in the network.
type pending struct {
	gen uint64
	dst noc.Tile
}

// Run simulates one configuration and returns its measurements.
func Run(cfg Config) (Result, error) {
	if cfg.Width < 1 || cfg.Height < 1 {
		return Result{}, fmt.Errorf("traffic: size %d×%d: width and height must be at least 1", cfg.Width, cfg.Height)
	}
	if cfg.Flits == 0 {
		cfg.Flits = cfg.NoC.SpikeFlits()
	}
	if cfg.Flits < 1 {
		return Result{}, fmt.Errorf("traffic: %d flits per packet", cfg.Flits)
	}
	if !(cfg.Load > 0) || cfg.Load > float64(cfg.Flits) {
		return Result{}, fmt.Errorf("traffic: offered load %g flits/node/cycle: want (0, %d] for %d-flit packets", cfg.Load, cfg.Flits, cfg.Flits)
	}
	if cfg.Measure == 0 {
		return Result{}, fmt.Errorf("traffic: zero measurement cycles")
	}
	switch cfg.Pattern {
	case "uniform", "hotspot":
	case "transpose":
		if cfg.Width != cfg.Height {
			return Result{}, fmt.Errorf("traffic: transpose needs a square array, not %d×%d", cfg.Width, cfg.Height)
		}
	default:
		return Result{}, fmt.Errorf("traffic: unknown pattern %q (want one of %v)", cfg.Pattern, Patterns)
	}
	if cfg.MaxDrain == 0 {
		cfg.MaxDrain = 4 * cfg.Measure
	}
	if cfg.Clock == 0 {
		cfg.Clock = sim.GHz
	}
	r := &run{cfg: cfg, flits: cfg.Flits, hotFrac: cfg.HotspotFraction}
	if r.hotFrac == 0 {
		r.hotFrac = 0.1
	}
	if r.hotFrac < 0 || r.hotFrac > 1 {
		return Result{}, fmt.Errorf("traffic: hotspot fraction %g outside [0, 1]", r.hotFrac)
	}
	r.hot = noc.Tile{X: cfg.Width / 2, Y: cfg.Height / 2}
	if cfg.Hotspot != nil {
		r.hot = *cfg.Hotspot
	}
	r.e = sim.NewEngine()
	n, err := noc.New(cfg.NoC, cfg.Width, cfg.Height, r.e, cfg.Clock, noc.WithSourceQueue(2))
	if err != nil {
		return Result{}, err
	}
	if !n.Contains(r.hot) {
		return Result{}, fmt.Errorf("traffic: hotspot %v outside the network", r.hot)
	}
	r.n = n
	r.period = n.Period()
	r.p = cfg.Load / float64(cfg.Flits)
	r.logq = math.Log1p(-r.p)
	r.winStart, r.winEnd = cfg.Warmup, cfg.Warmup+cfg.Measure
	streams := sim.NewStreams(cfg.Seed).Sub("noc/traffic")
	r.nodes = make([]node, cfg.Width*cfg.Height)
	for i := range r.nodes {
		nd := &r.nodes[i]
		nd.r = r
		nd.tile = noc.Tile{X: i % cfg.Width, Y: i / cfg.Width}
		nd.rng = streams.For(fmt.Sprintf("node[%d,%d]", nd.tile.X, nd.tile.Y))
		if err := n.Attach(nd.tile, nd); err != nil {
			return Result{}, err
		}
		nd.next = nd.gap() - 1
	}
	r.scheduleGen()
	// At the end of the window generation stops if nothing measured is
	// outstanding; at the drain cut it stops regardless.
	for _, c := range []uint64{r.winEnd, r.winEnd + cfg.MaxDrain} {
		r.e.Schedule(sim.Event{Time: sim.Time(c) * r.period, Priority: 1, Handler: sim.HandlerFunc(func(sim.Event) {
			if !r.stopped && (r.outstanding == 0 || c > r.winEnd) {
				r.stop()
			}
		})})
	}
	r.e.Run()
	if r.outstanding != 0 || n.InFlight() != 0 {
		return Result{}, fmt.Errorf("traffic: network did not drain: %d measured packets outstanding, %d in flight", r.outstanding, n.InFlight())
	}
	nodes := float64(len(r.nodes))
	res := Result{
		Pattern:    cfg.Pattern,
		Offered:    cfg.Load,
		Generated:  float64(r.generated) * float64(cfg.Flits) / nodes / float64(cfg.Measure),
		Accepted:   float64(r.accepted) / nodes / float64(cfg.Measure),
		AvgLatency: r.lat.Mean(),
		P99Latency: r.lat.Quantile(0.99),
		MaxLatency: r.lat.Max(),
		AvgHops:    float64(r.hops) / float64(max(r.lat.Count(), 1)),
		Measured:   r.lat.Count(),
		Delivered:  r.delivered,
		Saturated:  r.cutHit || float64(r.accepted) < 0.95*float64(r.generated)*float64(cfg.Flits),
		Cycles:     r.last,
		Events:     r.e.Fired(),
		Latency:    r.lat,
		Stats:      n.Stats(),
	}
	return res, nil
}

// gap draws the cycles to the next generation (≥ 1): geometric with success
// probability p, the inter-arrival time of a per-cycle Bernoulli process.
func (nd *node) gap() uint64 {
	r := nd.r
	if r.p >= 1 {
		return 1
	}
	u := 1 - nd.rng.Float64() // (0, 1]
	return 1 + uint64(math.Log(u)/r.logq)
}

// scheduleGen schedules the generator's next event at the earliest cycle
// a source generates. One event serves every source generating in that
// cycle (in tile order), which keeps the engine's queue small.
func (r *run) scheduleGen() {
	next := uint64(math.MaxUint64)
	for i := range r.nodes {
		next = min(next, r.nodes[i].next)
	}
	r.e.Schedule(sim.Event{Time: sim.Time(next) * r.period, Handler: r})
}

// Handle generates the packets of the event's cycle.
func (r *run) Handle(ev sim.Event) {
	if r.stopped {
		return
	}
	c := uint64(ev.Time / r.period)
	for i := range r.nodes {
		if nd := &r.nodes[i]; nd.next == c {
			nd.generate(c)
			nd.next = c + nd.gap()
		}
	}
	r.scheduleGen()
}

// generate adds a packet generated at cycle c to the backlog.
func (nd *node) generate(c uint64) {
	r := nd.r
	if c >= r.winStart && c < r.winEnd {
		r.generated++
		r.outstanding++
	}
	nd.backlog = append(nd.backlog, pending{gen: c, dst: nd.dest()})
	nd.inject()
}

// inject moves packets from the backlog into the network while it takes them.
func (nd *node) inject() {
	r := nd.r
	for nd.head < len(nd.backlog) {
		g := nd.backlog[nd.head]
		p := r.n.NewPacket()
		p.Dst = g.dst
		p.Flits = r.flits
		p.A = int64(g.gen)
		if !r.n.Inject(nd.tile, p) {
			r.n.Release(p) // refused: the network kept no reference
			return
		}
		nd.head++
	}
	nd.backlog, nd.head = nd.backlog[:0], 0
}

func (nd *node) dest() noc.Tile {
	r := nd.r
	switch r.cfg.Pattern {
	case "transpose":
		return noc.Tile{X: nd.tile.Y, Y: nd.tile.X}
	case "hotspot":
		if nd.rng.Float64() < r.hotFrac {
			return r.hot
		}
	}
	return noc.Tile{X: nd.rng.IntN(r.cfg.Width), Y: nd.rng.IntN(r.cfg.Height)}
}

// InjectReady resumes injection when the source queue has room.
func (nd *node) InjectReady(noc.Tile) { nd.inject() }

// Deliver measures a delivered packet.
func (nd *node) Deliver(p *noc.Packet) {
	r := nd.r
	r.delivered++
	now := uint64(r.e.Now() / r.period)
	r.last = now
	if now >= r.winStart && now < r.winEnd {
		r.accepted += uint64(p.Flits)
	}
	g := uint64(p.A)
	if g >= r.winStart && g < r.winEnd {
		r.lat.Add(now - g)
		r.hops += uint64(p.Hops)
		r.outstanding--
		if r.outstanding == 0 && now >= r.winEnd && !r.stopped {
			r.stop()
		}
	}
}

// stop ends generation and drops the unmeasured backlog.
func (r *run) stop() {
	r.stopped = true
	if r.outstanding > 0 {
		r.cutHit = true
	}
	for i := range r.nodes {
		nd := &r.nodes[i]
		k := nd.head
		for k < len(nd.backlog) && nd.backlog[k].gen < r.winEnd {
			k++
		}
		nd.backlog = nd.backlog[:k]
	}
}
