package traces

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// Layout tells a Recorder where the cores sit and what they hold. The chip's
// mapping provides it (traces does not import chip): core i of Cores is the
// core whose hooks carry Core == i.
type Layout struct {
	Chip          int      // chip index: the Chrome process id
	Width, Height int      // the mesh
	NoCPeriod     sim.Time // router clock period: the length of hop spans and spike pulses
	Cores         []CoreInfo
}

// CoreInfo places one core.
type CoreInfo struct {
	X, Y    int
	Layer   int // population index
	First   int // index within the layer of the core's neuron 0
	Neurons int // neurons on the core
	// Index, if set, is the index within the layer of each of the core's
	// neurons (Neurons entries), for cores whose neurons are not First,
	// First+1, …: a core holding a spatial part of a channel plane.
	Index  []int32
	Update sim.Time // length of the neuron update that opens each step
}

// Validate checks the layout.
func (l *Layout) Validate() error {
	var errs []error
	if l.Width < 1 || l.Height < 1 || l.Width > 1<<12 || l.Height > 1<<12 {
		errs = append(errs, fmt.Errorf("mesh %d×%d: want sides in [1, 4096]", l.Width, l.Height))
	}
	if l.NoCPeriod == 0 {
		errs = append(errs, errors.New("zero NoC period"))
	}
	if l.Chip < 0 {
		errs = append(errs, fmt.Errorf("chip %d < 0", l.Chip))
	}
	seen := map[[2]int]int{}
	for i, c := range l.Cores {
		switch {
		case c.X < 0 || c.Y < 0 || c.X >= l.Width || c.Y >= l.Height:
			errs = append(errs, fmt.Errorf("core %d at (%d,%d): outside the %d×%d mesh", i, c.X, c.Y, l.Width, l.Height))
		case c.Layer < 0 || c.First < 0 || c.Neurons < 1:
			errs = append(errs, fmt.Errorf("core %d: layer %d, first %d, %d neurons", i, c.Layer, c.First, c.Neurons))
		case c.Index != nil && len(c.Index) != c.Neurons:
			errs = append(errs, fmt.Errorf("core %d: %d neuron indices for %d neurons", i, len(c.Index), c.Neurons))
		case c.Index != nil && slices.Min(c.Index) < 0:
			errs = append(errs, fmt.Errorf("core %d: negative neuron index", i))
		}
		if j, dup := seen[[2]int{c.X, c.Y}]; dup {
			errs = append(errs, fmt.Errorf("cores %d and %d share tile (%d,%d)", j, i, c.X, c.Y))
		}
		seen[[2]int{c.X, c.Y}] = i
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("traces: layout: %w", err)
	}
	return nil
}

// Outputs are the writers a Recorder feeds; nil ones are skipped.
type Outputs struct {
	Spikes SpikeWriter
	VCD    io.Writer
	Chrome io.Writer
	Raster *Raster
}

// pending operations, written when simulated time passes them.
const (
	opBusyOn  = iota // VCD busy wire of core c rises
	opBusyEnd        // busy interval of core c may end at t (if not extended)
	opFIFO           // input FIFO of core c: a packet starts processing (depth −1)
	opSpan           // Chrome span on core c: a = step (update) or −1−axon (packet), b = synapses
	opWire           // VCD wire a set to b
	opReal           // VCD real a set to math.Float64frombits(b)
	opHop            // head flit of packet a leaves router (tile) c by port b
	opUpdate         // Chrome span on core c: neuron update of layer b at step a
)

type pend struct {
	t   sim.Time
	seq uint64
	op  uint8
	c   int32
	a   int64
	b   int64
	dur sim.Time
}

// pendQ is a binary min-heap of pending items by (t, seq), kept by hand
// (container/heap would box every item in an interface and allocate).
type pendQ []pend

func (q pendQ) less(i, j int) bool {
	return q[i].t < q[j].t || q[i].t == q[j].t && q[i].seq < q[j].seq
}

