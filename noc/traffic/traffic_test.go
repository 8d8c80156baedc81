package traffic

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/neurosim/neurosim/arch"
)

func defaultNoC(t testing.TB) arch.NoC {
	t.Helper()
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	return spec.NoC
}

func cfg8(t testing.TB, pattern string, load float64) Config {
	return Config{NoC: defaultNoC(t), Width: 8, Height: 8, Pattern: pattern, Load: load, Flits: 1,
		Warmup: 1000, Measure: 5000, Seed: 1}
}

// TestMeanHopsUniform: under uniform random traffic on an 8×8 mesh the mean
// hop count is 2(k²−1)/(3k) = 5.25, within sampling error.
func TestMeanHopsUniform(t *testing.T) {
	c := cfg8(t, "uniform", 0.1)
	c.Measure = 8000
	res, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	const k = 8.0
	want := 2 * (k*k - 1) / (3 * k)
	// |dx| on k points has variance (k²−1)/6 − ((k²−1)/(3k))² per dimension.
	v1 := (k*k-1)/6 - math.Pow((k*k-1)/(3*k), 2)
	se := math.Sqrt(2*v1) / math.Sqrt(float64(res.Measured))
	if math.Abs(res.AvgHops-want) > 4*se {
		t.Errorf("mean hops %.4f over %d packets, want %.4f ± %.4f (4 s.e.)", res.AvgHops, res.Measured, want, 4*se)
	}
	if math.Abs(res.Stats.MeanHops()-want) > 4*se {
		t.Errorf("network mean hops %.4f, want %.4f", res.Stats.MeanHops(), want)
	}
	t.Logf("mean hops %.4f (want %.4f), %d packets, latency %.2f cycles", res.AvgHops, want, res.Measured, res.AvgLatency)
}

// TestSaturation: at low load the network accepts what is offered; offered
// far beyond saturation it accepts less, never more than the bisection bound
// 4/k = 0.5 flits/node/cycle, and still drains.
func TestSaturation(t *testing.T) {
	low, err := Run(cfg8(t, "uniform", 0.1))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(low.Accepted-0.1) > 0.01 || low.Saturated {
		t.Errorf("load 0.1: accepted %.4f, saturated %v; want ≈ 0.1", low.Accepted, low.Saturated)
	}
	prev := 0.0
	for _, load := range []float64{0.6, 1.0} {
		c := cfg8(t, "uniform", load)
		c.Warmup, c.Measure, c.MaxDrain = 1000, 2000, 1000
		res, err := Run(c)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("load %.2f: accepted %.4f, latency %.1f, saturated %v", load, res.Accepted, res.AvgLatency, res.Saturated)
		if res.Accepted >= 0.5 || res.Accepted >= load-0.05 || !res.Saturated {
			t.Errorf("load %.2f: accepted %.4f, saturated %v: want saturation below 0.5", load, res.Accepted, res.Saturated)
		}
		if res.Accepted < 0.2 {
			t.Errorf("load %.2f: accepted only %.4f", load, res.Accepted)
		}
		if prev > 0 && math.Abs(res.Accepted-prev) > 0.05 {
			t.Errorf("accepted throughput not flat past saturation: %.4f then %.4f", prev, res.Accepted)
		}
		prev = res.Accepted
	}
}

// TestDeterminism: the same config gives the same result; another seed does not.
func TestDeterminism(t *testing.T) {
	for _, pat := range Patterns {
		c := cfg8(t, pat, 0.3)
		c.Measure = 2000
		a, err := Run(c)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Run(c)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs with seed 1 differ: %+v vs %+v", pat, a, b)
		}
		c.Seed = 2
		d, _ := Run(c)
		if pat != "transpose" && reflect.DeepEqual(a.Stats, d.Stats) {
			t.Errorf("%s: seeds 1 and 2 gave identical stats", pat)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	base := cfg8(t, "uniform", 0.1)
	for name, mod := range map[string]func(*Config){
		"pattern":   func(c *Config) { c.Pattern = "tornado" },
		"load":      func(c *Config) { c.Load = 0 },
		"overload":  func(c *Config) { c.Load = 2 },
		"transpose": func(c *Config) { c.Pattern, c.Width = "transpose", 4 },
		"size":      func(c *Config) { c.Width = 0 },
		"measure":   func(c *Config) { c.Measure = 0 },
		"topology":  func(c *Config) { c.NoC.Topology = "ring" },
	} {
		c := base
		mod(&c)
		if _, err := Run(c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkUniform8x8 reports delivered packets per second of wall time at
// 0.2 flits/node/cycle with single-flit packets.
func BenchmarkUniform8x8(b *testing.B) {
	b.ReportAllocs()
	c := cfg8(b, "uniform", 0.2)
	c.Warmup, c.Measure = 1000, 20000
	var pkts uint64
	start := time.Now()
	for b.Loop() {
		res, err := Run(c)
		if err != nil {
			b.Fatal(err)
		}
		pkts += res.Delivered
	}
	b.ReportMetric(float64(pkts)/time.Since(start).Seconds(), "packets/s")
}
