package noc

import (
	"math"
	"math/bits"

	"github.com/neurosim/neurosim/arch"
)

// Histogram counts non-negative integer values (latencies in cycles) in
// log-linear buckets: values below 128 exactly, larger ones in 64 buckets
// per power of two, so a quantile is off by less than 1/64 of its value.
// The zero value is an empty histogram; Add allocates only when a value
// lands beyond every bucket seen so far.
type Histogram struct {
	counts []uint64
	n      uint64
	sum    uint64
	max    uint64
}

const histSub = 64 // buckets per octave above 2·histSub

func histBucket(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - 7 // v>>e lies in [64, 128)
	return (e+1)*histSub + int(v>>e) - histSub
}

// histLow returns the smallest value in bucket b.
func histLow(b int) uint64 {
	if b < 2*histSub {
		return uint64(b)
	}
	e := b/histSub - 1
	return uint64(b%histSub+histSub) << e
}

// Add counts one value.
func (h *Histogram) Add(v uint64) {
	b := histBucket(v)
	if b >= len(h.counts) {
		nc := make([]uint64, b+1+histSub)
		copy(nc, h.counts)
		h.counts = nc
	}
	h.counts[b]++
	h.n++
	h.sum += v
	h.max = max(h.max, v)
}

// addN adds k observations of v.
func (h *Histogram) addN(v, k uint64) {
	b := histBucket(v)
	if b >= len(h.counts) {
		nc := make([]uint64, b+1+histSub)
		copy(nc, h.counts)
		h.counts = nc
	}
	h.counts[b] += k
	h.n += k
	h.sum += v * k
	h.max = max(h.max, v)
}

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if len(o.counts) > len(h.counts) {
		nc := make([]uint64, len(o.counts))
		copy(nc, h.counts)
		h.counts = nc
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// Count returns how many values were added.
func (h *Histogram) Count() uint64 { return h.n }

// Sum returns the sum of the values.
func (h *Histogram) Sum() uint64 { return h.sum }

// Max returns the largest value (0 when empty).
func (h *Histogram) Max() uint64 { return h.max }

// Mean returns the exact mean (NaN when empty).
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return math.NaN()
	}
	return float64(h.sum) / float64(h.n)
}

// Quantile returns the smallest bucket value v such that at least a fraction
// q of the values are ≤ the top of v's bucket (exact below 128); q is
// clamped to [0, 1]. It returns 0 when empty.
func (h *Histogram) Quantile(q float64) uint64 {
	if h.n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var acc uint64
	for b, c := range h.counts {
		acc += c
		if acc >= rank {
			return min(histLow(b), h.max)
		}
	}
	return h.max
}

// Clone returns a deep copy.
func (h *Histogram) Clone() Histogram {
	c := *h
	c.counts = append([]uint64(nil), h.counts...)
	return c
}

// Reset empties h, keeping its storage.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.n, h.sum, h.max = 0, 0, 0
}

type counters struct {
	packetsInjected, packetsDelivered uint64
	flitsInjected, flitsDelivered     uint64
	hopsX, hopsY, hopSum, stalls      uint64
	latency                           Histogram
}

// Stats is a snapshot of the network's counters since New or ResetStats.
type Stats struct {
	// PacketsInjected counts Inject calls' packets (a packet split into
	// unicasts at the source counts once per destination).
	PacketsInjected uint64
	// PacketsDelivered counts deliveries; a multicast packet counts once per
	// destination.
	PacketsDelivered uint64
	FlitsInjected    uint64
	FlitsDelivered   uint64
	// HopsX and HopsY count flits crossing one router-to-router link in x
	// (east-west) and in y (north-south): the counts arch.Energy.HopX and
	// HopY price.
	HopsX, HopsY uint64
	// HopSum is the sum over delivered packets of the links their head crossed.
	HopSum uint64
	// StallCycles sums, over every flit and every router it crossed, the
	// cycles it was ready to leave but waited for credits, for an output
	// virtual channel held by another packet, or for arbitration.
	StallCycles uint64
	// Latency holds, per delivered packet, the cycles from the clock edge of
	// its Inject to its tail leaving the destination's local port.
	Latency Histogram
	// Links holds one entry per router-to-router link and per local
	// (ejection) port, in tile order then port order.
	Links []LinkStats
}

// LinkStats are the counters of one router output: the link leaving tile
// From by port Out (Local: the ejection port to the core).
type LinkStats struct {
	From        Tile
	Out         Port
	Flits       uint64
	StallCycles uint64
}

// MeanHops returns the mean number of links crossed per delivered packet.
func (s *Stats) MeanHops() float64 {
	if s.PacketsDelivered == 0 {
		return math.NaN()
	}
	return float64(s.HopSum) / float64(s.PacketsDelivered)
}

// HopEnergyPJ prices the flit hops with the energy table: HopsX·HopX +
// HopsY·HopY, in picojoules.
func (s *Stats) HopEnergyPJ(e arch.Energy) float64 {
	return float64(s.HopsX)*e.HopX.PJ + float64(s.HopsY)*e.HopY.PJ
}

// Stats returns a snapshot of the counters.
func (n *Network) Stats() Stats {
	n.flushCounts()
	c := &n.stats
	s := Stats{
		PacketsInjected:  c.packetsInjected,
		PacketsDelivered: c.packetsDelivered,
		FlitsInjected:    c.flitsInjected,
		FlitsDelivered:   c.flitsDelivered,
		HopsX:            c.hopsX,
		HopsY:            c.hopsY,
		HopSum:           c.hopSum,
		StallCycles:      c.stalls,
		Latency:          c.latency.Clone(),
	}
	for i := range n.routers {
		r := &n.routers[i]
		for p := range Port(numPorts) {
			o := &r.out[p]
			if o.down == nil && p != Local {
				continue
			}
			s.Links = append(s.Links, LinkStats{From: r.tile, Out: p, Flits: o.flits, StallCycles: o.stalls})
		}
	}
	return s
}

// ResetStats zeroes every counter (packets in flight are unaffected and
// counted when delivered).
func (n *Network) ResetStats() {
	n.flushCounts()
	h := n.stats.latency
	h.Reset()
	n.stats = counters{latency: h}
	for i := range n.routers {
		for p := range n.routers[i].out {
			n.routers[i].out[p].flits = 0
			n.routers[i].out[p].stalls = 0
		}
	}
}
