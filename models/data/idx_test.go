package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// makeIDX builds an unsigned-byte IDX file with the given dims and data.
func makeIDX(dims []int, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReadIDX(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	good := makeIDX([]int{2, 2, 3}, pix)
	tests := []struct {
		name string
		in   []byte
		dims []int
		want string // error substring; "" means success
	}{
		{"plain", good, []int{2, 2, 3}, ""},
		{"gzip", gz(good), []int{2, 2, 3}, ""},
		{"labels", makeIDX([]int{3}, []byte{7, 2, 1}), []int{3}, ""},
		{"empty", nil, nil, "truncated magic"},
		{"bad magic", append([]byte{1, 0}, good[2:]...), nil, "bad magic number"},
		{"float type", append([]byte{0, 0, 0x0d}, good[3:]...), nil, "element type 0x0d not supported"},
		{"zero dims", []byte{0, 0, 8, 0}, nil, "0 dimensions"},
		{"truncated header", good[:9], nil, "truncated header"},
		{"truncated data", good[:len(good)-1], nil, "truncated data: dimensions [2 2 3] need 12 bytes, file has 11"},
		{"truncated gzip", gz(good)[:20], nil, "idx:"},
		{"trailing", append(bytes.Clone(good), 0), nil, "trailing data"},
		{"huge dims", makeIDX([]int{1 << 30, 1 << 30}, nil), nil, "exceed"},
		{"large dims short file", makeIDX([]int{60000, 28, 28}, pix), nil, "need 47040000 bytes, file has 12"},
		{"corrupt gzip crc", func() []byte { b := gz(good); b[len(b)-6] ^= 0xff; return b }(), nil, "idx:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tc.in))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(x.Dims, tc.dims) {
				t.Errorf("dims %v, want %v", x.Dims, tc.dims)
			}
		})
	}
}

func TestNewSplitChecks(t *testing.T) {
	img := &IDX{Dims: []int{2, 2, 2}, Data: make([]byte, 8)}
	tests := []struct {
		name     string
		img, lbl *IDX
		want     string
	}{
		{"ok", img, &IDX{Dims: []int{2}, Data: []byte{0, 9}}, ""},
		{"labels as images", &IDX{Dims: []int{2}, Data: []byte{0, 1}}, &IDX{Dims: []int{2}, Data: []byte{0, 1}}, "want [N, rows, cols]"},
		{"images as labels", img, img, "want [N]"},
		{"count mismatch", img, &IDX{Dims: []int{3}, Data: []byte{0, 1, 2}}, "2 images but 3 labels"},
		{"label range", img, &IDX{Dims: []int{2}, Data: []byte{0, 10}}, "label 10 of sample 1 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSplit(tc.img, tc.lbl, 10)
			if tc.want == "" {
				if err != nil || s.N != 2 || s.Rows != 2 {
					t.Fatalf("split %+v, err %v", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func FuzzReadIDX(f *testing.F) {
	good := makeIDX([]int{2, 2, 3}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add(good)
	f.Add(gz(good))
	f.Add(makeIDX([]int{3}, []byte{1, 2, 3}))
	f.Add(makeIDX([]int{60000, 28, 28}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("dims %v but %d bytes", x.Dims, len(x.Data))
		}
		// A plain file that decodes re-encodes to itself.
		if len(b) > 1 && b[0] != 0x1f && !bytes.Equal(makeIDX(x.Dims, x.Data), b) {
			t.Fatal("re-encoding differs")
		}
	})
}
