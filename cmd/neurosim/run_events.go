package main

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/pflag"

	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// Event-camera input for run: --events FILE… (N-MNIST .bin or DVS128 AEDAT
// 2.0 recordings) or --dataset nmnist --data DIR (the N-MNIST Train/ and
// Test/ folders). Each recording is binned into the program's Steps frames
// of [2,H,W] (data.EventFrames), one frame per algorithmic step.

// Defaults when neither the flags nor the model say how to bin: 1 ms frames
// (the NIR paper's N-MNIST setting) over 300 steps (an N-MNIST recording is
// three 100 ms saccades).
const (
	defaultBinUS     = 1000
	defaultEventStep = 300
)

type eventFlags struct {
	files    []string
	timeBins int
	binUS    int64
	mode     string
}

func addEventFlags(fl *pflag.FlagSet, f *eventFlags) {
	fl.StringSliceVar(&f.files, "events", nil, "run on these event recordings (N-MNIST .bin, DVS128 AEDAT 2.0 .aedat; repeat or comma-separate) instead of a dataset")
	fl.IntVar(&f.timeBins, "time-bins", 0, "event input: frames per recording, equal windows over its span (Tonic's n_time_bins); sets the steps when compiling")
	fl.Int64Var(&f.binUS, "bin-us", 0, "event input: µs per frame over --steps frames (default 1000 µs × 300 steps unless the model says)")
	fl.StringVar(&f.mode, "frame-mode", "count", "event input: count (events per pixel and polarity, at most 255) or binary (1 if any)")
}

// eventInput reports whether the run takes event recordings.
func (f *runFlags) eventInput() bool {
	return len(f.events.files) > 0 || f.dataset == data.NMNISTName
}

// checkEventFlags rejects contradictory event flags before anything runs.
func checkEventFlags(f *runFlags) error {
	e := &f.events
	if !f.eventInput() {
		if e.timeBins != 0 || e.binUS != 0 || e.mode != "count" {
			return errors.New("--time-bins, --bin-us and --frame-mode apply to event input (--events or --dataset nmnist)")
		}
		return nil
	}
	if len(e.files) > 0 && f.dataset != data.MNISTName && f.dataset != data.NMNISTName {
		return fmt.Errorf("--events and --dataset %s: give one input", f.dataset)
	}
	if e.mode != "count" && e.mode != "binary" {
		return fmt.Errorf("--frame-mode %q: want count or binary", e.mode)
	}
	if e.timeBins < 0 || e.binUS < 0 || (e.timeBins > 0 && e.binUS > 0) {
		return errors.New("--time-bins and --bin-us: give at most one, positive")
	}
	if f.encoding != "" && f.encoding != "events" {
		return fmt.Errorf("--encoding %s with event input: event recordings need --encoding events (the default for them)", f.encoding)
	}
	if e.timeBins > 0 && f.steps > 0 && e.timeBins != f.steps {
		return fmt.Errorf("--time-bins %d and --steps %d: the frames are the steps", e.timeBins, f.steps)
	}
	return nil
}

// eventEncoding returns the encoder settings a model is compiled with for
// event input: the number of steps and the binning.
func eventEncoding(f *runFlags) (steps int, binUS int64, bins int) {
	e := &f.events
	switch {
	case e.timeBins > 0:
		return e.timeBins, 0, e.timeBins
	case e.binUS > 0:
		return f.steps, e.binUS, 0
	}
	return f.steps, 0, 0
}

// source is what run feeds the chip: n samples, their input and labels.
type source struct {
	name  string
	n     int
	image func(i int) []uint8
	label func(i int) int
	// err returns the first error image hit (image returns nil then).
	err func() error
	// file names sample i's recording (nil for image datasets).
	file func(i int) string
}

// maxListed bounds the samples whose prediction run lists on stderr.
const maxListed = 20

// listPredictions prints each recording's predicted class (chip and
// software model) and label, for runs of at most maxListed recordings.
func listPredictions(w io.Writer, src *source, res *chip.RunResult) {
	if src.file == nil || src.n > maxListed {
		return
	}
	for i := 0; i < src.n; i++ {
		label := "unknown"
		if res.Labels[i] >= 0 {
			label = fmt.Sprint(res.Labels[i])
		}
		fmt.Fprintf(w, "%s: chip class %d, software model class %d, label %s, scores %v\n", src.file(i), res.Samples[i].Class, res.RefClass[i], label, res.Samples[i].Scores)
	}
}

