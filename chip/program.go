package chip

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// ErrSpecMismatch is wrapped by NewExec's error when a program was compiled for
// another chip spec than the one it is asked to run on.
var ErrSpecMismatch = errors.New("program compiled for another chip spec")

// # Running compiled programs (Exec, Machine, RunSamples)
//
// An Exec is a compiler.Program made ready for a spec; a Machine is one
// simulated chip that runs it sample after sample on its own sim.Engine and
// noc.Network; RunSamples spreads samples over a pool of Machines and checks
// every one against compiler.Simulator.
//
// Execution follows the program's schedule (compiler doc, "Execution model"):
// each time step runs phase 0, in which the host writes the step's input
// events straight into the cores that have the input element as an axon (an
// 8-bit value event is a multiply-accumulate per synapse; a Poisson spike an
// accumulate), then the phases of Program.Schedule. In phase k every core of
// the layers of step k updates its neurons once (IF cores D times), computes
// its counts (multispike: clamp(floor((acc+(θ−1)/2)/θ), 0, D); LIF: the
// integer membrane update) and emits them as binary spikes in thermometer
// order: sub-step 0 of every spiking neuron in neuron order, then sub-step
// 1, and so on. Spike k leaves at e_k = max(ready_k, e_(k−1)) + spike-out
// cycles, where ready is the end of its neuron's update for that sub-step, as
// one NoC packet multicast to the neuron's distinct destination tiles (one
// unicast per tile without multicast). A delivered packet costs its
// destination core (synapses of the axon) × CyclesPerSynOp from max(arrival,
// core busy). The phase ends when the engine is idle and every core has
// finished; the barrier (Chip.BarrierNS of every used core) follows and the
// next phase starts on the next NoC clock edge. Latency runs from the start of
// the input to the end of the last phase of the last step.
//
// Functional and timing models are apart: the destination counts spikes per
// axon while the phase runs and applies the kernel-form weights once at the
// barrier (the same integer sums), so counts and scores depend only on the
// program and the input, never on timing, and equal Simulator's bit for bit.
//
// Energy is counted per event and priced with the spec's table: synaptic ops
// (one per nonzero synapse per spike), input MACs, neuron updates, spikes,
// packets injected, x and y flit hops (from the NoC), core participations in
// barriers, and static power of every tile's core and router × latency.
//
// A machine's NoC (router arbitration state included) and engine are rebuilt
// at the start of every lane of RunOptions.LaneSize samples, so each
// sample's figures depend only on its lane, not on the number of workers.

// Exec is a compiled program made ready to run on a chip spec: the kernel-form
// synapse tables of every layer, the synapse count of every axon, the distinct
// destination tiles of every neuron, and the timing parameters of every core
// kind. It is read-only once built and shared by every Machine (and so by
// every worker) that runs it.
type Exec struct {
	Spec *arch.Spec
	Prog *compiler.Program

	cores     []execCore
	corePer   sim.Time // chip clock period
	nocFreq   sim.Freq
	barrier   sim.Time // barrier time of one phase (every used core takes part)
	minStep   sim.Time
	steps     int
	inputSize int
	// the destinations (core, axon) of input element i are
	// inFan[inStart[i]:inStart[i+1]] (compiler.Connectivity)
	inStart []int32
	inFan   []compiler.Dest
	// layerSize is the number of neurons of each layer.
	layerSize []int
	// kern holds each layer's projections in kernel form (kernel.go).
	kern [][]kproj
	// recAxon[c][a] marks axon a of core c as fed by a recurrent projection
	// (nil for cores without one; kernel_cubalif.go).
	recAxon [][]bool
	// cim holds each cim core's macros (cim.go), nil for a digital core; the
	// slice is nil when the program has no cim core.
	cim    []*cimExec
	cimAge float64 // seconds between programming and engine time 0

	// multi-chip boards (interchip.go): chips on the board, each core's
	// routes over board links, the links, and their timing and size
	chips                     int
	remote                    []remoteRoutes
	boardLinks                []BoardLinkLoad
	boardSerial, boardLatency sim.Time
	boardBits                 uint64
}

