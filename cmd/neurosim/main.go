// Command neurosim simulates spiking neural networks on described neuromorphic
// chips: it trains models, compiles them onto a chip spec, runs them event by
// event, and reports accuracy, energy, latency and throughput.
//
// Results go to stdout (tables, or JSON with --json); logs and progress go to
// stderr; every error exits non-zero.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "neurosim:", err)
		os.Exit(1)
	}
}