// eventSource lists the recordings and bins each one into x's frames when
// the chip asks for it (recordings are read one at a time, so memory does
// not grow with the dataset).
func eventSource(f *runFlags, x *chip.Exec, stderr io.Writer) (*source, error) {
	in := x.Prog.Input
	if in.Encoding != "events" {
		return nil, fmt.Errorf("event input needs a program compiled for events (its input is %s-encoded): compile the model with --encoding events, or pass the model instead of a .nsp", in.Encoding)
	}
	var set *data.EventSet
	var err error
	if len(f.events.files) > 0 {
		set, err = data.EventFiles(f.events.files)
	} else {
		set, err = data.LoadNMNIST(f.dataDir, f.split)
	}
	if err != nil {
		return nil, err
	}
	if want := []int{2, set.Height, set.Width}; !sameShape(in.Shape, want) {
		return nil, fmt.Errorf("%s recordings make frames of shape %v, the model takes %v", set.Name, want, in.Shape)
	}
	o := data.FrameOptions{Width: set.Width, Height: set.Height, Binary: f.events.mode == "binary"}
	switch {
	case f.events.timeBins > 0 || (f.events.binUS == 0 && in.Bins > 0):
		o.Bins = x.Steps()
		if f.events.timeBins > 0 && f.events.timeBins != x.Steps() {
			return nil, fmt.Errorf("--time-bins %d: the program runs %d steps, one frame each", f.events.timeBins, x.Steps())
		}
	case f.events.binUS > 0:
		o.BinUS, o.Steps = f.events.binUS, x.Steps()
	case in.BinUS > 0:
		o.BinUS, o.Steps = in.BinUS, x.Steps()
	default:
		o.BinUS, o.Steps = defaultBinUS, x.Steps()
	}
	n := len(set.Files)
	if f.limit > 0 {
		n = min(n, f.limit)
	}
	unknown := 0
	for _, l := range set.Labels[:n] {
		if l < 0 {
			unknown++
		}
	}
	how := fmt.Sprintf("%d equal windows", o.Bins)
	if o.BinUS > 0 {
		how = fmt.Sprintf("%d windows of %d µs", o.Steps, o.BinUS)
	}
	fmt.Fprintf(stderr, "%s: %d recording(s) binned into %s (%s frames of 2×%d×%d)\n", set.Name, n, how, f.events.mode, set.Height, set.Width)
	if unknown > 0 {
		fmt.Fprintf(stderr, "%d recording(s) have no label (not in a <digit>/ folder): accuracy counts them as wrong; see the predicted classes\n", unknown)
	}
	var (
		mu       sync.Mutex
		firstErr error
		errAt    = n
		dropped  int
		reported bool // dropped events are reported once, for the run (the trace re-bins a sample)
	)
	src := &source{name: set.Name, n: n, label: func(i int) int { return set.Labels[i] }}
	src.image = func(i int) []uint8 {
		ev, err := set.Read(i)
		var d int
		buf := make([]uint8, o.Frames()*o.FrameSize())
		if err == nil {
			d, err = data.EventFrames(buf, ev, o)
		}
		mu.Lock()
		defer mu.Unlock()
		dropped += d
		if err != nil {
			if i < errAt {
				errAt, firstErr = i, fmt.Errorf("%s: %w", set.Files[i], err)
			}
			return nil
		}
		return buf
	}
	src.err = func() error {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil && dropped > 0 && !reported {
			fmt.Fprintf(stderr, "%d event(s) fell after the last frame and were dropped\n", dropped)
			reported = true
		}
		return firstErr
	}
	src.file = func(i int) string { return set.Files[i] }
	return src, nil
}

// setEventsEncoding makes the model's encoder an Events node with the given
// steps and binning (inserted after the single Input when there is none).
func setEventsEncoding(g *models.Graph, steps int, binUS int64, bins int) error {
	node, err := encoderNode(g)
	if err != nil {
		return err
	}
	if steps <= 0 && node.Op == models.OpEvents {
		steps = node.Int("steps", 0) // the model's own event encoder
	}
	if steps <= 0 {
		steps = defaultEventStep
	}
	node.Op = models.OpEvents
	node.SetInt("steps", steps)
	if binUS > 0 {
		node.SetInt("bin_us", int(binUS))
	}
	if bins > 0 {
		node.SetInt("bins", bins)
	}
	return nil
}

// encoderNode returns the model's encoder node, inserting a Direct one after
// its single Input when it has none.
func encoderNode(g *models.Graph) (*models.Node, error) {
	for _, n := range g.Nodes() {
		if n.Op == models.OpDirect || n.Op == models.OpPoisson || n.Op == models.OpEvents {
			return n, nil
		}
	}
	in := g.Inputs()
	if len(in) != 1 {
		return nil, errors.New("--encoding/--steps: the model has no encoder node and not exactly one input")
	}
	node := models.NewNode("encoder", models.OpDirect)
	for _, to := range g.Successors(in[0]) {
		g.Disconnect(in[0], to, false)
		g.AddNode(node)
		g.Connect(node.ID, to)
	}
	g.Connect(in[0], node.ID)
	return node, nil
}
