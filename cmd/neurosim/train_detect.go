package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/train"
)

// sceneOptions are the detection scenes train and run build from MNIST:
// the data package's defaults (1–4 digits of 14–28 px on 64×64, IoU ≤ 0.1),
// 20 000 train and 2 000 test scenes, seed 1.
var sceneOptions = data.SceneOptions{Train: 20000, Test: 2000, Seed: 1}

// loadScenes builds the MNIST detection scenes (from --data or the default
// MNIST location).
func loadScenes(dir string) (*data.Scenes, error) {
	ds, err := data.MNIST(dir)
	if err != nil {
		return nil, err
	}
	return data.MNISTScenes(ds, sceneOptions)
}

// trainDetector is `neurosim train --arch spikeyolo-tiny` on the MNIST
// detection scenes (train.TrainDetector).
func trainDetector(cmd *cobra.Command, o train.Options, dir, out string, asJSON, noProgress bool) error {
	sc, err := loadScenes(dir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	stderr := cmd.ErrOrStderr()
	prog := newTrainProgress(stderr, !noProgress && isTerminal(stderr))
	start := time.Now()
	res, err := train.TrainDetector(ctx, sc, o, func(p train.Progress) {
		if !p.EpochDone {
			prog.update(p) // the bar, on a terminal
			return
		}
		if prog.bar != nil {
			prog.bar.Finish()
			prog.bar = nil
			fmt.Fprintln(stderr)
		}
		m := ""
		if p.TestAcc >= 0 {
			m = fmt.Sprintf(" test mAP@50 %.4f", p.TestAcc)
		}
		fmt.Fprintf(stderr, "epoch %d/%d: loss %.4f%s %.1fs\n", p.Epoch, p.Epochs, p.Loss, m, p.Elapsed.Seconds())
	})
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
			"model": out, "arch": res.Options.Arch, "dataset": sc.Name, "map50": res.MAP.MAP50,
			"map50_95": res.MAP.MAP5095, "epochs": res.History, "wall_seconds": time.Since(start).Seconds(),
		})
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%-6s %-8s %-9s %s\n", "epoch", "loss", "mAP@50", "seconds")
	for _, h := range res.History {
		m := "-"
		if h.TestAcc >= 0 {
			m = fmt.Sprintf("%.4f", h.TestAcc)
		}
		fmt.Fprintf(w, "%-6d %-8.4f %-9s %.1f\n", h.Epoch, h.Loss, m, h.Seconds)
	}
	_, err = fmt.Fprintf(w, "%s on %s: integer-inference mAP@50 %.4f, mAP@50:95 %.4f on %d test scenes, saved %s (%.0f s)\n",
		res.Options.Arch, sc.Name, res.MAP.MAP50, res.MAP.MAP5095, testScenes(o, sc), out, time.Since(start).Seconds())
	return err
}

func testScenes(o train.Options, sc *data.Scenes) int {
	if o.TestLimit > 0 {
		return min(o.TestLimit, sc.Test.N)
	}
	return sc.Test.N
}
