package core

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/sim"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/scenarios/*.txt")

// TestScenarioScripts runs the scripts in testdata/scenarios. A script sets
// up cores on a 1 GHz clock (one cycle = 1 ns) joined by a fixed-latency
// stand-in for the NoC, scripts which neurons fire at which step, runs the
// barrier, and compares the event log (and the inputs each core's neurons
// saw) with the text after "----". With -update the expected text is
// rewritten from the run.
//
//	chip base=NS doubling=NS max=NS minstep=NS   barrier figures (default 100/50/1000/0)
//	latency DURATION                             packet latency (default 10ns)
//	core neurons=N                               the next core (IDs from 0)
//	axon core=C ch=exc|inh syn=T:W,T:W,...       an input axon of core C (scale 1/64)
//	route core=C neuron=N to=D:A,D:A,...         neuron N's destinations (core D, axon A)
//	fire core=C step=S neurons=I,J,...           neurons that fire at step S
//	run steps=N
func TestScenarioScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario scripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			script, want, ok := strings.Cut(string(data), "\n----\n")
			if !ok {
				t.Fatalf("%s: no ---- line", file)
			}
			got := runScript(t, script)
			if *update {
				if err := os.WriteFile(file, []byte(script+"\n----\n"+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("%s: got\n%s\nwant\n%s", file, got, want)
			}
		})
	}
}

func runScript(t *testing.T, script string) string {
	t.Helper()
	chip := testChip
	latency := 10 * sim.Nanosecond
	var specs []coreSpec
	steps := int64(-1)
	for n, line := range strings.Split(script, "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		kv := map[string]string{}
		for _, a := range f[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok && f[0] != "latency" {
				t.Fatalf("line %d: %q is not key=value", n+1, a)
			}
			kv[k] = v
		}
		num := func(k string) int {
			v, err := strconv.Atoi(kv[k])
			if err != nil {
				t.Fatalf("line %d: %s=%q: %v", n+1, k, kv[k], err)
			}
			return v
		}
		fnum := func(k string) float64 {
			v, err := strconv.ParseFloat(kv[k], 64)
			if err != nil {
				t.Fatalf("line %d: %s=%q: %v", n+1, k, kv[k], err)
			}
			return v
		}
		core := func() *coreSpec {
			c := num("core")
			if c < 0 || c >= len(specs) {
				t.Fatalf("line %d: core %d not declared", n+1, c)
			}
			return &specs[c]
		}
		pairs := func(k string, each func(a, b string)) {
			for _, p := range strings.Split(kv[k], ",") {
				a, b, ok := strings.Cut(p, ":")
				if !ok {
					t.Fatalf("line %d: %q is not A:B", n+1, p)
				}
				each(a, b)
			}
		}
		atoi := func(s string) int {
			v, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			return v
		}
		switch f[0] {
		case "chip":
			chip = arch.Chip{BarrierBaseNS: fnum("base"), BarrierPerDoublingNS: fnum("doubling"), BarrierMaxNS: fnum("max"), MinStepNS: fnum("minstep")}
		case "latency":
			d, err := sim.ParseTime(f[1])
			if err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			latency = d
		case "core":
			specs = append(specs, coreSpec{n: num("neurons"), fire: map[int][]int{}, routes: map[int][]Route{}})
		case "axon":
			c := core()
			a := synSpec{ch: Exc}
			if kv["ch"] == "inh" {
				a.ch = Inh
			}
			pairs("syn", func(tg, w string) {
				x, err := strconv.ParseFloat(w, 64)
				if err != nil {
					t.Fatalf("line %d: %v", n+1, err)
				}
				a.targets, a.weights = append(a.targets, atoi(tg)), append(a.weights, x)
			})
			c.axons = append(c.axons, a)
		case "route":
			c := core()
			nr := num("neuron")
			pairs("to", func(d, a string) {
				c.routes[nr] = append(c.routes[nr], Route{Core: int32(atoi(d)), Axon: int32(atoi(a))})
			})
		case "fire":
			c := core()
			for _, s := range strings.Split(kv["neurons"], ",") {
				c.fire[num("step")] = append(c.fire[num("step")], atoi(s))
			}
		case "run":
			steps = int64(num("steps"))
		default:
			t.Fatalf("line %d: unknown command %q", n+1, f[0])
		}
	}
	if steps < 1 || len(specs) == 0 {
		t.Fatalf("script needs cores and run steps=N")
	}
	log, cores, pops := runScenario(t, chip, specs, latency, steps)
	var b strings.Builder
	b.WriteString(log)
	var sent, recv uint64
	for i, p := range pops {
		for _, s := range p.seen {
			fmt.Fprintf(&b, "core %d %s\n", i, s)
		}
		cnt := cores[i].Counters()
		sent += cnt.PacketsOut
		recv += cnt.PacketsIn
		fmt.Fprintf(&b, "core %d counters: updates=%d spikes=%d packets out=%d in=%d synops=%d barriers=%d busy=%d cycles\n",
			i, cnt.NeuronUpdates, cnt.SpikesOut, cnt.PacketsOut, cnt.PacketsIn, cnt.SynOps, cnt.Barriers, cnt.BusyCycles)
		if cnt.Barriers != uint64(steps) {
			t.Errorf("core %d took part in %d barriers, want %d", i, cnt.Barriers, steps)
		}
	}
	if sent != recv {
		t.Errorf("%d packets sent, %d received", sent, recv)
	}
	return b.String()
}