// execCore is one placed core of the program, in the form the chip runs it.
type execCore struct {
	layer  int
	kind   string // "spike", "pool", "readout", "lif"
	neuron string // multispike, if, "" (readout)
	d      int
	n      int
	c0     int // first channel of the region
	plane  int // neurons per channel in the region
	nch    int // channels in the region
	// perm[i] is where local neuron i's accumulator sits: accumulators are
	// kept channel-minor ([row][column][channel]) so that the output channels
	// one input reaches are contiguous (see accumulate).
	perm   []int32
	tile   noc.Tile
	global []int32 // layer-wide index of each local neuron

	region compiler.Region
	axons  []compiler.Axon
	// nsyn[a] is the number of nonzero synapses of axon a (its synaptic ops).
	nsyn []int32

	// the distinct destination tiles of every local neuron, each distinct
	// list stored once (neurons of a core mostly share their list, so the
	// table stays small and cached); out gives each neuron's range
	dests []noc.Tile
	fanIn []fanIn // the program's fan with what a delivery needs (buildFanIn)
	// out holds local neuron i's ranges in one aligned 16-byte entry:
	// out[4i:4i+4] = dest start, fan start, dest end, fan end (its tiles are
	// dests[out[4i]:out[4i+2]], its fan fanIn[out[4i+1]:out[4i+3]]), so that
	// emitting a spike reads both from one cache line.
	out []int32

	update, spikeOut, synOp sim.Time // durations of one neuron update, one spike emission, one synaptic op

	// attn holds an attention core's tables (attention.go), nil otherwise;
	// attnOp is the duration of one of its state or output additions.
	attn   *attnExec
	attnOp sim.Time
}

// NewExec prepares p to run on spec. It fails if p was compiled for another
// spec (its SpecHash differs from the hash of spec; wraps ErrSpecMismatch),
// spans a board other than the spec's, or places a core on a tile or core kind the spec lacks.
func NewExec(spec *arch.Spec, p *compiler.Program) (*Exec, error) {
	if spec == nil || p == nil {
		return nil, errors.New("chip: NewExec needs a spec and a program")
	}
	h, err := SpecHash(spec)
	if err != nil {
		return nil, err
	}
	if h != p.SpecHash {
		return nil, fmt.Errorf("%w: the program %q was compiled for spec %q (sha256 %.12s…), the chip is %q (sha256 %.12s…); recompile the model for this chip (neurosim compile --chip …) or run it on the spec it was compiled for",
			ErrSpecMismatch, p.ModelName, p.SpecName, p.SpecHash, spec.Chip.Name, h)
	}
	if p.Mesh.ChipsX != max(spec.Board.ChipsX, 1) || p.Mesh.ChipsY != max(spec.Board.ChipsY, 1) {
		return nil, fmt.Errorf("chip: the program spans %d×%d chips, the spec's board %d×%d", p.Mesh.ChipsX, p.Mesh.ChipsY, spec.Board.ChipsX, spec.Board.ChipsY)
	}
	// the cores' axon lists and the fan-out, from the compact form, held
	// only while the tables are built (the Program is not expanded)
	cn, err := p.Connect()
	if err != nil {
		return nil, fmt.Errorf("chip: %w", err)
	}
	if p.Mesh.Width != spec.Chip.Width || p.Mesh.Height != spec.Chip.Height {
		return nil, fmt.Errorf("chip: the program's mesh is %d×%d, the spec's chip %d×%d", p.Mesh.Width, p.Mesh.Height, spec.Chip.Width, spec.Chip.Height)
	}
	x := &Exec{
		Spec:      spec,
		Prog:      p,
		corePer:   sim.Freq(spec.Chip.ClockHz()).Period(),
		nocFreq:   sim.Freq(spec.NoCClockHz()),
		barrier:   nsTime(spec.Chip.BarrierNS(len(p.Cores))),
		minStep:   nsTime(spec.Chip.MinStepNS),
		steps:     max(p.Steps, 1),
		inputSize: 1,
		inStart:   cn.InputStart,
		inFan:     cn.InputFan,
	}
	for _, d := range p.Input.Shape {
		x.inputSize *= d
	}
	for i := range p.Layers {
		x.layerSize = append(x.layerSize, p.Layers[i].Size())
		if p.Layers[i].Kind == compiler.LayerAttention {
			x.kern = append(x.kern, nil) // no synapses (attention.go)
			continue
		}
		x.kern = append(x.kern, kernelForm(&p.Layers[i]))
	}
	x.cores = make([]execCore, len(p.Cores))
	tabs := coreTablesAll(p, cn)
	for ci := range p.Cores {
		c := &p.Cores[ci]
		k, ok := spec.Cores[c.Kind]
		if !ok {
			return nil, fmt.Errorf("chip: core %d uses core kind %q, which the spec does not define", c.ID, c.Kind)
		}
		if got := spec.Chip.CoreAt(c.X, c.Y); got != c.Kind {
			return nil, fmt.Errorf("chip: core %d is placed as %q on tile (%d,%d), which the spec makes %q", c.ID, c.Kind, c.X, c.Y, got)
		}
		l := &p.Layers[c.Layer]
		r := c.Region
		xc := execCore{
			layer:    c.Layer,
			kind:     l.Kind,
			neuron:   c.Neuron,
			d:        l.D,
			n:        c.Neurons(),
			c0:       r.C0,
			plane:    (r.Y1 - r.Y0) * (r.X1 - r.X0),
			tile:     globalTile(p, c),
			update:   sim.Time(k.CyclesPerNeuronUpdate) * x.corePer,
			spikeOut: sim.Time(k.CyclesPerSpikeOut) * x.corePer,
			synOp:    sim.Time(k.CyclesPerSynOp) * x.corePer,
		}
		xc.nch = r.C1 - r.C0
		if l.Kind == compiler.LayerAttention {
			if k.Type != arch.Digital {
				return nil, fmt.Errorf("chip: core %d of attention layer %s is of kind %q (%s): operator SpikeAttention runs on digital cores only", c.ID, l.Name, c.Kind, k.Type)
			}
			if xc.attn, err = newAttnExec(l, c, cn.Axons[ci]); err != nil {
				return nil, err
			}
			xc.attnOp = sim.Time(max(k.CyclesPerAttnOp, 0)) * x.corePer
			if k.CyclesPerAttnOp == 0 {
				xc.attnOp = xc.synOp
			}
		}
		xc.perm = make([]int32, xc.n)
		for i := range xc.perm {
			xc.perm[i] = int32(i%xc.plane*xc.nch + i/xc.plane)
		}
		xc.global = make([]int32, xc.n)
		for i := range xc.global {
			xc.global[i] = int32(p.GlobalNeuron(c, i))
		}
		xc.nsyn, xc.dests, xc.out = tabs[ci].nsyn, tabs[ci].dests, tabs[ci].out
		xc.region, xc.axons = c.Region, cn.Axons[ci]
		if k.Type == arch.CIM {
			// synapses live in the macros (cim.go): no synaptic ops, no
			// cycles on delivery
			clear(xc.nsyn)
			xc.synOp = 0
			if x.cim == nil {
				x.cim = make([]*cimExec, len(p.Cores))
			}
			if x.cim[ci], err = x.newCIM(ci, c, k); err != nil {
				return nil, err
			}
		}
		x.cores[ci] = xc
	}
	if err := x.checkAttnEnergy(); err != nil {
		return nil, err
	}
	if err := x.boardInit(cn); err != nil {
		return nil, err
	}
	x.markRecurrent()
	x.buildFanIn(cn)
	return x, nil
}

