package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/internal/assets"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/nir"
	"github.com/neurosim/neurosim/report"
)

func init() { subcommands = append(subcommands, newRunCmd) }

type runFlags struct {
	chip, dataset, dataDir, split, encoding, reportDir, earlyStop, nocModel string
	limit, steps, workers, lane                                             int
	seed                                                                    uint64
	asJSON, noProgress                                                      bool
	dt, gain                                                                float64
	trace                                                                   traceFlags
	events                                                                  eventFlags
	cim                                                                     cimFlags
	nir                                                                     nirFlags
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [PROGRAM.nsp | MODEL.nsm|.nir|.net]",
		Short: "Run a trained network on a simulated chip and report accuracy, energy, latency and throughput",
		Long: `run executes a compiled program (.nsp), or a model compiled on the fly for the
chip, event by event on the simulated chip, over a dataset split, and compares
every sample with the software integer model. With no arguments it runs the
embedded default: the default chip preset, the shipped sfa-convnet trained on
MNIST, and the full MNIST test set.

The report (stdout, or JSON with --json) gives the accuracy with a 95 %
Wilson interval, the agreement with the software model (identical predictions,
scores and spike counts), energy per inference by component (count × pJ,
mean/p50/p99) beside the analytic SDT/SpikeYOLO estimate, latency (p50, p99),
throughput with and without pipelining, spikes per layer, core utilisation,
the busiest links and the hashes that make the run reproducible. --report DIR
writes report.json and a self-contained report.html with plots.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRun(cmd, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.chip, "chip", arch.DefaultPreset, "chip spec: a preset ("+strings.Join(arch.Presets(), ", ")+") or a TOML file")
	fl.StringVar(&f.dataset, "dataset", data.MNISTName, "dataset: mnist, fashion-mnist, nmnist (event recordings, needs --data), mnist-superpixels, karate (node classification: accuracy is per node), mnist-scenes (detection: accuracy rows hold mAP@50) or random (seeded random images of the program's input shape, label 0, --limit of them (default 1): for models without a dataset such as zoo models with random weights; the chip is still checked against the software model)")
	fl.StringVar(&f.dataDir, "data", "", "directory holding the dataset's IDX files (default: the dataset's standard location), or for nmnist its Train/ and Test/ folders")
	fl.StringVar(&f.split, "split", "test", "dataset split: test or train")
	fl.IntVar(&f.limit, "limit", 0, "run only the first N samples (0: all)")
	fl.StringVar(&f.encoding, "encoding", "", "input encoding when compiling a model: direct, poisson or events (default: the model's own; events for event input)")
	fl.IntVar(&f.steps, "steps", 0, "time steps T when compiling a model (default: the model's own)")
	fl.Float64Var(&f.gain, "gain", 0, "Poisson gain when --encoding poisson (default: the model's, else 1)")
	fl.Uint64Var(&f.seed, "seed", 1, "root seed: placement when compiling, Poisson input draws")
	fl.IntVar(&f.workers, "workers", 0, "samples simulated at once (0: GOMAXPROCS)")
	fl.IntVar(&f.lane, "lane", chip.DefaultLaneSize, "consecutive samples per machine between engine/NoC resets (results depend on it, never on --workers)")
	fl.StringVar(&f.reportDir, "report", "", "write report.json and report.html to this directory")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fl.StringVar(&f.earlyStop, "early-stop", "", "early stop for rate-coded models over T steps: margin=θ or confidence=θ")
	fl.Float64Var(&f.dt, "dt", 0, "NIR import: time step in seconds (0: the importer's default)")
	fl.StringVar(&f.nocModel, "noc-model", "", "NoC timing model: cycle (flit by flit), packet (per-link reservation, faster) or analytic (hops × per-hop delay, no link contention, multicast trees walked once; fastest); default: the spec's")
	fl.BoolVar(&f.noProgress, "no-progress", false, "never show a progress bar")
	addTraceFlags(fl, &f.trace)
	addEventFlags(fl, &f.events)
	f.nir.add(fl)
	addCIMFlags(fl, &f.cim)
	return cmd
}

func runRun(cmd *cobra.Command, args []string, f *runFlags) error {
	stderr := cmd.ErrOrStderr()
	esRule, esTheta, err := parseEarlyStop(f.earlyStop)
	if err != nil {
		return err
	}
	if f.split != "test" && f.split != "train" {
		return fmt.Errorf("--split %q: want test or train", f.split)
	}
	if f.encoding != "" && f.encoding != "direct" && f.encoding != "poisson" && f.encoding != "events" {
		return fmt.Errorf("--encoding %q: want direct, poisson or events", f.encoding)
	}
	if err := checkEventFlags(f); err != nil {
		return err
	}
	if f.limit < 0 || f.steps < 0 || f.workers < 0 || f.lane < 0 {
		return errors.New("--limit, --steps, --workers and --lane must not be negative")
	}
	spec, err := arch.Load(f.chip)
	if err != nil {
		return err
	}
	prog, err := loadProgram(args, f, spec, stderr)
	if err != nil {
		return err
	}
	x, err := chip.NewExec(spec, prog)
	if err != nil {
		return err
	}
	if f.nocModel != "" {
		if err := x.SetNoCModel(f.nocModel); err != nil {
			return err
		}
	}
	if err := f.cim.apply(x, stderr); err != nil {
		return err
	}
	if esRule != "" && x.Steps() < 2 {
		return fmt.Errorf("--early-stop needs a model that runs over several time steps (this program runs %d); use a rate-coded model, e.g. --encoding poisson --steps 16", x.Steps())
	}
	src, err := runSource(f, x, stderr)
	if err != nil {
		return err
	}
	n := src.n
	var bar *progressbar.ProgressBar
	if !f.noProgress && isTerminal(stderr) {
		bar = progressbar.NewOptions(n, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("samples"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("img"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	opt := chip.RunOptions{Workers: f.workers, LaneSize: f.lane, Seed: f.seed}
	if bar != nil {
		opt.Progress = func(done int) { bar.Set(done) }
	}
	res, err := x.RunSamples(n, src.image, src.label, opt)
	if bar != nil {
		bar.Finish()
	}
	if serr := src.err(); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	listPredictions(stderr, src, res)
	if err := runTrace(x, &f.trace, src.image, n, f.seed, stderr); err != nil {
		return err
	}
	if err := src.err(); err != nil {
		return err
	}
	s := x.Summarise(res)
	s.Dataset, s.Split, s.Seed, s.LaneSize = src.name, f.split, f.seed, f.lane
	if s.ProgramHash, err = programHash(prog); err != nil {
		return err
	}
	if f.dataset == data.ScenesName && n > 0 {
		sc, err := loadScenes(f.dataDir)
		if err != nil {
			return err
		}
		sp := &sc.Test
		if f.split == "train" {
			sp = &sc.Train
		}
		if err := detSummary(s, res, prog, sp, stderr); err != nil {
			return err
		}
	}
	if f.dataset == data.KarateName {
		if err := nodeSummary(s, res, prog, data.Karate(), src.image(0), stderr); err != nil {
			return err
		}
	}
	if esRule != "" {
		if s.EarlyStop, err = x.EarlyStopCurve(res, esRule, esTheta); err != nil {
			return err
		}
	}
	if f.reportDir != "" {
		if err := report.WriteRunReport(f.reportDir, s); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%d samples in %.1f s wall on %d worker(s): %.0f samples/s, %.3g engine events/s\n",
		s.Samples, s.WallSeconds, s.Workers, float64(s.Samples)/max(s.WallSeconds, 1e-9), float64(s.Events)/max(s.WallSeconds, 1e-9))
	w := cmd.OutOrStdout()
	if f.asJSON {
		err = report.RunJSON(w, s)
	} else {
		err = report.RunTable(w, s)
	}
	if err != nil {
		return err
	}
	if s.Agreement < 1 && x.Exact() {
		return fmt.Errorf("the chip disagrees with the software integer model on %.2f%% of the samples (first: sample %d)", 100*(1-s.Agreement), s.FirstMismatch)
	}
	return nil
}

// runSource returns the samples of the run: event recordings (--events,
// --dataset nmnist) or a split of an IDX image dataset.
func runSource(f *runFlags, x *chip.Exec, stderr io.Writer) (*source, error) {
	if f.eventInput() {
		return eventSource(f, x, stderr)
	}
	if f.dataset == randomName {
		return randomSource(f, x), nil
	}
	if x.Prog.Input.Encoding == "events" {
		return nil, errors.New("the program takes event frames: give --events FILE… or --dataset nmnist --data DIR")
	}
	ds, _, err := runDataset(f)
	if err != nil {
		return nil, err
	}
	sp := &ds.Test
	if f.split == "train" {
		sp = &ds.Train
	}
	if want, got := x.Prog.Input.Shape, ds.Shape(); !sameShape(want, got) {
		return nil, fmt.Errorf("dataset %s has samples of shape %v, the model takes %v: use a model trained for this dataset", ds.Name, got, want)
	}
	n := sp.N
	if f.limit > 0 {
		n = min(n, f.limit)
	}
	return &source{name: ds.Name, n: n, image: sp.Image, label: func(i int) int { return int(sp.Labels[i]) },
		err: func() error { return nil }}, nil
}

// loadProgram returns the program to run: a .nsp as it is, a model file
// compiled for spec, or (no argument) the embedded default model.
func loadProgram(args []string, f *runFlags, spec *arch.Spec, stderr io.Writer) (*compiler.Program, error) {
	var g *models.Graph
	switch {
	case len(args) == 0:
		b, err := assets.Model()
		if err != nil {
			return nil, fmt.Errorf("no model given and %w", err)
		}
		if g, err = models.DecodeNSM(b); err != nil {
			return nil, fmt.Errorf("embedded default model: %w", err)
		}
	case strings.EqualFold(filepath.Ext(args[0]), ".nsp"):
		if f.encoding != "" || f.steps != 0 || f.gain != 0 || f.cim.layers != "" {
			return nil, fmt.Errorf("%s is a compiled program: --encoding, --steps, --gain and --cim-layers apply only when compiling a model", args[0])
		}
		// event binning flags apply to the recordings, checked against the program later
		return compiler.Load(args[0])
	default:
		var err error
		if g, err = loadModelOpts(args[0], nir.Options{DT: f.dt, Reset: f.nir.reset, Integration: f.nir.integration}, stderr); err != nil {
			return nil, err
		}
	}
	if f.eventInput() || f.encoding == "events" {
		steps, binUS, bins := eventEncoding(f)
		if err := setEventsEncoding(g, steps, binUS, bins); err != nil {
			return nil, err
		}
	} else if err := setEncoding(g, f.encoding, f.steps, f.gain); err != nil {
		return nil, err
	}
	return compiler.Compile(g, spec, compiler.Options{Seed: f.seed, CIMLayers: f.cim.layers})
}

// setEncoding rewrites the model's encoder node for --encoding/--steps/--gain.
func setEncoding(g *models.Graph, enc string, steps int, gain float64) error {
	if enc == "" && steps == 0 && gain == 0 {
		return nil
	}
	node, err := encoderNode(g)
	if err != nil {
		return err
	}
	switch enc {
	case "direct":
		node.Op = models.OpDirect
	case "poisson":
		node.Op = models.OpPoisson
	}
	if steps > 0 {
		node.SetInt("steps", steps)
	}
	if gain > 0 {
		node.SetFloat("gain", gain)
	}
	return nil
}

func parseEarlyStop(s string) (string, float64, error) {
	if s == "" {
		return "", 0, nil
	}
	rule, v, ok := strings.Cut(s, "=")
	if !ok || (rule != "margin" && rule != "confidence") {
		return "", 0, fmt.Errorf("--early-stop %q: want margin=θ or confidence=θ", s)
	}
	th, err := strconv.ParseFloat(v, 64)
	if err != nil || !(th >= 0) || math.IsInf(th, 1) {
		return "", 0, fmt.Errorf("--early-stop %q: θ must be a finite non-negative number", s)
	}
	return rule, th, nil
}

func sameShape(a, b []int) bool {
	n := func(s []int) []int { // drop leading 1s so [1,28,28] and [28,28] compare
		for len(s) > 1 && s[0] == 1 {
			s = s[1:]
		}
		return s
	}
	return slices.Equal(n(a), n(b))
}

func programHash(p *compiler.Program) (string, error) {
	h := sha256.New() // Encode streams: no copy of a large program is held
	if err := p.Encode(h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
