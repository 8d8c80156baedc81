package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/neuron"
	"github.com/neurosim/neurosim/report"
	"github.com/neurosim/neurosim/sim"
)

func init() { benchSubcommands = append(benchSubcommands, newBenchCubaCmd) }

// cubaArgs are the options of `neurosim bench cuba`.
type cubaArgs struct {
	neurons        int
	duration       string
	chip           string
	seed           uint64
	json           bool
	neuronsPerCore int
	cores          int
	cpuprofile     string
	serial         bool
	events         bool
	noc            string
}

func newBenchCubaCmd() *cobra.Command {
	var a cubaArgs
	cmd := &cobra.Command{
		Use:   "cuba",
		Short: "Run the Vogels–Abbott CUBA network on a chip, every spike through the NoC",
		Long: `cuba builds the CUBA benchmark network (Vogels & Abbott 2005; Brette et al.
2007) exactly as ../shared/bench/brian2_cuba.py does — N LIF neurons, 80 %
excitatory, p = 80/N, we = 1.62 mV, wi = −9 mV, τm 20 ms, τe 5 ms, τi 10 ms,
Vt −50 mV, Vr −60 mV, El −49 mV, refractory 5 ms, dt 0.1 ms, v0 uniform in
[Vr, Vt) — maps it onto the chip (the mesh grows to a square that holds every
core when the preset's is too small; the output says so), and runs it with
every spike sent as packets through the network-on-chip. It prints the mean
rate, the mean CV of inter-spike intervals, spikes, synaptic events, the
energy breakdown, the NoC statistics and the wall time (network build and
run). Everything except the wall time depends only on the flags.

--noc packet times the NoC with the packet-level model (per-link bookings, no
back-pressure; see the noc package) instead of the chip spec's noc.model
(cycle-level by default): the same spikes, packets and flit-hops, much less
simulation time on big meshes. --noc analytic uses the analytic model (hops ×
per-hop delay, serialisation, injection and ejection contention, no link
contention; each neuron's multicast tree walked once when the chip is built):
the same spikes, packets and per-link flits again, and the least simulation
time (docs/bench-chip.md). Under the analytic model a packet's ports are
booked when it is sent, so each barrier step is computed at once (and, on
chips whose times are whole NoC cycles, steps by two workers) instead of
one engine event per spike and delivery cycle; --events runs the
event-driven reference instead, with the same report. docs/cuba-bigcore.toml
describes a chip whose cores are not fan-in bound by 40 000 sources
(docs/bench-noc-fast.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchCuba(cmd.OutOrStdout(), a) },
	}
	f := cmd.Flags()
	f.IntVar(&a.neurons, "neurons", 4000, "network size N")
	f.StringVar(&a.duration, "duration", "1s", "simulated biological time (a multiple of dt = 0.1ms)")
	f.StringVar(&a.chip, "chip", arch.DefaultPreset, "chip preset or TOML file")
	f.Uint64Var(&a.seed, "seed", 1, "root seed (network draws come from stream bench/cuba/network)")
	f.BoolVar(&a.json, "json", false, "print the results as JSON")
	f.IntVar(&a.neuronsPerCore, "neurons-per-core", 0, "cap on neurons per core (0: as many as the core kind's limits allow)")
	f.IntVar(&a.cores, "cores", 8, "per-core lines in the table, busiest first (-1: all)")
	f.StringVar(&a.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to this file")
	f.StringVar(&a.noc, "noc", "", "NoC timing model: cycle, packet or analytic (default: the chip spec's noc.model)")
	f.BoolVar(&a.serial, "serial", false, "run the functional model inline on one goroutine instead of ahead on a second one (same results)")
	f.BoolVar(&a.events, "events", false, "under the analytic NoC model, fire an engine event per spike and delivery cycle instead of computing each step at once (same results)")
	return cmd
}

// cubaResult is what the benchmark measures besides chip.Stats.
type cubaResult struct {
	stats      *chip.Stats
	firing     chip.FiringStats
	build, run time.Duration
	autoSized  bool
	nocModel   string
}

func runBenchCuba(out io.Writer, a cubaArgs) error {
	start := time.Now()
	// The run allocates its network once and then almost nothing: collect
	// garbage rarely rather than while the tables are being built.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if a.cpuprofile != "" {
		f, err := os.Create(a.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := benchCuba(a)
	if err != nil {
		return err
	}
	total := time.Since(start)
	s := res.stats
	extra := []report.Row{
		{Name: "mean rate", Value: fmt.Sprintf("%.3f Hz", res.firing.MeanRateHz)},
		{Name: "mean CV of ISIs", Value: fmt.Sprintf("%.3f (%d neurons with ≥ 2 intervals)", res.firing.MeanCV, res.firing.CVNeurons)},
	}
	wall := fmt.Sprintf("%.3f s (network build and mapping %.3f s, run %.3f s)", total.Seconds(), res.build.Seconds(), res.run.Seconds())
	if a.json {
		return report.JSON(out, s, append(extra, report.Row{Name: "wall time", Value: wall}))
	}
	fmt.Fprintf(out, "CUBA: %d neurons, %d synapses, %d steps of 0.1 ms on chip %q (%s-level NoC timing): %s\n",
		s.Neurons, s.Synapses, s.Steps, s.Chip, res.nocModel, s.Mapping)
	if err := report.Table(out, s, report.Options{Extra: extra, Cores: a.cores}); err != nil {
		return err
	}
	// Wall time on its own line: everything above depends only on the flags.
	_, err = fmt.Fprintf(out, "wall time: %s\n", wall)
	return err
}

// benchCuba builds, maps and runs the network.
func benchCuba(a cubaArgs) (*cubaResult, error) {
	d, err := sim.ParseTime(a.duration)
	if err != nil {
		return nil, err
	}
	dt := sim.Time(neuron.DefaultCUBA.DT * float64(sim.Millisecond))
	if d == 0 || d%dt != 0 {
		return nil, fmt.Errorf("bench cuba: duration %v is not a positive multiple of dt = %v", d, dt)
	}
	steps := int64(d / dt)
	spec, err := arch.Load(a.chip)
	if err != nil {
		return nil, err
	}
	if a.noc != "" {
		if a.noc != "cycle" && a.noc != "packet" && a.noc != "analytic" {
			return nil, fmt.Errorf("bench cuba: --noc %q: want cycle, packet or analytic", a.noc)
		}
		spec.NoC.Model = a.noc
	}
	t0 := time.Now()
	streams := sim.NewStreams(a.seed)
	net, err := chip.CUBANetwork(a.neurons, streams.For("bench/cuba/network"))
	if err != nil {
		return nil, err
	}
	c, err := chip.Build(spec, net, chip.Options{AutoSize: true, NeuronsPerCore: a.neuronsPerCore, Serial: a.serial, NoBatch: a.events}, streams.Sub("chip"))
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	s, err := c.Run(steps)
	if err != nil {
		return nil, err
	}
	t2 := time.Now()
	return &cubaResult{stats: s, firing: chip.Firing(c.Raster(), a.neurons, steps, neuron.DefaultCUBA.DT),
		build: t1.Sub(t0), run: t2.Sub(t1), autoSized: c.Mapping().AutoSized, nocModel: spec.NoC.Model}, nil
}
