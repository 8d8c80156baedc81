package models

import "testing"

func BenchmarkDecodeNSM(b *testing.B) {
	buf := encode(b, richGraph())
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeNSM(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	g := richGraph()
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(g); err != nil {
			b.Fatal(err)
		}
	}
}
