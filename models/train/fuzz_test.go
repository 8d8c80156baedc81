package train

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheckpoint feeds arbitrary bytes to the checkpoint reader and, when
// they decode, to restore: errors are fine, panics are not.
func FuzzCheckpoint(f *testing.F) {
	net, err := Build(ArchMLP, Shape{4, 4, 1}, 3, ArchConfig{})
	if err != nil {
		f.Fatal(err)
	}
	if err := net.Init(rand.New(rand.NewPCG(1, 1))); err != nil {
		f.Fatal(err)
	}
	opt := Options{Arch: ArchMLP}.Defaults()
	op := newOptimizer(opt.Optim, net.Params())
	path := filepath.Join(f.TempDir(), "ck")
	if err := writeCheckpoint(path, newCheckpoint(1, net, op, opt, "mnist", nil)); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ck, err := decodeCheckpoint("fuzz", b)
		if err != nil {
			return
		}
		_ = ck.restore(net, op, opt, "mnist")
	})
}
