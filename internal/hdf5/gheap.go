package hdf5

// globalHeap is one parsed global heap collection ("GCOL").
type globalHeap struct {
	objs map[uint16][]byte
}

func (f *File) globalHeap(addr uint64) (*globalHeap, error) {
	if h, ok := f.gheaps[addr]; ok {
		if h == nil {
			return nil, errAt("global heap collection", -1, "collection %#x failed to parse earlier", addr)
		}
		return h, nil
	}
	f.gheaps[addr] = nil
	const what = "global heap collection"
	c, err := f.read(what, addr, uint64(8+f.lenSize))
	if err != nil {
		return nil, err
	}
	c.sig("GCOL")
	if v := c.u8(); v != 1 && c.err == nil {
		return nil, errAt(what, c.off, "version %d", v)
	}
	c.skip(3)
	size := c.length()
	if c.err != nil {
		return nil, c.err
	}
	if size < uint64(8+f.lenSize) {
		return nil, errAt(what, c.off, "collection size %d too small", size)
	}
	c, err = f.read(what, addr, size)
	if err != nil {
		return nil, err
	}
	c.skip(8 + f.lenSize)
	h := &globalHeap{objs: map[uint16][]byte{}}
	hdr := 8 + f.lenSize
	for c.left() >= hdr {
		at := c.at()
		idx := c.u16()
		c.u16() // reference count
		c.skip(4)
		n := c.length()
		if c.err != nil {
			return nil, c.err
		}
		if idx == 0 { // free space: the rest of the collection
			break
		}
		if n > uint64(c.left()) {
			return nil, errAt(what, at, "object %d of %d bytes exceeds the collection", idx, n)
		}
		if _, dup := h.objs[idx]; dup {
			return nil, errAt(what, at, "object index %d repeated", idx)
		}
		h.objs[idx] = c.bytes(int(n))
		if p := pad8(int(n)) - int(n); p <= c.left() {
			c.skip(p)
		} else {
			break
		}
	}
	f.gheaps[addr] = h
	return h, nil
}

// vlenString reads a variable-length string element: length, collection
// address, object index.
func (f *File) vlenString(elem []byte, off int64) (string, error) {
	c := f.cursor("variable-length string", off, elem)
	n := c.u32()
	addr := c.addr()
	idx := c.u32()
	if c.err != nil {
		return "", c.err
	}
	if n == 0 || addr == undef {
		return "", nil
	}
	h, err := f.globalHeap(addr)
	if err != nil {
		return "", err
	}
	if idx > 0xffff {
		return "", errAt("variable-length string", off, "heap index %d out of range", idx)
	}
	obj, ok := h.objs[uint16(idx)]
	if !ok {
		return "", errAt("variable-length string", off, "no object %d in global heap %#x", idx, addr)
	}
	if uint64(n) > uint64(len(obj)) {
		return "", errAt("variable-length string", off, "length %d exceeds heap object of %d bytes", n, len(obj))
	}
	return string(obj[:n]), nil
}
