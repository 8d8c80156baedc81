package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/models/nir"
	"github.com/neurosim/neurosim/models/zoo"
)

func init() { subcommands = append(subcommands, newEnergyCmd) }

func newEnergyCmd() *cobra.Command {
	var (
		zooName, input, ratesPath, runPath string
		uniform                            float64
		template, asJSON                   bool
		dt                                 float64
		prices                             = zoo.DefaultPrices
	)
	cmd := &cobra.Command{
		Use:   "energy (MODEL.nsm|.nir|.net | --zoo NAME) (--rates FILE.csv | --run report.json | --uniform-rate R)",
		Short: "Analytic energy of a model by the SDT/SpikeYOLO methodology, from per-layer spike counts",
		Long: `energy prices one inference as the SDT-V3 and SpikeYOLO papers do
(Horowitz 45 nm: E_MAC 4.6 pJ, E_AC 0.9 pJ): a layer whose input is real-valued
(the first layer, the Large models' head, DFL) costs E_MAC per FLOP; a layer
driven by spikes costs E_AC per synaptic operation, SOP = mean spike count of
its input layer × T × FLOPs. FLOPs are Cin·Cout·k²·Hout·Wout/groups with Rep
conv chains folded (see inspect --zoo). It prints the per-layer table, E_SNN,
the same network as a non-spiking one (E_ANN = E_MAC × ΣFLOPs) and their ratio.

The mean spike counts (per neuron per real step; integer spikes, so above 1 is
possible) come from a CSV (--rates; header "layer,mean_count", one row per
spiking node ID, '#' comments), from the per-layer counts of a neurosim run
report (--run report.json), or are one value for every layer (--uniform-rate,
which also fills layers the file leaves out). --rates-template prints the CSV
of every spiking layer the model needs, filled with --uniform-rate.

--mac-rate X reproduces SpikeYOLO's power_cal.xlsx, which prices its first
layer as E_AC × X per FLOP (X = 4.6) instead of E_MAC.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var (
				name string
				t    *zoo.Table
			)
			switch {
			case zooName != "" && len(args) == 0:
				m, tab, err := zooTable(zooName, input)
				if err != nil {
					return err
				}
				name, t = m.Name, tab
			case zooName == "" && len(args) == 1:
				g, err := loadModel(args[0], dt, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				overrides, err := parseInputOverride(g, input)
				if err != nil {
					return err
				}
				if t, err = zoo.Analyze(g, overrides); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				name = args[0]
			default:
				return fmt.Errorf("energy: give a model file or --zoo NAME (one of them)")
			}
			rates, err := loadRates(ratesPath, runPath)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("uniform-rate") {
				if !(uniform >= 0) {
					return fmt.Errorf("--uniform-rate %g: want ≥ 0", uniform)
				}
				for _, src := range t.Sources() {
					if _, ok := rates[src]; !ok {
						rates[src] = uniform
					}
				}
			}
			out := cmd.OutOrStdout()
			if template {
				fmt.Fprintf(out, "# spike rates for %s (mean spike count per neuron per real step)\n", name)
				return zoo.WriteRates(out, rates, t.Sources())
			}
			e, err := t.Price(rates, prices)
			if err != nil {
				return fmt.Errorf("%w (give them in --rates, or --uniform-rate)", err)
			}
			if asJSON {
				return writeJSON(out, struct {
					Model  string     `json:"model"`
					Prices zoo.Prices `json:"prices"`
					*zoo.Energy
				}{name, prices, e})
			}
			return printEnergy(out, name, t, e, prices)
		},
	}
	f := cmd.Flags()
	f.StringVar(&zooName, "zoo", "", "price the named zoo model (list: neurosim inspect --zoo list)")
	f.StringVar(&input, "input", "", "input size: SIZE or C,H,W for --zoo; C,H,W or NAME=C,H,W for a file")
	f.StringVar(&ratesPath, "rates", "", "CSV of per-layer mean spike counts (header layer,mean_count)")
	f.StringVar(&runPath, "run", "", "take the per-layer mean spike counts of a neurosim run report (report.json)")
	f.Float64Var(&uniform, "uniform-rate", 0, "mean spike count for every spiking layer not given otherwise")
	f.BoolVar(&template, "rates-template", false, "print the rates CSV of every spiking layer the model needs, and stop")
	f.Float64Var(&prices.EMAC, "emac", prices.EMAC, "energy of one multiply-accumulate, pJ")
	f.Float64Var(&prices.EAC, "eac", prices.EAC, "energy of one accumulate (synaptic operation), pJ")
	f.IntVar(&prices.Steps, "steps", prices.Steps, "real time steps T per inference")
	f.Float64Var(&prices.MACRate, "mac-rate", 0, "price real-valued-input layers as E_AC × this per FLOP (power_cal.xlsx: 4.6); 0 uses E_MAC")
	f.BoolVar(&asJSON, "json", false, "print as JSON")
	f.Float64Var(&dt, "dt", nir.DefaultDT, "time step in seconds for importing .nir and .net files")
	return cmd
}

// loadRates reads --rates and --run (either, both or neither).
func loadRates(ratesPath, runPath string) (zoo.Rates, error) {
	rates := zoo.Rates{}
	read := func(path string, parse func(io.Reader) (zoo.Rates, error)) error {
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer fh.Close()
		r, err := parse(fh)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for k, v := range r {
			if _, dup := rates[k]; dup {
				return fmt.Errorf("%s: layer %s has a rate in --rates and --run", path, k)
			}
			rates[k] = v
		}
		return nil
	}
	if ratesPath != "" {
		if err := read(ratesPath, zoo.ParseRates); err != nil {
			return nil, err
		}
	}
	if runPath != "" {
		if err := read(runPath, zoo.RatesFromRun); err != nil {
			return nil, err
		}
	}
	return rates, nil
}

func printEnergy(w io.Writer, name string, t *zoo.Table, e *zoo.Energy, p zoo.Prices) error {
	tw := tablewriter.NewTable(w)
	tw.Header("layer", "FLOPs", "priced as", "rate", "ops", "energy (pJ)")
	for _, r := range e.Rows {
		kind, rate := "SOP", fmt.Sprintf("%.3f", r.Rate)
		if r.MAC {
			kind, rate = "MAC", ""
		}
		if err := tw.Append(r.Node, groupDigits(r.FLOPs), kind, rate, fmt.Sprintf("%.4g", r.Ops), fmt.Sprintf("%.4g", r.PJ)); err != nil {
			return err
		}
	}
	tw.Footer("total", groupDigits(t.FLOPs), "", "", fmt.Sprintf("%.4g", e.MACs+e.SOPs), fmt.Sprintf("%.4g", e.PJ))
	if err := tw.Render(); err != nil {
		return err
	}
	first := ""
	if p.MACRate > 0 {
		first = fmt.Sprintf(", real-input layers at E_AC × %g", p.MACRate)
	}
	lines := []string{
		fmt.Sprintf("%s: E_MAC %g pJ, E_AC %g pJ, T = %d%s", name, p.EMAC, p.EAC, p.Steps, first),
		fmt.Sprintf("MACs %s, SOPs %s (mean spike count weighted by FLOPs %.3f)", groupDigits(int64(e.MACs)), groupDigits(int64(e.SOPs)), weightedRate(e)),
		fmt.Sprintf("E_SNN %.3f mJ; as a non-spiking network E_ANN %.3f mJ; ANN/SNN %.1f×", e.PJ/1e9, e.ANNPJ/1e9, e.ANNPJ/e.PJ),
	}
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}

// weightedRate is Σ rate·FLOPs / Σ FLOPs over the spike-driven layers.
func weightedRate(e *zoo.Energy) float64 {
	var s, n float64
	for _, r := range e.Rows {
		if !r.MAC {
			s += r.Rate * float64(r.FLOPs)
			n += float64(r.FLOPs)
		}
	}
	if n == 0 {
		return 0
	}
	return s / n
}
