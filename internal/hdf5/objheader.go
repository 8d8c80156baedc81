package hdf5

import "fmt"

// Object header message types used by this package.
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgBogus        = 0x09
	msgGroupInfo    = 0x0A
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgComment      = 0x0D
	msgModTimeOld   = 0x0E
	msgSharedTable  = 0x0F
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgModTime      = 0x12
	msgBTreeK       = 0x13
	msgDriverInfo   = 0x14
	msgAttrInfo     = 0x15
	msgRefCount     = 0x16
	msgFileSpace    = 0x17
)

// message is one object header message; data aliases the header block.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	off   int64 // absolute file offset of data
}

func (m *message) shared() bool { return m.flags&0x02 != 0 }

func (f *File) msgCursor(what string, m *message) *cursor {
	return f.cursor(what, m.off, m.data)
}

// objHeader is a parsed object header: all messages of all its chunks.
type objHeader struct {
	addr   uint64
	off    int64
	msgs   []message
	chunks int     // header chunks read: 1 + continuations followed
	conts  []int64 // file offsets of the continuation messages' data
}

func (h *objHeader) first(typ uint16) *message {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			return &h.msgs[i]
		}
	}
	return nil
}

type block struct{ addr, size uint64 }

// readObjectHeader parses the object header at addr (version 1 or 2),
// following continuation messages. Each chunk is visited once, so a cycle of
// continuations is an error, not a loop.
func (f *File) readObjectHeader(addr uint64) (*objHeader, error) {
	const what = "object header"
	off, err := f.abs(what, addr)
	if err != nil {
		return nil, err
	}
	c, err := f.readUpTo(what, addr, 4)
	if err != nil {
		return nil, err
	}
	h := &objHeader{addr: addr, off: off}
	if len(c.b) >= 4 && string(c.b[:4]) == "OHDR" {
		return h, f.readObjectHeaderV2(h)
	}
	if len(c.b) >= 1 && c.b[0] == 1 {
		return h, f.readObjectHeaderV1(h)
	}
	return nil, errAt(what, off, "neither version 1 nor \"OHDR\" (first bytes % x)", c.b)
}

func (f *File) readObjectHeaderV1(h *objHeader) error {
	const what = "object header v1"
	c, err := f.read(what, h.addr, 16)
	if err != nil {
		return err
	}
	c.skip(2) // version, reserved
	c.u16()   // number of messages: counted as found instead
	c.u32()   // reference count
	size := c.u32()
	if c.err != nil {
		return c.err
	}
	todo := []block{{h.addr + 16, uint64(size)}}
	return f.readHeaderBlocks(h, todo, 1)
}

func (f *File) readObjectHeaderV2(h *objHeader) error {
	const what = "object header v2"
	c, err := f.read(what, h.addr, 6)
	if err != nil {
		return err
	}
	c.skip(4)
	if v := c.u8(); v != 2 {
		return errAt(what, h.off+4, "version %d, want 2", v)
	}
	flags := c.u8()
	n := uint64(0)
	if flags&0x20 != 0 {
		n += 16 // access, modification, change, birth times
	}
	if flags&0x10 != 0 {
		n += 4 // max compact / min dense attributes
	}
	width := 1 << (flags & 3)
	c, err = f.read(what, h.addr+6, n+uint64(width))
	if err != nil {
		return err
	}
	c.skip(int(n))
	size := c.uvar(width)
	if c.err != nil {
		return c.err
	}
	start := h.addr + 6 + n + uint64(width)
	todo := []block{{start, size}}
	return f.readHeaderBlocks(h, todo, 2|int(flags)<<8)
}

// readHeaderBlocks parses message blocks. kind is 1 for version 1 headers;
// for version 2 it is 2 | flags<<8.
func (f *File) readHeaderBlocks(h *objHeader, todo []block, kind int) error {
	seen := map[uint64]bool{}
	v2 := kind&0xff == 2
	flags := uint8(kind >> 8)
	first := true
	for len(todo) > 0 {
		b := todo[0]
		todo = todo[1:]
		if seen[b.addr] {
			return errAt("object header continuation", h.off, "chunk at %#x visited twice (cycle)", b.addr)
		}
		seen[b.addr] = true
		h.chunks++
		if len(seen) > maxHeaderBlocks {
			return errAt("object header", h.off, "more than %d chunks", maxHeaderBlocks)
		}
		what := "object header chunk"
		size := b.size
		if size > uint64(f.size) {
			return errAt(what, h.off, "chunk of %d bytes is larger than the file", size)
		}
		if v2 {
			size += 4 // checksum
		}
		c, err := f.read(what, b.addr, size)
		if err != nil {
			return err
		}
		end := len(c.b)
		if v2 {
			end -= 4
			if !first {
				if !c.sig("OCHK") {
					return c.err
				}
			}
		}
		first = false
		c.b = c.b[:end]
		hdr := 8
		if v2 {
			hdr = 4
			if flags&0x04 != 0 {
				hdr = 6
			}
		}
		for c.left() >= hdr {
			var m message
			if v2 {
				m.typ = uint16(c.u8())
				n := int(c.u16())
				m.flags = c.u8()
				if flags&0x04 != 0 {
					c.u16() // creation order
				}
				m.off = c.at()
				m.data = c.bytes(n)
			} else {
				m.typ = c.u16()
				n := int(c.u16())
				m.flags = c.u8()
				c.skip(3)
				m.off = c.at()
				m.data = c.bytes(n)
			}
			if c.err != nil {
				return c.err
			}
			if len(h.msgs) >= maxMessages {
				return errAt(what, m.off, "more than %d messages", maxMessages)
			}
			if m.typ == msgContinuation {
				h.conts = append(h.conts, m.off)
				mc := f.msgCursor("continuation message", &m)
				next := block{mc.addr(), mc.length()}
				if mc.err != nil {
					return mc.err
				}
				if next.addr == undef || next.size == 0 {
					return errAt("continuation message", m.off, "empty or undefined chunk")
				}
				if v2 && next.size < 8 {
					return errAt("continuation message", m.off, "chunk of %d bytes is too small", next.size)
				}
				if v2 {
					// OCHK chunks: the size includes signature and checksum.
					next = block{next.addr, next.size - 4}
				}
				todo = append(todo, next)
				continue
			}
			if m.typ > 0x18 && m.flags&0x80 != 0 { // 0x18 is the highest type the spec defines
				return unsupportedAt(what, m.off, "message type %#x marked fail-if-unknown", m.typ)
			}
			h.msgs = append(h.msgs, m)
		}
	}
	return nil
}

func (m message) String() string {
	return fmt.Sprintf("msg %#x (%d bytes at %#x)", m.typ, len(m.data), m.off)
}