// coreTabs are the tables of one core that depend on the program alone
// (see execCore): synapses per axon, and the distinct destination tiles on
// its own chip and fan range of every neuron.
type coreTabs struct {
	nsyn  []int32
	dests []noc.Tile
	out   []int32
}

// coreTablesAll builds every core's coreTabs, the cores shared among
// GOMAXPROCS workers (each core's tables depend only on the core, so the
// result does not depend on the number of workers).
func coreTablesAll(p *compiler.Program, cn *compiler.Connectivity) []coreTabs {
	tabs := make([]coreTabs, len(p.Cores))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(p.Cores)/64)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var counter compiler.SynapseCounter
			lists := make(map[string]int32)
			var key []byte
			for {
				ci := int(next.Add(1)) - 1
				if ci >= len(p.Cores) {
					return
				}
				clear(lists)
				tabs[ci] = coreTables(p, ci, cn, &counter, lists, key)
			}
		}()
	}
	wg.Wait()
	return tabs
}

// coreTables builds core ci's coreTabs; counter, lists and key are the
// worker's scratch.
func coreTables(p *compiler.Program, ci int, cn *compiler.Connectivity, counter *compiler.SynapseCounter, lists map[string]int32, key []byte) coreTabs {
	c := &p.Cores[ci]
	n := c.Neurons()
	t := coreTabs{nsyn: counter.CountAxons(nil, p, c, cn.Axons[ci]), out: make([]int32, 4*n)}
	fanStart, fan := cn.FanStart[ci], cn.Fan[ci]
	// lists: a dest list's key → its start in dests
	for i := 0; i < n; i++ {
		start := len(t.dests)
	fan:
		for _, d := range fan[fanStart[i]:fanStart[i+1]] {
			dc := &p.Cores[d.Core]
			if dc.Chip != c.Chip {
				continue // over the board links (interchip.go)
			}
			tile := globalTile(p, dc)
			for _, have := range t.dests[start:] {
				if have == tile {
					continue fan
				}
			}
			t.dests = append(t.dests, tile)
		}
		lo, hi := int32(start), int32(len(t.dests))
		key = key[:0]
		for _, tile := range t.dests[start:] {
			key = binary.LittleEndian.AppendUint64(key, uint64(tile.X))
			key = binary.LittleEndian.AppendUint64(key, uint64(tile.Y))
		}
		if have, ok := lists[string(key)]; ok {
			// the same tiles in the same order: share the stored list
			t.dests = t.dests[:start]
			lo, hi = have, have+hi-lo
		} else {
			lists[string(key)] = lo
		}
		t.out[4*i], t.out[4*i+1], t.out[4*i+2], t.out[4*i+3] = lo, fanStart[i], hi, fanStart[i+1]
	}
	return t
}

