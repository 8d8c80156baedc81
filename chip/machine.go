package chip

import (
	"fmt"
	"math"

	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Machine is one simulated chip running an Exec: an engine, a NoC and the
// state of every core (accumulators, LIF membranes, spike counts, busy
// times). It runs samples one after another (Run) and is not safe for
// concurrent use; run samples in parallel on several Machines.
//
// Functional and timing models are kept apart: what a core accumulates and
// what it fires depends only on the packets it is delivered within a phase
// (the barrier closes every phase), while when things happen depends on the
// core cycles, the NoC and the barrier.
//
// Hooks: a Machine is a sim.Hookable. Hooks attached with AcceptHook see
// core.HookPosStep (Item *core.StepInfo) at the start of every time step,
// core.HookPosUpdate (Item *core.UpdateInfo) when a layer's phase starts and
// each of its cores updates its neurons,
// core.HookPosSpikeOut (Item *core.SpikeOut; Neuron is the index within the
// core) when a spike leaves a core, core.HookPosPacketIn (Item
// *core.PacketIn) when a delivered spike packet is charged to its core, and
// the NoC's own positions (noc.HookPosInject, HookPosFlit, HookPosDeliver):
// AcceptHook attaches them to the NoC too, and Reset re-attaches them to the
// NoC it builds. With no hook attached nothing is built or called.
type Machine struct {
	sim.Hookable

	x   *Exec
	eng *sim.Engine
	net *noc.Network
	eps []progEndpoint

	acc  [][]int64 // per core, local neurons
	v    [][]int64 // LIF membranes (nil for other cores)
	cnt  [][]int32 // counts of the current step
	tot  [][]int32 // counts summed over the steps
	busy []sim.Time
	em   []emitter
	// emitQ holds the cores with spikes left to emit in this phase, by their
	// next emission time.
	emitQ coreHeap
	// pending[c][a] counts the spikes axon a of core c received in this phase;
	// touched[c] lists the axons with a nonzero count. The weights are applied
	// once per axon when the phase closes (flush): the same integer sums as
	// one accumulate per spike, which the timing model still charges.
	pending [][]int32
	touched [][]int32
	// arrived lists the (core, axon) of every spike delivered in this phase,
	// in arrival order; countArrived turns it into pending and touched at the
	// close of the phase. Counting there, in one tight loop, lets the
	// per-axon count misses overlap instead of stalling each delivery.
	arrived []axonRef
	// psum[l] holds the partial sums of psum layer l by layer-wide neuron
	// (nil for other layers): what a psum neuron's graded packet carries,
	// read by the destination at the close of the phase (compiler split.go).
	psum [][]int64
	// rec holds the CubaLIF currents and the recurrent spikes held for the
	// next step (kernel_cubalif.go).
	rec recMachine

	cur        Counts
	inputNZ    uint64
	layerSpk   []uint64
	layerSyn   []uint64
	coreBusy   []sim.Time // busy time of each core, summed over every sample run
	coreTime   sim.Time   // latency summed over every sample run
	linkFlits  []uint64   // flits per NoC link (Stats().Links order), summed over samples
	linkNames  []noc.LinkStats
	phaseSum   []sim.Time // per schedule position: phase time summed over the steps
	scores     []int64
	pktLatency noc.Histogram
	events     uint64
	multicast  bool
	samples    int

	// trees, under the analytic NoC model, holds per core the multicast
	// tree (noc.Tree) of each distinct destination list of its neurons,
	// indexed by the list's start in the core's dests; made the first time
	// a spike uses the list, and dropped by Reset with the NoC they belong
	// to. nil under the other models.
	trees [][]*noc.Tree

	// hook items, reused so that a hooked run allocates nothing per event
	stepInfo core.StepInfo
	spikeOut core.SpikeOut
	pktIn    core.PacketIn
	updInfo  core.UpdateInfo
	step     int64      // the time step in progress within the sample (from 0)
	hooks    []sim.Hook // attached hooks, for the NoCs Reset builds

	board boardState // multi-chip boards (interchip.go)

	// attention cores (attention.go): nil for other cores
	attn []*attnState

	// cim cores (cim.go)
	cim      []*cimState
	cimSeed  uint64
	cimReady bool
	sample   int // the sample index Run draws read noise for
}

// AcceptHook attaches h to the machine and to its NoC (and, through Reset,
// to every NoC built later).
func (m *Machine) AcceptHook(h sim.Hook) {
	m.Hookable.AcceptHook(h)
	m.hooks = append(m.hooks, h)
	m.net.AcceptHook(h)
}

// emitter is the spike emission of one core in one phase: the binary spikes
// in emission order (thermometer code: sub-step 0 of every neuron in neuron
// order, then sub-step 1, ...).
type emitter struct {
	neu   []int32
	sub   []int32
	k     int
	t0    sim.Time // phase start
	last  sim.Time // emission time of the previous spike
	ifSub bool     // IF neurons: sub-step j updates every neuron again
}

// progEndpoint is the NoC endpoint of one core's tile.
type progEndpoint struct {
	m    *Machine
	core int32
}

func (e *progEndpoint) Deliver(p *noc.Packet) { e.m.deliver(e.core, p) }

// StepMark records the state of an inference at the end of one time step, so
// that early stopping can be evaluated afterwards for any threshold.
type StepMark struct {
	Class      int      `json:"class"`
	Margin     float64  `json:"margin"`     // (top score − second score) · Scale
	Confidence float64  `json:"confidence"` // softmax probability of the top class over Scale·scores
	Counts     Counts   `json:"counts"`     // cumulative up to the end of this step
	Time       sim.Time `json:"time_ps"`    // from input start to the end of this step
}

// SampleResult is what the chip did with one sample.
type SampleResult struct {
	Class  int
	Scores []int64
	Counts Counts
	// Latency runs from the start of the input to the end of the last phase of
	// the last step (the readout's decision); Interval is the pipelined
	// initiation interval: the largest per-stage time (a phase summed over the
	// steps, its barrier included).
	Latency, Interval sim.Time
	InputSpikes       uint64   // nonzero input elements summed over the steps
	LayerSpikes       []uint64 // binary spikes sent per layer
	LayerSynOps       []uint64 // synaptic ops (and input MACs) into each layer
	Steps             []StepMark
}

// NewMachine returns a machine for x with fresh state.
func (x *Exec) NewMachine() (*Machine, error) {
	m := &Machine{x: x, multicast: x.Spec.NoC.Multicast}
	nc := len(x.cores)
	m.acc = make([][]int64, nc)
	m.v = make([][]int64, nc)
	m.cnt = make([][]int32, nc)
	m.tot = make([][]int32, nc)
	m.busy = make([]sim.Time, nc)
	m.coreBusy = make([]sim.Time, nc)
	m.em = make([]emitter, nc)
	m.emitQ = make(coreHeap, 0, nc)
	m.pending = make([][]int32, nc)
	m.touched = make([][]int32, nc)
	m.arrived = make([]axonRef, 0, 1024)
	for ci := range x.cores {
		xc := &x.cores[ci]
		m.acc[ci] = make([]int64, xc.n)
		m.cnt[ci] = make([]int32, xc.n)
		m.pending[ci] = make([]int32, len(xc.axons))
		m.touched[ci] = make([]int32, 0, len(xc.axons))
		m.tot[ci] = make([]int32, xc.n)
		if xc.kind == compiler.LayerLIF || xc.kind == compiler.LayerCuba {
			m.v[ci] = make([]int64, xc.n)
		}
		d := max(xc.d, 1)
		m.em[ci].neu = make([]int32, 0, xc.n*d)
		m.em[ci].sub = make([]int32, 0, xc.n*d)
		m.em[ci].ifSub = xc.neuron == "if"
	}
	m.psum = make([][]int64, len(x.Prog.Layers))
	for li := range x.Prog.Layers {
		if x.Prog.Layers[li].Kind == compiler.LayerPsum {
			m.psum[li] = make([]int64, x.layerSize[li])
		}
	}
	m.rec.init(x)
	for ci := range x.cores {
		if x.cores[ci].attn == nil {
			continue
		}
		if m.attn == nil {
			m.attn = make([]*attnState, nc)
		}
		st, err := newAttnState(&x.cores[ci])
		if err != nil {
			return nil, err
		}
		m.attn[ci] = st
	}
	m.layerSpk = make([]uint64, len(x.Prog.Layers))
	m.layerSyn = make([]uint64, len(x.Prog.Layers))
	m.phaseSum = make([]sim.Time, len(x.Prog.Schedule)+1)
	m.scores = make([]int64, x.layerSize[x.Prog.Output.Layer])
	if x.Spec.NoC.Model == "analytic" {
		m.trees = make([][]*noc.Tree, nc)
		for ci := range x.cores {
			if k := len(x.cores[ci].dests); k > 0 {
				m.trees[ci] = make([]*noc.Tree, k)
			}
		}
	}
	if err := m.Reset(); err != nil {
		return nil, err
	}
	return m, nil
}

// Reset replaces the engine and the NoC by fresh ones (router arbitration
// state included), so that what runs next does not depend on what ran before.
func (m *Machine) Reset() error {
	x := m.x
	if m.eng != nil {
		m.events += m.eng.Fired()
	}
	m.eng = sim.NewEngine(sim.WithQueue(sim.NewHeapQueue(1024)))
	mesh := x.Prog.Mesh // the board-wide grid (interchip.go)
	net, err := noc.New(x.Spec.NoC, mesh.Width*mesh.ChipsX, mesh.Height*mesh.ChipsY, m.eng, x.nocFreq)
	if err != nil {
		return err
	}
	m.net = net
	for _, t := range m.trees {
		clear(t) // they belong to the NoC replaced
	}
	for _, h := range m.hooks {
		net.AcceptHook(h)
	}
	clear(m.busy)
	m.boardReset()
	m.eps = make([]progEndpoint, len(x.cores))
	for ci := range x.cores {
		m.eps[ci] = progEndpoint{m: m, core: int32(ci)}
		if err := net.Attach(x.cores[ci].tile, &m.eps[ci]); err != nil {
			return err
		}
	}
	return nil
}

// Events returns the engine events fired by this machine so far.
func (m *Machine) Events() uint64 {
	return m.events + m.eng.Fired()
}

// Run runs one inference. frames holds the input of every step (one frame
// for direct encoding, repeated every step; Steps frames for Poisson, 0/1
// spikes, and for events, event counts), each of InputSize elements. res is filled; its slices are reused
// when large enough, so a caller that reuses res makes Run allocate nothing
// beyond the NoC's statistics snapshot.
func (m *Machine) Run(frames [][]uint8, res *SampleResult) error {
	x := m.x
	p := x.Prog
	if len(frames) != 1 && len(frames) != x.steps {
		return fmt.Errorf("chip: %d input frames for a %d-step program", len(frames), x.steps)
	}
	for _, f := range frames {
		if len(f) != x.inputSize {
			return fmt.Errorf("chip: an input frame has %d values, the program takes %d (shape %v)", len(f), x.inputSize, p.Input.Shape)
		}
	}
	if err := m.cimBegin(); err != nil {
		return err
	}
	m.net.ResetStats()
	m.boardBegin()
	m.cur = Counts{}
	m.inputNZ = 0
	clear(m.layerSpk)
	clear(m.layerSyn)
	clear(m.phaseSum)
	for ci := range x.cores {
		clear(m.tot[ci])
		if m.v[ci] != nil {
			clear(m.v[ci])
		}
		if x.cores[ci].kind == compiler.LayerReadout {
			clear(m.acc[ci])
		}
	}
	m.rec.reset()
	res.Steps = res.Steps[:0]
	start := x.nocFreq.ThisOrNextTick(m.eng.Now())
	t := start
	var end sim.Time
	for step := 0; step < x.steps; step++ {
		stepStart := t
		frame := frames[0]
		if len(frames) > 1 {
			frame = frames[step]
		}
		m.step = int64(step)
		if m.NumHooks() > 0 {
			m.stepInfo = core.StepInfo{Step: m.step, Active: len(x.cores)}
			m.InvokeHook(sim.HookCtx{Domain: m, Pos: core.HookPosStep, Now: t, Item: &m.stepInfo})
		}
		m.beginStep()
		// phase 0: the host delivers the step's input events
		end = m.input(t, frame)
		t = m.closePhase(0, t, end)
		for k := range p.Schedule {
			ph := &p.Schedule[k]
			for _, li := range ph.Layers {
				for _, ci := range p.Layers[li].Cores {
					m.fire(ci, t)
				}
			}
			m.scheduleEmit()
			m.eng.Run()
			end = max(end, m.eng.Now())
			for ci := range m.busy {
				end = max(end, m.busy[ci])
			}
			t = m.closePhase(k+1, t, end)
		}
		if x.minStep > 0 && t-stepStart < x.minStep {
			t = x.nocFreq.ThisOrNextTick(stepStart + x.minStep)
		}
		m.readScores()
		var mk StepMark
		mk.Class, mk.Margin, mk.Confidence = m.decide()
		mk.Counts = m.cur
		if x.steps > 1 {
			st := m.net.Stats()
			mk.Counts.HopsX, mk.Counts.HopsY = st.HopsX+m.board.hopsX, st.HopsY+m.board.hopsY
		}
		mk.Time = end - start
		res.Steps = append(res.Steps, mk)
	}
	st := m.net.Stats()
	m.cur.HopsX, m.cur.HopsY = st.HopsX, st.HopsY
	m.cur.Deliveries = st.PacketsDelivered
	m.boardCounts(&m.cur)
	if len(res.Steps) > 0 {
		last := &res.Steps[len(res.Steps)-1]
		last.Counts.HopsX, last.Counts.HopsY = m.cur.HopsX, m.cur.HopsY
		last.Counts.Deliveries = st.PacketsDelivered
		last.Counts.InterChipPackets, last.Counts.InterChipBits, last.Counts.InterChipLinkTime = m.cur.InterChipPackets, m.cur.InterChipBits, m.cur.InterChipLinkTime
	}
	if m.linkFlits == nil {
		m.linkFlits = make([]uint64, len(st.Links))
		m.linkNames = append([]noc.LinkStats(nil), st.Links...)
	}
	for i, l := range st.Links {
		m.linkFlits[i] += l.Flits
	}
	m.pktLatency.Merge(&st.Latency)
	// the engine's clock moves on to the end of the last barrier
	if t > m.eng.Now() {
		m.eng.Schedule(sim.Event{Time: t, Handler: nopHandler{}})
		m.eng.Run()
	}

	res.Class, _, _ = m.decide()
	res.Scores = append(res.Scores[:0], m.scores...)
	res.Counts = m.cur
	res.Latency = end - start
	res.Interval = 0
	for _, d := range m.phaseSum {
		res.Interval = max(res.Interval, d)
	}
	res.InputSpikes = m.inputNZ
	res.LayerSpikes = append(res.LayerSpikes[:0], m.layerSpk...)
	res.LayerSynOps = append(res.LayerSynOps[:0], m.layerSyn...)
	m.coreTime += res.Latency
	m.samples++
	m.sample++
	return nil
}

type nopHandler struct{}

func (nopHandler) Handle(sim.Event) {}

// beginStep restarts every firing core's accumulators from its bias and adds
// the bias of the step to the readout's running sums.
func (m *Machine) beginStep() {
	for ci := range m.x.cores {
		xc := &m.x.cores[ci]
		l := &m.x.Prog.Layers[xc.layer]
		acc := m.acc[ci]
		if xc.kind == compiler.LayerReadout {
			for i := range acc {
				acc[i] += int64(l.Bias[xc.c0+i%xc.nch])
			}
			continue
		}
		setBias(acc, l.Bias, xc.c0, xc.nch)
		if xc.attn != nil {
			clear(m.attn[ci].buf)
		}
	}
	m.applyRecurrent()
}

// setBias sets acc[i] = bias[c0 + i mod nch], the start of a step for a
// core whose accumulators are channel-minor: one row of nch channels after
// another, without a division per neuron.
func setBias(acc []int64, bias []int32, c0, nch int) {
	if nch <= 0 {
		for i := range acc {
			acc[i] = int64(bias[c0+i%nch]) // panics as the plain loop would
		}
		return
	}
	b := bias[c0 : c0+min(nch, len(acc))]
	for len(acc) > 0 {
		row := acc[:min(len(b), len(acc))]
		for k := range row {
			row[k] = int64(b[k])
		}
		acc = acc[len(row):]
	}
}

// closePhase ends schedule position k (0: input) that started at t0 and whose
// work ended at end: the barrier follows, and the next phase starts on the
// next NoC clock edge after it.
func (m *Machine) closePhase(k int, t0, end sim.Time) sim.Time {
	m.countArrived()
	if m.x.cim != nil {
		end = m.cimPhase(k, t0, end)
	}
	m.flush()
	m.cur.Barriers += uint64(len(m.x.cores))
	next := m.x.nocFreq.ThisOrNextTick(max(end, t0) + m.x.barrier)
	m.phaseSum[k] += next - t0
	return next
}

// axonRef is axon axon of core core.
type axonRef struct{ core, axon int32 }

// countArrived counts the spikes delivered in this phase per axon (pending)
// and lists each core's axons with a nonzero count in order of first arrival
// (touched), as a count at each delivery would.
func (m *Machine) countArrived() {
	for _, r := range m.arrived {
		pend := m.pending[r.core]
		if pend[r.axon] == 0 {
			m.touched[r.core] = append(m.touched[r.core], r.axon)
		}
		pend[r.axon]++
	}
	m.arrived = m.arrived[:0]
}

// flush applies the spikes counted per axon during the phase to the
// accumulators (functional model only; their cost was charged on delivery).
func (m *Machine) flush() {
	x := m.x
	for ci, tl := range m.touched {
		if len(tl) == 0 {
			continue
		}
		xc := &x.cores[ci]
		pend := m.pending[ci]
		if xc.attn != nil {
			// buffered until the layer's phase (attend)
			buf := m.attn[ci].buf
			for _, a := range tl {
				buf[a] += pend[a]
				pend[a] = 0
			}
			m.touched[ci] = tl[:0]
			continue
		}
		for _, a := range tl {
			ax := xc.axons[a]
			val := int64(pend[a])
			if ax.Source >= 0 && m.psum[ax.Source] != nil {
				val *= m.psum[ax.Source][ax.Neuron] // a graded packet: the partial sum
			}
			accumulate(m.acc[ci], x.kern[xc.layer], &xc.region, ax.Source, int(ax.Neuron), val)
			pend[a] = 0
		}
		m.touched[ci] = tl[:0]
	}
}

// input delivers one step's input events at time t: one event per nonzero
// element to every core that has it as an axon, processed by each core in
// element order. It returns when the last core is done.
func (m *Machine) input(t sim.Time, frame []uint8) sim.Time {
	x := m.x
	p := x.Prog
	direct, events := p.Input.Encoding == "direct", p.Input.Encoding == "events"
	end := t
	for i, v := range frame {
		if v == 0 {
			continue
		}
		val := int64(v)
		// a pixel, or an event count above 1, is a multiply-accumulate
		mac := direct || (events && v > 1)
		m.inputNZ++
		for _, d := range x.inFan[x.inStart[i]:x.inStart[i+1]] {
			xc := &x.cores[d.Core]
			if x.cim != nil && x.cim[d.Core] != nil {
				m.cimInput(int(d.Core), d.Axon, val)
				continue
			}
			accumulate(m.acc[d.Core], x.kern[xc.layer], &xc.region, -1, i, val)
			n := uint64(xc.nsyn[d.Axon])
			m.cur.InputEvents++
			if mac {
				m.cur.InputMACs += n
			} else {
				m.cur.SynOps += n
			}
			m.layerSyn[xc.layer] += n
			b := max(m.busy[d.Core], t) + sim.Time(n)*xc.synOp
			m.coreBusy[d.Core] += sim.Time(n) * xc.synOp
			m.busy[d.Core] = b
			end = max(end, b)
		}
	}
	return end
}

// fire makes core ci's neurons compute their output at phase start t and
// schedules the emission of their binary spikes.
func (m *Machine) fire(ci int, t sim.Time) {
	x := m.x
	xc := &x.cores[ci]
	l := &x.Prog.Layers[xc.layer]
	if xc.attn != nil {
		t = m.attend(ci, t) // the neurons update once the unit is done
	}
	acc, cnt, tot, perm := m.acc[ci], m.cnt[ci], m.tot[ci], xc.perm
	updates := uint64(xc.n)
	switch xc.kind {
	case compiler.LayerReadout:
		// the readout only accumulates; reading it is one update per neuron
	case compiler.LayerPsum:
		// one graded packet per neuron with a nonzero partial sum (split.go)
		ps := m.psum[xc.layer]
		for i := range acc {
			a := l.PsumValue(acc[perm[i]])
			ps[xc.global[i]] = a
			cnt[i] = 0
			if a != 0 {
				cnt[i] = 1
			}
			tot[i] += int32(a)
		}
	case compiler.LayerCuba:
		m.integrateCuba(ci, xc, l)
	case compiler.LayerLIF:
		v := m.v[ci]
		// local neuron i is of channel c0 + i/plane: walk the planes
		for i0, ch := 0, xc.c0; i0 < len(acc); i0, ch = i0+xc.plane, ch+1 {
			for i := i0; i < min(i0+xc.plane, len(acc)); i++ {
				var fired bool
				v[i], fired = l.Integrate(ch, v[i], acc[perm[i]])
				cnt[i] = 0
				if fired {
					cnt[i] = 1
				}
			}
		}
	default:
		for i0, ch := 0, xc.c0; i0 < len(acc); i0, ch = i0+xc.plane, ch+1 {
			for i := i0; i < min(i0+xc.plane, len(acc)); i++ {
				cnt[i] = l.Fire(ch, acc[perm[i]])
			}
		}
		if xc.neuron == "if" {
			updates *= uint64(max(xc.d, 1))
		}
	}
	m.cur.NeuronUpdates += updates
	upd := sim.Time(updates) * xc.update
	b := max(m.busy[ci], t) + upd
	m.coreBusy[ci] += upd
	m.busy[ci] = b
	if m.NumHooks() > 0 {
		m.updInfo = core.UpdateInfo{Core: int32(ci), Layer: int32(xc.layer), Step: m.step, Updates: int(updates), Start: b - upd, End: b}
		m.InvokeHook(sim.HookCtx{Domain: m, Pos: core.HookPosUpdate, Now: t, Item: &m.updInfo})
	}
	if xc.kind == compiler.LayerReadout {
		return
	}
	em := &m.em[ci]
	em.neu, em.sub = em.neu[:0], em.sub[:0]
	maxS := int32(0)
	var spikes uint64
	psum := xc.kind == compiler.LayerPsum
	for i, s := range cnt {
		if !psum {
			tot[i] += s
		}
		maxS = max(maxS, s)
		spikes += uint64(s)
	}
	m.layerSpk[xc.layer] += spikes
	m.cur.Spikes += spikes
	if maxS > 0 {
		// sub-step 0: every spiking neuron; sub-step j: those of sub-step j−1
		// whose count exceeds j
		for i, s := range cnt {
			if s > 0 {
				em.neu = append(em.neu, int32(i))
				em.sub = append(em.sub, 0)
			}
		}
		for j, a := int32(1), 0; j < maxS; j++ {
			b := len(em.neu)
			for _, i := range em.neu[a:b] {
				if cnt[i] > j {
					em.neu = append(em.neu, i)
					em.sub = append(em.sub, j)
				}
			}
			a = b
		}
	}
	if len(em.neu) == 0 {
		return
	}
	em.k, em.t0, em.last = 0, t, t
	m.emitQ.push(coreAt{t: m.emitTime(ci), c: int32(ci)})
}

// emitTime returns when spike em.k of core ci leaves: once its neuron has been
// updated for its sub-step and the previous spike has left, plus the emission
// cycles.
func (m *Machine) emitTime(ci int) sim.Time {
	xc := &m.x.cores[ci]
	em := &m.em[ci]
	i, j := sim.Time(em.neu[em.k]), sim.Time(em.sub[em.k])
	n := sim.Time(xc.n)
	var ready sim.Time
	switch {
	case em.ifSub:
		ready = em.t0 + j*n*xc.update + (i+1)*xc.update
	case j == 0:
		ready = em.t0 + (i+1)*xc.update
	default:
		ready = em.t0 + n*xc.update
	}
	return max(ready, em.last) + xc.spikeOut
}

// scheduleEmit asks the engine for one event at the earliest pending spike
// emission of any core: one event per distinct emission time, not per spike
// (the cores of a layer start together and emit in step).
func (m *Machine) scheduleEmit() {
	if len(m.emitQ) > 0 {
		m.eng.Schedule(sim.Event{Time: m.emitQ[0].t, Handler: m})
	}
}

// Handle emits the spikes due now, core by core in index order, and asks for
// the next emission time.
func (m *Machine) Handle(e sim.Event) {
	for len(m.emitQ) > 0 && m.emitQ[0].t == e.Time {
		ci := m.emitQ[0].c
		if m.emit(int(ci), e.Time) {
			// The core stays at the top with a later time: one sift down
			// instead of a pop and a push (keys are distinct, so the order
			// of the cores popped is the same).
			m.emitQ[0].t = m.emitTime(int(ci))
			m.emitQ.down(0)
		} else {
			m.emitQ.pop()
		}
	}
	m.scheduleEmit()
}

// emit sends spike em.k of core ci at time now and reports whether the core
// has more.
func (m *Machine) emit(ci int, now sim.Time) bool {
	xc := &m.x.cores[ci]
	em := &m.em[ci]
	i := em.neu[em.k]
	o := xc.out[4*i : 4*i+4]
	dests := xc.dests[o[0]:o[2]]
	if m.x.remote != nil && m.x.remote[ci].span != nil {
		m.sendRemote(ci, i, now, int64(ci)|int64(i)<<32, int64(o[1])|int64(o[3])<<32, len(dests))
	}
	if len(dests) > 0 {
		p := m.net.NewPacket()
		p.Dests = p.Dests[:0]
		switch {
		case m.trees != nil:
			p.Tree = m.tree(ci, o[0], dests)
		case len(dests) == 1:
			p.Dst = dests[0]
		default:
			p.Dests = append(p.Dests, dests...)
		}
		// payload: source core and neuron, and the neuron's fan range
		// (deliver reads it without the fanStart table)
		p.A, p.B = int64(ci)|int64(i)<<32, int64(o[1])|int64(o[3])<<32
		if !m.net.Inject(xc.tile, p) {
			panic("chip: the unbounded NoC source queue refused a packet")
		}
		if m.multicast {
			m.cur.Packets++
		} else {
			m.cur.Packets += uint64(len(dests))
		}
	}
	if m.NumHooks() > 0 {
		m.spikeOut = core.SpikeOut{Core: int32(ci), Neuron: i, Step: m.step}
		m.InvokeHook(sim.HookCtx{Domain: m, Pos: core.HookPosSpikeOut, Now: now, Item: &m.spikeOut})
	}
	em.last = now
	m.coreBusy[ci] += xc.spikeOut
	m.busy[ci] = max(m.busy[ci], now)
	em.k++
	return em.k < len(em.neu)
}

// tree returns the multicast tree from core ci's tile to dests, the
// destination list that starts at lo in the core's dests, walking it the
// first time (analytic NoC model).
func (m *Machine) tree(ci int, lo int32, dests []noc.Tile) *noc.Tree {
	if t := m.trees[ci][lo]; t != nil {
		return t
	}
	t, err := m.net.NewTree(m.x.cores[ci].tile, dests)
	if err != nil {
		// the lists are distinct tiles of the board grid by construction
		panic(fmt.Sprintf("chip: core %d: %v", ci, err))
	}
	m.trees[ci][lo] = t
	return t
}

// coreHeap is a binary min-heap of cores ordered by (emission time, core
// index); the keys sit in the heap, so comparisons read no other table.
type coreHeap []coreAt

// coreAt is a core and its next emission time.
type coreAt struct {
	t sim.Time
	c int32
}

func (a coreAt) less(b coreAt) bool { return a.t < b.t || (a.t == b.t && a.c < b.c) }

// lessBits is a.less(b) as 0 or 1, computed without branches.
func lessBits(a, b coreAt) uint {
	return b2u(a.t < b.t) | b2u(a.t == b.t)&b2u(a.c < b.c)
}

func b2u(b bool) uint {
	if b {
		return 1
	}
	return 0
}

func (h *coreHeap) push(k coreAt) {
	*h = append(*h, k)
	q := *h
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q[i].less(q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *coreHeap) pop() coreAt {
	q := *h
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	*h = q
	h.down(0)
	return top
}

// down restores the heap order below position i after its key grew. It
// moves the key along a hole: the smaller child moves up while it is below
// the key, which is written once at the end (the same places as swapping it
// down level by level; keys are distinct, as the core indices are).
func (h coreHeap) down(i int) {
	q := h
	n := len(q)
	if i >= n {
		return // pop of the last core
	}
	x := q[i]
	for {
		m := 2*i + 1
		if m >= n {
			break
		}
		if r := m + 1; r < n {
			m += int(lessBits(q[r], q[m])) // no branch: ties in time are frequent and unpredictable
		}
		if !q[m].less(x) {
			break
		}
		q[i] = q[m]
		i = m
	}
	q[i] = x
}

// deliver processes a spike packet at core dst: the source neuron's axon
// there selects the synapses whose weights the core adds to its neurons.
func (m *Machine) deliver(dst int32, p *noc.Packet) {
	x := m.x
	srcCore, i := int32(p.A), int32(p.A>>32) // see emit
	src := &x.cores[srcCore]
	xc := &x.cores[dst]
	for _, d := range src.fanIn[int32(p.B):int32(p.B>>32)] {
		if d.core != dst {
			continue
		}
		a := d.axon()
		if d.rec() {
			m.holdRecurrent(dst, a)
		} else {
			m.arrived = append(m.arrived, axonRef{dst, a}) // counted at the close of the phase
		}
		n := uint64(d.nsyn)
		m.cur.SynOps += n
		m.layerSyn[xc.layer] += n
		dur := sim.Time(n) * xc.synOp
		start := max(m.busy[dst], m.eng.Now())
		m.busy[dst] = start + dur
		m.coreBusy[dst] += dur
		if m.NumHooks() > 0 {
			m.pktIn = core.PacketIn{Core: dst, Axon: a, Step: m.step, Synapses: int(n), Start: start, End: start + dur}
			m.InvokeHook(sim.HookCtx{Domain: m, Pos: core.HookPosPacketIn, Now: m.eng.Now(), Item: &m.pktIn})
		}
		return
	}
	panic(fmt.Sprintf("chip: core %d got a spike of core %d neuron %d, which has no axon there", dst, srcCore, i))
}

// readScores gathers the output layer's scores: the readout's accumulators
// (summed over the steps), or the output layer's spike counts.
func (m *Machine) readScores() {
	x := m.x
	o := x.Prog.Output.Layer
	for _, ci := range x.Prog.Layers[o].Cores {
		xc := &x.cores[ci]
		if x.Prog.Output.Mode == "count" {
			for i, v := range m.tot[ci] {
				m.scores[xc.global[i]] = int64(v)
			}
			continue
		}
		for i, j := range xc.perm {
			m.scores[xc.global[i]] = m.acc[ci][j]
		}
	}
}

// decide returns the class (first largest score), the margin to the second
// score and the softmax confidence, both in the real units of the scores.
func (m *Machine) decide() (int, float64, float64) {
	scale := m.x.Prog.Layers[m.x.Prog.Output.Layer].Scale
	if scale == 0 {
		scale = 1
	}
	best := 0
	for i, v := range m.scores {
		if v > m.scores[best] {
			best = i
		}
	}
	second := math.Inf(-1)
	var z float64
	top := float64(m.scores[best]) * scale
	for i, v := range m.scores {
		f := float64(v) * scale
		z += math.Exp(f - top)
		if i != best {
			second = max(second, f)
		}
	}
	margin := top - second
	if math.IsInf(margin, 1) {
		margin = math.MaxFloat64
	}
	return best, margin, 1 / z
}

// Agrees compares the last sample the machine ran with the software model's
// result r of the same input: the class, every score, and the spike count of
// every neuron of every firing layer summed over the steps.
func (m *Machine) Agrees(r *compiler.Result) (class, scores, counts bool) {
	x := m.x
	cl, _, _ := m.decide()
	class = cl == r.Class
	scores = len(r.Scores) == len(m.scores)
	for i := 0; scores && i < len(m.scores); i++ {
		scores = m.scores[i] == r.Scores[i]
	}
	counts = true
	for ci := range x.cores {
		xc := &x.cores[ci]
		ref := r.Counts[xc.layer]
		if ref == nil {
			continue
		}
		for i, v := range m.tot[ci] {
			if ref[xc.global[i]] != v {
				counts = false
				return
			}
		}
	}
	return
}
