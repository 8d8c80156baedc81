package sim

import (
	"fmt"
	"math"
	"strconv"
)

// Time is simulated time in picoseconds. Time is never a float: 2^64 ps is
// about 213 days of simulated time, far beyond any run.
type Time uint64

// Units of simulated time.
const (
	Picosecond  Time = 1
	Nanosecond       = 1000 * Picosecond
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
)

// MaxTime is the largest representable time; RunUntil(MaxTime) runs to completion.
const MaxTime = Time(math.MaxUint64)

// Seconds returns t in seconds as a float, for reporting only.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }

// String formats t with the largest unit that keeps it readable, e.g. "1.5µs".
func (t Time) String() string {
	switch {
	case t == 0:
		return "0s"
	case t < Nanosecond:
		return fmt.Sprintf("%dps", uint64(t))
	case t < Microsecond:
		return trimUnit(float64(t)/float64(Nanosecond), "ns")
	case t < Millisecond:
		return trimUnit(float64(t)/float64(Microsecond), "µs")
	case t < Second:
		return trimUnit(float64(t)/float64(Millisecond), "ms")
	default:
		return trimUnit(float64(t)/float64(Second), "s")
	}
}

func trimUnit(v float64, unit string) string {
	return fmt.Sprintf("%.6g%s", v, unit)
}

// ParseTime parses a duration such as "1s", "250ms", "10us", "10µs", "3ns" or
// "42ps" into a Time. The number may have a fraction; the result is rounded to
// the nearest picosecond.
func ParseTime(s string) (Time, error) {
	units := []struct {
		suffix string
		unit   Time
	}{
		{"ps", Picosecond}, {"ns", Nanosecond}, {"us", Microsecond}, {"µs", Microsecond},
		{"ms", Millisecond}, {"s", Second},
	}
	for _, u := range units {
		if len(s) > len(u.suffix) && s[len(s)-len(u.suffix):] == u.suffix {
			num := s[:len(s)-len(u.suffix)]
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("sim: bad duration %q: %q is not a number", s, num)
			}
			ps := v * float64(u.unit)
			if math.IsNaN(ps) || ps < 0 || ps >= float64(MaxTime) {
				return 0, fmt.Errorf("sim: duration %q out of range", s)
			}
			return Time(math.Round(ps)), nil
		}
	}
	return 0, fmt.Errorf("sim: bad duration %q: want a number followed by ps, ns, us, ms or s", s)
}

// Freq is a clock frequency in hertz.
type Freq uint64

// Common frequencies.
const (
	Hz  Freq = 1
	KHz      = 1000 * Hz
	MHz      = 1000 * KHz
	GHz      = 1000 * MHz
)

// Period returns the clock period, rounded to the nearest picosecond.
// It panics if f is zero: a zero clock is a programming error (arch.Validate
// rejects it in user input).
func (f Freq) Period() Time {
	if f == 0 {
		panic("sim: Period of a zero frequency")
	}
	return Time((uint64(Second) + uint64(f)/2) / uint64(f))
}

// Cycles returns the duration of n cycles. It is n×Period, so cycle edges
// stay on the same grid as NextTick.
func (f Freq) Cycles(n uint64) Time { return Time(n) * f.Period() }

// CyclesIn returns how many whole cycles fit in d.
func (f Freq) CyclesIn(d Time) uint64 { return uint64(d / f.Period()) }

// NextTick returns the first clock edge strictly after t. Clock edges are the
// multiples of Period.
func (f Freq) NextTick(t Time) Time {
	p := f.Period()
	return (t/p + 1) * p
}

// ThisOrNextTick returns t if t lies on a clock edge, else the next edge.
func (f Freq) ThisOrNextTick(t Time) Time {
	p := f.Period()
	if t%p == 0 {
		return t
	}
	return (t/p + 1) * p
}
