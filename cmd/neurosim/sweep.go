package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/chip/sweep"
)

func init() { subcommands = append(subcommands, newSweepCmd) }

func newSweepCmd() *cobra.Command {
	var (
		out, shard         string
		shards, workers    int
		noProgress, dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "sweep SWEEP.toml --out DIR",
		Short: "Run a grid of chip-spec (noise) settings × seeds, sharded across processes and machines",
		Long: `sweep runs every point of the grid a sweep file describes: each axis is a
dotted chip-spec field (as ` + "`neurosim describe`" + ` prints them, e.g.
core.xbar.macro.program_variation or noc.buffer_flits) or "model", crossed
with a number of seeds. Each point compiles the model for its spec with its
own seed (hashed from the base seed and the point's values) and runs the
dataset on the chip. Points run in parallel (--workers).

Every finished point is one JSON line in DIR/points-IofN.jsonl, appended
whole and fsync'd; a rerun skips finished points, and an unfinished last line
left by a killed run is cut off. The shard (points i with i mod n = index)
comes from --shard i/n, else a Slurm array (SLURM_ARRAY_TASK_ID and
SLURM_ARRAY_TASK_COUNT), else a Kubernetes Indexed Job (JOB_COMPLETION_INDEX,
with --shards or NEUROSIM_SHARDS giving the count). Merge the directories
with ` + "`neurosim merge`" + `.

Sweep file keys: name, chip (preset or spec file), model ("default" or a
.nsm file), dataset, data, split, limit, seed, seeds, lane, cim_layers
(which layers go on crossbar macros: dense, all, none or names), and [[axis]]
tables with path, values and optional labels. See examples/sweeps/.`,
		Example: `  neurosim sweep examples/sweeps/noc-buffers.toml --out runs/noc
  neurosim sweep sweep.toml --out runs/s --shard 1/3 --workers 2
  neurosim merge runs/s`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			if workers < 0 || shards < 0 {
				return fmt.Errorf("--workers and --shards must not be negative")
			}
			s, err := sweep.ParseFile(args[0])
			if err != nil {
				return err
			}
			sh, from, err := sweep.ShardFromEnv(shard, shards, os.Getenv)
			if err != nil {
				return err
			}
			plan, err := s.Resolve()
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			if dryRun {
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "sweep %q, config %s: %d points (%d grid values × %d seeds)\n", s.Name, plan.ConfigHash, s.NumPoints(), s.NumGroups(), s.Seeds)
				for i := 0; i < s.NumPoints(); i++ {
					if sh.Has(i) {
						pt := s.Point(i)
						fmt.Fprintf(w, "%d\t%s\tseed %d\n", i, pt.Key, pt.Seed)
					}
				}
				return nil
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var bar *progressbar.ProgressBar
			opt := sweep.Options{Shard: sh, Workers: workers}
			opt.Started = func(mine, finished int, cut int64) {
				src := ""
				if from != "" {
					src = " (from " + from + ")"
				}
				fmt.Fprintf(stderr, "sweep %q: shard %s%s has %d of %d points; %d already finished, %d to run\n", s.Name, sh, src, mine, s.NumPoints(), finished, mine-finished)
				if cut > 0 {
					fmt.Fprintf(stderr, "cut an unfinished last line (%d bytes) left by a killed run\n", cut)
				}
				if !noProgress && isTerminal(stderr) && mine > finished {
					bar = progressbar.NewOptions(mine-finished, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("points"),
						progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
				}
			}
			opt.Progress = func(done, total int) {
				if bar != nil {
					bar.Set(done)
				}
			}
			start := time.Now()
			ran, err := sweep.Run(ctx, plan, out, opt)
			if bar != nil {
				bar.Finish()
			}
			fmt.Fprintf(stderr, "ran %d point(s) in %.1f s into %s\n", ran, time.Since(start).Seconds(), out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "results directory (shared by all shards)")
	f.StringVar(&shard, "shard", "", "run only shard i of n (i/n, 0 ≤ i < n); default: from SLURM_ARRAY_* or JOB_COMPLETION_INDEX, else all points")
	f.IntVar(&shards, "shards", 0, "number of shards when the index comes from JOB_COMPLETION_INDEX (default: $NEUROSIM_SHARDS)")
	f.IntVar(&workers, "workers", 0, "points run at once (0: GOMAXPROCS); results do not depend on it")
	f.BoolVar(&noProgress, "no-progress", false, "never show a progress bar")
	f.BoolVar(&dryRun, "dry-run", false, "list this shard's points and seeds, run nothing")
	return cmd
}
