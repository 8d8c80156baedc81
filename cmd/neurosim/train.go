package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/train"
)

func init() { subcommands = append(subcommands, newTrainCmd) }

func newTrainCmd() *cobra.Command {
	var (
		o                  train.Options
		dataset, dir, out  string
		asJSON, noProgress bool
	)
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a spiking network (SFA MultiSpike or LIF BPTT) and save it as .nsm",
		Long: `train trains one of the built-in architectures on MNIST or Fashion-MNIST
and writes the model, BatchNorm folded, as a .nsm file. The test accuracy it
prints is that of the integer inference of the saved graph.

Architectures: ` + fmt.Sprint(train.Archs()) + `.
The same --seed gives the same model for any number of --workers.
With --checkpoint a checkpoint is written after every epoch; --resume continues
from it (the options must match, except --epochs).

--learning selects the rule: bp (backpropagation, the default), df
(Distance-Forward: block-local goodness losses, the label embedded in the
input, inference by the best summed goodness; it prints the accounted
training memory and the process's peak RSS), df-bp (the same blocks trained
by backpropagation with a softmax head: DF's baseline) and prune (PRIME
edge-popup: frozen random differential-pair weights, learned top-k masks;
the .nsm holds the pruned weights, 0 for a pair in the high-resistance
state). A DF network is saved only when it maps onto graph ops (--df-act
multispike --df-goodness sum --df-norm none); otherwise the accuracy is the
software one and nothing is saved.`,
		Example: `  neurosim train --arch sfa-convnet --dataset mnist --epochs 15 --shift 2 --schedule cosine --out model.nsm
  neurosim train --learning df --df-hidden 500,500,500 --epochs 3 --lr 1e-3 --schedule cosine --out df.nsm
  neurosim train --learning prune --keep 0.5 --arch prime-mlp --hidden 1024 --encoding poisson --steps 8 --out prime.nsm
  neurosim train --arch lif-convnet --steps 4 --epochs 3 --out lif.nsm
  neurosim train --arch mlp --encoding poisson --steps 8 --noise-aware 0.2 --out noisy.nsm
  neurosim train --arch sfa-convnet --noise-aware 0.15 --noise-aware-mode absolute --out na.nsm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out FILE.nsm is required")
			}
			if train.IsGraphArch(o.Arch) && !cmd.Flags().Changed("dataset") {
				dataset = data.SuperpixelName
			}
			if o.Arch == train.ArchSGNNKarate || dataset == data.KarateName {
				return trainNodes(cmd, o, out, asJSON)
			}
			if o.Arch == train.ArchSpikeYOLOTiny || dataset == data.ScenesName {
				if o.Arch != train.ArchSpikeYOLOTiny {
					return fmt.Errorf("dataset %s is for detection: use --arch %s", data.ScenesName, train.ArchSpikeYOLOTiny)
				}
				return trainDetector(cmd, o, dir, out, asJSON, noProgress)
			}
			if !(o.Prune.Keep > 0 && o.Prune.Keep <= 1) {
				return fmt.Errorf("--keep %g outside (0, 1]", o.Prune.Keep)
			}
			if o.Learning == train.LearnPrune {
				// PRIME's setting unless asked otherwise: its LIF MLP over
				// rate-coded (Poisson) input.
				if !cmd.Flags().Changed("arch") {
					o.Arch = train.ArchPrimeMLP
				}
				if !cmd.Flags().Changed("encoding") {
					o.Encoding = train.EncodingPoisson
				}
			}
			ds, err := data.Load(dataset, dir)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			stderr := cmd.ErrOrStderr()
			prog := newTrainProgress(stderr, !noProgress && isTerminal(stderr))
			start := time.Now()
			res, err := train.Train(ctx, ds, o, prog.update)
			prog.finish()
			if err != nil {
				return err
			}
			saved := out
			if res.Graph != nil {
				res.Graph.Meta["train_seconds"] = fmt.Sprintf("%.0f", time.Since(start).Seconds())
				if err := models.Save(out, res.Graph); err != nil {
					return err
				}
			} else {
				saved = "nothing"
				fmt.Fprintf(stderr, "not saved: %v\n", res.ExportErr)
			}
			rss := peakRSSKiB()
			if asJSON {
				m := map[string]any{
					"model": saved, "arch": res.Options.Arch, "learning": res.Options.Learning, "dataset": ds.Name,
					"test_accuracy": res.TestAcc, "epochs": res.History,
					"wall_seconds": time.Since(start).Seconds(), "peak_rss_kib": rss,
				}
				if res.Memory != (train.MemStats{}) {
					m["memory_bytes"] = res.Memory
				}
				if res.Heap.Samples > 0 {
					m["heap_bytes"] = res.Heap
				}
				return writeJSON(cmd.OutOrStdout(), m)
			}
			w := cmd.OutOrStdout()
			if res.Memory != (train.MemStats{}) {
				mb := func(b int64) float64 { return float64(b) / (1 << 20) }
				fmt.Fprintf(w, "accounted memory: gradients %.2f MiB, activations %.2f MiB (training %.2f MiB); parameters %.2f MiB, optimiser %.2f MiB (total %.2f MiB)\n",
					mb(res.Memory.Grads), mb(res.Memory.Acts), mb(res.Memory.Training()), mb(res.Memory.Params), mb(res.Memory.OptState), mb(res.Memory.Total()))
			}
			if h := res.Heap; h.Samples > 0 {
				mb := func(b int64) float64 { return float64(b) / (1 << 20) }
				fmt.Fprintf(w, "measured Go heap above the heap after loading the dataset (runtime/metrics, sampled after each of %d batches, %d GCs): after building the model %.2f MiB, after its optimiser state %.2f MiB, after the training buffers %.2f MiB; peak live %.2f MiB, peak in use %.2f MiB (live + unswept garbage; depends on GOGC); peak in use above model and optimiser (the memory the learning rule needs) %.2f MiB\n",
					h.Samples, h.GCs, mb(h.Model), mb(h.Optim), mb(h.Setup), mb(h.PeakLive), mb(h.PeakObjects), mb(h.PeakObjects-h.Optim))
			}
			fmt.Fprintf(w, "peak RSS of this process: %.1f MiB\n", float64(rss)/1024)
			fmt.Fprintf(w, "%-6s %-8s %-9s %-9s %s\n", "epoch", "loss", "train", "test", "seconds")
			for _, h := range res.History {
				test := "-"
				if h.TestAcc >= 0 {
					test = fmt.Sprintf("%.2f%%", 100*h.TestAcc)
				}
				fmt.Fprintf(w, "%-6d %-8.4f %-9s %-9s %.1f\n", h.Epoch, h.Loss, fmt.Sprintf("%.2f%%", 100*h.TrainAcc), test, h.Seconds)
			}
			name, kind := res.Options.Arch, "integer-inference"
			switch res.Options.Learning {
			case train.LearnDF:
				name, kind = train.LearnDF, "summed-goodness"
			case train.LearnDFBP:
				name, kind = train.LearnDFBP, "software"
			case train.LearnPrune:
				name = res.Options.Arch + " (pruned random)"
			}
			_, err = fmt.Fprintf(w, "%s on %s: %s test accuracy %.2f%%, saved %s (%.0f s)\n",
				name, ds.Name, kind, 100*res.TestAcc, saved, time.Since(start).Seconds())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Arch, "arch", train.ArchSFAConvNet, "architecture (with --learning prune: prime-mlp unless given)")
	f.StringVar(&dataset, "dataset", data.MNISTName, "dataset: mnist, fashion-mnist, mnist-superpixels (default for sgnn-superpixel), karate (sgnn-karate) or mnist-scenes (spikeyolo-tiny: 20 000 train and 2 000 test detection scenes built from MNIST)")
	f.StringVar(&dir, "data", "", "directory with the four IDX files (default: the dataset's standard location)")
	f.StringVar(&out, "out", "", "output model file (.nsm)")
	f.IntVar(&o.Epochs, "epochs", 1, "training epochs")
	f.IntVar(&o.Batch, "batch", 64, "batch size")
	f.Float64Var(&o.Optim.LR, "lr", 2e-3, "learning rate")
	f.StringVar(&o.Optim.Kind, "optimizer", train.OptAdam, "adam or sgd")
	f.Float64Var(&o.Optim.Momentum, "momentum", 0, "SGD momentum")
	f.Float64Var(&o.Optim.WeightDecay, "weight-decay", 0, "L2 weight decay (weights only)")
	f.BoolVar(&o.Optim.Decoupled, "decoupled-wd", false, "decoupled weight decay (AdamW)")
	f.StringVar(&o.Optim.Schedule, "schedule", train.SchedConstant, "learning-rate schedule: constant, cosine or step")
	f.IntVar(&o.Optim.StepEvery, "step-every", 0, "epochs between learning-rate decays (step schedule)")
	f.Float64Var(&o.Optim.Gamma, "gamma", 0.1, "decay factor (step schedule)")
	f.Uint64Var(&o.Seed, "seed", 1, "root random seed")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines (0 = GOMAXPROCS); results do not depend on it")
	f.IntVar(&o.D, "D", 4, "MultiSpike levels (integer spikes in [0, D])")
	f.StringVar(&o.Rounding, "rounding", models.RoundHalfEven, "MultiSpike rounding: half-even or half-up")
	f.Float64Var(&o.Noise, "noise-aware", 0, "σ of Gaussian weight noise during training (PRIME); see --noise-aware-mode")
	f.StringVar(&o.NoiseMode, "noise-aware-mode", train.NoiseMultiplicative, "weight noise: multiplicative w·(1+σ·N) (PRIME; proportional programming variation) or absolute w + σ·max|W_layer|·N (absolute variation σ·g_on)")
	f.StringVar(&o.NoiseLayers, "noise-aware-layers", "", "layers that get the weight noise: all, dense (the layers --cim-layers dense puts on macros) or conv (default: all for multiplicative, dense for absolute)")
	f.StringVar(&o.Encoding, "encoding", train.EncodingDirect, "input encoding: direct or poisson (with --learning prune: poisson unless given)")
	f.IntVar(&o.Steps, "steps", 0, "time steps T (default 1; 4 for lif-convnet or poisson)")
	f.IntVar(&o.Shift, "shift", 0, "random-shift augmentation in pixels")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file written after every epoch")
	f.BoolVar(&o.Resume, "resume", false, "continue from --checkpoint if it exists")
	f.IntVar(&o.TrainLimit, "train-limit", 0, "use only the first N training samples")
	f.IntVar(&o.TestLimit, "test-limit", 0, "evaluate only the first N test samples")
	f.IntVar(&o.EvalEvery, "eval-every", 1, "evaluate the test set every N epochs (0 = last only)")
	f.StringVar(&o.Learning, "learning", train.LearnBP, "learning rule: bp (backpropagation), df (Distance-Forward), df-bp (DF's blocks by backpropagation, the baseline) or prune (PRIME edge-popup)")
	f.IntSliceVar(&o.DF.Hidden, "df-hidden", []int{1000, 1000}, "df: block widths")
	f.StringVar(&o.DF.Act, "df-act", train.DFActReLU, "df: block activation relu or multispike (--D levels)")
	f.StringVar(&o.DF.Norm, "df-norm", train.DFNormRMS, "df: normalisation between blocks: rms, l2 or none")
	f.StringVar(&o.DF.Goodness, "df-goodness", train.DFGoodSumSq, "df: goodness sumsq (Σh²) or sum (Σh)")
	f.Float64Var(&o.DF.Margin, "df-margin", 1, "df: margin m of the N-pair loss")
	f.Float64Var(&o.DF.Alpha, "df-alpha", 1, "df: temperature α on goodness differences")
	f.StringVar(&o.DF.Collab, "df-collab", train.DFCollabNone, "df: layer collaboration none, prev or all")
	f.Float64Var(&o.DF.Gamma, "df-gamma", 1, "df: weight γ of the other blocks' goodness")
	f.Float64Var(&o.DF.LabelScale, "df-label-scale", 1, "df: value of the one-hot label input")
	f.IntVar(&o.DF.InferFrom, "df-infer-from", 0, "df: first block (0-based) whose goodness counts at inference")
	f.Float64Var(&o.Prune.Keep, "keep", 0.5, "prune: fraction of weights kept per layer")
	f.StringVar(&o.Prune.Dist, "g-dist", train.DistNormal, "prune: conductance distribution of the random pairs: normal or uniform")
	f.Float64Var(&o.Prune.GMean, "g-mean", 20, "prune: mean cell conductance (µS, normal)")
	f.Float64Var(&o.Prune.GStd, "g-std", 6.91593/math.Sqrt2, "prune: cell conductance spread (µS, normal)")
	f.Float64Var(&o.Prune.GOff, "g-off", 0, "prune: high-resistance-state conductance (µS; lower clip)")
	f.Float64Var(&o.Prune.GOn, "g-on", 40, "prune: low-resistance-state conductance (µS; upper clip)")
	f.Float64Var(&o.Prune.Scale, "g-scale", 0.003, "prune: weight per µS of conductance difference (PRIME's code value, meant for layers followed by tdBN; prime-mlp has no BatchNorm and learns better with 0.01, see docs/bench-learn.md)")
	f.IntSliceVar(&o.Prune.Hidden, "hidden", []int{1024}, "prime-mlp: hidden layer widths")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&noProgress, "no-progress", false, "no progress bar")
	return cmd
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// trainProgress draws a bar per epoch on a terminal, or logs one line per
// epoch otherwise.
type trainProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	epoch int
	tty   bool
}

func newTrainProgress(w io.Writer, tty bool) *trainProgress { return &trainProgress{w: w, tty: tty} }

func (p *trainProgress) update(pr train.Progress) {
	if pr.EpochDone {
		if p.bar != nil {
			p.bar.Finish()
			p.bar = nil
			fmt.Fprintln(p.w)
		}
		test := ""
		if pr.TestAcc >= 0 {
			test = fmt.Sprintf(" test %.2f%%", 100*pr.TestAcc)
		}
		resumed := ""
		if pr.Resumed {
			resumed = " (from checkpoint)"
		}
		fmt.Fprintf(p.w, "epoch %d/%d: loss %.4f train %.2f%%%s %.1fs%s\n",
			pr.Epoch, pr.Epochs, pr.Loss, 100*pr.TrainAcc, test, pr.Elapsed.Seconds(), resumed)
		return
	}
	if !p.tty {
		return
	}
	if p.bar == nil || p.epoch != pr.Epoch {
		p.epoch = pr.Epoch
		p.bar = progressbar.NewOptions(pr.Batches,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
		)
	}
	p.bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f acc %.2f%%", pr.Epoch, pr.Epochs, pr.Loss, 100*pr.TrainAcc))
	p.bar.Set(pr.Batch)
}

func (p *trainProgress) finish() {
	if p.bar != nil {
		p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}
