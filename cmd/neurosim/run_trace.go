package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/traces"
)

// traceFlags are run's tracing flags: --trace DIR records one sample of the
// run (--trace-sample, default 0) into DIR in the formats and for the cores
// and time window that --trace-select names (traces.ParseSelect's syntax).
type traceFlags struct {
	dir    string
	sel    selectFlag
	sample int
}

// selectFlag is --trace-select: parsed when the flag is set, so that a bad
// selector fails before anything runs.
type selectFlag struct {
	text string
	sel  traces.Select
}

func (s *selectFlag) String() string { return s.text }
func (s *selectFlag) Type() string   { return "selectors" }

func (s *selectFlag) Set(v string) error {
	sel, err := traces.ParseSelect(v)
	if err != nil {
		return err
	}
	s.text, s.sel = v, sel
	return nil
}

func addTraceFlags(fl *pflag.FlagSet, f *traceFlags) {
	fl.StringVar(&f.dir, "trace", "", "record one sample's spikes, core activity and NoC traffic into this directory (see --trace-select, --trace-sample)")
	fl.Var(&f.sel, "trace-select", "what --trace records: layers=…,cores=…,neurons=CORE:N,…,window=START:END,formats=csv,parquet,vcd,chrome,png|svg (default: everything in formats "+strings.Join(traces.DefaultFormats, ",")+")")
	fl.IntVar(&f.sample, "trace-sample", 0, "the sample (index within the run) that --trace records")
}

// traceLayout describes x's placement for a traces.Recorder, with each
// core's layer-wide neuron indices (a core may hold part of a channel
// plane). Update is left 0: the chip reports each layer's neuron update when
// its phase starts (core.HookPosUpdate), which the recorder draws as spans
// "update layer L".
func traceLayout(x *chip.Exec) traces.Layout {
	places := x.Cores()
	mesh := x.Prog.Mesh // tiles are board-wide on a multi-chip board
	lay := traces.Layout{
		Width:     mesh.Width * max(mesh.ChipsX, 1),
		Height:    mesh.Height * max(mesh.ChipsY, 1),
		NoCPeriod: x.NoCPeriod(),
		Cores:     make([]traces.CoreInfo, len(places)),
	}
	for i, p := range places {
		lay.Cores[i] = traces.CoreInfo{X: p.Tile.X, Y: p.Tile.Y, Layer: p.Layer, First: p.First, Neurons: p.Neurons, Index: p.Index}
	}
	return lay
}

// runTrace runs sample f.sample alone on a fresh machine (chip.Exec.RunOne:
// same input and seed as in the run; same timing when the sample opens a
// lane) with a recorder attached and writes the selected trace files into
// f.dir. It does nothing without --trace, and refuses --trace-select or
// --trace-sample without it.
func runTrace(x *chip.Exec, f *traceFlags, image func(i int) []uint8, n int, seed uint64, stderr io.Writer) error {
	if f.dir == "" {
		if f.sel.text != "" || f.sample != 0 {
			return errors.New("--trace-select and --trace-sample need --trace DIR")
		}
		return nil
	}
	if f.sample < 0 || f.sample >= n {
		return fmt.Errorf("--trace-sample %d: the run has samples 0..%d", f.sample, n-1)
	}
	rec, err := traces.OpenDir(f.dir, traceLayout(x), f.sel.sel)
	if err != nil {
		return err
	}
	res, err := x.RunOne(image(f.sample), f.sample, seed, rec)
	if err != nil {
		rec.Close(0)
		return err
	}
	if err := rec.Close(res.Latency); err != nil {
		return fmt.Errorf("--trace %s: %w", f.dir, err)
	}
	fmt.Fprintf(stderr, "trace of sample %d (class %d, latency %v) written to %s\n", f.sample, res.Class, res.Latency, f.dir)
	return nil
}