// globalTile is core c's tile on the board-wide grid (the tile itself on a
// single chip).
func globalTile(p *compiler.Program, c *compiler.Core) noc.Tile {
	gx, gy := p.GlobalXY(c)
	return noc.Tile{X: gx, Y: gy}
}

// fanIn is one entry of a source neuron's fan as its delivery reads it:
// the destination core's axon with that axon's synaptic ops and whether it
// feeds a recurrent projection (the top bit of ax), so that a delivery reads
// one 12-byte table entry.
type fanIn struct {
	core, ax, nsyn int32
}

// fanRec marks fanIn.ax as the axon of a recurrent projection.
const fanRec = math.MinInt32

func (f fanIn) axon() int32 { return f.ax &^ fanRec }
func (f fanIn) rec() bool   { return f.ax < 0 }

// buildFanIn fills every core's fanIn from its fan, the destinations' nsyn
// and recAxon.
func (x *Exec) buildFanIn(cn *compiler.Connectivity) {
	for ci := range x.cores {
		xc := &x.cores[ci]
		fan := cn.Fan[ci]
		xc.fanIn = make([]fanIn, len(fan))
		for k, d := range fan {
			f := fanIn{core: d.Core, ax: d.Axon, nsyn: x.cores[d.Core].nsyn[d.Axon]}
			if r := x.recAxon[d.Core]; r != nil && r[d.Axon] {
				f.ax |= fanRec
			}
			xc.fanIn[k] = f
		}
	}
}

