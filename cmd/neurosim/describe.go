package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/arch"
)

func init() { subcommands = append(subcommands, newDescribeCmd) }

func newDescribeCmd() *cobra.Command {
	var asJSON, asTOML bool
	cmd := &cobra.Command{
		Use:   "describe [PRESET | FILE.toml]",
		Short: "Print every field of a chip spec with unit, value, default, documentation and source",
		Long: `describe loads a chip spec (a built-in preset or a TOML file; default: the
"default" preset), checks it, and prints every field with its unit, value,
default, documentation and source. With --toml it writes the spec as an
annotated TOML file to start a new design from. With no argument and --list
it lists the presets.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := arch.DefaultPreset
			if len(args) == 1 {
				name = args[0]
			}
			spec, err := arch.Load(name)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case asTOML:
				_, err := out.Write(arch.AnnotatedTOML(spec))
				return err
			case asJSON:
				return writeJSON(out, struct {
					Spec   *arch.Spec   `json:"spec"`
					Fields []arch.Field `json:"fields"`
				}{spec, arch.Fields(spec)})
			}
			fmt.Fprintf(out, "chip %q: %d×%d tiles, %g MHz, %d nm (presets: %s)\n", spec.Chip.Name,
				spec.Chip.Width, spec.Chip.Height, spec.Chip.ClockMHz, spec.Chip.ProcessNM, strings.Join(arch.Presets(), ", "))
			t := tablewriter.NewTable(out, tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithMaxWidth(terminalWidth()))
			t.Header("field", "unit", "value", "default", "doc", "source")
			prev := ""
			for _, f := range arch.Fields(spec) {
				src := f.Source // printed once per run of fields sharing it
				if src == prev {
					src = ""
				} else {
					prev = src
				}
				if err := t.Append(f.Path, f.Unit, f.Value, f.Default, f.Doc, src); err != nil {
					return err
				}
			}
			return t.Render()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the spec and its fields as JSON")
	cmd.Flags().BoolVar(&asTOML, "toml", false, "write the spec as annotated TOML")
	return cmd
}

// terminalWidth returns the width tables should fit: $COLUMNS, else 200.
func terminalWidth() int {
	var w int
	if _, err := fmt.Sscan(os.Getenv("COLUMNS"), &w); err == nil && w > 40 {
		return w
	}
	return 200
}
