package noc

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

// Tile is the position of a router (and of the core attached to it): X grows
// eastwards, Y grows northwards, both from zero.
type Tile struct{ X, Y int }

func (t Tile) String() string { return fmt.Sprintf("(%d,%d)", t.X, t.Y) }

// Port names a router port. East, West, North and South lead to the
// neighbouring routers (+x, −x, +y, −y); Local leads to the tile's core.
type Port uint8

// Router ports.
const (
	East Port = iota
	West
	North
	South
	Local
	numPorts = 5
)

var portNames = [numPorts]string{"E", "W", "N", "S", "L"}

func (p Port) String() string {
	if int(p) < numPorts {
		return portNames[p]
	}
	return fmt.Sprintf("Port(%d)", int(p))
}

// opposite returns the port on the far side of the link that leaves by p.
func opposite(p Port) Port { return p ^ 1 }

// Packet is a message crossing the network. Get one from Network.NewPacket,
// fill Dst (or Dests), Flits and the payload fields, and hand it to Inject.
//
// Ownership: after a successful Inject the network owns the packet (and may
// replicate it at multicast branches); an endpoint sees a delivered packet
// only during its Deliver call and must copy what it needs, because the
// packet returns to the network's pool afterwards.
type Packet struct {
	// Src is the injecting tile (set by Inject).
	Src Tile
	// Dst is the destination of a unicast packet. In a delivered packet it is
	// the delivering tile, for unicast and multicast alike.
	Dst Tile
	// Dests, when it holds two or more tiles, makes the packet a multicast:
	// routers replicate it along the dimension-order tree. Dst is then
	// ignored on injection; with one tile it is the same as setting Dst. The
	// tiles must be distinct. Reuse its storage: p.Dests = append(p.Dests[:0], ...).
	Dests []Tile
	// Flits is the packet length in flits (0: one spike packet,
	// arch.NoC.SpikeFlits).
	Flits int
	// Kind, A, B and Ptr are the payload; the network never reads them.
	Kind uint32
	A, B int64
	Ptr  any
	// Tree, when set, gives the destinations instead of Dst and Dests: a
	// multicast tree (or path) from the injecting tile computed once by
	// NewTree. Under the analytic model the packet then travels without
	// walking its links; the other models take the tree's destinations.
	Tree *Tree
	// ID is set by Inject: the network's injection sequence number. Copies of
	// a multicast packet share it.
	ID uint64
	// InjectTime is the simulated time of Inject.
	InjectTime sim.Time
	// Hops counts the router-to-router links the head flit has crossed.
	Hops int
	// DestIndex, in a packet the analytic model delivers along its Tree, is
	// the index in Tree.Dests() of the delivering tile; −1 otherwise.
	DestIndex int
	// DestTag is, with DestIndex, that destination's tag (Tree.SetTags);
	// 0 otherwise.
	DestTag int64

	injCycle uint64
	pending  int // packet model: deliveries still to make
}

// reset clears p for reuse, keeping the Dests storage.
func (p *Packet) reset() {
	d := p.Dests[:0]
	*p = Packet{Dests: d, DestIndex: -1}
}

// Endpoint receives the packets delivered to a tile; the core of the tile
// implements it. Deliver runs at the time the tail flit leaves the router's
// local port; p is valid only during the call.
type Endpoint interface {
	Deliver(p *Packet)
}

// InjectWaker is implemented by endpoints that want to hear when a tile's
// source queue, after refusing an Inject, has room again.
type InjectWaker interface {
	InjectReady(t Tile)
}

// Hook positions. The hook context's Domain is the *Network, Item the
// *Packet, Now the simulated time. Item and Detail point into the network's
// own storage, reused from one invocation to the next so that hooking a
// network allocates nothing: they are valid only during the call (copy what
// you keep).
var (
	// HookPosInject: a packet entered a tile's source queue (Detail: nil).
	HookPosInject = &sim.HookPos{Name: "noc.inject"}
	// HookPosFlit: a flit left a router by a link to a neighbour
	// (Detail: *FlitHop).
	HookPosFlit = &sim.HookPos{Name: "noc.flit"}
	// HookPosDeliver: a packet's tail left a router by its local port
	// (Detail: *Delivery).
	HookPosDeliver = &sim.HookPos{Name: "noc.deliver"}
)

