package hdf5

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// undef is the undefined address (all bits set in the file's offset size).
const undef = ^uint64(0)

// Limits that bound work and memory on hostile input. Every size read from
// the file is also bounded by the file size.
const (
	maxRank         = 32      // HDF5's own limit on dataspace rank
	maxMessages     = 1 << 16 // object header messages per object
	maxHeaderBlocks = 1 << 12 // object header chunks (continuations) per object
	maxBTreeNodes   = 1 << 20 // B-tree nodes visited in one walk
	maxFilters      = 32      // filters in one pipeline
	maxTypeDepth    = 8       // nesting of enum / variable-length base types
	maxLinkDepth    = 16      // soft links followed while resolving one path
	maxDataBytes    = 1 << 31 // decoded bytes of one dataset or attribute
	inflateRatio    = 1032    // deflate's maximum expansion ratio
)

var signature = []byte{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}

// File is an open HDF5 file. It is safe for concurrent reads only if the
// underlying io.ReaderAt is; the global-heap cache is not locked.
type File struct {
	r       io.ReaderAt
	closer  io.Closer
	size    int64
	base    uint64 // base address: every address is relative to it
	offSize int
	lenSize int
	version int // superblock version
	root    *Group
	gheaps  map[uint64]*globalHeap
}

// OpenFile opens the HDF5 file at path. Close releases it.
func OpenFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	f, err := Open(fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closer = fh
	return f, nil
}

// Open reads the superblock and root group of the HDF5 file of the given
// size held in r. r must stay readable while the File is used.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, errAt("file", -1, "negative size %d", size)
	}
	f := &File{r: r, size: size, offSize: 8, lenSize: 8, gheaps: map[uint64]*globalHeap{}}
	sb, err := f.findSuperblock()
	if err != nil {
		return nil, err
	}
	rootAddr, err := f.readSuperblock(sb)
	if err != nil {
		return nil, err
	}
	g, err := f.openGroup(rootAddr, "/")
	if err != nil {
		return nil, err
	}
	f.root = g
	return f, nil
}

// Close closes the file if it was opened by OpenFile; otherwise it does nothing.
func (f *File) Close() error {
	if f.closer != nil {
		err := f.closer.Close()
		f.closer = nil
		return err
	}
	return nil
}

// Root returns the root group "/".
func (f *File) Root() *Group { return f.root }

// SuperblockVersion reports the superblock version (0-3).
func (f *File) SuperblockVersion() int { return f.version }

