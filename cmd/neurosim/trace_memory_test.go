package main

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/core"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/sim"
	"github.com/neurosim/neurosim/traces"
)

// tracedPeakHeap traces the Sinabs model on the N-MNIST sample over steps
// frames of binUS µs (formats into a temporary directory) and returns the
// peak live heap (after a collection every 10 steps) and the spikes
// recorded.
func tracedPeakHeap(b *testing.B, steps int, binUS int64, formats ...string) (peak uint64, spikes int) {
	model := filepath.Join(nirData, "cnn_sinabs.nir")
	rec := filepath.Join(eventsData, "sample_nmnist.bin")
	for _, p := range []string{model, rec} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s not available (%v); see ../shared/data/README.md", p, err)
		}
	}
	g, err := loadModel(model, 0, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	if err := setEventsEncoding(g, steps, binUS, 0); err != nil {
		b.Fatal(err)
	}
	spec, err := arch.Load("default")
	if err != nil {
		b.Fatal(err)
	}
	p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	x, err := chip.NewExec(spec, p)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := data.ReadNMNISTFile(rec)
	if err != nil {
		b.Fatal(err)
	}
	o := data.FrameOptions{Width: 34, Height: 34, BinUS: binUS, Steps: steps}
	img := make([]uint8, o.Frames()*o.FrameSize())
	if _, err := data.EventFrames(img, ev, o); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	r, err := traces.OpenDir(dir, traceLayout(x), traces.Select{Formats: formats})
	if err != nil {
		b.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	probe := sim.HookFunc(func(ctx sim.HookCtx) {
		if s, ok := ctx.Item.(*core.StepInfo); ok && ctx.Pos == core.HookPosStep && s.Step%10 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	})
	res, err := x.RunOne(img, 0, 1, r, probe)
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Close(res.Latency); err != nil {
		b.Fatal(err)
	}
	for _, n := range res.LayerSpikes {
		spikes += int(n)
	}
	return peak, spikes
}

// BenchmarkTracedRunMemory: the peak live heap of a traced chip run (the
// Sinabs CNN on the N-MNIST sample, frames of 100 µs) over 300 steps (the
// first 30 ms of the recording) and over 3000 (300 ms, 10× the run and
// about 10× the spikes), with the streaming formats (CSV, Parquet, VCD,
// Chrome) and, apart, the raster plot (which keeps up to
// DefaultRasterPoints points by design). Issue #8 asks < 20 % growth for
// a 10× longer run. The sample's input frames (steps × 2×34×34 bytes:
// 0.69 MB → 6.9 MB) are live during the run; "%growth-trace" leaves them
// out, "%growth" counts them.
func BenchmarkTracedRunMemory(b *testing.B) {
	frame := uint64(2 * 34 * 34)
	for _, set := range []struct {
		name    string
		formats []string
	}{{"streaming", []string{"csv", "parquet", "vcd", "chrome"}}, {"raster", []string{"png"}}} {
		b.Run(set.name, func(b *testing.B) {
			for b.Loop() {
				tracedPeakHeap(b, 30, 100, set.formats...) // warm the runtime
				short, n1 := tracedPeakHeap(b, 300, 100, set.formats...)
				long, n10 := tracedPeakHeap(b, 3000, 100, set.formats...)
				b.ReportMetric(float64(short), "B-peak-300")
				b.ReportMetric(float64(long), "B-peak-3000")
				b.ReportMetric(100*(float64(long)/float64(short)-1), "%growth")
				b.ReportMetric(100*(float64(long-3000*frame)/float64(short-300*frame)-1), "%growth-trace")
				b.ReportMetric(float64(n10)/float64(max(n1, 1)), "x-spikes")
			}
		})
	}
}
