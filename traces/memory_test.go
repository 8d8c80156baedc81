package traces

import (
	"runtime"
	"testing"

	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// peakHeap runs the rig for steps with every output streaming into discard
// writers and returns the peak live heap (after a collection, every 25
// steps), and the number of spikes recorded.
func peakHeap(t testing.TB, steps int64) (peak uint64, spikes int64) {
	r := newRig(t)
	csv, _ := NewCSVSpikes(&discard{})
	out := Outputs{Spikes: csv, VCD: &discard{}, Chrome: &discard{}, Raster: NewRaster(2000)}
	rec, err := NewRecorder(r.lay, allFormats, out)
	if err != nil {
		t.Fatal(err)
	}
	rec.Attach(r.hookables()...)
	var ms runtime.MemStats
	runtime.GC()
	r.bar.AcceptHook(sim.HookFunc(func(ctx sim.HookCtx) {
		if s, ok := ctx.Item.(*core.StepInfo); ok && s.Step%25 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}))
	end := r.run(t, steps)
	if err := rec.Close(end); err != nil {
		t.Fatal(err)
	}
	return peak, int64(rec.raster.Len()) + rec.raster.Dropped()
}

// Peak memory of a traced run grows < 20 % when the run is 10× longer.
func TestBoundedMemory(t *testing.T) {
	peakHeap(t, 50) // warm up the runtime's own allocations
	short, n1 := peakHeap(t, 150)
	long, n10 := peakHeap(t, 1500)
	t.Logf("150 steps: %d spikes, peak heap %d B; 1500 steps: %d spikes, peak heap %d B (%.1f%%)",
		n1, short, n10, long, 100*(float64(long)/float64(short)-1))
	if n10 < 9*n1 {
		t.Fatalf("the long run recorded %d spikes, the short %d: not 10× the events", n10, n1)
	}
	if float64(long) > 1.2*float64(short) {
		t.Fatalf("peak heap %d B for 10× the events, %d B before: grows more than 20%%", long, short)
	}
}

// syntheticHooks returns a recorder on the rig's layout writing to discard
// writers, and hook contexts of a spike, a packet and a hop.
func syntheticHooks(t testing.TB) (*Recorder, *core.SpikeOut, *core.PacketIn, *noc.Packet) {
	r := newRig(t)
	csv, _ := NewCSVSpikes(&discard{})
	rec, err := NewRecorder(r.lay, allFormats, Outputs{Spikes: csv, VCD: &discard{}, Chrome: &discard{}, Raster: NewRaster(1)})
	if err != nil {
		t.Fatal(err)
	}
	return rec, &core.SpikeOut{Core: 1}, &core.PacketIn{Core: 2, Synapses: 8}, &noc.Packet{Src: noc.Tile{X: 1}, Dst: noc.Tile{X: 0, Y: 1}}
}

func TestHooksAllocateNothing(t *testing.T) {
	rec, sp, pk, pkt := syntheticHooks(t)
	now := sim.Time(0)
	hop, del := &noc.FlitHop{From: pkt.Src, Out: noc.West}, &noc.Delivery{Latency: 3}
	upd := &core.UpdateInfo{Core: 1, Layer: 0}
	allocs := testing.AllocsPerRun(1000, func() {
		now += 1000
		upd.Step, upd.Start, upd.End = int64(now/1000), now, now+100
		rec.Func(sim.HookCtx{Pos: core.HookPosUpdate, Now: now, Item: upd})
		rec.Func(sim.HookCtx{Pos: core.HookPosSpikeOut, Now: now, Item: sp})
		pk.Start, pk.End = now+500, now+900
		rec.Func(sim.HookCtx{Pos: core.HookPosPacketIn, Now: now, Item: pk})
		rec.Func(sim.HookCtx{Pos: noc.HookPosInject, Now: now, Item: pkt})
		rec.Func(sim.HookCtx{Pos: noc.HookPosFlit, Now: now, Item: pkt, Detail: hop})
		rec.Func(sim.HookCtx{Pos: noc.HookPosDeliver, Now: now, Item: pkt, Detail: del})
	})
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Fatalf("%v allocations per update + spike + packet + inject + hop + deliver", allocs)
	}
	if rec.Pending() > 16 { // items of the last two iterations at most
		t.Fatalf("%d items pending: the queue does not drain", rec.Pending())
	}
}

func BenchmarkRecorderHooks(b *testing.B) {
	rec, sp, pk, pkt := syntheticHooks(b)
	b.ReportAllocs()
	now := sim.Time(0)
	hop, del := &noc.FlitHop{From: pkt.Src, Out: noc.West}, &noc.Delivery{Latency: 3}
	for b.Loop() {
		now += 1000
		rec.Func(sim.HookCtx{Pos: core.HookPosSpikeOut, Now: now, Item: sp})
		pk.Start, pk.End = now+500, now+900
		rec.Func(sim.HookCtx{Pos: core.HookPosPacketIn, Now: now, Item: pk})
		rec.Func(sim.HookCtx{Pos: noc.HookPosInject, Now: now, Item: pkt})
		rec.Func(sim.HookCtx{Pos: noc.HookPosFlit, Now: now, Item: pkt, Detail: hop})
		rec.Func(sim.HookCtx{Pos: noc.HookPosDeliver, Now: now, Item: pkt, Detail: del})
	}
}

// BenchmarkRigTraced and BenchmarkRigUntraced give the cost of tracing a run.
func BenchmarkRigTraced(b *testing.B) {
	for b.Loop() {
		r := newRig(b)
		csv, _ := NewCSVSpikes(&discard{})
		rec, _ := NewRecorder(r.lay, allFormats, Outputs{Spikes: csv, VCD: &discard{}, Chrome: &discard{}, Raster: NewRaster(0)})
		rec.Attach(r.hookables()...)
		rec.Close(r.run(b, 500))
	}
}

func BenchmarkRigUntraced(b *testing.B) {
	for b.Loop() {
		newRig(b).run(b, 500)
	}
}

func benchSpikes(b *testing.B, name string) {
	d := &discard{}
	w, err := NewSpikeWriter(d, name)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		w.WriteSpike(Spike{Time: sim.Time(i) * 1500, Core: int32(i % 64), Neuron: int32(i % 256), Layer: int32(i % 4)})
	}
	w.Close()
	b.ReportMetric(float64(d.n)/float64(i), "B/spike")
}

func BenchmarkSpikesCSV(b *testing.B)     { benchSpikes(b, "s.csv") }
func BenchmarkSpikesParquet(b *testing.B) { benchSpikes(b, "s.parquet") }
