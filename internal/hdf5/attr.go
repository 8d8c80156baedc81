package hdf5

// Attribute is a small named value attached to a group or dataset.
type Attribute struct {
	Name  string
	f     *File
	dtype *DType
	space *dataspace
	raw   []byte // nelem * dtype.Size bytes
	off   int64
}

// DType returns the attribute's element type.
func (a *Attribute) DType() DType { return *a.dtype }

// Shape returns the attribute's dimensions; empty for a scalar.
func (a *Attribute) Shape() []int { return a.space.shape() }

// Value decodes the attribute as a Go value: for a scalar dataspace one of
// int64, float64 or string; for a simple dataspace a flat []int64,
// []float64 or []string in row-major order. Unsigned integers above
// math.MaxInt64 and other datatype classes are errors.
func (a *Attribute) Value() (any, error) {
	return a.f.decodeValue("attribute "+a.Name, a.off, a.dtype, a.space, a.raw)
}

func findAttr(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// readAttrs parses every attribute message of an object header.
func (f *File) readAttrs(h *objHeader) ([]*Attribute, error) {
	var out []*Attribute
	for i := range h.msgs {
		m := &h.msgs[i]
		switch m.typ {
		case msgAttribute:
			a, err := f.parseAttribute(m)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case msgAttrInfo:
			c := f.msgCursor("attribute info message", m)
			if v := c.u8(); v != 0 && c.err == nil {
				return nil, errAt("attribute info message", m.off, "version %d", v)
			}
			if c.u8()&0x01 != 0 {
				c.u16() // maximum creation index
			}
			heap := c.addr()
			if c.err != nil {
				return nil, c.err
			}
			if heap != undef {
				return nil, unsupportedAt("attribute info message", m.off, "dense attribute storage (fractal heap)")
			}
		}
	}
	return out, nil
}

func (f *File) parseAttribute(m *message) (*Attribute, error) {
	const what = "attribute message"
	if m.shared() {
		return nil, unsupportedAt(what, m.off, "shared attribute message")
	}
	c := f.msgCursor(what, m)
	version := c.u8()
	flags := c.u8()
	nameSize, typeSize, spaceSize := int(c.u16()), int(c.u16()), int(c.u16())
	if c.err != nil {
		return nil, c.err
	}
	pad := func(n int) int { return n }
	switch version {
	case 1:
		pad = pad8
	case 2:
	case 3:
		c.u8() // name character set
	default:
		return nil, errAt(what, m.off, "version %d", version)
	}
	if version >= 2 && flags&0x03 != 0 {
		return nil, unsupportedAt(what, m.off, "shared datatype or dataspace")
	}
	name := c.bytes(pad(nameSize))
	tb := c.bytes(pad(typeSize))
	sb := c.bytes(pad(spaceSize))
	if c.err != nil {
		return nil, c.err
	}
	if nameSize > 0 {
		name = name[:nameSize]
	}
	for len(name) > 0 && name[len(name)-1] == 0 {
		name = name[:len(name)-1]
	}
	a := &Attribute{Name: string(name), f: f, off: m.off}
	tc := f.cursor("attribute "+a.Name+" datatype", c.off+int64(c.pos-len(sb)-len(tb)), tb)
	if a.dtype = f.parseDatatype(tc, 0); tc.err != nil {
		return nil, tc.err
	}
	sc := f.cursor("attribute "+a.Name+" dataspace", c.off+int64(c.pos-len(sb)), sb)
	if a.space = f.parseDataspace(sc); sc.err != nil {
		return nil, sc.err
	}
	n := a.space.count() * uint64(a.dtype.Size)
	if n > uint64(c.left()) {
		return nil, errAt(what, c.at(), "attribute %q needs %d data bytes, message has %d", a.Name, n, c.left())
	}
	a.raw = c.bytes(int(n))
	return a, nil
}
