package main

import "github.com/spf13/cobra"

func init() { subcommands = append(subcommands, newBenchCmd) }

// benchSubcommands lists the constructors of the `bench` subcommands; each
// benchmark file adds its own in an init function.
var benchSubcommands []func() *cobra.Command

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run built-in benchmarks of the simulator's models",
		Long: `bench runs self-contained benchmarks: each builds its own workload, simulates
it and prints what it measured (simulated results and wall time).`,
		Args: cobra.NoArgs,
	}
	for _, mk := range benchSubcommands {
		cmd.AddCommand(mk())
	}
	return cmd
}
