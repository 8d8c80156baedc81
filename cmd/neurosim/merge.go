package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/chip/sweep"
)

func init() { subcommands = append(subcommands, newMergeCmd) }

func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge DIR...",
		Short: "Check and merge sweep results: results.csv, a mean ± 95 % CI table and accuracy plots",
		Long: `merge reads the results directories of one sweep (one shared directory, or
one per shard), checks that every point of the plan is present exactly once
with the plan's config hash, and writes into --out (default: the first DIR):
results.csv (one row per point), summary.csv and summary.txt (per grid value
the mean ± 95 % confidence interval over seeds, Student t), and
accuracy.png / accuracy.svg (accuracy against the first numeric axis with
error bars, one line per value of the other axes). The same points give
byte-identical files, however they were sharded. The table is also printed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := sweep.Merge(args...)
			if err != nil {
				return err
			}
			for _, n := range m.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
			}
			dir := out
			if dir == "" {
				dir = args[0]
			}
			if err := m.Write(dir); err != nil {
				return err
			}
			if err := m.Table(cmd.OutOrStdout()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s, %s, %s, %s and %s to %s\n", sweep.ResultsCSV, sweep.SummaryCSV, sweep.SummaryTxt, sweep.PlotPNG, sweep.PlotSVG, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the merged files (default: the first DIR)")
	return cmd
}