// findSuperblock looks for the signature at 0, 512, 1024, 2048, ...
func (f *File) findSuperblock() (int64, error) {
	var buf [8]byte
	for off := int64(0); off+8 <= f.size; {
		if _, err := f.r.ReadAt(buf[:], off); err != nil && !errors.Is(err, io.EOF) {
			return 0, errAt("signature", off, "%v", err)
		}
		if string(buf[:]) == string(signature) {
			return off, nil
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return 0, errAt("signature", 0, "not an HDF5 file (no signature at 0, 512, 1024, ...)")
}

// readAbs reads n bytes at absolute offset off, bounded by the file size.
func (f *File) readAbs(what string, off int64, n uint64) ([]byte, error) {
	if off < 0 || off > f.size {
		return nil, errAt(what, off, "offset outside the file (size %d)", f.size)
	}
	if n > uint64(f.size-off) {
		return nil, errAt(what, off, "%d bytes extend past the end of the file (size %d)", n, f.size)
	}
	buf := make([]byte, n)
	if k, err := f.r.ReadAt(buf, off); k < len(buf) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, errAt(what, off, "%v", err)
	}
	return buf, nil
}

// abs converts a file address into an absolute offset, checking it lies
// inside the file.
func (f *File) abs(what string, addr uint64) (int64, error) {
	if addr == undef {
		return 0, errAt(what, -1, "undefined address")
	}
	a := f.base + addr
	if a < f.base || a > uint64(f.size) {
		return 0, errAt(what, -1, "address %#x outside the file (size %d)", addr, f.size)
	}
	return int64(a), nil
}

// read reads n bytes at file address addr and returns a cursor over them.
func (f *File) read(what string, addr uint64, n uint64) (*cursor, error) {
	off, err := f.abs(what, addr)
	if err != nil {
		return nil, err
	}
	b, err := f.readAbs(what, off, n)
	if err != nil {
		return nil, err
	}
	return f.cursor(what, off, b), nil
}

// readUpTo reads at most n bytes at addr (fewer at the end of the file).
func (f *File) readUpTo(what string, addr uint64, n uint64) (*cursor, error) {
	off, err := f.abs(what, addr)
	if err != nil {
		return nil, err
	}
	if rest := uint64(f.size - off); n > rest {
		n = rest
	}
	b, err := f.readAbs(what, off, n)
	if err != nil {
		return nil, err
	}
	return f.cursor(what, off, b), nil
}

// dataLimit bounds the decoded size of one dataset, attribute or chunk: no
// more than deflate could expand the whole file to, and never above
// maxDataBytes.
func (f *File) dataLimit() uint64 {
	l := uint64(f.size)*inflateRatio + 1<<16
	if l > maxDataBytes {
		l = maxDataBytes
	}
	return l
}

func (f *File) readSuperblock(sbOff int64) (uint64, error) {
	const what = "superblock"
	c, err := f.readAbsCursor(what, sbOff, 8+4)
	if err != nil {
		return 0, err
	}
	c.skip(8)
	f.version = int(c.u8())
	switch f.version {
	case 0, 1:
		c, err = f.readAbsCursor(what, sbOff, 24)
		if err != nil {
			return 0, err
		}
		c.skip(9)
		if v := c.u8(); v != 0 {
			return 0, unsupportedAt(what, sbOff+9, "free-space version %d", v)
		}
		if v := c.u8(); v != 0 {
			return 0, unsupportedAt(what, sbOff+10, "root symbol table entry version %d", v)
		}
		c.skip(1)
		if v := c.u8(); v != 0 {
			return 0, unsupportedAt(what, sbOff+12, "shared header message format version %d", v)
		}
		if err := f.setSizes(c, int(c.u8()), int(c.u8())); err != nil {
			return 0, err
		}
		n := 24 + 4*f.offSize + f.entrySize()
		if f.version == 1 {
			n += 4
		}
		c, err = f.readAbsCursor(what, sbOff, uint64(n))
		if err != nil {
			return 0, err
		}
		c.skip(24)
		if f.version == 1 {
			c.skip(4) // indexed storage internal node K, reserved
		}
		f.base = c.addr()
		c.addr() // free-space info
		c.addr() // end of file
		c.addr() // driver info block
		e := f.symbolEntry(c)
		if c.err != nil {
			return 0, c.err
		}
		if err := f.checkBase(sbOff); err != nil {
			return 0, err
		}
		return e.header, nil
	case 2, 3:
		c, err = f.readAbsCursor(what, sbOff, 12)
		if err != nil {
			return 0, err
		}
		c.skip(9)
		if err := f.setSizes(c, int(c.u8()), int(c.u8())); err != nil {
			return 0, err
		}
		c, err = f.readAbsCursor(what, sbOff, uint64(12+4*f.offSize+4))
		if err != nil {
			return 0, err
		}
		c.skip(12)
		f.base = c.addr()
		c.addr() // superblock extension
		c.addr() // end of file
		root := c.addr()
		if c.err != nil {
			return 0, c.err
		}
		if err := f.checkBase(sbOff); err != nil {
			return 0, err
		}
		return root, nil
	default:
		return 0, unsupportedAt(what, sbOff+8, "superblock version %d", f.version)
	}
}

func (f *File) checkBase(sbOff int64) error {
	if f.base == undef || f.base > uint64(f.size) {
		return errAt("superblock", sbOff, "base address %#x outside the file", f.base)
	}
	return nil
}

func (f *File) setSizes(c *cursor, off, length int) error {
	if c.err != nil {
		return c.err
	}
	ok := func(n int) bool { return n == 2 || n == 4 || n == 8 }
	if !ok(off) || !ok(length) {
		return unsupportedAt("superblock", c.off, "offset size %d, length size %d (want 2, 4 or 8)", off, length)
	}
	f.offSize, f.lenSize = off, length
	return nil
}

func (f *File) readAbsCursor(what string, off int64, n uint64) (*cursor, error) {
	b, err := f.readAbs(what, off, n)
	if err != nil {
		return nil, err
	}
	return f.cursor(what, off, b), nil
}

// symEntry is a symbol table entry (superblock root entry and SNOD entries).
type symEntry struct {
	nameOff  uint64
	header   uint64
	cache    uint32
	softLink uint32 // cache type 2: local-heap offset of the soft link's value
}

func (f *File) entrySize() int { return 2*f.offSize + 4 + 4 + 16 }

func (f *File) symbolEntry(c *cursor) symEntry {
	var e symEntry
	e.nameOff = c.uvar(f.offSize)
	e.header = c.addr()
	e.cache = c.u32()
	c.skip(4)
	// The scratch pad caches B-tree and heap addresses for groups (type 1),
	// which the object header also holds; only soft links (type 2) need it.
	scratch := c.bytes(16)
	if c.err == nil && e.cache == 2 {
		e.softLink = uint32(scratch[0]) | uint32(scratch[1])<<8 | uint32(scratch[2])<<16 | uint32(scratch[3])<<24
	}
	return e
}
