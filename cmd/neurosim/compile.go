package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/nir"
	"github.com/neurosim/neurosim/models/zoo"
)

func init() { subcommands = append(subcommands, newCompileCmd) }

func newCompileCmd() *cobra.Command {
	var (
		chip, out, dumpAfter, dumpFormat, dumpDir, heatmap string
		encoding, cimLayers                                string
		steps, timeBins                                    int
		binUS                                              int64
		seed                                               uint64
		verify, asJSON                                     bool
		activity, dt                                       float64
		nf                                                 nirFlags
		zooName, weights, zooSize                          string
		calibrate                                          bool
	)
	cmd := &cobra.Command{
		Use:   "compile MODEL.nsm|.nir|.net",
		Short: "Map a trained model onto a chip: quantise, partition, place, route, write a .nsp program",
		Long: `compile runs the compiler passes (` + strings.Join(compiler.PassNames(), " → ") + `)
on a model for a chip spec (a preset or a TOML file) and writes the program
(.nsp). It prints the mapping report: per layer the cores, neurons, synapses,
axons, synapse memory and utilisation, the quantisation error, per core
occupancy, routing-table sizes, the placement cost (Σ traffic × hops) against
a naive row-major placement, and the busiest links. If the model does not fit
it lists every problem, each naming the layer, the limit and what would fix
it, and exits non-zero.

--zoo NAME compiles a published model (neurosim inspect --zoo list) with
random weights from --seed, or the trained ones of --weights FILE.nsm (a model
with the zoo's node IDs, in training form), its re-parameterised conv chains
folded first; --input SIZE (a square image of the model's channels) or C,H,W
compiles it for another input size than the published one.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := compileInput(args, zooName, weights, zooSize, calibrate, seed, nir.Options{DT: dt, Reset: nf.reset, Integration: nf.integration}, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if zooName != "" {
				args = []string{zooName + ".nsm"}
			}
			spec, err := arch.Load(chip)
			if err != nil {
				return err
			}
			switch encoding {
			case "":
				if steps != 0 || timeBins != 0 || binUS != 0 {
					return fmt.Errorf("--steps, --time-bins and --bin-us need --encoding")
				}
			case "events":
				if timeBins > 0 && steps > 0 && timeBins != steps {
					return fmt.Errorf("--time-bins %d and --steps %d: the frames are the steps", timeBins, steps)
				}
				if timeBins > 0 {
					steps = timeBins
				}
				if err := setEventsEncoding(g, steps, binUS, timeBins); err != nil {
					return err
				}
			case "direct", "poisson":
				if timeBins != 0 || binUS != 0 {
					return fmt.Errorf("--time-bins and --bin-us apply to --encoding events")
				}
				if err := setEncoding(g, encoding, steps, 0); err != nil {
					return err
				}
			default:
				return fmt.Errorf("--encoding %q: want direct, poisson or events", encoding)
			}
			opts := compiler.Options{Seed: seed, Verify: verify, DumpAfter: dumpAfter, DumpFormat: dumpFormat, DumpDir: dumpDir, Activity: activity, CIMLayers: cimLayers}
			p, err := compiler.Compile(g, spec, opts)
			if err != nil {
				return err
			}
			if out == "" {
				out = strings.TrimSuffix(args[0], filepath.Ext(args[0])) + ".nsp"
			}
			if err := p.Save(out); err != nil {
				return err
			}
			if heatmap != "" {
				if err := writeHeatmap(p, heatmap); err != nil {
					return fmt.Errorf("heatmap: %w", err)
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, struct {
					Program string          `json:"program"`
					Model   string          `json:"model_hash"`
					Spec    string          `json:"spec_hash"`
					Report  compiler.Report `json:"report"`
				}{out, p.ModelHash, p.SpecHash, p.Report})
			}
			return printMapping(w, p, args[0], out)
		},
	}
	f := cmd.Flags()
	f.Float64Var(&dt, "dt", 1e-4, "time step in seconds for importing .nir and .net files")
	nf.add(f)
	f.StringVar(&zooName, "zoo", "", "compile the named zoo model with random weights (from --seed) instead of a file")
	f.StringVar(&zooSize, "input", "", "with --zoo: input size SIZE (square) or C,H,W instead of the published one")
	f.BoolVar(&calibrate, "calibrate", false, "with --zoo: set every BatchNorm's statistics from one random image (from --seed) so that each has output mean 0 and std 1 there: random weights then fire at sane rates instead of going silent (zoo.Calibrate)")
	f.StringVar(&weights, "weights", "", "with --zoo: take the weights from this .nsm (same node IDs and shapes) instead of random ones")
	f.StringVar(&chip, "chip", arch.DefaultPreset, "chip spec: a preset ("+strings.Join(arch.Presets(), ", ")+") or a TOML file")
	f.StringVarP(&out, "output", "o", "", "program file to write (default: MODEL with .nsp)")
	f.Uint64Var(&seed, "seed", 1, "seed of the placement annealer")
	f.StringVar(&cimLayers, "cim-layers", "", "layers on cim (crossbar) cores on a chip with them: dense (default: the FC layers), all (every layer with stored weights), none, or names (fc1,fc2)")
	f.BoolVar(&verify, "verify", false, "check the graph and the program after every pass")
	f.StringVar(&dumpAfter, "dump-after", "", "write the state after this pass ("+strings.Join(compiler.PassNames(), ", ")+")")
	f.StringVar(&dumpFormat, "dump-format", "json", "dump format: json or dot")
	f.StringVar(&dumpDir, "dump-dir", ".", "directory of the dump file after-PASS.json|dot")
	f.StringVar(&heatmap, "heatmap", "", "write the estimated link-load heatmap to this PNG")
	f.Float64Var(&activity, "activity", 1, "expected binary spikes per neuron per inference, for the traffic estimates")
	f.BoolVar(&asJSON, "json", false, "print the mapping report as JSON")
	f.StringVar(&encoding, "encoding", "", "input encoding: direct (8-bit pixels), poisson or events (binned event or spike frames, one per step; e.g. the braille networks' 0/1 input); default: the model's own")
	f.IntVar(&steps, "steps", 0, "time steps T with --encoding (default: the model's own; events: 300)")
	f.IntVar(&timeBins, "time-bins", 0, "--encoding events: frames per recording as equal windows (Tonic's n_time_bins); the steps")
	f.Int64Var(&binUS, "bin-us", 0, "--encoding events: µs per frame (default 1000 when run)")
	return cmd
}

func thetaRange(lo, hi int32) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// maxCoreRows bounds the per-core table printed by compile (E-SpikeFormer
// Large 768 has 114 k cores: rendering them all took 4.4 s).
const maxCoreRows = 1000

func printMapping(w io.Writer, p *compiler.Program, model, out string) error {
	r := &p.Report
	fmt.Fprintf(w, "%s → %s on %q: %d of %d tiles, %d-bit weights, %s input, %d step(s) of %d phases\n", model, out, p.SpecName, r.UsedCores, r.Tiles, p.WeightBits, p.Input.Encoding, p.Steps, len(p.Schedule))
	fmt.Fprintf(w, "model sha256 %s\nspec  sha256 %s\n\n", p.ModelHash, p.SpecHash)
	t := tablewriter.NewTable(w)
	t.Header("layer", "kind", "neuron", "core kind", "cores", "neurons", "synapses", "axons", "bytes", "neuron use", "memory use", "θ", "D", "step", "max w err", "mean w err")
	for _, l := range r.Layers {
		if err := t.Append(l.Name, l.Kind, l.Neuron, l.CoreKind, fmt.Sprint(l.Cores), fmt.Sprint(l.Neurons), groupDigits(l.Synapses),
			fmt.Sprint(l.Axons), groupDigits(int64(l.Bytes)), pct(l.NeuronUse), pct(l.MemUse), thetaRange(l.ThetaMin, l.ThetaMax), fmt.Sprint(l.D),
			fmt.Sprint(l.Step), fmt.Sprintf("%.3g", l.Quant.MaxAbsErr), fmt.Sprintf("%.3g", l.Quant.MeanAbsErr)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, l := range r.Layers {
		if l.Macros > 0 {
			fmt.Fprintf(w, "crossbar macros: %s %d on %d %s core(s), up to %s row × column tiles per core, %d weight digit(s) per synapse\n",
				l.Name, l.Macros, l.Cores, l.CoreKind, l.MacroTiles, l.Digits)
		}
	}
	fmt.Fprintln(w, "\ncores")
	t = tablewriter.NewTable(w)
	t.Header("core", "layer", "kind", "chip", "x", "y", "neurons", "axons", "bytes", "neuron use", "axon use", "memory use")
	for i, c := range r.Cores {
		if i == maxCoreRows {
			break
		}
		if err := t.Append(fmt.Sprint(c.ID), c.Layer, c.Kind, fmt.Sprint(c.Chip), fmt.Sprint(c.X), fmt.Sprint(c.Y), fmt.Sprint(c.Neurons),
			fmt.Sprint(c.Axons), groupDigits(int64(c.Bytes)), pct(c.NeuronUse), pct(c.AxonUse), pct(c.MemUse)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if n := len(r.Cores) - maxCoreRows; n > 0 {
		fmt.Fprintf(w, "… and %d more cores (all of them: --json)\n", n)
	}
	pl := r.Placement
	fmt.Fprintf(w, "\nplacement Σ traffic×hops: row-major %d, greedy %d, annealed %d (%.2f × row-major)\n", pl.RowMajor, pl.Greedy, pl.Final, pl.Ratio)
	mc := "multicast"
	if !p.Mesh.Multicast {
		mc = "unicast, destination-routed"
	}
	fmt.Fprintf(w, "routing %s (%s): %d table entries, at most %d per router\n", p.Mesh.Routing, mc, r.Routing.Entries, r.Routing.MaxPerRouter)
	links := append([]compiler.LinkLoad(nil), r.Links...)
	sort.SliceStable(links, func(i, j int) bool { return links[i].Packets > links[j].Packets })
	dirs := []string{"east", "west", "north", "south"}
	fmt.Fprintf(w, "busiest links (packets per inference at one spike per neuron):")
	for i, l := range links {
		if i == 5 {
			break
		}
		inter := ""
		if l.InterChip {
			inter = " inter-chip"
		}
		fmt.Fprintf(w, " (%d,%d)→%s %.0f%s;", l.X, l.Y, dirs[l.Dir], l.Packets, inter)
	}
	fmt.Fprintln(w)
	if ic := r.InterChip; ic.Chips > 1 {
		fmt.Fprintf(w, "board: %d of %d chips used; inter-chip: %d links, %.0f packet crossings (%.0f bits, %.4g pJ) per inference; %.1f ns per crossing, busiest link %.0f ns of serialisation per inference\n",
			ic.UsedChips, ic.Chips, ic.Links, ic.Packets, ic.Bits, ic.EnergyPJ, ic.CrossingNS, ic.BusiestNS)
	}
	return nil
}

// tileLoads is the packets per inference leaving each router, on the global grid.
type tileLoads struct {
	w, h int
	z    []float64
}

func (g tileLoads) Dims() (int, int)   { return g.w, g.h }
func (g tileLoads) Z(c, r int) float64 { return g.z[r*g.w+c] }
func (g tileLoads) X(c int) float64    { return float64(c) }
func (g tileLoads) Y(r int) float64    { return float64(r) }

func writeHeatmap(p *compiler.Program, path string) error {
	gw, gh := p.Mesh.Width*p.Mesh.ChipsX, p.Mesh.Height*p.Mesh.ChipsY
	g := tileLoads{w: gw, h: gh, z: make([]float64, gw*gh)}
	for _, l := range p.Report.Links {
		g.z[l.Y*gw+l.X] += l.Packets
	}
	pal := moreland.SmoothBlueRed().Palette(64)
	hm := plotter.NewHeatMap(g, pal)
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s on %s: packets leaving each router per inference", p.ModelName, p.SpecName)
	pl.X.Label.Text = "x (tile)"
	pl.Y.Label.Text = "y (tile)"
	pl.Y.Scale = plot.LinearScale{}
	pl.Add(hm)
	pl.X.Min, pl.X.Max = -0.5, float64(gw)-0.5
	pl.Y.Min, pl.Y.Max = -0.5, float64(gh)-0.5
	size := vg.Length(max(gw, gh)) * 0.5 * vg.Inch
	size = max(size, 4*vg.Inch)
	if err := pl.Save(size+vg.Inch, size, path); err != nil {
		return err
	}
	_, err := os.Stat(path)
	return err
}

// compileInput returns the model to compile: the file in args, or the zoo model
// zooName with random weights (seed) or those of the file weights, its linear
// chains folded.
func compileInput(args []string, zooName, weights, size string, calibrate bool, seed uint64, opts nir.Options, warn io.Writer) (*models.Graph, error) {
	if weights != "" && zooName == "" {
		return nil, fmt.Errorf("--weights needs --zoo")
	}
	if size != "" && zooName == "" {
		return nil, fmt.Errorf("--input needs --zoo")
	}
	switch {
	case zooName != "" && len(args) == 0:
		opt := zoo.Options{Seed: seed}
		if weights != "" {
			w, err := models.Load(weights)
			if err != nil {
				return nil, err
			}
			opt.From = w
		}
		m, err := zoo.Build(zooName, opt)
		if err != nil {
			return nil, err
		}
		if size != "" {
			shape, err := zooInput(m, size)
			if err != nil {
				return nil, err
			}
			m.Graph.Node(m.Graph.Inputs()[0]).SetInts("shape", shape...)
			if _, err := models.InferShapes(m.Graph, nil); err != nil {
				return nil, fmt.Errorf("--input %s: %w", size, err)
			}
		}
		if calibrate {
			if weights != "" {
				return nil, fmt.Errorf("--calibrate is for random weights; --weights gives trained ones")
			}
			shapes, err := models.InferShapes(m.Graph, nil)
			if err != nil {
				return nil, err
			}
			in := m.Graph.Inputs()[0]
			rng := rand.New(rand.NewPCG(seed, 0x63616c6962726174)) // "calibrat"
			x := make([]float32, shapes[in].Numel())
			for i := range x {
				x[i] = rng.Float32()
			}
			if err := zoo.Calibrate(m.Graph, map[string][]float32{in: x}, 0, 1); err != nil {
				return nil, err
			}
		}
		if _, err := zoo.Fold(m.Graph); err != nil {
			return nil, err
		}
		return m.Graph, nil
	case zooName == "" && len(args) == 1:
		return loadModelOpts(args[0], opts, warn)
	}
	return nil, fmt.Errorf("compile: give a model file or --zoo NAME (one of them)")
}
