package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/noc/traffic"
	"github.com/neurosim/neurosim/sim"
)

func init() { benchSubcommands = append(benchSubcommands, newBenchNoCCmd) }

// nocBenchRow is one offered load's result with its wall time.
type nocBenchRow struct {
	traffic.Result
	WallSeconds    float64 `json:"wall_seconds"`
	PacketsPerSec  float64 `json:"packets_per_second"`
	EventsPerSec   float64 `json:"events_per_second"`
	HopEnergyPJ    float64 `json:"hop_energy_pj"`
	StallCycles    uint64  `json:"stall_cycles"`
	FlitsDelivered uint64  `json:"flits_delivered"`
}

func newBenchNoCCmd() *cobra.Command {
	var (
		chip, pattern, loads string
		width, height, flits int
		cycles, warmup       uint64
		seed                 uint64
		hotspot              float64
		asJSON               bool
		topology, routing    string
	)
	cmd := &cobra.Command{
		Use:   "noc",
		Short: "Latency and accepted throughput of the NoC against offered load",
		Long: `noc drives the chip's network-on-chip with synthetic traffic (uniform random,
transpose or hotspot destinations; Bernoulli injection of --flits-flit packets
at each offered load in flits/node/cycle) and prints, per load, the average
and 99th-percentile packet latency in router cycles (generation to tail
delivery, source queueing included), the accepted throughput in
flits/node/cycle, the mean hop count, and how many packets the simulator
delivered per second of wall time. Each load runs a warm-up, a measurement
window of --cycles cycles and a drain.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := arch.Load(chip)
			if err != nil {
				return err
			}
			ns := spec.NoC
			if topology != "" {
				ns.Topology = topology
			}
			if routing != "" {
				ns.Routing = routing
			}
			if width == 0 {
				width = spec.Chip.Width
			}
			if height == 0 {
				height = spec.Chip.Height
			}
			ls, err := parseLoads(loads)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("warmup") {
				warmup = max(cycles/10, 1000)
			}
			if flits == 0 {
				flits = ns.SpikeFlits()
			}
			logw := cmd.ErrOrStderr()
			fmt.Fprintf(logw, "bench noc: chip %q, %d×%d %s, %s routing, pipeline %d + link %d cycles, %d-flit buffers, %s traffic, %d-flit packets\n",
				spec.Chip.Name, width, height, ns.Topology, ns.Routing, ns.RouterPipelineCycles, ns.LinkLatencyCycles, ns.BufferFlits, pattern, flits)
			var rows []nocBenchRow
			for _, l := range ls {
				cfg := traffic.Config{NoC: ns, Width: width, Height: height, Pattern: pattern, Load: l, Flits: flits,
					Warmup: warmup, Measure: cycles, Seed: seed, HotspotFraction: hotspot, Clock: sim.Freq(spec.NoCClockHz())}
				start := time.Now()
				res, err := traffic.Run(cfg)
				if err != nil {
					return err
				}
				wall := time.Since(start).Seconds()
				rows = append(rows, nocBenchRow{Result: res, WallSeconds: wall,
					PacketsPerSec: float64(res.Delivered) / wall, EventsPerSec: float64(res.Events) / wall,
					HopEnergyPJ: res.Stats.HopEnergyPJ(spec.Energy), StallCycles: res.Stats.StallCycles,
					FlitsDelivered: res.Stats.FlitsDelivered})
				fmt.Fprintf(logw, "bench noc: load %g: %d packets in %.3fs (%.3g packets/s)\n", l, res.Delivered, wall, float64(res.Delivered)/wall)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, rows)
			}
			t := tablewriter.NewTable(out, tablewriter.WithHeaderAutoFormat(tw.Off))
			t.Header("offered", "accepted", "avg latency", "p99 latency", "avg hops", "saturated", "packets", "wall s", "packets/s")
			for _, r := range rows {
				sat := ""
				if r.Saturated {
					sat = "yes"
				}
				if err := t.Append(fmt.Sprintf("%.3f", r.Offered), fmt.Sprintf("%.4f", r.Accepted),
					fmt.Sprintf("%.2f", r.AvgLatency), strconv.FormatUint(r.P99Latency, 10),
					fmt.Sprintf("%.3f", r.AvgHops), sat, strconv.FormatUint(r.Delivered, 10),
					fmt.Sprintf("%.3f", r.WallSeconds), fmt.Sprintf("%.3g", r.PacketsPerSec)); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
			_, err = fmt.Fprintln(out, "latency in router cycles from generation to tail delivery; load and throughput in flits/node/cycle")
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&chip, "chip", arch.DefaultPreset, "chip preset or TOML file whose [noc] to use")
	f.IntVar(&width, "width", 0, "tiles per row (0: the chip's; 8 for the default chip)")
	f.IntVar(&height, "height", 0, "tiles per column (0: the chip's)")
	f.StringVar(&topology, "topology", "", "override the chip's topology: mesh or torus")
	f.StringVar(&routing, "routing", "", "override the chip's routing: xy or yx")
	f.StringVar(&pattern, "pattern", "uniform", "destinations: "+strings.Join(traffic.Patterns, ", "))
	f.StringVar(&loads, "loads", "0.02,0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.5", "comma-separated offered loads in flits/node/cycle")
	f.IntVar(&flits, "flits", 1, "flits per packet (0: the chip's spike packet)")
	f.Uint64Var(&cycles, "cycles", 10000, "measurement window in cycles")
	f.Uint64Var(&warmup, "warmup", 0, "warm-up cycles (default: cycles/10, at least 1000)")
	f.Uint64Var(&seed, "seed", 1, "root random seed")
	f.Float64Var(&hotspot, "hotspot-fraction", 0.1, "hotspot pattern: fraction of packets sent to the centre tile")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	return cmd
}

// parseLoads parses a comma-separated list of positive loads.
func parseLoads(s string) ([]float64, error) {
	var ls []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) || v > 1e6 {
			return nil, fmt.Errorf("bench noc: bad load %q in --loads: want a positive number of flits/node/cycle", f)
		}
		ls = append(ls, v)
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("bench noc: --loads %q lists no load", s)
	}
	return ls, nil
}
