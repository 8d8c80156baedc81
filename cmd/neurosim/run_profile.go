package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// A hidden --cpuprofile flag on `run` and `compile`, for performance work:
// `neurosim run --cpuprofile cpu.out` writes a pprof CPU profile of the whole
// command (go tool pprof -top cpu.out); `neurosim compile --zoo
// e-spikeformer-large-768 --cpuprofile cpu.out` profiles the compile of the
// largest zoo model (docs/bench-zoo.md). A hidden --memprofile writes a heap
// profile when the command ends (go tool pprof -sample_index=alloc_space:
// where the command's memory was allocated; the heap is not collected first,
// so inuse_space shows what the last collection found live).
func init() {
	for i, mk := range subcommands {
		subcommands[i] = func() *cobra.Command {
			c := mk()
			if c.Name() == "run" || c.Name() == "compile" {
				addCPUProfileFlag(c)
				addMemProfileFlag(c)
			}
			return c
		}
	}
}

func addCPUProfileFlag(c *cobra.Command) {
	var path string
	c.Flags().StringVar(&path, "cpuprofile", "", "write a CPU profile of the run to this file")
	_ = c.Flags().MarkHidden("cpuprofile")
	run := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) (err error) {
		if path == "" {
			return run(cmd, args)
		}
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("cpuprofile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("cpuprofile: %w", cerr)
			}
		}()
		return run(cmd, args)
	}
}

func addMemProfileFlag(c *cobra.Command) {
	var path string
	c.Flags().StringVar(&path, "memprofile", "", "write a heap profile to this file when the command ends")
	_ = c.Flags().MarkHidden("memprofile")
	run := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		err := run(cmd, args)
		if path == "" {
			return err
		}
		f, ferr := os.Create(path)
		if ferr != nil {
			return fmt.Errorf("memprofile: %w", ferr)
		}
		if werr := pprof.Lookup("heap").WriteTo(f, 0); werr != nil {
			f.Close()
			return fmt.Errorf("memprofile: %w", werr)
		}
		if cerr := f.Close(); cerr != nil {
			return fmt.Errorf("memprofile: %w", cerr)
		}
		return err
	}
}
