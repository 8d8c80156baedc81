package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

func openBytes(b []byte) (*File, error) { return Open(bytes.NewReader(b), int64(len(b))) }

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTruncated cuts a valid file at many lengths: every cut either opens
// (the cut spared what Open reads) or fails with a *FormatError; walking
// what opened never panics.
func TestTruncated(t *testing.T) {
	b := readTestdata(t, "v0.h5")
	for n := 0; n < len(b); n += 37 {
		f, err := openBytes(b[:n])
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("cut at %d: error %v (%T) is not a *FormatError", n, err, err)
			}
			continue
		}
		walkEverything(f)
	}
}

func TestCorruptions(t *testing.T) {
	v0 := readTestdata(t, "v0.h5")
	f, err := openBytes(v0)
	if err != nil {
		t.Fatal(err)
	}
	// Locate structures with the parser itself, then break them.
	rootHeader, err := f.readObjectHeader(f.root.addr)
	if err != nil {
		t.Fatal(err)
	}
	st := rootHeader.first(msgSymbolTable)
	btree := int64(binary.LittleEndian.Uint64(st.data))
	gz, _, err := f.root.resolve("layouts/chunked_gzip")
	if err != nil || len(gz.conts) == 0 {
		t.Fatalf("chunked_gzip: %v, continuations %v", err, gz.conts)
	}
	cont := gz.conts[0]

	tests := []struct {
		name  string
		patch func(b []byte)
		open  bool   // the error appears when walking, not in Open
		want  string // substring of the error
		unsup bool   // errors.Is(err, ErrUnsupported)
	}{
		{"signature", func(b []byte) { b[1] = 'X' }, false, "not an HDF5 file", false},
		{"superblock version", func(b []byte) { b[8] = 9 }, false, "superblock version 9", true},
		{"offset size", func(b []byte) { b[13] = 3 }, false, "offset size 3", true},
		{"root header address", func(b []byte) { binary.LittleEndian.PutUint64(b[0x40:], 1<<40) }, false, "outside the file", false},
		{"B-tree signature", func(b []byte) { b[btree] = 'X' }, false, "bad signature", false},
		{"B-tree cycle", func(b []byte) {
			b[btree+5] = 1 // level 1: children are B-tree nodes
			binary.LittleEndian.PutUint64(b[btree+24+8:], uint64(btree))
		}, false, "reached twice", false},
		{"continuation cycle", func(b []byte) {
			binary.LittleEndian.PutUint64(b[cont:], gz.addr+16)
		}, true, "visited twice", false},
		{"continuation length", func(b []byte) {
			binary.LittleEndian.PutUint64(b[cont+8:], 1<<62)
		}, true, "larger than the file", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), v0...)
			tc.patch(b)
			f, err := openBytes(b)
			if tc.open {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				_, err = f.Root().Dataset("layouts/chunked_gzip")
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if errors.Is(err, ErrUnsupported) != tc.unsup {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v", err, !tc.unsup)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%v is not a *FormatError", err)
			}
		})
	}
}