func (q *pendQ) push(p pend) {
	*q = append(*q, p)
	h := *q
	for i := len(h) - 1; i > 0; {
		up := (i - 1) / 2
		if !h.less(i, up) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
}

func (q *pendQ) pop() pend {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.less(l, m) {
			m = l
		}
		if l+1 < n && h.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

type coreState struct {
	busyS, busyE sim.Time
	open         bool
	fifo         int64
	busyVar      int // VCD variable index, −1 if none
	fifoVar      int
	fifoName     string // Chrome counter name
}

type probe struct{ spike, mem int }

// Recorder is a sim.Hook that records what the selected cores and their
// packets do into the Outputs: spikes (spike file and raster), per-core busy
// and input-FIFO occupancy and neuron probes (VCD), and a timeline (Chrome:
// neuron updates and synaptic processing as spans on core threads, packets
// as hop spans on router threads joined by flow events, FIFO depth and
// packets in flight as counters).
//
// Hooks arrive in simulated-time order, but some report work that starts
// later (a packet processed once the core is free). The Recorder keeps such
// future items in a queue ordered by (time, arrival) and writes them when
// simulated time passes them, so every output is written in time order; the
// queue holds only work in flight, so memory does not grow with the run.
type Recorder struct {
	lay      Layout
	sel      Select
	on       []bool
	tileCore []int32
	rowBase  []int

	spikes SpikeWriter
	vcd    *VCD
	chrome *Chrome
	raster *Raster

	cores    []coreState
	probes   map[NeuronRef]probe
	pulse    sim.Time
	inflight int64
	q        pendQ
	seq      uint64
	flushed  sim.Time // everything before this time is written
	off      sim.Time // added to every hook time
	last     sim.Time
	err      error
	closed   bool

	// updNames[l] names layer l's neuron-update spans
	updNames []string

	// set by OpenDir
	files      []*atomicFile
	rasterPath string
}

// Chrome thread ids: 0 the barrier, 1+i core i, 1+cores+tile router.
func (r *Recorder) coreTID(c int) int   { return 1 + c }
func (r *Recorder) routerTID(t int) int { return 1 + len(r.lay.Cores) + t }

var hopNames = [...]string{"hop E", "hop W", "hop N", "hop S", "hop L"}

// NewRecorder checks lay and sel and writes the headers of out's files
// (VCD declarations, Chrome names).
func NewRecorder(lay Layout, sel Select, out Outputs) (*Recorder, error) {
	if err := lay.Validate(); err != nil {
		return nil, err
	}
	n := len(lay.Cores)
	r := &Recorder{lay: lay, sel: sel, on: make([]bool, n), cores: make([]coreState, n),
		tileCore: make([]int32, lay.Width*lay.Height), spikes: out.Spikes, raster: out.Raster,
		probes: map[NeuronRef]probe{}, pulse: lay.NoCPeriod}
	for i := range r.tileCore {
		r.tileCore[i] = -1
	}
	for _, c := range sel.Cores {
		if c >= n {
			return nil, fmt.Errorf("traces: select: core %d, the chip has %d cores", c, n)
		}
	}
	layers := 0
	for _, c := range lay.Cores {
		layers = max(layers, c.Layer+1)
	}
	for _, l := range sel.Layers {
		if l >= layers {
			return nil, fmt.Errorf("traces: select: layer %d, the chip has %d layers", l, layers)
		}
	}
	size := make([]int, layers)
	for i, c := range lay.Cores {
		r.on[i] = (sel.Layers == nil || slices.Contains(sel.Layers, c.Layer)) &&
			(sel.Cores == nil || slices.Contains(sel.Cores, i))
		r.tileCore[c.Y*lay.Width+c.X] = int32(i)
		size[c.Layer] = max(size[c.Layer], c.First+c.Neurons)
		if c.Index != nil {
			size[c.Layer] = max(size[c.Layer], int(slices.Max(c.Index))+1)
		}
		for len(r.updNames) <= c.Layer {
			r.updNames = append(r.updNames, "update layer "+strconv.Itoa(len(r.updNames)))
		}
		r.cores[i].busyVar, r.cores[i].fifoVar = -1, -1
		r.cores[i].fifoName = "core " + strconv.Itoa(i) + " input FIFO"
	}
	r.rowBase = make([]int, layers+1)
	for l, s := range size {
		r.rowBase[l+1] = r.rowBase[l] + s
	}
	for _, p := range sel.Neurons {
		if p.Core >= n || p.Neuron >= lay.Cores[p.Core].Neurons {
			return nil, fmt.Errorf("traces: select: neuron %d:%d does not exist", p.Core, p.Neuron)
		}
		if !r.on[p.Core] {
			return nil, fmt.Errorf("traces: select: neuron %d:%d is on a core the selection leaves out", p.Core, p.Neuron)
		}
	}
	if out.VCD != nil {
		if err := r.declareVCD(out.VCD); err != nil {
			return nil, err
		}
	}
	if out.Chrome != nil {
		if err := r.declareChrome(out.Chrome); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Recorder) declareVCD(w io.Writer) error {
	var vars []Var
	chip := "chip" + strconv.Itoa(r.lay.Chip)
	for i := range r.lay.Cores {
		if !r.on[i] {
			continue
		}
		scope := []string{chip, "core" + strconv.Itoa(i)}
		r.cores[i].busyVar = len(vars)
		vars = append(vars, Var{Scope: scope, Name: "busy", Kind: Wire})
		r.cores[i].fifoVar = len(vars)
		vars = append(vars, Var{Scope: scope, Name: "fifo", Kind: Integer})
		for _, p := range r.sel.Neurons {
			if p.Core != i {
				continue
			}
			if _, dup := r.probes[p]; dup {
				continue
			}
			name := "n" + strconv.Itoa(p.Neuron)
			r.probes[p] = probe{spike: len(vars), mem: len(vars) + 1}
			vars = append(vars, Var{Scope: scope, Name: name + "_spike", Kind: Wire},
				Var{Scope: scope, Name: name + "_v", Kind: Real})
		}
	}
	v, err := NewVCD(w, vars)
	if err != nil {
		return err
	}
	r.vcd = v
	for i := range r.lay.Cores {
		if r.on[i] {
			v.Set(0, r.cores[i].busyVar, 0)
			v.Set(0, r.cores[i].fifoVar, 0)
		}
	}
	for _, n := range r.sel.Neurons {
		v.Set(0, r.probes[n].spike, 0)
	}
	return v.err
}

func (r *Recorder) declareChrome(w io.Writer) error {
	c, err := NewChrome(w)
	if err != nil {
		return err
	}
	r.chrome = c
	pid := r.lay.Chip
	c.ProcessName(pid, "chip "+strconv.Itoa(pid))
	c.ThreadName(pid, 0, "barrier")
	for i, k := range r.lay.Cores {
		if r.on[i] {
			c.ThreadName(pid, r.coreTID(i), fmt.Sprintf("core %d (layer %d, %d,%d)", i, k.Layer, k.X, k.Y))
		}
	}
	for t := range r.tileCore {
		c.ThreadName(pid, r.routerTID(t), fmt.Sprintf("router (%d,%d)", t%r.lay.Width, t/r.lay.Width))
	}
	return c.err
}

// Hookable is what a Recorder attaches to (sim.Hookable's method).
type Hookable interface{ AcceptHook(h sim.Hook) }

// Attach makes r a hook of each of hs: the barrier, the cores and the NoC.
func (r *Recorder) Attach(hs ...Hookable) {
	for _, h := range hs {
		h.AcceptHook(r)
	}
}

func (r *Recorder) fail(err error) {
	if err != nil && r.err == nil {
		r.err = err
	}
}

func (r *Recorder) push(p pend) {
	p.seq = r.seq
	r.seq++
	r.q.push(p)
}

// Func receives a hook invocation (sim.Hook).
func (r *Recorder) Func(ctx sim.HookCtx) {
	if r.err != nil || r.closed {
		return
	}
	ctx.Now += r.off
	if ctx.Pos == noc.HookPosFlit {
		// The packet NoC model reports every hop at injection, with the
		// (future) time the flit will cross: queue it like other future work.
		r.flit(ctx)
		return
	}
	if ctx.Now < r.last {
		r.fail(fmt.Errorf("traces: hook at %v after one at %v: hooks must come in time order", ctx.Now, r.last))
		return
	}
	r.last = ctx.Now
	r.flush(ctx.Now)
	switch ctx.Pos {
	case core.HookPosStep:
		if s, ok := ctx.Item.(*core.StepInfo); ok {
			r.step(ctx.Now, s)
		}
	case core.HookPosSpikeOut:
		if s, ok := ctx.Item.(*core.SpikeOut); ok {
			r.spike(ctx.Now, s)
		}
	case core.HookPosPacketIn:
		if p, ok := ctx.Item.(*core.PacketIn); ok {
			r.packetIn(ctx.Now, p)
		}
	case core.HookPosUpdate:
		if u, ok := ctx.Item.(*core.UpdateInfo); ok {
			r.update(u)
		}
	case noc.HookPosInject, noc.HookPosFlit, noc.HookPosDeliver:
		if p, ok := ctx.Item.(*noc.Packet); ok {
			r.noc(ctx, p)
		}
	}
}

func (r *Recorder) coreOn(c int32) bool { return c >= 0 && int(c) < len(r.on) && r.on[c] }

func (r *Recorder) step(now sim.Time, s *core.StepInfo) {
	if r.chrome != nil && r.sel.in(now) {
		b := r.chrome.begin("i", "step", r.lay.Chip, 0, now)
		b = append(b, `,"s":"t"`...)
		r.fail(r.chrome.end(appendArg(b, "step", s.Step)))
	}
	for i := range r.lay.Cores {
		if !r.on[i] {
			continue
		}
		d := r.lay.Cores[i].Update
		r.busy(int32(i), now, now+d)
		if d > 0 {
			r.push(pend{t: now, op: opSpan, c: int32(i), a: s.Step, dur: d})
		}
	}
}

// busy adds [s, e) to core c's busy time; intervals of one core come in
// order of start and never overlap.
func (r *Recorder) busy(c int32, s, e sim.Time) {
	if e <= s {
		return
	}
	k := &r.cores[c]
	if k.open && s <= k.busyE {
		if e > k.busyE {
			k.busyE = e
			r.push(pend{t: e, op: opBusyEnd, c: c})
		}
		return
	}
	k.open, k.busyS, k.busyE = true, s, e
	r.push(pend{t: s, op: opBusyOn, c: c})
	r.push(pend{t: e, op: opBusyEnd, c: c})
}

func (r *Recorder) spike(now sim.Time, s *core.SpikeOut) {
	if !r.coreOn(s.Core) || !r.sel.in(now) {
		return
	}
	ci := r.lay.Cores[s.Core]
	n := int32(ci.First) + s.Neuron
	if ci.Index != nil {
		n = ci.Index[s.Neuron]
	}
	sp := Spike{Time: now, Chip: int32(r.lay.Chip), Core: s.Core, Neuron: n, Layer: int32(ci.Layer)}
	if r.spikes != nil {
		r.fail(r.spikes.WriteSpike(sp))
	}
	if r.raster != nil {
		r.raster.Add(float64(now)/1000, r.rowBase[ci.Layer]+int(sp.Neuron))
	}
	if r.vcd != nil && len(r.probes) > 0 {
		if p, ok := r.probes[NeuronRef{Core: int(s.Core), Neuron: int(s.Neuron)}]; ok {
			r.fail(r.vcd.Set(now, p.spike, 1))
			r.push(pend{t: now + r.pulse, op: opWire, a: int64(p.spike), b: 0})
		}
	}
}

// update records a layer's neuron update on a core: busy time, and a span
// "update layer L" on the core's track.
func (r *Recorder) update(u *core.UpdateInfo) {
	if !r.coreOn(u.Core) {
		return
	}
	start, end := u.Start+r.off, u.End+r.off
	r.busy(u.Core, start, end)
	if end > start {
		r.push(pend{t: start, op: opUpdate, c: u.Core, a: u.Step, b: int64(u.Layer), dur: end - start})
	}
}

func (r *Recorder) packetIn(now sim.Time, p *core.PacketIn) {
	if !r.coreOn(p.Core) {
		return
	}
	start, end := p.Start+r.off, p.End+r.off
	r.busy(p.Core, start, end)
	r.push(pend{t: start, op: opSpan, c: p.Core, a: -1 - int64(p.Axon), b: int64(p.Synapses), dur: end - start})
	if start > now {
		r.fifo(now, p.Core, +1)
		r.push(pend{t: start, op: opFIFO, c: p.Core})
	}
}

func (r *Recorder) fifo(t sim.Time, c int32, d int64) {
	k := &r.cores[c]
	k.fifo += d
	if !r.sel.in(t) {
		return
	}
	if r.vcd != nil {
		r.fail(r.vcd.Set(t, k.fifoVar, k.fifo))
	}
	if r.chrome != nil {
		r.fail(r.chrome.Counter(k.fifoName, r.lay.Chip, t, "depth", k.fifo))
	}
}

func (r *Recorder) tileIndex(t noc.Tile) int {
	if t.X < 0 || t.Y < 0 || t.X >= r.lay.Width || t.Y >= r.lay.Height {
		return -1
	}
	return t.Y*r.lay.Width + t.X
}

func (r *Recorder) noc(ctx sim.HookCtx, p *noc.Packet) {
	src := r.tileIndex(p.Src)
	if src < 0 || !r.coreOn(r.tileCore[src]) {
		return
	}
	now, pid, per := ctx.Now, r.lay.Chip, r.lay.NoCPeriod
	var d int64
	switch ctx.Pos {
	case noc.HookPosInject:
		d = int64(max(1, len(p.Dests)))
		if r.chrome != nil && r.sel.in(now) {
			tid := r.routerTID(src)
			r.fail(r.chrome.Span("inject", "noc", pid, tid, now, per, "packet", int64(p.ID)))
			r.fail(r.chrome.Flow('s', "packet", "noc", p.ID, pid, tid, now))
		}
	case noc.HookPosDeliver:
		d = -1
		dst := r.tileIndex(p.Dst)
		if r.chrome != nil && dst >= 0 && r.sel.in(now) {
			tid := r.routerTID(dst)
			r.fail(r.chrome.Span("deliver", "noc", pid, tid, now, per, "packet", int64(p.ID)))
			r.fail(r.chrome.Flow('f', "packet", "noc", p.ID, pid, tid, now))
		}
	}
	r.inflight += d
	if r.chrome != nil && r.sel.in(now) {
		r.fail(r.chrome.Counter("NoC packets in flight", pid, now, "packets", r.inflight))
	}
}

// flit queues the hop of a packet's head flit: at the hook's time under the
// cycle NoC model, at a later time under the packet model.
func (r *Recorder) flit(ctx sim.HookCtx) {
	p, ok := ctx.Item.(*noc.Packet)
	h, ok2 := ctx.Detail.(*noc.FlitHop)
	if !ok || !ok2 || h.Flit != 0 || int(h.Out) >= len(hopNames) || r.chrome == nil {
		return
	}
	src, from := r.tileIndex(p.Src), r.tileIndex(h.From)
	if src < 0 || from < 0 || !r.coreOn(r.tileCore[src]) {
		return
	}
	if ctx.Now < r.last {
		r.fail(fmt.Errorf("traces: hop at %v before the last hook at %v", ctx.Now, r.last))
		return
	}
	r.push(pend{t: ctx.Now, op: opHop, c: int32(from), a: int64(p.ID), b: int64(h.Out)})
}

// Membrane records membrane potential v (mV) of a probed neuron at time t,
// for callers that read neuron state (the core emits no hook for it). t (plus
// the offset) must not be earlier than the last hook's time.
func (r *Recorder) Membrane(t sim.Time, ref NeuronRef, v float64) error {
	t += r.off
	p, ok := r.probes[ref]
	if !ok {
		return fmt.Errorf("traces: neuron %d:%d is not a VCD probe", ref.Core, ref.Neuron)
	}
	if t < r.flushed {
		return fmt.Errorf("traces: membrane at %v, already written up to %v", t, r.flushed)
	}
	r.push(pend{t: t, op: opReal, a: int64(p.mem), b: int64(math.Float64bits(v))})
	return nil
}

// flush writes the pending items before t.
func (r *Recorder) flush(t sim.Time) {
	for len(r.q) > 0 && r.q[0].t < t && r.err == nil {
		p := r.q.pop()
		r.apply(p)
	}
	if t > r.flushed {
		r.flushed = t
	}
}

func (r *Recorder) apply(p pend) {
	in := r.sel.in(p.t)
	switch p.op {
	case opBusyOn:
		if r.vcd != nil && in {
			r.fail(r.vcd.Set(p.t, r.cores[p.c].busyVar, 1))
		}
	case opBusyEnd:
		k := &r.cores[p.c]
		if !k.open || k.busyE != p.t {
			return // extended: a later item ends it
		}
		k.open = false
		if r.vcd != nil && in {
			r.fail(r.vcd.Set(p.t, k.busyVar, 0))
		}
	case opFIFO:
		r.fifo(p.t, p.c, -1)
	case opSpan:
		if r.chrome == nil || !in {
			return
		}
		tid := r.coreTID(int(p.c))
		if p.a >= 0 {
			r.fail(r.chrome.Span("update", "core", r.lay.Chip, tid, p.t, p.dur, "step", p.a))
		} else {
			b := r.chrome.begin("X", "synapses", r.lay.Chip, tid, p.t)
			b = append(b, `,"dur":`...)
			b = appendDecimal(b, p.dur, 1_000_000, 6)
			b = append(b, `,"cat":"core","args":{"axon":`...)
			b = strconv.AppendInt(b, -1-p.a, 10)
			b = append(b, `,"synapses":`...)
			b = strconv.AppendInt(b, p.b, 10)
			r.fail(r.chrome.end(append(b, '}')))
		}
	case opUpdate:
		if r.chrome == nil || !in || int(p.b) >= len(r.updNames) {
			return
		}
		r.fail(r.chrome.Span(r.updNames[p.b], "core", r.lay.Chip, r.coreTID(int(p.c)), p.t, p.dur, "step", p.a))
	case opHop:
		if r.chrome == nil || !in {
			return
		}
		pid, tid := r.lay.Chip, r.routerTID(int(p.c))
		r.fail(r.chrome.Span(hopNames[p.b], "noc", pid, tid, p.t, r.lay.NoCPeriod, "packet", p.a))
		r.fail(r.chrome.Flow('t', "packet", "noc", uint64(p.a), pid, tid, p.t))
	case opWire:
		if r.vcd != nil && in {
			r.fail(r.vcd.Set(p.t, int(p.a), p.b))
		}
	case opReal:
		if r.vcd != nil && in {
			r.fail(r.vcd.SetReal(p.t, int(p.a), math.Float64frombits(uint64(p.b))))
		}
	}
}

// SetOffset makes r add off to the time of every hook from now on, so that
// runs on engines that each start at 0 (samples run one after another on a
// reset machine) can be recorded end to end: set the offset to the end of
// the previous run before starting the next. Offsets must not make hook times
// go backwards.
func (r *Recorder) SetOffset(off sim.Time) { r.off = off }

// Pending returns the number of items waiting for simulated time to pass
// them (work in flight).
func (r *Recorder) Pending() int { return len(r.q) }

// Err returns the first error met while recording.
func (r *Recorder) Err() error { return r.err }

// Close writes everything pending, ends the files at time end (the run's
// end; the last hook's time if later) and closes what OpenDir opened,
// rendering the raster plot. It returns the first error of the recording.
func (r *Recorder) Close(end sim.Time) error {
	if r.closed {
		return errClosed
	}
	r.closed = true
	for len(r.q) > 0 && r.err == nil {
		p := r.q.pop()
		end = max(end, p.t)
		r.apply(p)
	}
	end = max(end, r.last)
	if r.vcd != nil {
		r.fail(r.vcd.Close(end))
	}
	if r.chrome != nil {
		r.fail(r.chrome.Close())
	}
	if r.spikes != nil {
		r.fail(r.spikes.Close())
	}
	if r.rasterPath != "" && r.raster != nil {
		r.fail(r.raster.Save(r.rasterPath))
	}
	// the files appear under their names only when complete
	for _, f := range r.files {
		if r.err == nil {
			r.fail(f.Commit())
		} else {
			f.Abort()
		}
	}
	return r.err
}

// OpenDir creates dir and, for each of sel's formats (DefaultFormats if
// none), the file Formats names in it, and returns a Recorder writing them.
// Close closes the files and renders the raster plot. Every file is written
// under a temporary name in dir and renamed when Close succeeds (removed
// when it fails).
func OpenDir(dir string, lay Layout, sel Select) (*Recorder, error) {
	formats := sel.Formats
	if formats == nil {
		formats = DefaultFormats
	}
	for _, f := range formats {
		if _, ok := Formats[f]; !ok {
			return nil, fmt.Errorf("traces: unknown format %q", f)
		}
	}
	if err := lay.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out Outputs
	var files []*atomicFile
	var rasterPath string
	fail := func(err error) (*Recorder, error) {
		for _, f := range files {
			f.Abort()
		}
		return nil, err
	}
	for _, f := range formats {
		path := filepath.Join(dir, Formats[f])
		if f == "png" || f == "svg" {
			if out.Raster != nil {
				return fail(errors.New("traces: one raster format at a time (png or svg)"))
			}
			out.Raster, rasterPath = NewRaster(0), path
			continue
		}
		fh, err := createAtomic(path)
		if err != nil {
			return fail(err)
		}
		files = append(files, fh)
		switch f {
		case "csv", "parquet":
			sw, err := NewSpikeWriter(fh, path)
			if err != nil {
				return fail(err)
			}
			if out.Spikes == nil {
				out.Spikes = sw
			} else {
				out.Spikes = spikeTee{out.Spikes, sw}
			}
		case "vcd":
			out.VCD = fh
		case "chrome":
			out.Chrome = fh
		}
	}
	r, err := NewRecorder(lay, sel, out)
	if err != nil {
		return fail(err)
	}
	r.files, r.rasterPath = files, rasterPath
	return r, nil
}

// spikeTee writes spikes to two writers.
type spikeTee [2]SpikeWriter

func (t spikeTee) WriteSpike(s Spike) error {
	err := t[0].WriteSpike(s)
	if e := t[1].WriteSpike(s); err == nil {
		err = e
	}
	return err
}

func (t spikeTee) Close() error {
	err := t[0].Close()
	if e := t[1].Close(); err == nil {
		err = e
	}
	return err
}
