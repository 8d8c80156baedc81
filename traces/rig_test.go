package traces

import (
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/neuron"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// rig is a small chip built from core and noc directly (traces may not
// import chip): four cores of regularly self-firing CUBA neurons on a 2×2 mesh, each
// neuron routed to the next core and to the core across, over the NoC.
type rig struct {
	eng   *sim.Engine
	net   *noc.Network
	bar   *core.Barrier
	cores []*core.Core
	lay   Layout
}

type endpoint struct {
	r *rig
}

func (e endpoint) Deliver(p *noc.Packet) { e.r.cores[p.B].Receive(e.r.eng.Now(), int32(p.A)) }

func tileOf(c int32) noc.Tile { return noc.Tile{X: int(c) % 2, Y: int(c) / 2} }

// Send implements core.Sender: one unicast packet per route.
func (r *rig) Send(now sim.Time, src, nrn int32, routes []core.Route) int {
	for _, rt := range routes {
		p := r.net.NewPacket()
		p.Dst, p.A, p.B = tileOf(rt.Core), int64(rt.Axon), int64(rt.Core)
		if !r.net.Inject(tileOf(src), p) {
			panic("source queue full (unbounded in this rig)")
		}
	}
	return len(routes)
}

const rigNeurons = 8

// rigCUBA fires on its own every ~16 steps (El well above threshold, dt 1 ms).
var rigCUBA = func() neuron.CUBAParams {
	p := neuron.DefaultCUBA
	p.El, p.DT, p.Refractory = -40, 1, 2
	return p
}()

func newRig(t testing.TB) *rig { return newRigModel(t, "") }

// newRigModel builds the rig with the given NoC timing model ("" for the
// spec's: cycle).
func newRigModel(t testing.TB, model string) *rig {
	t.Helper()
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	if model != "" {
		spec.NoC.Model = model
	}
	kind := spec.Cores["digital"]
	r := &rig{eng: sim.NewEngine()}
	r.net, err = noc.New(spec.NoC, 2, 2, r.eng, sim.Freq(spec.NoCClockHz()))
	if err != nil {
		t.Fatal(err)
	}
	r.bar = core.NewBarrier(r.eng, spec.Chip)
	clock := sim.Freq(spec.Chip.ClockHz())
	r.lay = Layout{Width: 2, Height: 2, NoCPeriod: sim.Freq(spec.NoCClockHz()).Period()}
	for c := range int32(4) {
		v0 := make([]float32, rigNeurons)
		for i := range v0 {
			v0[i] = -50.1 - 0.3*float32(i) - 0.05*float32(c)
		}
		n, err := core.NewCUBANeurons(rigCUBA, rigNeurons, v0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := core.NewSynapseBuilder(kind, rigNeurons)
		if err != nil {
			t.Fatal(err)
		}
		b.AddAxon(core.Exc, 6/b.MaxMantissa())
		for i := range rigNeurons {
			b.AddSynapse(i, 1)
		}
		syn, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		routes := make([][]core.Route, rigNeurons)
		for i := range routes {
			a, z := (c+1)%4, (c+2)%4
			routes[i] = []core.Route{{Core: min(a, z)}, {Core: max(a, z)}}
		}
		cc, err := core.New(core.Config{ID: c, Kind: kind, Clock: clock}, n, syn, routes, r.eng, r)
		if err != nil {
			t.Fatal(err)
		}
		r.cores = append(r.cores, cc)
		if err := r.bar.Add(cc); err != nil {
			t.Fatal(err)
		}
		if err := r.net.Attach(tileOf(c), endpoint{r}); err != nil {
			t.Fatal(err)
		}
		tl := tileOf(c)
		r.lay.Cores = append(r.lay.Cores, CoreInfo{X: tl.X, Y: tl.Y, Layer: int(c) / 2, First: (int(c) % 2) * rigNeurons,
			Neurons: rigNeurons, Update: clock.Cycles(uint64(rigNeurons * kind.CyclesPerNeuronUpdate))})
	}
	return r
}

// hookables returns everything a recorder attaches to.
func (r *rig) hookables() []Hookable {
	h := []Hookable{r.bar, r.net}
	for _, c := range r.cores {
		h = append(h, c)
	}
	return h
}

// run runs steps steps and returns the end time.
func (r *rig) run(t testing.TB, steps int64) sim.Time {
	t.Helper()
	if err := r.bar.Start(steps, nil); err != nil {
		t.Fatal(err)
	}
	r.eng.Run()
	return r.bar.End()
}
