package traces_test

import (
	"fmt"
	"os"

	"github.com/neurosim/neurosim/sim"
	"github.com/neurosim/neurosim/traces"
)

func ExampleParseSelect() {
	sel, err := traces.ParseSelect("layers=1-2,cores=0,4,window=10us:2ms,neurons=4:17,formats=csv,vcd")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sel.Layers, sel.Cores, sel.Start, sel.End, sel.Neurons, sel.Formats)
	_, err = traces.ParseSelect("layers=1,window=2ms:1ms")
	fmt.Println(err)
	// Output:
	// [1 2] [0 4] 10µs 2ms [{4 17}] [csv vcd]
	// trace-select: window: "2ms:1ms": end 1ms not after start 2ms
}

func ExampleNewVCD() {
	v, _ := traces.NewVCD(os.Stdout, []traces.Var{
		{Scope: []string{"chip0", "core3"}, Name: "busy", Kind: traces.Wire},
		{Scope: []string{"chip0", "core3"}, Name: "fifo", Kind: traces.Integer},
	})
	v.Set(0, 0, 0)
	v.Set(0, 1, 0)
	v.Set(1500, 0, 1)
	v.Set(1500, 1, 2)
	v.Set(4000, 0, 0)
	v.Close(5000)
	// Output:
	// $version neurosim traces $end
	// $timescale 1ps $end
	// $scope module chip0 $end
	// $scope module core3 $end
	// $var wire 1 ! busy $end
	// $var integer 32 " fifo $end
	// $upscope $end
	// $upscope $end
	// $enddefinitions $end
	// #0
	// 0!
	// b0 "
	// #1500
	// 1!
	// b10 "
	// #4000
	// 0!
	// #5000
}

func ExampleNewSpikeWriter() {
	w, err := traces.NewSpikeWriter(os.Stdout, "spikes.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	w.WriteSpike(traces.Spike{Time: 141590 * sim.Nanosecond / 1000, Core: 1, Neuron: 0, Layer: 1})
	w.Close()
	_, err = traces.NewSpikeWriter(os.Stdout, "spikes.h5")
	fmt.Println(err)
	// Output:
	// time_ns,chip,core,neuron,layer
	// 141.590,0,1,0,1
	// traces: spikes.h5: unknown spike file extension ".h5" (want one of .csv, .parquet)
}
