package chip

import (
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// hookCount counts a machine's hook invocations and checks their order.
type hookCount struct {
	t                          *testing.T
	last                       sim.Time
	steps, spikes, pkts, syn   uint64
	inject, deliver            uint64
	lastStep                   int64
	badOrder, badStart, badEnd int
}

func (h *hookCount) Func(ctx sim.HookCtx) {
	if ctx.Pos != noc.HookPosFlit { // the packet model reports hops ahead
		if ctx.Now < h.last {
			h.badOrder++
		}
		h.last = ctx.Now
	}
	switch ctx.Pos {
	case core.HookPosStep:
		s := ctx.Item.(*core.StepInfo)
		h.steps++
		h.lastStep = s.Step
	case core.HookPosSpikeOut:
		s := ctx.Item.(*core.SpikeOut)
		if s.Step != h.lastStep {
			h.t.Errorf("spike of step %d reported during step %d", s.Step, h.lastStep)
		}
		h.spikes++
	case core.HookPosPacketIn:
		p := ctx.Item.(*core.PacketIn)
		if p.Start < ctx.Now {
			h.badStart++
		}
		if p.End-p.Start <= 0 && p.Synapses > 0 {
			h.badEnd++
		}
		h.pkts++
		h.syn += uint64(p.Synapses)
	case noc.HookPosInject:
		h.inject++
	case noc.HookPosDeliver:
		h.deliver++
	}
}

// TestMachineHooks: a hooked run reports one step hook per time step, one
// spike hook per spike, one packet hook per delivery with the synaptic ops
// the counts charge, in time order, and computes exactly what an unhooked
// run does; Reset keeps the hooks on the new NoC.
func TestMachineHooks(t *testing.T) {
	for _, model := range []string{"cycle", "packet", "analytic"} {
		t.Run(model, func(t *testing.T) {
			spec, p := compileFor(t, lifNet(rand.New(rand.NewPCG(3, 4)), 4, 8, 10, 4), "default")
			x, err := NewExec(spec, p)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.SetNoCModel(model); err != nil {
				t.Fatal(err)
			}
			img := images(11, 1, x.InputSize())[0]
			plain, err := x.RunOne(img, 3, 7)
			if err != nil {
				t.Fatal(err)
			}
			h := &hookCount{t: t}
			hooked, err := x.RunOne(img, 3, 7, h)
			if err != nil {
				t.Fatal(err)
			}
			if plain.Latency != hooked.Latency || plain.Counts != hooked.Counts || plain.Class != hooked.Class {
				t.Fatalf("hooks changed the run:\n%+v\n%+v", plain, hooked)
			}
			c := hooked.Counts
			if h.steps != uint64(x.Steps()) || h.spikes != c.Spikes || h.spikes == 0 {
				t.Fatalf("%d step and %d spike hooks; want %d and %d (>0)", h.steps, h.spikes, x.Steps(), c.Spikes)
			}
			if h.deliver != c.Deliveries || h.pkts != c.Deliveries || h.inject != c.Packets {
				t.Fatalf("hooks: %d deliveries, %d packets in, %d injections; counts: %d deliveries, %d packets", h.deliver, h.pkts, h.inject, c.Deliveries, c.Packets)
			}
			if h.badOrder+h.badStart+h.badEnd > 0 {
				t.Fatalf("%d hooks out of time order, %d packets processed before they arrived, %d empty spans", h.badOrder, h.badStart, h.badEnd)
			}
			// the same sample through RunSamples, when it opens a lane, has the same timing
			res, err := x.RunSamples(4, func(int) []uint8 { return img }, func(int) int { return 0 }, RunOptions{Workers: 1, LaneSize: 3, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if s := res.Samples[3]; s.Latency != plain.Latency || s.Counts != plain.Counts {
				t.Fatalf("RunOne differs from RunSamples' sample 3:\n%+v\n%+v", plain, s)
			}

			// Reset re-attaches the hooks to the NoC it builds
			m, err := x.NewMachine()
			if err != nil {
				t.Fatal(err)
			}
			h2 := &hookCount{t: t}
			m.AcceptHook(h2)
			if err := m.Reset(); err != nil {
				t.Fatal(err)
			}
			frames, err := x.Frames(img, 3, 7)
			if err != nil {
				t.Fatal(err)
			}
			var r SampleResult
			if err := m.Run(frames, &r); err != nil {
				t.Fatal(err)
			}
			if h2.inject != r.Counts.Packets || h2.deliver != r.Counts.Deliveries || h2.spikes != r.Counts.Spikes {
				t.Fatalf("after Reset: %d injections, %d deliveries, %d spikes seen; counts %+v", h2.inject, h2.deliver, h2.spikes, r.Counts)
			}
		})
	}
}

func TestFramesErrors(t *testing.T) {
	spec, p := compileFor(t, lifNet(rand.New(rand.NewPCG(3, 4)), 4, 8, 10, 4), "default")
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Frames(make([]uint8, 3), 0, 1); err == nil {
		t.Fatal("a frame of the wrong size was accepted")
	}
	if _, err := x.RunOne(make([]uint8, x.InputSize()), -1, 1); err == nil {
		t.Fatal("sample -1 was accepted")
	}
	f, err := x.Frames(make([]uint8, x.InputSize()), 0, 1)
	if err != nil || len(f) != x.Steps() {
		t.Fatalf("%d frames (%v), want %d", len(f), err, x.Steps())
	}
}

// TestHookedRunAllocations: hook emissions allocate nothing, the machine's
// (step, spike, packet in) and its NoC's (inject, flit hop, deliver): their
// items and details are reused. The hook is attached with AcceptHook, to
// both.
func TestHookedRunAllocations(t *testing.T) {
	spec, p := compileFor(t, convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), "default")
	x, err := NewExec(spec, p)
	if err != nil {
		t.Fatal(err)
	}
	imgs := images(8, 4, x.InputSize())
	allocs := func(hooked bool) float64 {
		m, err := x.NewMachine()
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		if hooked {
			m.AcceptHook(sim.HookFunc(func(sim.HookCtx) { n++ }))
		}
		var r SampleResult
		frame := make([][]uint8, 1)
		for _, im := range imgs { // warm the pools and queues
			frame[0] = im
			if err := m.Run(frame, &r); err != nil {
				t.Fatal(err)
			}
		}
		if hooked && n == 0 {
			t.Fatal("the hook saw nothing")
		}
		i := 0
		return testing.AllocsPerRun(20, func() {
			frame[0] = imgs[i%len(imgs)]
			m.Run(frame, &r)
			i++
		})
	}
	plain, hooked := allocs(false), allocs(true)
	if hooked > plain {
		t.Fatalf("a hooked run allocates %.1f times per sample, an unhooked one %.1f", hooked, plain)
	}
}

// BenchmarkMachineRunHooked is BenchmarkMachineRun with a counting hook on
// the machine and its NoC (both NoC models): the allocations per inference
// must equal the unhooked run's.
func BenchmarkMachineRunHooked(b *testing.B) {
	for _, model := range []string{"cycle", "packet", "analytic"} {
		b.Run(model, func(b *testing.B) {
			spec, p := compileFor(b, convNet(rand.New(rand.NewPCG(1, 2)), 8, 16, 32, 10), "default")
			x, err := NewExec(spec, p)
			if err != nil {
				b.Fatal(err)
			}
			if err := x.SetNoCModel(model); err != nil {
				b.Fatal(err)
			}
			m, err := x.NewMachine()
			if err != nil {
				b.Fatal(err)
			}
			var n uint64
			m.AcceptHook(sim.HookFunc(func(sim.HookCtx) { n++ }))
			imgs := images(8, 16, x.InputSize())
			frame := make([][]uint8, 1)
			var r SampleResult
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				frame[0] = imgs[i%len(imgs)]
				if err := m.Run(frame, &r); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(n)/float64(i), "hooks/op")
		})
	}
}
