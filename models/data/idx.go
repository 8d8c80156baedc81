package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// IDX is a decoded IDX file of unsigned bytes (element type 0x08, the type of every
// MNIST-format file).
type IDX struct {
	Dims []int  // sizes, outermost first, e.g. [60000 28 28]
	Data []byte // row-major elements, len = product of Dims
}

// MaxIDXElements bounds the element count of an IDX file (4 GiB of bytes).
const MaxIDXElements = 1 << 32

// ReadIDX reads an IDX file of unsigned bytes from r. If r starts with the gzip magic
// it is decompressed. It checks the magic number, the element type, the dimension
// count and sizes, and that the data is exactly as long as the dimensions say
// (a truncated file or trailing bytes are errors). Memory grows only as data arrives,
// so a corrupted header cannot force a huge allocation.
func ReadIDX(r io.Reader) (*IDX, error) { return readIDX(r, 0) }

// readIDX is ReadIDX with a hint of the decompressed size (0 if unknown), used only
// to size the first allocation; the data still has to arrive to be kept.
func readIDX(r io.Reader, sizeHint int64) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("idx: corrupted gzip stream: %w", err)
		}
		defer zr.Close()
		zr.Multistream(false)
		br = bufio.NewReader(zr)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, fmt.Errorf("idx: truncated magic number: %w", err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("idx: bad magic number %02x%02x%02x%02x: not an IDX file", head[0], head[1], head[2], head[3])
	}
	if head[2] != 0x08 {
		return nil, fmt.Errorf("idx: element type 0x%02x not supported (want 0x08, unsigned byte)", head[2])
	}
	nd := int(head[3])
	if nd < 1 || nd > 8 {
		return nil, fmt.Errorf("idx: %d dimensions, want 1 to 8", nd)
	}
	dims := make([]int, nd)
	n := uint64(1)
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("idx: truncated header (dimension %d): %w", i, err)
		}
		d := binary.BigEndian.Uint32(b[:])
		dims[i] = int(d)
		n *= uint64(d)
		if n > MaxIDXElements {
			return nil, fmt.Errorf("idx: dimensions %v exceed %d elements", dims[:i+1], uint64(MaxIDXElements))
		}
	}
	// Grow as data arrives: start at the hint (or 1 MiB), then double.
	data := make([]byte, 0, min(n, uint64(max(sizeHint, 1<<20))))
	for uint64(len(data)) < n {
		if len(data) == cap(data) {
			data = slices.Grow(data, int(min(n-uint64(len(data)), uint64(len(data)))))
		}
		end := int(min(uint64(cap(data)), n))
		m, err := io.ReadFull(br, data[len(data):end])
		data = data[:len(data)+m]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("idx: truncated data: dimensions %v need %d bytes, file has %d", dims, n, len(data))
		}
		if err != nil {
			return nil, fmt.Errorf("idx: reading data: %w", err)
		}
	}
	if _, err := br.ReadByte(); err == nil {
		return nil, fmt.Errorf("idx: trailing data after %d bytes for dimensions %v", n, dims)
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("idx: reading data: %w", err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// ReadIDXFile reads the IDX file at path (gzip or plain).
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := readIDX(f, sizeHint(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// sizeHint guesses the decompressed size of an IDX file: its size if plain; for gzip
// the ISIZE trailer, capped at 1032× the compressed size (deflate's maximum ratio) so
// a corrupted trailer cannot cause a large allocation. 0 if unknown.
func sizeHint(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || st.Size() < 18 {
		return 0
	}
	var head [2]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return 0
	}
	if head[0] != 0x1f || head[1] != 0x8b {
		return st.Size()
	}
	var tail [4]byte
	if _, err := f.ReadAt(tail[:], st.Size()-4); err != nil {
		return 0
	}
	return min(int64(binary.LittleEndian.Uint32(tail[:])), 1032*st.Size())
}
