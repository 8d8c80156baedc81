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

// trainNodes is `neurosim train --arch sgnn-karate`: node classification on
// Zachary's karate club (train.TrainNodes).
func trainNodes(cmd *cobra.Command, o train.Options, out string, asJSON bool) error {
	if o.Arch != train.ArchSGNNKarate {
		return fmt.Errorf("dataset %s is a node-classification task: use --arch %s", data.KarateName, train.ArchSGNNKarate)
	}
	if !cmd.Flags().Changed("eval-every") {
		o.EvalEvery = 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	task := data.Karate()
	start := time.Now()
	res, err := train.TrainNodes(ctx, task, o, nil)
	if err != nil {
		return err
	}
	res.Graph.Meta["train_seconds"] = fmt.Sprintf("%.1f", time.Since(start).Seconds())
	if err := models.Save(out, res.Graph); err != nil {
		return err
	}
	last := res.History[len(res.History)-1]
	if asJSON {
		return writeJSON(cmd.OutOrStdout(), map[string]any{
			"model": out, "arch": res.Options.Arch, "dataset": task.Name,
			"node_accuracy": res.Acc, "unlabelled_accuracy": res.AccUnlabelled,
			"labelled": task.Labelled, "predictions": res.Pred, "final_loss": last.Loss,
			"epochs": len(res.History), "wall_seconds": time.Since(start).Seconds(),
		})
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s on %s (%d nodes, labelled %v): loss %.4f after %d epochs; integer-inference accuracy %.2f%% of all nodes, %.2f%% of the unlabelled; saved %s (%.1f s)\n",
		res.Options.Arch, task.Name, task.Graph.Nodes, task.Labelled, last.Loss, len(res.History),
		100*res.Acc, 100*res.AccUnlabelled, out, time.Since(start).Seconds())
	return err
}
