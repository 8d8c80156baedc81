package noc_test

import (
	"fmt"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/noc"
	"github.com/neurosim/neurosim/sim"
)

// core is a tile's endpoint: it prints what it receives.
type core struct{ e *sim.Engine }

func (c core) Deliver(p *noc.Packet) {
	fmt.Printf("%v: %v received axon %d from %v after %d hops\n", c.e.Now(), p.Dst, p.A, p.Src, p.Hops)
}

// A spike packet crosses the default chip's 8×8 mesh: 3 hops east and 2
// north at 200 MHz, (2+1) cycles per hop plus 2 for the destination router.
func Example() {
	spec, err := arch.Preset("default")
	if err != nil {
		panic(err)
	}
	e := sim.NewEngine()
	n, err := noc.New(spec.NoC, spec.Chip.Width, spec.Chip.Height, e, sim.Freq(spec.NoCClockHz()))
	if err != nil {
		panic(err)
	}
	dst := noc.Tile{X: 4, Y: 3}
	if err := n.Attach(dst, core{e}); err != nil {
		panic(err)
	}
	p := n.NewPacket()
	p.Dst, p.A = dst, 17
	n.Inject(noc.Tile{X: 1, Y: 1}, p)
	e.Run()
	st := n.Stats()
	fmt.Printf("hops x %d, y %d: %.1f pJ\n", st.HopsX, st.HopsY, st.HopEnergyPJ(spec.Energy))
	// Output:
	// 85ns: (4,3) received axon 17 from (1,1) after 5 hops
	// hops x 3, y 2: 17.4 pJ
}

// A multicast packet to a row of tiles crosses each link once.
func ExampleNetwork_Inject_multicast() {
	spec, _ := arch.Preset("default")
	e := sim.NewEngine()
	n, _ := noc.New(spec.NoC, 8, 8, e, sim.Freq(spec.NoCClockHz()))
	p := n.NewPacket()
	for x := 1; x < 8; x++ {
		p.Dests = append(p.Dests, noc.Tile{X: x, Y: 0})
	}
	n.Inject(noc.Tile{X: 0, Y: 0}, p)
	e.Run()
	st := n.Stats()
	fmt.Printf("%d deliveries, %d link traversals (7 unicasts: %d)\n", st.PacketsDelivered, st.HopsX+st.HopsY, 1+2+3+4+5+6+7)
	// Output:
	// 7 deliveries, 7 link traversals (7 unicasts: 28)
}

// The packet model (noc.model = "packet") books whole packets on links
// instead of moving flits. A 2-flit packet from (0,0) books (1,0)'s east
// link for cycles 5–6; one injected at (1,0) at cycle 3 is ready for that
// link at cycle 5 too, waits until 7 (2 cycles × 2 flits of stall), and
// arrives after the first.
func ExampleNew_packetModel() {
	spec, _ := arch.Preset("default")
	spec.NoC.Model = "packet"
	spec.NoC.SpikePacketBits = 2 * spec.NoC.FlitBits // 2-flit packets
	e := sim.NewEngine()
	n, _ := noc.New(spec.NoC, 8, 8, e, sim.Freq(spec.NoCClockHz()))
	dst := noc.Tile{X: 4, Y: 0}
	n.Attach(dst, core{e})
	inject := func(src noc.Tile) {
		p := n.NewPacket()
		p.Dst, p.A = dst, int64(src.X)
		n.Inject(src, p)
	}
	inject(noc.Tile{X: 0, Y: 0})
	e.Schedule(sim.Event{Time: 3 * n.Period(), Handler: sim.HandlerFunc(func(sim.Event) { inject(noc.Tile{X: 1, Y: 0}) })})
	e.Run()
	st := n.Stats()
	fmt.Printf("flit-hops %d, stall cycles %d\n", st.HopsX, st.StallCycles)
	// Output:
	// 75ns: (4,0) received axon 0 from (0,0) after 4 hops
	// 85ns: (4,0) received axon 1 from (1,0) after 3 hops
	// flit-hops 14, stall cycles 4
}

// Two TreeMakers make trees for one network at once, each on a goroutine
// of its own; AddTree then adds them to the network in a fixed order, so
// the result does not depend on which maker made which tree.
func ExampleTreeMaker() {
	spec, _ := arch.Preset("default")
	spec.NoC.Model = "analytic"
	n, _ := noc.New(spec.NoC, 8, 8, sim.NewEngine(), sim.Freq(spec.NoCClockHz()))
	src := noc.Tile{X: 0, Y: 0}
	sets := [][]noc.Tile{{{X: 7, Y: 0}}, {{X: 1, Y: 1}, {X: 1, Y: 3}}, {{X: 2, Y: 0}, {X: 2, Y: 7}, {X: 5, Y: 5}}}
	trees := make([]*noc.Tree, len(sets))
	makers := []*noc.TreeMaker{n.NewTreeMaker(), n.NewTreeMaker()} // before any runs
	done := make(chan bool)
	for g, m := range makers {
		go func() {
			for i := g; i < len(sets); i += len(makers) {
				trees[i], _ = m.NewTree(src, sets[i])
			}
			done <- true
		}()
	}
	<-done
	<-done
	for _, t := range trees {
		if err := n.AddTree(t); err != nil {
			panic(err)
		}
		fmt.Printf("%v: %d links\n", t.Dests(), t.Links())
	}
	fmt.Println("concurrent makers allowed:", n.ConcurrentTrees())
	// Output:
	// [(7,0)]: 7 links
	// [(1,1) (1,3)]: 4 links
	// [(2,0) (2,7) (5,5)]: 17 links
	// concurrent makers allowed: true
}
