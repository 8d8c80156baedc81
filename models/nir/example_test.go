package nir_test

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/nir"
)

// Decode reads from any io.ReaderAt; a file that is not HDF5 is an error.
func ExampleDecode() {
	data := "not an HDF5 file"
	_, _, err := nir.Decode(strings.NewReader(data), int64(len(data)), nir.Options{})
	fmt.Println(err != nil)
	_, _, err = nir.Decode(strings.NewReader(data), int64(len(data)), nir.Options{DT: -1})
	fmt.Println(err)
	// Output:
	// true
	// nir: time step -1, want a finite positive number of seconds
}

// Import the CNN Sinabs exported for N-MNIST and print its layers.
func ExampleRead() {
	path := filepath.Join("..", "..", "..", "shared", "data", "nir", "cnn_sinabs.nir")
	g, warnings, err := nir.Read(path, nir.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	sum, err := models.Summarize(g, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range sum.Nodes {
		if n.ID == "input" || n.ID == "0" || n.ID == "output" {
			fmt.Println(n.ID, n.Op, n.Out)
		}
	}
	fmt.Println("dt", g.Meta["lif_dt"])
	// With ../shared/data present this prints:
	// input Input [2,34,34]
	// 0 Conv2d [16,16,16]
	// output Output [10]
	// dt 0.0001
}

// Import a lava-dl netx network: each dense layer becomes a Linear and a
// CubaLIF whose time constants come from Loihi's decays.
func ExampleReadNet() {
	path := filepath.Join("..", "..", "..", "shared", "data", "nir", "lava_dl_network.net")
	g, _, err := nir.ReadNet(path, nir.Options{DT: 1e-4})
	if err != nil {
		fmt.Println(err)
		return
	}
	n := g.Node("layer0.neuron")
	fmt.Printf("%s %s tau_mem %.8f s\n", n.ID, n.Op, n.Tensor("tau_mem").F32[0])
	fmt.Println("integration", g.Meta["lif_integration"])
	// With ../shared/data present this prints:
	// layer0.neuron CubaLIF tau_mem 0.00098937 s
	// integration euler
}
