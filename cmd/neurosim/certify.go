package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/chip/certify"
	"github.com/neurosim/neurosim/models/data"
)

func init() { subcommands = append(subcommands, newCertifyCmd) }

func newCertifyCmd() *cobra.Command {
	var (
		f                      runFlags
		o                      certify.Options
		noise, out             string
		step                   float64
		onChip, asJSON, noProg bool
	)
	cmd := &cobra.Command{
		Use:   "certify [MODEL.nsm|.nir|.net | PROGRAM.nsp]",
		Short: "Certified L2 robustness by randomized smoothing (Cohen et al. 2019; RSC-SNN): certified accuracy against radius",
		Long: `certify estimates, for each test sample, the prediction of the smoothed
classifier g(x) = argmax_c P(f(x+ε) = c) with ε ~ N(0, σ²) on pixels in [0, 1]
units, and certifies it within an L2 radius σ·Φ⁻¹(p_A) (Cohen, Rosenfeld and
Kolter 2019): n0 draws pick the top class, n more draws count it, and p_A is
the one-sided Clopper–Pearson lower bound at confidence 1−alpha. A sample
with p_A ≤ 1/2 abstains. --noise poisson compiles the model with Poisson rate
coding (--steps, --gain), whose spike draws join the smoothing noise, as in
RSC-SNN; with --sigma 0 that reports p_A without an L2 radius.

The base classifier is the software integer model of the compiled program
(bit-identical to the chip); --on-chip runs every draw on the simulated chip
instead (much slower). Prints certified accuracy against radius; --out DIR
writes certify.csv (per sample), certified.txt and certified.png/.svg.`,
		Example: `  neurosim certify --sigma 0.25 --limit 100 --out runs/certify
  neurosim certify model.nsm --noise poisson --steps 8 --sigma 0.12 --n 500`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stderr := cmd.ErrOrStderr()
			switch noise {
			case "gaussian":
				if f.encoding == "poisson" {
					return fmt.Errorf("--encoding poisson: use --noise poisson")
				}
			case "poisson":
				f.encoding = "poisson"
			default:
				return fmt.Errorf("--noise %q: want gaussian or poisson", noise)
			}
			if f.limit < 0 || f.workers < 0 || !(step > 0) {
				return fmt.Errorf("--limit and --workers must not be negative, --radius-step must be positive")
			}
			spec, err := arch.Load(f.chip)
			if err != nil {
				return err
			}
			prog, err := loadProgram(args, &f, spec, stderr)
			if err != nil {
				return err
			}
			if noise == "poisson" && prog.Input.Encoding != "poisson" {
				return fmt.Errorf("--noise poisson needs a Poisson-encoded program; %s is %s-encoded", args[0], prog.Input.Encoding)
			}
			if noise == "gaussian" && prog.Input.Encoding != "direct" {
				return fmt.Errorf("the program is %s-encoded: use --noise poisson", prog.Input.Encoding)
			}
			ds, err := data.Load(f.dataset, f.dataDir)
			if err != nil {
				return err
			}
			sp := &ds.Test
			if f.split == "train" {
				sp = &ds.Train
			}
			if want, got := prog.Input.Shape, ds.Shape(); !sameShape(want, got) {
				return fmt.Errorf("dataset %s has samples of shape %v, the model takes %v", ds.Name, got, want)
			}
			n := sp.N
			if f.limit > 0 {
				n = min(n, f.limit)
			}
			fac := certify.Software(prog)
			base := "software integer model"
			if onChip {
				x, err := chip.NewExec(spec, prog)
				if err != nil {
					return err
				}
				fac, base = certify.Chip(x), "chip "+spec.Chip.Name
			}
			o.Seed, o.Workers, o.Randomized = f.seed, f.workers, prog.Input.Encoding == "poisson"
			o.Classes = prog.Layers[prog.Output.Layer].Size()
			var bar *progressbar.ProgressBar
			if !noProg && isTerminal(stderr) {
				bar = progressbar.NewOptions(n, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("samples"),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
				o.Progress = func(done int) { bar.Set(done) }
			}
			start := time.Now()
			ss, err := certify.Certify(n, sp.Image, func(i int) int { return int(sp.Labels[i]) }, fac, o)
			if bar != nil {
				bar.Finish()
			}
			if err != nil {
				return err
			}
			curve := certify.Curve(ss, certify.Radii(ss, step))
			sum := certify.Summarise(ss)
			title := fmt.Sprintf("%s, σ=%g, n=%d, α=%g (%s)", noise, o.Sigma, o.N, o.Alpha, base)
			fmt.Fprintf(stderr, "%d samples × %d draws in %.1f s on the %s\n", n, o.N0+o.N, time.Since(start).Seconds(), base)
			if out != "" {
				if err := certify.Write(out, ss, curve, title); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, map[string]any{"noise": noise, "sigma": o.Sigma, "n0": o.N0, "n": o.N, "alpha": o.Alpha,
					"seed": o.Seed, "base": base, "summary": sum, "curve": curve, "samples": ss})
			}
			fmt.Fprintf(w, "smoothed %s on %d %s %s samples: %s noise σ = %g, n0 = %d, n = %d, α = %g\n",
				base, n, ds.Name, f.split, noise, o.Sigma, o.N0, o.N, o.Alpha)
			fmt.Fprintf(w, "correct %d (%.2f%%), wrong %d, abstained %d; median certified radius of the correct: %.3f\n",
				sum.Correct, 100*float64(sum.Correct)/float64(max(1, n)), sum.Wrong, sum.Abstain, sum.MedianRadius)
			return certify.Table(w, curve)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.chip, "chip", arch.DefaultPreset, "chip spec the model is compiled for: a preset ("+strings.Join(arch.Presets(), ", ")+") or a TOML file")
	fl.StringVar(&f.dataset, "dataset", data.MNISTName, "dataset: mnist or fashion-mnist")
	fl.StringVar(&f.dataDir, "data", "", "directory holding the dataset's IDX files")
	fl.StringVar(&f.split, "split", "test", "dataset split: test or train")
	fl.IntVar(&f.limit, "limit", 100, "certify the first N samples (0: all)")
	fl.IntVar(&f.steps, "steps", 0, "time steps T when compiling with --noise poisson (default: the model's own)")
	fl.Float64Var(&f.gain, "gain", 0, "Poisson gain with --noise poisson")
	fl.Float64Var(&f.dt, "dt", 0, "NIR import: time step in seconds")
	fl.Uint64Var(&f.seed, "seed", 1, "root seed: placement and every noise draw")
	fl.IntVar(&f.workers, "workers", 0, "samples certified at once (0: GOMAXPROCS); results do not depend on it")
	fl.StringVar(&noise, "noise", "gaussian", "smoothing noise: gaussian (σ on pixels) or poisson (Poisson rate coding, plus σ if > 0)")
	fl.Float64Var(&o.Sigma, "sigma", 0.25, "σ of the Gaussian input noise, pixel/255 units")
	fl.IntVar(&o.N0, "n0", 100, "draws that select the top class")
	fl.IntVar(&o.N, "n", 1000, "draws that estimate p_A")
	fl.Float64Var(&o.Alpha, "alpha", 0.001, "the bound holds with probability 1−alpha")
	fl.Float64Var(&step, "radius-step", 0.05, "radius step of the table")
	fl.BoolVar(&onChip, "on-chip", false, "run every draw on the simulated chip instead of the software integer model")
	fl.StringVar(&out, "out", "", "write certify.csv, certified.txt and certified.png/.svg to this directory")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON")
	fl.BoolVar(&noProg, "no-progress", false, "never show a progress bar")
	return cmd
}
