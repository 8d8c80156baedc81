package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models/nir"
)

// BenchmarkCompileLarge768 is issue 10's compile line as a benchmark: what
// `neurosim compile --zoo e-spikeformer-large-768 --chip loihi-board-1536
// -o FILE` does (random weights from seed 1, compile, stream the .nsp to
// disk), per op. It reports the cores placed and the process's peak
// resident set (VmHWM from /proc/self/status, so run it alone and with
// -benchtime 1x: the peak covers the whole process). The line asks for
// ≤ 60 s and ≤ 4 GiB; docs/bench-zoo.md has the measured figures.
//
//	go test -run '^$' -bench CompileLarge768 -benchtime 1x ./cmd/neurosim
func BenchmarkCompileLarge768(b *testing.B) {
	spec, err := arch.Load("loihi-board-1536")
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "l768.nsp")
	var cores int
	for b.Loop() {
		g, err := compileInput(nil, "e-spikeformer-large-768", "", "", false, 1, nir.Options{}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		p, err := compiler.Compile(g, spec, compiler.Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Save(out); err != nil {
			b.Fatal(err)
		}
		cores = len(p.Cores)
	}
	b.ReportMetric(float64(cores), "cores")
	if kb, ok := peakRSSKB(); ok {
		b.ReportMetric(float64(kb)/(1<<20), "peak-RSS-GiB")
	}
}

// peakRSSKB returns the process's peak resident set in KiB (Linux VmHWM).
func peakRSSKB() (int64, bool) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(raw) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseInt(string(f[0]), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}
