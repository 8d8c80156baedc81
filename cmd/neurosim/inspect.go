package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/nir"
)

func init() { subcommands = append(subcommands, newInspectCmd) }

func newInspectCmd() *cobra.Command {
	var asJSON bool
	var input string
	var dt float64
	var zooName string
	cmd := &cobra.Command{
		Use:   "inspect MODEL.nsm|MODEL.nir|MODEL.net | inspect --zoo NAME [--input SIZE]",
		Short: "Print a model's nodes, shapes, parameter counts and MACs",
		Long: `inspect loads a model, verifies it and prints one row per node in
topological order: op, input and output shapes, trainable parameters and
multiply-accumulates per time step, with totals. --input C,H,W (or
NAME=C,H,W) overrides the input size the model declares. NIR (.nir) and
lava-dl (.net) files are imported with the time step --dt (seconds).

--zoo NAME builds a published model instead (` + "`neurosim inspect --zoo list`" + `
names them) and prints its analytic table: per layer the parameters, the FLOPs
Cin·Cout·k²·Hout·Wout/groups with re-parameterised (Rep) conv chains folded into
the one conv they are at inference, and the spiking layer that drives it (none:
a real-valued input, priced as MACs); then the MultiSpike outputs per image.
--input takes SIZE (a square RGB image) or C,H,W.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if zooName != "" {
				if len(args) != 0 {
					return fmt.Errorf("inspect: give either a model file or --zoo, not both")
				}
				return inspectZoo(cmd.OutOrStdout(), zooName, input, asJSON)
			}
			if len(args) != 1 {
				return fmt.Errorf("inspect: give a model file or --zoo NAME")
			}
			g, err := loadModel(args[0], dt, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			overrides, err := parseInputOverride(g, input)
			if err != nil {
				return err
			}
			sum, err := models.Summarize(g, overrides)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, sum)
			}
			t := tablewriter.NewTable(out)
			t.Header("node", "op", "in", "out", "params", "MACs")
			for _, n := range sum.Nodes {
				ins := make([]string, len(n.In))
				for i, s := range n.In {
					ins[i] = shapeString(s)
				}
				if err := t.Append(n.ID, string(n.Op), strings.Join(ins, " + "), shapeString(n.Out),
					groupDigits(n.Params), groupDigits(n.MACs)); err != nil {
					return err
				}
			}
			t.Footer("total", "", "", "", groupDigits(sum.Params), groupDigits(sum.MACs))
			return t.Render()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().Float64Var(&dt, "dt", nir.DefaultDT, "time step in seconds for importing .nir and .net files")
	cmd.Flags().StringVar(&input, "input", "", "input size C,H,W (or NAME=C,H,W for a model with several inputs; with --zoo also SIZE)")
	cmd.Flags().StringVar(&zooName, "zoo", "", "build the named zoo model (list: --zoo list) and print its analytic FLOP table")
	return cmd
}

// parseInputOverride turns "--input 3,224,224" or "--input img=3,224,224"
// into the override map Summarize takes.
func parseInputOverride(g *models.Graph, s string) (map[string]models.Shape, error) {
	if s == "" {
		return nil, nil
	}
	name := ""
	if i := strings.IndexByte(s, '='); i >= 0 {
		name, s = s[:i], s[i+1:]
	} else {
		ins := g.Inputs()
		if len(ins) != 1 {
			return nil, fmt.Errorf("--input: the model has %d inputs (%s); write NAME=C,H,W", len(ins), strings.Join(ins, ", "))
		}
		name = ins[0]
	}
	var shape models.Shape
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("--input: %q is not a positive size", part)
		}
		shape = append(shape, v)
	}
	return map[string]models.Shape{name: shape}, nil
}

func shapeString(s models.Shape) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// groupDigits writes n with thousands separators: 1234567 -> 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
