package hdf5_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/neurosim/neurosim/internal/hdf5"
)

// Example walks a file written by h5py (testdata/gen.py) and reads a
// chunked, gzip-compressed dataset, a string dataset and an attribute.
func Example() {
	f, err := hdf5.OpenFile("testdata/latest.h5")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	err = f.Root().Walk(func(path string, g *hdf5.Group, d *hdf5.Dataset) error {
		if d != nil {
			fmt.Println(path, d.DType(), d.Shape())
		}
		return nil
	})
	// The file also holds structures outside the supported subset.
	fmt.Println("unsupported:", errors.Is(err, hdf5.ErrUnsupported))

	node, err := f.Root().Group("node")
	if err != nil {
		log.Fatal(err)
	}
	edges, err := node.Dataset("edges")
	if err != nil {
		log.Fatal(err)
	}
	s, _ := edges.ReadStrings()
	fmt.Println(s)
	lif, _ := node.Group("nodes/lif")
	v, _ := lif.Attr("label").Value()
	fmt.Println(v)
	// Output:
	// /node/big_be int32 [2 3]
	// /node/edges string [2 2]
	// /node/nodes/lif/tau float32 [2]
	// /node/nodes/lif/type string []
	// unsupported: true
	// [input lif lif output]
	// neuron
}

// ExampleDataset_ReadFloat64s reads a chunked, shuffled, gzip-compressed
// big-endian array.
func ExampleDataset_ReadFloat64s() {
	f, err := hdf5.OpenFile("testdata/v0.h5")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	d, err := f.Root().Dataset("layouts/chunked_gzip_shuffle")
	if err != nil {
		log.Fatal(err)
	}
	v, err := d.ReadFloat64s()
	fmt.Println(d.DType(), d.Shape(), d.Filters(), v[:6], err)
	// Output:
	// float64 [7 5] [2 1] [0 0.125 0.25 0.375 0.5 0.625] <nil>
}