// FlitsFor returns how many flits a packet of bits bits takes on this
// network's links (at least one).
func (n *Network) FlitsFor(bits int) int {
	return max(1, (bits+n.spec.FlitBits-1)/n.spec.FlitBits)
}

// FlitHop is the Detail of a HookPosFlit invocation.
type FlitHop struct {
	From Tile
	Out  Port
	VC   int
	Flit int // index within the packet; 0 is the head
}

// Delivery is the Detail of a HookPosDeliver invocation.
type Delivery struct {
	Latency uint64 // cycles from injection to the tail's ejection
}

// Option configures a Network.
type Option func(*Network)

// WithSourceQueue bounds each tile's source queue to packets packets
// (default 0: unbounded). A full queue makes Inject return false.
func WithSourceQueue(packets int) Option {
	return func(n *Network) { n.srcCap = packets }
}

// Network is the network-on-chip: one router per tile on a width×height mesh
// or torus, all on one scheduler.
type Network struct {
	sim.Hookable
	// hookHop and hookDel are the Details of hook invocations, reused.
	hookHop FlitHop
	hookDel Delivery

	spec        arch.NoC
	w, h        int
	torus       bool
	yx          bool
	vcs         int
	pipe, link  uint64
	bufFlits    int
	spikeFlits  int
	srcCap      int
	sched       sim.Scheduler
	period      sim.Time
	routers     []router
	pool        []*Packet
	nextID      uint64
	stats       counters
	wakeMask    uint64
	wheel       []wheelSlot
	portScratch []Port // route: the output port of each multicast destination
	rt          []Port // route table: [router·tiles + destination] → port (small networks)
	reverseEval bool   // evaluate each cycle's routers in reverse wake order (tests)
	cur         uint64 // cycle being evaluated while busy
	// cycleAt's last answer: the time asked, its cycle and whether it is on an edge
	atValid       bool
	atTime        sim.Time
	atCycle       uint64
	atEdge        bool
	busy          bool
	inFlight      int
	overflowCheck bool
	// single: a mesh on which every packet so far was one flit long; routers
	// evaluate with evalSingle (single.go) until a longer packet is injected.
	single bool

	// Packet model (spec Model "packet"); see packet.go.
	packet    bool
	linkBusy  []busy // [router·numPorts + port]: the output's future busy intervals (links)
	ejBusy    []busy // per router: its ejection (Local) port's, compact
	pnow      uint64 // cycle of the injection being launched
	pwheel    []pslot
	pmask     uint64
	treeTmp   []Tile   // multicast destinations bucketed by first-dimension coordinate
	treeStart []int    // bucket starts (one per coordinate, and the end)
	treePos   []int    // bucket fill positions
	treeMark  []uint32 // second-dimension coordinates with a destination, stamped treeGen
	treeGen   uint32

	// Analytic model (spec Model "analytic") and trees; see analytic.go.
	analytic    bool
	rec         *Tree       // the tree NewTree is walking, nil otherwise
	trees       []*Tree     // every tree made, for flushTrees
	batchTrees  []batchTree // NewBatch: each tree's ejections and source, by id
	treeSeen    []uint32    // NewTree: destinations seen, stamped treeSeenGen
	treeSeenGen uint32
	treeDest    []int32       // NewTree: index of each destination router in the set
	maker       *TreeMaker    // NewTree's
	rays        []int32       // fast tree walk: links straight on from each router (initRays)
	rayAt       []int32       // [router·4 + port]: where its ray starts in rays
	rayFlits    []uint64      // flushTrees scratch: per ray position, flits of the tree runs ending there
	flush2      *flushScratch // flushTrees: the second goroutine's counters
	tileOf      []Tile        // packet models' walks: each router's tile
	downOf      []int32       // [router·numPorts + port]: the router the port leads to
	eps         []Endpoint    // each router's endpoint (as router.ep, compact)
	ejFlits     []uint64      // packet models: ejection-port flits and stall
	ejStalls    []uint64      // cycles not yet added to the routers (flushCounts)
}

