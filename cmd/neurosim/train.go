package main

import (
	"context"
	"fmt"
	"io"
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
from it (the options must match, except --epochs).`,
		Example: `  neurosim train --arch sfa-convnet --dataset mnist --epochs 15 --shift 2 --schedule cosine --out model.nsm
  neurosim train --arch lif-convnet --steps 4 --epochs 3 --out lif.nsm
  neurosim train --arch mlp --encoding poisson --steps 8 --noise-aware 0.2 --out noisy.nsm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out FILE.nsm is required")
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
			res.Graph.Meta["train_seconds"] = fmt.Sprintf("%.0f", time.Since(start).Seconds())
			if err := models.Save(out, res.Graph); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{
					"model": out, "arch": res.Options.Arch, "dataset": ds.Name,
					"test_accuracy": res.TestAcc, "epochs": res.History,
					"wall_seconds": time.Since(start).Seconds(),
				})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%-6s %-8s %-9s %-9s %s\n", "epoch", "loss", "train", "test", "seconds")
			for _, h := range res.History {
				test := "-"
				if h.TestAcc >= 0 {
					test = fmt.Sprintf("%.2f%%", 100*h.TestAcc)
				}
				fmt.Fprintf(w, "%-6d %-8.4f %-9s %-9s %.1f\n", h.Epoch, h.Loss, fmt.Sprintf("%.2f%%", 100*h.TrainAcc), test, h.Seconds)
			}
			_, err = fmt.Fprintf(w, "%s on %s: integer-inference test accuracy %.2f%%, saved %s (%.0f s)\n",
				res.Options.Arch, ds.Name, 100*res.TestAcc, out, time.Since(start).Seconds())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Arch, "arch", train.ArchSFAConvNet, "architecture")
	f.StringVar(&dataset, "dataset", data.MNISTName, "dataset: mnist or fashion-mnist")
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
	f.Float64Var(&o.Noise, "noise-aware", 0, "σ of multiplicative Gaussian weight noise during training (PRIME)")
	f.StringVar(&o.Encoding, "encoding", train.EncodingDirect, "input encoding: direct or poisson")
	f.IntVar(&o.Steps, "steps", 0, "time steps T (default 1; 4 for lif-convnet or poisson)")
	f.IntVar(&o.Shift, "shift", 0, "random-shift augmentation in pixels")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file written after every epoch")
	f.BoolVar(&o.Resume, "resume", false, "continue from --checkpoint if it exists")
	f.IntVar(&o.TrainLimit, "train-limit", 0, "use only the first N training samples")
	f.IntVar(&o.TestLimit, "test-limit", 0, "evaluate only the first N test samples")
	f.IntVar(&o.EvalEvery, "eval-every", 1, "evaluate the test set every N epochs (0 = last only)")
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
