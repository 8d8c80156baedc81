package noc

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/neurosim/neurosim/sim"
)

// BenchmarkUnicast routes one single-flit packet at a time across the 8×8
// mesh (5.25 hops on average); steady state allocates nothing.
func BenchmarkUnicast(b *testing.B) {
	n, e, _ := newNet(b, testSpec("mesh", 2, 1, 4), 8, 8)
	for i := range 64 { // endpoints that keep nothing
		n.Attach(Tile{i % 8, i / 8}, nil)
	}
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		k = (k*29 + 11) % 4096
		p := n.NewPacket()
		p.Dst = Tile{k % 8, k / 8 % 8}
		n.Inject(Tile{k / 64 % 8, k / 512}, p)
		e.Run()
	}
}

// BenchmarkBurst injects one packet per tile (all-to-transpose-ish) and runs
// until the network drains: contention, arbitration and credits on every
// iteration. It reports delivered packets per second of wall time.
func BenchmarkBurst(b *testing.B) {
	for _, topo := range []string{"mesh", "torus"} {
		b.Run(topo, func(b *testing.B) {
			n, e, _ := newNet(b, testSpec(topo, 2, 1, 4), 8, 8)
			for i := range 64 {
				n.Attach(Tile{i % 8, i / 8}, nil)
			}
			b.ReportAllocs()
			start := time.Now()
			var pkts int
			for b.Loop() {
				for i := range 64 {
					p := n.NewPacket()
					p.Dst = Tile{(i*5 + 3) % 8, (i/8*3 + 1) % 8}
					n.Inject(Tile{i % 8, i / 8}, p)
				}
				e.RunUntil(sim.MaxTime)
				pkts += 64
			}
			b.ReportMetric(float64(pkts)/time.Since(start).Seconds(), "packets/s")
		})
	}
}

// BenchmarkMulticastAll sends one single-flit packet from a corner to every
// tile of the 8×8 mesh (a 64-leaf tree) and runs until it is delivered.
func BenchmarkMulticastAll(b *testing.B) {
	n, e, _ := newNet(b, testSpec("mesh", 2, 1, 4), 8, 8)
	for i := range 64 {
		n.Attach(Tile{i % 8, i / 8}, nil)
	}
	b.ReportAllocs()
	for b.Loop() {
		p := n.NewPacket()
		for i := range 64 {
			p.Dests = append(p.Dests, Tile{i % 8, i / 8})
		}
		n.Inject(Tile{0, 0}, p)
		e.Run()
	}
}

// BenchmarkTreeMaker makes 1 000 trees of 76 random destinations on a
// 28×28 mesh per op (the CUBA 40 000 chip's trees), storage included.
func BenchmarkTreeMaker(b *testing.B) {
	n, _, _ := newNet(b, testSpec("mesh", 2, 1, 4), 28, 28)
	rng := rand.New(rand.NewPCG(1, 1))
	type set struct {
		src   Tile
		dests []Tile
	}
	sets := make([]set, 1000)
	for i := range sets {
		sets[i].src = Tile{rng.IntN(28), rng.IntN(28)}
		for _, k := range rng.Perm(28 * 28)[:76] {
			sets[i].dests = append(sets[i].dests, Tile{k % 28, k / 28})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m := n.NewTreeMaker()
		for _, s := range sets {
			if _, err := m.NewTree(s.src, s.dests); err != nil {
				b.Fatal(err)
			}
		}
	}
}
