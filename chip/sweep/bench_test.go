package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurosim/neurosim/models/data"
)

// BenchmarkSweep25 runs a 25-point sweep (5 NoC buffer depths × 5 seeds,
// 8 MNIST test images per point, each point compiled and run on the
// default chip) with 1 and 2 workers. Points are independent, so 2 workers
// on 2 idle cores should take about half the time of 1.
func BenchmarkSweep25(b *testing.B) {
	if _, err := data.Load("mnist", ""); err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "s.toml")
	os.WriteFile(path, []byte("name = 'bench'\nlimit = 8\nseeds = 5\nlane = 8\n[[axis]]\npath = 'noc.buffer_flits'\nvalues = [1, 2, 3, 4, 8]\n"), 0o644)
	s, err := ParseFile(path)
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.Resolve()
	if err != nil {
		b.Fatal(err)
	}
	eval, err := ChipEvaluator(p)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out, err := os.MkdirTemp(dir, "run")
				if err != nil {
					b.Fatal(err)
				}
				n, err := Run(context.Background(), p, out, Options{Workers: w, Eval: eval})
				if err != nil || n != 25 {
					b.Fatalf("ran %d: %v", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)/25*1000, "ms/point")
		})
	}
}
