package traces

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/sim"
)

// NeuronRef names one neuron by core and index within the core.
type NeuronRef struct{ Core, Neuron int }

// Select says what a Recorder records. The zero Select records everything
// in the default formats, with no neuron probes.
type Select struct {
	// Layers and Cores restrict recording to those layers (population
	// indices) and cores; nil means all. A core is recorded when both its
	// layer and itself are selected; NoC events are recorded for packets
	// whose source tile holds a recorded core.
	Layers, Cores []int
	// Neurons are the VCD neuron probes (spike wire and membrane real).
	Neurons []NeuronRef
	// Start and End bound the recorded time: [Start, End), End 0 = open.
	Start, End sim.Time
	// Formats are the files to write (see Formats); nil: DefaultFormats.
	Formats []string
}

// Formats maps a format name of --trace-select to the file a Recorder
// opened with OpenDir writes.
var Formats = map[string]string{
	"csv":     "spikes.csv",
	"parquet": "spikes.parquet",
	"vcd":     "probes.vcd",
	"chrome":  "timeline.json",
	"png":     "raster.png",
	"svg":     "raster.svg",
}

// DefaultFormats are written when a Select names none.
var DefaultFormats = []string{"csv", "vcd", "chrome", "png"}

// ParseSelect parses a --trace-select string: comma-separated key=value
// items, where an item without '=' continues the previous key's list:
//
//	layers=0,2-3,cores=1-4,neurons=3:17,3:18,window=10us:2ms,formats=csv,vcd
//
// Keys: layers and cores (integers and inclusive ranges a-b), neurons
// (core:neuron pairs, the VCD probes), window (START:END, either side may
// be empty; each a number with unit ps, ns, us, ms or s, ns if none) and
// formats (names of Formats). An empty string selects everything. Unknown
// keys, malformed values and repeated keys are errors that name the item.
func ParseSelect(s string) (Select, error) {
	var sel Select
	if strings.TrimSpace(s) == "" {
		return sel, nil
	}
	seen := map[string]bool{}
	key := ""
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		val := item
		if k, v, ok := strings.Cut(item, "="); ok {
			key, val = strings.TrimSpace(k), strings.TrimSpace(v)
			if seen[key] {
				return Select{}, fmt.Errorf("trace-select: %s given twice", key)
			}
			seen[key] = true
		} else if key == "" {
			return Select{}, fmt.Errorf("trace-select: %q: want key=value (keys: layers, cores, neurons, window, formats)", item)
		}
		var err error
		switch key {
		case "layers":
			sel.Layers, err = appendRange(sel.Layers, val)
		case "cores":
			sel.Cores, err = appendRange(sel.Cores, val)
		case "neurons":
			var n NeuronRef
			n, err = parseNeuron(val)
			sel.Neurons = append(sel.Neurons, n)
		case "window":
			if !strings.Contains(item, "=") {
				return Select{}, fmt.Errorf("trace-select: window takes one START:END")
			}
			sel.Start, sel.End, err = parseWindow(val)
		case "formats":
			if _, ok := Formats[val]; !ok {
				err = fmt.Errorf("unknown format %q (known: %s)", val, strings.Join(formatNames(), ", "))
			} else if slices.Contains(sel.Formats, val) {
				err = fmt.Errorf("format %q named twice", val)
			}
			sel.Formats = append(sel.Formats, val)
		default:
			return Select{}, fmt.Errorf("trace-select: unknown key %q (keys: layers, cores, neurons, window, formats)", key)
		}
		if err != nil {
			return Select{}, fmt.Errorf("trace-select: %s: %q: %v", key, val, err)
		}
	}
	return sel, nil
}

func formatNames() []string {
	var n []string
	for k := range Formats {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

const maxIndex = 1 << 24

func parseIndex(s string) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 || v >= maxIndex {
		return 0, fmt.Errorf("want an integer in [0, %d)", maxIndex)
	}
	return v, nil
}

func appendRange(dst []int, s string) ([]int, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := parseIndex(lo)
	if err != nil {
		return nil, err
	}
	b := a
	if isRange {
		if b, err = parseIndex(hi); err != nil {
			return nil, err
		}
		if b < a {
			return nil, fmt.Errorf("empty range %d-%d", a, b)
		}
	}
	if len(dst)+b-a+1 > 1<<20 {
		return nil, fmt.Errorf("more than 2^20 indices")
	}
	for i := a; i <= b; i++ {
		dst = append(dst, i)
	}
	return dst, nil
}

func parseNeuron(s string) (NeuronRef, error) {
	c, n, ok := strings.Cut(s, ":")
	if !ok {
		return NeuronRef{}, fmt.Errorf("want core:neuron")
	}
	ci, err := parseIndex(c)
	if err != nil {
		return NeuronRef{}, err
	}
	ni, err := parseIndex(n)
	if err != nil {
		return NeuronRef{}, err
	}
	return NeuronRef{Core: ci, Neuron: ni}, nil
}

// units in matching order: every two-letter unit before "s".
var units = []struct {
	name string
	ps   float64
}{{"ps", 1}, {"ns", 1e3}, {"us", 1e6}, {"µs", 1e6}, {"ms", 1e9}, {"s", 1e12}}

// ParseTime parses a duration such as 10us, 2.5ms or 400 (ns) into sim.Time.
func ParseTime(s string) (sim.Time, error) {
	s = strings.TrimSpace(s)
	scale := 1e3
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.name); ok {
			s, scale = strings.TrimSpace(num), u.ps
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("time %q: want a non-negative number with unit ps, ns, us, ms or s", s)
	}
	ps := math.Round(v * scale)
	if ps >= math.MaxUint64/2 {
		return 0, fmt.Errorf("time %q too large", s)
	}
	return sim.Time(ps), nil
}

func parseWindow(s string) (start, end sim.Time, err error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("want START:END")
	}
	if strings.TrimSpace(a) != "" {
		if start, err = ParseTime(a); err != nil {
			return 0, 0, err
		}
	}
	if strings.TrimSpace(b) != "" {
		if end, err = ParseTime(b); err != nil {
			return 0, 0, err
		}
		if end <= start {
			return 0, 0, fmt.Errorf("end %v not after start %v", end, start)
		}
	}
	return start, end, nil
}

// in reports whether t is inside the window.
func (s *Select) in(t sim.Time) bool { return t >= s.Start && (s.End == 0 || t < s.End) }
