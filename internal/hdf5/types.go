package hdf5

import (
	"fmt"
	"strconv"
)

// Class is the kind of a datatype as far as this package decodes it.
type Class uint8

const (
	// Other covers every datatype class this package does not convert:
	// time, bitfield, opaque, compound, reference, array, variable-length
	// sequences. Such data can be walked past but not read.
	Other Class = iota
	Integer
	Float
	String
	Enum // an enumeration, read as its base integer type
)

func (c Class) String() string {
	switch c {
	case Integer:
		return "integer"
	case Float:
		return "float"
	case String:
		return "string"
	case Enum:
		return "enum"
	}
	return "other"
}

// DType describes the element type of a dataset or attribute.
type DType struct {
	Class     Class
	Size      int  // bytes per stored element (for variable-length strings, the size of the heap reference)
	Signed    bool // integers
	BigEndian bool // integers and floats
	VarLen    bool // strings: variable length (in the global heap) rather than fixed length
	HDFClass  int  // the HDF5 datatype class number (0 fixed-point ... 10 array)

	strPad uint8  // fixed-length strings: 0 null-terminated, 1 null-padded, 2 space-padded
	base   *DType // enum: the base integer type
}

// String returns a short numpy-like name: "float32", "int64", "uint8",
// "string" (variable length), "S12" (fixed length), "enum(int8)", "other(6)".
func (t DType) String() string {
	switch t.Class {
	case Integer:
		if t.Signed {
			return "int" + strconv.Itoa(8*t.Size)
		}
		return "uint" + strconv.Itoa(8*t.Size)
	case Float:
		return "float" + strconv.Itoa(8*t.Size)
	case String:
		if t.VarLen {
			return "string"
		}
		return "S" + strconv.Itoa(t.Size)
	case Enum:
		if t.base != nil {
			return "enum(" + t.base.String() + ")"
		}
		return "enum"
	}
	return fmt.Sprintf("other(%d)", t.HDFClass)
}

// numeric returns the integer or float type values are decoded from, or nil.
func (t *DType) numeric() *DType {
	switch t.Class {
	case Integer, Float:
		return t
	case Enum:
		return t.base
	}
	return nil
}

// parseDatatype decodes a datatype message from c. depth bounds nesting.
func (f *File) parseDatatype(c *cursor, depth int) *DType {
	start := c.at()
	if depth > maxTypeDepth {
		c.failf("datatype nested more than %d deep", maxTypeDepth)
		return nil
	}
	cv := c.u8()
	b0, b1 := c.u8(), c.u8()
	c.u8() // bits 16-23: unused by the classes decoded here
	size := c.u32()
	if c.err != nil {
		return nil
	}
	class, version := int(cv&0x0f), int(cv>>4)
	if version < 1 || version > 5 {
		c.err = errAt("datatype", start, "version %d", version)
		return nil
	}
	if size == 0 || uint64(size) > f.dataLimit() {
		c.err = errAt("datatype", start, "element size %d", size)
		return nil
	}
	t := &DType{Size: int(size), HDFClass: class}
	switch class {
	case 0: // fixed-point
		t.Class = Integer
		t.BigEndian = b0&0x01 != 0
		t.Signed = b0&0x08 != 0
		off, prec := c.u16(), c.u16()
		if c.err != nil {
			return nil
		}
		if size != 1 && size != 2 && size != 4 && size != 8 {
			c.err = unsupportedAt("datatype", start, "%d-byte integer", size)
			return nil
		}
		if off != 0 || uint32(prec) != 8*size {
			c.err = unsupportedAt("datatype", start, "integer with bit offset %d, precision %d in %d bytes", off, prec, size)
			return nil
		}
	case 1: // floating point
		t.Class = Float
		order := b0&0x01 | (b0>>5)&0x02
		if order > 1 {
			c.err = unsupportedAt("datatype", start, "float byte order %d (VAX or reserved)", order)
			return nil
		}
		t.BigEndian = order == 1
		off, prec := c.u16(), c.u16()
		eloc, esize, mloc, msize := c.u8(), c.u8(), c.u8(), c.u8()
		bias := c.u32()
		if c.err != nil {
			return nil
		}
		sign := b1
		ok := false
		switch size {
		case 4:
			ok = off == 0 && prec == 32 && eloc == 23 && esize == 8 && mloc == 0 && msize == 23 && bias == 127 && sign == 31
		case 8:
			ok = off == 0 && prec == 64 && eloc == 52 && esize == 11 && mloc == 0 && msize == 52 && bias == 1023 && sign == 63
		}
		if !ok {
			c.err = unsupportedAt("datatype", start, "%d-byte float that is not IEEE 754 binary32/binary64", size)
			return nil
		}
	case 3: // fixed-length string
		t.Class = String
		t.strPad = b0 & 0x0f
	case 8: // enumeration: base type, then names and values (not needed)
		t.Class = Enum
		t.base = f.parseDatatype(c, depth+1)
		if c.err != nil {
			return nil
		}
		if t.base.Class != Integer || t.base.Size != t.Size {
			c.err = unsupportedAt("datatype", start, "enum over %s", t.base)
			return nil
		}
	case 9: // variable length
		kind := b0 & 0x0f
		base := f.parseDatatype(c, depth+1)
		if c.err != nil {
			// The base type of a sequence may be anything; only strings are read.
			if kind == 1 {
				return nil
			}
			c.err = nil
			return t
		}
		if kind == 1 {
			t.Class = String
			t.VarLen = true
			t.strPad = (b0 >> 4) & 0x0f
			if int(size) != 4+f.offSize+4 {
				c.err = errAt("datatype", start, "variable-length string of size %d, want %d", size, 4+f.offSize+4)
				return nil
			}
			_ = base
		}
	default:
		// time, bitfield, opaque, compound, reference, array: class Other.
	}
	return t
}

// dataspace is a scalar, simple or null dataspace.
type dataspace struct {
	null bool
	dims []uint64 // empty for scalar
}

func (s *dataspace) count() uint64 {
	if s.null {
		return 0
	}
	n := uint64(1)
	for _, d := range s.dims {
		n *= d // overflow checked at parse
	}
	return n
}

func (s *dataspace) shape() []int {
	out := make([]int, len(s.dims))
	for i, d := range s.dims {
		out[i] = int(d)
	}
	return out
}

func (f *File) parseDataspace(c *cursor) *dataspace {
	start := c.at()
	version := c.u8()
	rank := int(c.u8())
	flags := c.u8()
	s := &dataspace{}
	switch version {
	case 1:
		c.skip(5)
	case 2:
		switch c.u8() {
		case 0:
			if rank != 0 {
				c.failf("scalar dataspace of rank %d", rank)
			}
		case 1:
		case 2:
			s.null = true
		default:
			c.failf("unknown dataspace type")
		}
	default:
		c.failf("dataspace version %d", version)
	}
	if c.err != nil {
		return nil
	}
	if rank > maxRank {
		c.err = errAt("dataspace", start, "rank %d > %d", rank, maxRank)
		return nil
	}
	if rank > 0 {
		s.dims = make([]uint64, rank)
	}
	n := uint64(1)
	for i := range s.dims {
		s.dims[i] = c.length()
		if c.err != nil {
			return nil
		}
		d := s.dims[i]
		if d != 0 && n > f.dataLimit()/d {
			c.err = errAt("dataspace", start, "%v elements exceed the limit %d", s.dims, f.dataLimit())
			return nil
		}
		n *= d
	}
	if flags&0x01 != 0 {
		for range s.dims {
			c.length() // maximum dimension sizes: not needed to read
		}
	}
	if c.err != nil {
		return nil
	}
	return s
}
