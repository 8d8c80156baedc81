package hdf5

import "encoding/binary"

// cursor decodes little-endian fields from a byte slice that was read from
// file offset off. The first failure is kept in err and every later read
// returns zero, so decoders check err once after a group of fields.
type cursor struct {
	b    []byte
	pos  int
	off  int64 // absolute file offset of b[0]
	what string
	f    *File
	err  error
}

func (f *File) cursor(what string, off int64, b []byte) *cursor {
	return &cursor{b: b, off: off, what: what, f: f}
}

func (c *cursor) failf(format string, args ...any) {
	if c.err == nil {
		c.err = errAt(c.what, c.off+int64(c.pos), format, args...)
	}
}

func (c *cursor) unsupported(format string, args ...any) {
	if c.err == nil {
		c.err = unsupportedAt(c.what, c.off+int64(c.pos), format, args...)
	}
}

// at is the absolute file offset of the next byte.
func (c *cursor) at() int64 { return c.off + int64(c.pos) }

func (c *cursor) left() int { return len(c.b) - c.pos }

func (c *cursor) need(n int) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || n > len(c.b)-c.pos {
		c.failf("truncated: need %d bytes, %d left", n, len(c.b)-c.pos)
		return false
	}
	return true
}

func (c *cursor) u8() uint8 {
	if !c.need(1) {
		return 0
	}
	v := c.b[c.pos]
	c.pos++
	return v
}

func (c *cursor) u16() uint16 {
	if !c.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(c.b[c.pos:])
	c.pos += 2
	return v
}

func (c *cursor) u32() uint32 {
	if !c.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(c.b[c.pos:])
	c.pos += 4
	return v
}

func (c *cursor) u64() uint64 {
	if !c.need(8) {
		return 0
	}
	v := binary.LittleEndian.Uint64(c.b[c.pos:])
	c.pos += 8
	return v
}

// uvar reads an n-byte little-endian unsigned integer, 1 <= n <= 8.
func (c *cursor) uvar(n int) uint64 {
	if n < 1 || n > 8 {
		c.failf("bad integer width %d", n)
		return 0
	}
	if !c.need(n) {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(c.b[c.pos+i])
	}
	c.pos += n
	return v
}

// addr reads a file address of the superblock's offset size; the all-ones
// value maps to undef.
func (c *cursor) addr() uint64 {
	n := c.f.offSize
	v := c.uvar(n)
	if c.err == nil && n < 8 && v == 1<<(8*uint(n))-1 {
		return undef
	}
	return v
}

// length reads a length of the superblock's length size.
func (c *cursor) length() uint64 { return c.uvar(c.f.lenSize) }

func (c *cursor) bytes(n int) []byte {
	if !c.need(n) {
		return nil
	}
	v := c.b[c.pos : c.pos+n]
	c.pos += n
	return v
}

func (c *cursor) skip(n int) {
	if c.need(n) {
		c.pos += n
	}
}

// sig checks a 4-byte signature.
func (c *cursor) sig(s string) bool {
	b := c.bytes(len(s))
	if c.err != nil {
		return false
	}
	if string(b) != s {
		c.failf("bad signature %q, want %q", b, s)
		return false
	}
	return true
}

func pad8(n int) int { return (n + 7) &^ 7 }
