package nir

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkImport measures a whole import from memory: HDF5 parsing,
// flattening, recurrence detection and models.Verify.
func BenchmarkImport(b *testing.B) {
	for _, name := range []string{"lif_norse.nir", "braille_noDelay_bias_zero_subgraph.nir", "cnn_sinabs.nir", "lava_dl_network.net"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(dataFile(b, name))
			if err != nil {
				b.Fatal(err)
			}
			decode := Decode
			if name == "lava_dl_network.net" {
				decode = DecodeNet
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := decode(bytes.NewReader(data), int64(len(data)), Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
