package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
)

// subcommands lists the constructors of the top-level commands. Each command
// file adds its constructor in an init function, so commands are written
// apart from each other and the root stays small.
var subcommands []func() *cobra.Command

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "neurosim",
		Short: "Discrete-event simulator of neuromorphic hardware",
		Long: `neurosim simulates trained spiking neural networks on described neuromorphic
chips (digital cores and memristor crossbars on a network-on-chip) and reports
accuracy, energy per inference, latency and throughput.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, mk := range subcommands {
		root.AddCommand(mk())
	}
	return root
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