// SpecHash returns the hash a compiled program records for the spec it was
// compiled for (Program.SpecHash): the SHA-256 of the spec's JSON encoding, as
// the compiler's emit pass computes it.
func SpecHash(spec *arch.Spec) (string, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// SetNoCModel makes the machines of x time the NoC with model ("cycle",
// "packet" or "analytic", see arch.NoC.Model) instead of the spec's own.
// The timing model does not change the program, so this needs no
// recompilation; it changes latencies and stalls, never what the chip
// computes. Under "analytic" a machine sends each spike along the
// precomputed multicast tree (noc.Tree) of its neuron's destination list.
func (x *Exec) SetNoCModel(model string) error {
	if model != "cycle" && model != "packet" && model != "analytic" {
		return fmt.Errorf("chip: NoC model %q: want cycle, packet or analytic", model)
	}
	s := *x.Spec
	s.NoC.Model = model
	x.Spec = &s
	return nil
}

// NoCModel returns the NoC timing model the machines use.
func (x *Exec) NoCModel() string {
	if x.Spec.NoC.Model == "" {
		return "cycle"
	}
	return x.Spec.NoC.Model
}

// nsTime converts nanoseconds to simulated time, rounded to the picosecond.
func nsTime(ns float64) sim.Time {
	if ns <= 0 {
		return 0
	}
	return sim.Time(math.Round(ns * 1000))
}

// Steps returns the number of algorithmic time steps of one inference.
func (x *Exec) Steps() int { return x.steps }

// InputSize returns the number of input elements of one frame.
func (x *Exec) InputSize() int { return x.inputSize }

// SampleSize returns the number of values of one sample as RunSamples and
// RunOne take it: InputSize, or for events encoding Steps × InputSize (the
// frames one after another, as models/data.EventFrames writes them).
func (x *Exec) SampleSize() int {
	if x.Prog.Input.Encoding == "events" {
		return x.steps * x.inputSize
	}
	return x.inputSize
}

func (x *Exec) framesNote() string {
	if x.Prog.Input.Encoding == "events" {
		return fmt.Sprintf(" × %d event frames", x.steps)
	}
	return ""
}

// cutFrames points frames[t] at frame t of an events sample.
func (x *Exec) cutFrames(frames [][]uint8, img []uint8) [][]uint8 {
	for t := range frames {
		frames[t] = img[t*x.inputSize : (t+1)*x.inputSize]
	}
	return frames
}

// Counts are the events of one inference (or a part of it) that the energy
// table prices.
type Counts struct {
	SynOps        uint64 `json:"syn_ops"`        // accumulate of a binary spike into one neuron (AC)
	InputMACs     uint64 `json:"input_macs"`     // multiply-accumulate of an input value event into one neuron
	InputEvents   uint64 `json:"input_events"`   // value (or spike) events the host delivered to cores
	NeuronUpdates uint64 `json:"neuron_updates"` // neuron state updates
	Spikes        uint64 `json:"spikes"`         // binary spikes generated
	Packets       uint64 `json:"packets"`        // packets injected into the NoC
	Deliveries    uint64 `json:"deliveries"`     // packet copies delivered to cores
	HopsX         uint64 `json:"hops_x"`         // flits × links crossed east-west
	HopsY         uint64 `json:"hops_y"`         // flits × links crossed north-south
	Barriers      uint64 `json:"barriers"`       // core participations in phase barriers
	// cim cores (cim.go); omitted when zero, so a digital chip's report is
	// as before.
	XbarReads      uint64 `json:"xbar_reads,omitempty"`      // macro reads
	XbarRows       uint64 `json:"xbar_rows,omitempty"`       // word lines driven, summed over reads
	ADCConversions uint64 `json:"adc_conversions,omitempty"` // column conversions
	CellReads      uint64 `json:"cell_reads,omitempty"`      // cells read: driven rows × columns
	PsumAdds       uint64 `json:"psum_adds,omitempty"`       // digital partial-sum additions
	// attention cores (attention.go); omitted when zero.
	AttnStateAdds  uint64 `json:"attn_state_adds,omitempty"`  // additions into an attention state
	AttnStateReads uint64 `json:"attn_state_reads,omitempty"` // state words read by q spikes
	AttnOutAdds    uint64 `json:"attn_out_adds,omitempty"`    // additions of state words into output sums
	// multi-chip boards (interchip.go); omitted when zero, so a single
	// chip's report is as before.
	InterChipPackets  uint64   `json:"interchip_packets,omitempty"`      // packets × board links crossed
	InterChipBits     uint64   `json:"interchip_bits,omitempty"`         // bits × board links crossed
	InterChipLinkTime sim.Time `json:"interchip_link_time_ps,omitempty"` // time on board links (queueing, serialisation, latency), summed over crossings
}

func (c *Counts) add(o *Counts) {
	c.SynOps += o.SynOps
	c.InputMACs += o.InputMACs
	c.InputEvents += o.InputEvents
	c.NeuronUpdates += o.NeuronUpdates
	c.Spikes += o.Spikes
	c.Packets += o.Packets
	c.Deliveries += o.Deliveries
	c.HopsX += o.HopsX
	c.HopsY += o.HopsY
	c.Barriers += o.Barriers
	c.XbarReads += o.XbarReads
	c.XbarRows += o.XbarRows
	c.ADCConversions += o.ADCConversions
	c.CellReads += o.CellReads
	c.PsumAdds += o.PsumAdds
	c.AttnStateAdds += o.AttnStateAdds
	c.AttnStateReads += o.AttnStateReads
	c.AttnOutAdds += o.AttnOutAdds
	c.InterChipPackets += o.InterChipPackets
	c.InterChipBits += o.InterChipBits
	c.InterChipLinkTime += o.InterChipLinkTime
}

// DynamicPJ prices c with the energy table e (no static power).
func (c *Counts) DynamicPJ(e *arch.Energy) float64 {
	return float64(c.SynOps+c.InputMACs)*e.SynapticOp.PJ + float64(c.NeuronUpdates)*e.NeuronUpdate.PJ +
		float64(c.Spikes)*e.SpikeOut.PJ + float64(c.Packets)*e.PacketOut.PJ +
		float64(c.HopsX)*e.HopX.PJ + float64(c.HopsY)*e.HopY.PJ + float64(c.Barriers)*e.Barrier.PJ +
		c.cimPJ(e) + c.attnPJ(e) + float64(c.InterChipBits)*e.InterchipBit.PJ
}

// cimPJ prices the cim counts: row drives, ADC conversions, cell reads and
// partial-sum additions.
func (c *Counts) cimPJ(e *arch.Energy) float64 {
	if c.XbarReads == 0 && c.PsumAdds == 0 {
		return 0
	}
	return float64(c.XbarRows)*e.XbarRow.PJ + float64(c.ADCConversions)*e.ADC.PJ + float64(c.CellReads)*e.CellRead.PJ +
		float64(c.PsumAdds)*e.PsumAdd.PJ
}

// CorePlace says where a placed core sits and which neurons it holds, for
// tools that lay out what a Machine's hooks report (Core in those hooks is
// the index into Exec.Cores).
type CorePlace struct {
	Tile  noc.Tile
	Layer int // population (layer) index
	// First is the layer-wide index of the core's neuron 0. A core's
	// neurons are First, First+1, … within the layer only when its region
	// covers whole channel planes; a core holding a spatial part of a plane
	// has layer-wide indices that are not contiguous.
	First   int
	Neurons int
	// Index is the layer-wide index of each of the core's neurons (shared,
	// read-only): the neuron a spike hook's core-local Neuron names.
	Index []int32
}

// Cores returns the placement of every core of the program, in core order.
func (x *Exec) Cores() []CorePlace {
	out := make([]CorePlace, len(x.cores))
	for i := range x.cores {
		xc := &x.cores[i]
		out[i] = CorePlace{Tile: xc.tile, Layer: xc.layer, Neurons: xc.n, Index: xc.global}
		if len(xc.global) > 0 {
			out[i].First = int(xc.global[0])
		}
	}
	return out
}

// NoCPeriod returns the NoC router clock period.
func (x *Exec) NoCPeriod() sim.Time { return x.nocFreq.Period() }

// Frames returns the input frames that RunSamples, run with root seed seed,
// feeds Machine.Run for sample number sample whose pixels are img: img
// itself for direct encoding, Steps Poisson frames drawn from the sample's
// own stream for Poisson encoding, and for events encoding img cut into its
// Steps frames (img holds them one after another, SampleSize values).
func (x *Exec) Frames(img []uint8, sample int, seed uint64) ([][]uint8, error) {
	if len(img) != x.SampleSize() {
		return nil, fmt.Errorf("chip: sample %d has %d values, the program takes %d (shape %v%s)", sample, len(img), x.SampleSize(), x.Prog.Input.Shape, x.framesNote())
	}
	if sample < 0 {
		return nil, fmt.Errorf("chip: sample %d", sample)
	}
	if x.Prog.Input.Encoding == "events" {
		return x.cutFrames(make([][]uint8, x.steps), img), nil
	}
	if x.Prog.Input.Encoding != "poisson" {
		return [][]uint8{img}, nil
	}
	frames := make([][]uint8, x.steps)
	for t := range frames {
		frames[t] = make([]uint8, x.inputSize)
	}
	x.encodePoisson(frames, img, sample, seed)
	return frames, nil
}

// encodePoisson draws the Poisson frames of sample number sample from its
// own stream of root seed seed.
func (x *Exec) encodePoisson(frames [][]uint8, img []uint8, sample int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, uint64(sample)))
	for t := range frames {
		compiler.EncodePoisson(frames[t], img, x.Prog.Input.Gain, rng)
	}
}

// RunOne runs sample number sample (pixels img, root seed seed, as in
// RunSamples) alone on a fresh Machine with hooks attached before it starts,
// and returns its result. The machine starts from a fresh engine and NoC, so
// its timing equals that of the sample in RunSamples when the sample opens a
// lane (sample % LaneSize == 0); a sample later in its lane ran after others
// that left the NoC's arbitration state elsewhere. What the chip computes
// (class, scores, spike counts) never depends on that.
func (x *Exec) RunOne(img []uint8, sample int, seed uint64, hooks ...sim.Hook) (*SampleResult, error) {
	frames, err := x.Frames(img, sample, seed)
	if err != nil {
		return nil, err
	}
	m, err := x.NewMachine()
	if err != nil {
		return nil, err
	}
	if err := m.ProgramMacros(seed); err != nil {
		return nil, err
	}
	m.SetSample(sample)
	for _, h := range hooks {
		m.AcceptHook(h)
	}
	res := new(SampleResult)
	if err := m.Run(frames, res); err != nil {
		return nil, fmt.Errorf("chip: sample %d: %w", sample, err)
	}
	return res, nil
}
