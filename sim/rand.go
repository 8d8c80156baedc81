package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Streams derives independent random streams from one root seed. The stream
// for a name depends only on (root seed, name), never on how many streams were
// made before it or in which order.
type Streams struct {
	root   uint64
	prefix string
}

// NewStreams returns the stream factory for a root seed.
func NewStreams(root uint64) Streams { return Streams{root: root} }

// Root returns the root seed.
func (s Streams) Root() uint64 { return s.root }

// Seeds returns the two PCG seed words for name: the first 16 bytes of
// SHA-256(root seed little-endian || full name), where the full name is the
// factory's prefix (see Sub) followed by name.
func (s Streams) Seeds(name string) (uint64, uint64) {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], s.root)
	h.Write(b[:])
	h.Write([]byte(s.prefix))
	h.Write([]byte(name))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])
}

// For returns a new generator for the hierarchical name, e.g.
// "chip.core[3,1].xbar/read-noise". Two calls with the same name return
// generators that produce the same sequence.
func (s Streams) For(name string) *rand.Rand {
	a, b := s.Seeds(name)
	return rand.New(rand.NewPCG(a, b))
}

// Sub returns a factory for the subtree prefix: s.Sub("chip").For("core[0]")
// is the same stream as s.For("chip/core[0]"). Components receive a Sub so
// they can name their streams locally.
func (s Streams) Sub(prefix string) Streams {
	return Streams{root: s.root, prefix: s.prefix + prefix + "/"}
}

// Derive returns a 64-bit seed for name; sweeps use it to give each point its
// own root seed.
func (s Streams) Derive(name string) uint64 {
	a, _ := s.Seeds(name)
	return a
}
