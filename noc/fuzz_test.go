package noc

import (
	"testing"

	"github.com/neurosim/neurosim/sim"
)

// FuzzNetwork builds a network and an injection schedule from the input and
// checks that every packet arrives exactly once at its destinations, the
// network drains (no deadlock), and the credit invariant holds throughout.
func FuzzNetwork(f *testing.F) {
	f.Add([]byte{0, 0, 2, 1, 4, 8, 8, 1, 0, 5, 9, 1, 0, 9, 5, 2})
	f.Add([]byte{1, 1, 1, 3, 1, 3, 5, 0, 0, 1, 14, 3, 1, 14, 1, 3, 0, 7, 7, 1})
	f.Add([]byte{1, 0, 3, 2, 2, 4, 4, 1, 0, 0, 255, 130, 0, 3, 12, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 8 {
			return
		}
		spec := testSpec([]string{"mesh", "torus"}[data[0]%2], 1+int(data[2]%3), 1+int(data[3]%3), 1+int(data[4]%4))
		spec.Routing = []string{"xy", "yx"}[data[1]%2]
		spec.Multicast = data[7]%2 == 1
		w, h := 1+int(data[5]%6), 1+int(data[6]%6)
		n, e, s := newNet(t, spec, w, h)
		nt := w * h
		want := map[[2]int]int{} // (packet A, tile) → deliveries expected
		var c uint64
		var a int64
		for rest := data[8:]; len(rest) >= 4; rest = rest[4:] {
			c += uint64(rest[0] % 8)
			src := Tile{int(rest[1]) % nt % w, int(rest[1]) % nt / w}
			p := n.NewPacket()
			p.A = a
			if rest[3]&0x80 != 0 && spec.BufferFlits >= 1 {
				// Multicast to the tiles selected by a bit pattern.
				for i := range nt {
					if (int(rest[2])>>(i%8))&1 == 1 && (i/8)%2 == int(rest[3]>>6&1) {
						p.Dests = append(p.Dests, Tile{i % w, i / w})
					}
				}
				p.Flits = 1 + int(rest[3]%uint8(spec.BufferFlits))
			} else {
				d := int(rest[2]) % nt
				p.Dst = Tile{d % w, d / w}
				p.Flits = 1 + int(rest[3]%6)
			}
			if len(p.Dests) == 0 {
				want[[2]int{int(a), n.index(p.Dst)}]++
			} else {
				for _, d := range p.Dests {
					want[[2]int{int(a), n.index(d)}]++
				}
			}
			at(e, sim.Time(c)*n.Period(), func() { n.Inject(src, p) })
			a++
		}
		for e.RunUntil(e.Now() + 5*n.Period()) {
			checkCredits(t, n)
			if e.Now() > sim.Time(c+100000)*n.Period() {
				t.Fatalf("not drained after %d cycles\n%s", c+100000, n.dump())
			}
		}
		checkCredits(t, n)
		got := map[[2]int]int{}
		for _, d := range s.got {
			got[[2]int{int(d.a), n.index(d.dst)}]++
			if d.hops != n.Hops(d.src, d.dst) {
				t.Fatalf("packet %d %v→%v: %d hops, want %d", d.a, d.src, d.dst, d.hops, n.Hops(d.src, d.dst))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("delivered to %d (packet, tile) pairs, want %d", len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("packet %d at tile %d: %d deliveries, want %d", k[0], k[1], got[k], v)
			}
		}
		if n.InFlight() != 0 {
			t.Fatalf("%d packets in flight after drain", n.InFlight())
		}
	})
}