// New builds the network for spec on a width×height array of tiles, clocked
// at clock, scheduling on sched. It returns an error if the spec or the size
// is invalid.
func New(spec arch.NoC, width, height int, sched sim.Scheduler, clock sim.Freq, opts ...Option) (*Network, error) {
	var errs []error
	if width < 1 || height < 1 || width > 1<<12 || height > 1<<12 {
		errs = append(errs, fmt.Errorf("noc: size %d×%d: width and height must be in [1, 4096]", width, height))
	}
	if spec.Topology != "mesh" && spec.Topology != "torus" {
		errs = append(errs, fmt.Errorf("noc: topology %q: want mesh or torus", spec.Topology))
	}
	if spec.Model != "" && spec.Model != "cycle" && spec.Model != "packet" && spec.Model != "analytic" {
		errs = append(errs, fmt.Errorf("noc: model %q: want cycle, packet or analytic", spec.Model))
	}
	if spec.Routing != "xy" && spec.Routing != "yx" {
		errs = append(errs, fmt.Errorf("noc: routing %q: want xy or yx", spec.Routing))
	}
	if spec.RouterPipelineCycles < 1 || spec.RouterPipelineCycles > 64 {
		errs = append(errs, fmt.Errorf("noc: router_pipeline_cycles %d: want 1..64", spec.RouterPipelineCycles))
	}
	if spec.LinkLatencyCycles < 1 || spec.LinkLatencyCycles > 1024 {
		errs = append(errs, fmt.Errorf("noc: link_latency_cycles %d: want 1..1024", spec.LinkLatencyCycles))
	}
	if spec.BufferFlits < 1 || spec.BufferFlits > 1024 {
		errs = append(errs, fmt.Errorf("noc: buffer_flits %d: want 1..1024", spec.BufferFlits))
	}
	if spec.FlitBits < 1 || spec.SpikePacketBits < 1 {
		errs = append(errs, fmt.Errorf("noc: flit_bits %d and spike_packet_bits %d must be positive", spec.FlitBits, spec.SpikePacketBits))
	} else if spec.Multicast && spec.SpikeFlits() > spec.BufferFlits {
		errs = append(errs, fmt.Errorf("noc: a spike packet takes %d flits but buffers hold %d: multicast packets must fit in one buffer (virtual cut-through)", spec.SpikeFlits(), spec.BufferFlits))
	}
	if clock == 0 {
		errs = append(errs, errors.New("noc: zero clock frequency"))
	}
	if sched == nil {
		errs = append(errs, errors.New("noc: nil scheduler"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	n := &Network{
		spec:       spec,
		w:          width,
		h:          height,
		torus:      spec.Topology == "torus",
		yx:         spec.Routing == "yx",
		vcs:        1,
		pipe:       uint64(spec.RouterPipelineCycles),
		link:       uint64(spec.LinkLatencyCycles),
		bufFlits:   spec.BufferFlits,
		spikeFlits: spec.SpikeFlits(),
		sched:      sched,
		period:     clock.Period(),
	}
	for _, o := range opts {
		o(n)
	}
	if n.srcCap < 0 {
		return nil, fmt.Errorf("noc: source queue of %d packets", n.srcCap)
	}
	if n.torus {
		n.vcs = 2
	}
	n.single = n.vcs == 1
	// Wake requests reach at most link+pipe cycles ahead; the dedup ring
	// must be longer than that.
	ring := 1 << bits.Len64(n.link+n.pipe+1)
	n.wakeMask = uint64(ring - 1)
	n.wheel = make([]wheelSlot, ring)
	for i := range n.wheel {
		n.wheel[i].routers = make([]*router, 0, min(width*height, 64)) // grows to its working size
	}
	nr := width * height
	n.routers = make([]router, nr)
	n.eps = make([]Endpoint, nr)
	wakeAt := make([]uint64, nr*ring)
	per := numPorts * n.vcs * n.bufFlits
	flits := make([]flitEntry, nr*per)
	perCQ := (numPorts - 1) * n.vcs * n.bufFlits
	credits := make([]uint64, nr*perCQ)
	for i := range n.routers {
		n.routers[i].init(n, i, wakeAt[i*ring:(i+1)*ring:(i+1)*ring], flits[i*per:(i+1)*per], credits[i*perCQ:(i+1)*perCQ])
	}
	for i := range n.routers {
		n.routers[i].connect()
	}
	n.buildRouteTable()
	if spec.Model == "packet" || spec.Model == "analytic" {
		n.initPacket()
		n.analytic = spec.Model == "analytic"
	}
	return n, nil
}

// wheelSlot lists the routers to evaluate in one cycle (the slot serves
// every cycle congruent to its index modulo the wheel size; wakes never
// reach further ahead than the wheel is long).
type wheelSlot struct {
	routers []*router
	event   uint64 // cycle+1 of the engine event scheduled for this slot
}

// Handle is the network's engine handler (components do not call it): it
// evaluates, at the cycle of e (carried in e.A by the network's own
// scheduling), every router woken for that cycle, in the order they were
// woken (the order does not change any result).
func (n *Network) Handle(e sim.Event) {
	if n.packet {
		n.handlePacket(e)
		return
	}
	c := uint64(e.A) // the cycle, set by wakeSlow and markWoken: e.Time / n.period without a division
	sl := &n.wheel[c&n.wakeMask]
	sl.event = 0
	n.cur, n.busy = c, true
	if n.reverseEval { // tests: the opposite order must give the same result
		for k := len(sl.routers) - 1; k >= 0; k-- {
			sl.routers[k].eval(c)
		}
	} else if n.single {
		for k := 0; k < len(sl.routers); k++ {
			sl.routers[k].evalSingle(c)
		}
	} else {
		for k := 0; k < len(sl.routers); k++ {
			sl.routers[k].eval(c)
		}
	}
	clear(sl.routers)
	sl.routers = sl.routers[:0]
	n.busy = false
}

// Width returns the number of tile columns.
func (n *Network) Width() int { return n.w }

// Height returns the number of tile rows.
func (n *Network) Height() int { return n.h }

// Period returns the router clock period.
func (n *Network) Period() sim.Time { return n.period }

// Spec returns the NoC description the network was built from.
func (n *Network) Spec() arch.NoC { return n.spec }

// Contains reports whether t is a tile of the network.
func (n *Network) Contains(t Tile) bool {
	// one unsigned comparison per coordinate: a negative one wraps above w, h
	return uint(t.X) < uint(n.w) && uint(t.Y) < uint(n.h)
}

func (n *Network) index(t Tile) int { return t.Y*n.w + t.X }

// Attach connects ep to tile t's local port; delivered packets go to it.
// Attaching nil detaches. Packets delivered to a tile without an endpoint are
// counted and dropped.
func (n *Network) Attach(t Tile, ep Endpoint) error {
	if !n.Contains(t) {
		return fmt.Errorf("noc: attach to tile %v outside the %d×%d network", t, n.w, n.h)
	}
	n.routers[n.index(t)].ep = ep
	n.eps[n.index(t)] = ep
	return nil
}

// NewPacket returns a zeroed packet from the network's pool.
func (n *Network) NewPacket() *Packet {
	if k := len(n.pool); k > 0 {
		p := n.pool[k-1]
		n.pool = n.pool[:k-1]
		return p
	}
	return &Packet{DestIndex: -1}
}

// Release returns a packet that was not injected (or whose Inject was
// refused) to the pool.
func (n *Network) Release(p *Packet) { n.free(p) }

func (n *Network) free(p *Packet) {
	p.reset()
	n.pool = append(n.pool, p)
}

// InFlight returns the number of packets injected and not yet delivered
// (multicast copies count separately once replicated).
func (n *Network) InFlight() int { return n.inFlight }

// cycleAt returns the first clock edge at or after now, as a cycle number,
// and whether now lies on that edge.
func (n *Network) cycleAt(now sim.Time) (uint64, bool) {
	if n.atValid && now == n.atTime {
		return n.atCycle, n.atEdge // a spike burst injects many packets at one time
	}
	c := uint64(now / n.period)
	edge := now%n.period == 0
	if !edge {
		c++
	}
	n.atValid, n.atTime, n.atCycle, n.atEdge = true, now, c, edge
	return c, edge
}

// Inject puts p in the source queue of tile src at the current time and
// reports whether it was accepted. It refuses (returns false, and keeps no
// reference to p) when a bounded source queue lacks room; an endpoint that
// implements InjectWaker is told when room frees. A packet with several
// Dests is one multicast packet when the spec enables multicast, else it is
// split at the source into one unicast packet per destination.
//
// Inject panics on a programming error: a tile outside the network, or a
// multicast packet longer than a buffer.
func (n *Network) Inject(src Tile, p *Packet) bool {
	if !n.Contains(src) {
		panic(fmt.Sprintf("noc: inject at tile %v outside the %d×%d network", src, n.w, n.h))
	}
	if p.Flits <= 0 {
		p.Flits = n.spikeFlits
	}
	if p.Flits != 1 {
		n.single = false
	}
	if t := p.Tree; t != nil {
		if t.net != n || t.src != src {
			panic(fmt.Sprintf("noc: packet injected at %v with a tree from %v of another network or source", src, t.src))
		}
		if t.id < 0 {
			panic("noc: packet injected with a tree not added to the network (AddTree)")
		}
		if !n.analytic || (len(t.ejects) > 1 && !n.spec.Multicast) || n.NumHooks() > 0 {
			// The other models (and hooks, which see every link crossing)
			// walk the tree as they walk any destination set.
			p.Dests = append(p.Dests[:0], t.Dests()...)
			p.Tree = nil
		}
	}
	if len(p.Dests) == 1 {
		p.Dst = p.Dests[0]
		p.Dests = p.Dests[:0]
	}
	for _, d := range p.Dests {
		if !n.Contains(d) {
			panic(fmt.Sprintf("noc: packet from %v to tile %v outside the %d×%d network", src, d, n.w, n.h))
		}
	}
	if len(p.Dests) == 0 && p.Tree == nil && !n.Contains(p.Dst) {
		panic(fmt.Sprintf("noc: packet from %v to tile %v outside the %d×%d network", src, p.Dst, n.w, n.h))
	}
	if (len(p.Dests) > 1 || p.Tree != nil && len(p.Tree.ejects) > 1) && n.spec.Multicast && p.Flits > n.bufFlits {
		panic(fmt.Sprintf("noc: multicast packet of %d flits exceeds the %d-flit buffers", p.Flits, n.bufFlits))
	}
	r := &n.routers[n.index(src)]
	split := len(p.Dests) > 1 && !n.spec.Multicast
	need := 1
	if split {
		need = len(p.Dests)
	}
	now := n.sched.Now()
	c, onEdge := n.cycleAt(now)
	if n.packet && n.srcCap > 0 && r.srcQueued(c)+need > n.srcCap {
		n.refuse(r, c)
		return false
	}
	if !n.packet && n.srcCap > 0 && r.src.len()+need > n.srcCap {
		r.refused = true
		return false
	}
	if split {
		for i, d := range p.Dests {
			q := p
			if i < len(p.Dests)-1 {
				q = n.NewPacket()
				n.copyPacket(q, p)
			}
			q.Dst = d
			q.Dests = q.Dests[:0]
			n.enqueue(r, src, q, now, c)
		}
	} else {
		n.enqueue(r, src, p, now, c)
	}
	if n.packet {
		return true
	}
	if onEdge {
		r.feed(c)
		if n.single && r.injFree == c+1 && !r.refused {
			// A flit was fed at c, so an evaluation of r at c, which wake(c)
			// would ask for, can do nothing another wake has not asked for:
			// its own feed finds the injection channel taken, and every
			// buffered flit, credit and source packet that can move at c
			// has a wake at c of its own. Skip it, but keep the engine
			// event and the wake mark (see markWoken).
			r.markWoken(c)
			return true
		}
	}
	r.wake(c)
	return true
}

func (n *Network) enqueue(r *router, src Tile, p *Packet, now sim.Time, c uint64) {
	n.nextID++
	p.ID = n.nextID
	p.Src = src
	p.InjectTime = now
	p.injCycle = c
	p.Hops = 0
	p.DestIndex, p.DestTag = -1, 0
	n.inFlight++
	n.stats.packetsInjected++
	n.stats.flitsInjected += uint64(p.Flits)
	if n.NumHooks() > 0 {
		n.InvokeHook(sim.HookCtx{Domain: n, Pos: HookPosInject, Now: now, Item: p})
	}
	if n.packet {
		n.launch(r, p, c)
		return
	}
	r.src.push(p)
}

// copyPacket copies everything of src into dst except the destination set.
func (n *Network) copyPacket(dst, src *Packet) {
	d := dst.Dests[:0]
	*dst = *src
	dst.Dests = d
}

// Hops returns the number of router-to-router links a packet crosses from
// src to dst under the network's topology (the torus takes the shorter way).
func (n *Network) Hops(src, dst Tile) int {
	return n.dist(src.X, dst.X, n.w) + n.dist(src.Y, dst.Y, n.h)
}

func (n *Network) dist(a, b, k int) int {
	d := b - a
	if d < 0 {
		d = -d
	}
	if n.torus && k-d < d {
		d = k - d
	}
	return d
}
