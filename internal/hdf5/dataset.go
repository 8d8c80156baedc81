package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"math"
)

// Layout classes.
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
)

// Filter identifiers.
const (
	filterDeflate    = 1
	filterShuffle    = 2
	filterFletcher32 = 3
)

type filter struct {
	id     uint16
	params []uint32
}

// Dataset is an HDF5 dataset: a typed array with a storage layout.
type Dataset struct {
	f       *File
	path    string
	off     int64
	dtype   *DType
	space   *dataspace
	layout  int
	addr    uint64 // contiguous data or chunk B-tree
	size    uint64 // contiguous size
	compact []byte
	chunk   []uint64 // chunk dimensions (rank of the dataspace)
	filters []filter
	attrs   []*Attribute
}

// Path returns the dataset's absolute path.
func (d *Dataset) Path() string { return d.path }

// Shape returns the dimensions; empty for a scalar.
func (d *Dataset) Shape() []int { return d.space.shape() }

// Len returns the number of elements (1 for a scalar, 0 for a null dataspace).
func (d *Dataset) Len() int { return int(d.space.count()) }

// DType returns the element type.
func (d *Dataset) DType() DType { return *d.dtype }

// Chunked reports whether the data is stored in chunks, and Filters lists
// the filter identifiers applied to them (1 deflate, 2 shuffle, 3 fletcher32).
func (d *Dataset) Chunked() bool { return d.layout == layoutChunked }

// Filters returns the identifiers of the dataset's filter pipeline.
func (d *Dataset) Filters() []int {
	out := make([]int, len(d.filters))
	for i, fl := range d.filters {
		out[i] = int(fl.id)
	}
	return out
}

// Attrs returns the dataset's attributes in header order.
func (d *Dataset) Attrs() []*Attribute { return d.attrs }

// Attr returns the named attribute, or nil.
func (d *Dataset) Attr(name string) *Attribute { return findAttr(d.attrs, name) }

func (f *File) datasetFromHeader(h *objHeader, path string) (*Dataset, error) {
	d := &Dataset{f: f, path: path, off: h.off}
	what := "dataset " + path
	var err error
	if d.attrs, err = f.readAttrs(h); err != nil {
		return nil, err
	}
	m := h.first(msgDatatype)
	if m == nil {
		return nil, errAt(what, h.off, "no datatype message")
	}
	if m.shared() {
		return nil, unsupportedAt(what, m.off, "shared (committed) datatype")
	}
	c := f.msgCursor("datatype message", m)
	if d.dtype = f.parseDatatype(c, 0); c.err != nil {
		return nil, c.err
	}
	if m = h.first(msgDataspace); m == nil {
		return nil, errAt(what, h.off, "no dataspace message")
	}
	c = f.msgCursor("dataspace message", m)
	if d.space = f.parseDataspace(c); c.err != nil {
		return nil, c.err
	}
	if m = h.first(msgFilters); m != nil {
		if d.filters, err = f.parseFilters(m); err != nil {
			return nil, err
		}
	}
	if h.first(msgExternal) != nil {
		return nil, unsupportedAt(what, h.off, "external data files")
	}
	if err := d.parseLayout(h.first(msgLayout)); err != nil {
		return nil, err
	}
	if n := d.space.count() * uint64(d.dtype.Size); n > f.dataLimit() {
		return nil, errAt(what, h.off, "%d data bytes exceed the limit %d", n, f.dataLimit())
	}
	// Decoded values take up to 8 bytes (int64/float64) or a string header each.
	if n := d.space.count(); n > maxDataBytes/16 {
		return nil, errAt(what, h.off, "%d elements exceed the limit %d", n, maxDataBytes/16)
	}
	return d, nil
}

func (d *Dataset) parseLayout(m *message) error {
	const what = "data layout message"
	c := d.f.msgCursor(what, m)
	version := c.u8()
	if c.err != nil {
		return c.err
	}
	if version < 3 || version > 4 {
		return unsupportedAt(what, m.off, "version %d", version)
	}
	d.layout = int(c.u8())
	switch d.layout {
	case layoutCompact:
		n := c.u16()
		d.compact = c.bytes(int(n))
	case layoutContiguous:
		d.addr = c.addr()
		d.size = c.length()
	case layoutChunked:
		if version == 4 {
			return unsupportedAt(what, m.off, "version 4 chunk indexes")
		}
		rank := int(c.u8())
		d.addr = c.addr()
		if c.err != nil {
			return c.err
		}
		if rank != len(d.space.dims)+1 || rank < 2 {
			return errAt(what, m.off, "chunk rank %d for a dataspace of rank %d", rank, len(d.space.dims))
		}
		d.chunk = make([]uint64, rank-1)
		n := uint64(1)
		for i := range d.chunk {
			d.chunk[i] = uint64(c.u32())
			if c.err == nil && d.chunk[i] == 0 {
				c.failf("chunk dimension %d is 0", i)
			}
			if c.err != nil {
				return c.err
			}
			n *= d.chunk[i]
			if n > d.f.dataLimit() {
				return errAt(what, m.off, "chunk of %v elements exceeds the limit", d.chunk)
			}
		}
		if es := c.u32(); c.err == nil && es != uint32(d.dtype.Size) {
			return errAt(what, m.off, "chunk element size %d, datatype size %d", es, d.dtype.Size)
		}
	default:
		c.unsupported("layout class %d", d.layout)
	}
	return c.err
}

func (f *File) parseFilters(m *message) ([]filter, error) {
	const what = "filter pipeline message"
	c := f.msgCursor(what, m)
	version := c.u8()
	n := int(c.u8())
	if c.err != nil {
		return nil, c.err
	}
	if version != 1 && version != 2 {
		return nil, errAt(what, m.off, "version %d", version)
	}
	if n > maxFilters {
		return nil, errAt(what, m.off, "%d filters > %d", n, maxFilters)
	}
	if version == 1 {
		c.skip(6)
	}
	out := make([]filter, 0, n)
	for i := 0; i < n; i++ {
		var fl filter
		fl.id = c.u16()
		nameLen := 0
		if version == 1 || fl.id >= 256 {
			nameLen = int(c.u16())
		}
		c.u16() // flags (optional bit): the chunk filter mask decides per chunk
		k := int(c.u16())
		c.skip(nameLen)
		if c.err == nil && k*4 > c.left() {
			c.failf("filter %d has %d parameters", fl.id, k)
		}
		if c.err != nil {
			return nil, c.err
		}
		fl.params = make([]uint32, k)
		for j := range fl.params {
			fl.params[j] = c.u32()
		}
		if version == 1 && k%2 == 1 {
			c.skip(4)
		}
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, fl)
	}
	return out, nil
}

// readRaw returns the dataset's bytes in row-major order, Len()*Size long.
// Storage that was never written reads as zeros.
func (d *Dataset) readRaw() ([]byte, error) {
	what := "dataset " + d.path
	n := d.space.count() * uint64(d.dtype.Size)
	switch d.layout {
	case layoutCompact:
		if uint64(len(d.compact)) < n {
			return nil, errAt(what, d.off, "compact data of %d bytes, need %d", len(d.compact), n)
		}
		return d.compact[:n], nil
	case layoutContiguous:
		if d.addr == undef {
			return make([]byte, n), nil
		}
		if d.size < n {
			return nil, errAt(what, d.off, "contiguous storage of %d bytes, need %d", d.size, n)
		}
		c, err := d.f.read(what+" data", d.addr, n)
		if err != nil {
			return nil, err
		}
		return c.b, nil
	}
	return d.readChunked(n)
}

func (d *Dataset) readChunked(n uint64) ([]byte, error) {
	what := "dataset " + d.path
	out := make([]byte, n)
	if d.addr == undef || n == 0 {
		return out, nil
	}
	rank := len(d.chunk)
	es := uint64(d.dtype.Size)
	chunkElems := uint64(1)
	for _, c := range d.chunk {
		chunkElems *= c
	}
	chunkBytes := chunkElems * es
	if chunkBytes > d.f.dataLimit() {
		return nil, errAt(what, d.off, "chunk of %d bytes exceeds the limit", chunkBytes)
	}
	dims := d.space.dims
	keySize := 8 + 8*(rank+1)
	offs := make([]uint64, rank)
	idx := make([]uint64, rank)
	seen := map[string]bool{}
	decoded := uint64(0)
	return out, d.f.bTreeV1(d.addr, 1, keySize, func(key *cursor, child uint64) error {
		size := key.u32()
		mask := key.u32()
		for i := range offs {
			offs[i] = key.u64()
		}
		if key.err != nil {
			return key.err
		}
		for i, o := range offs {
			if o >= dims[i] || o%d.chunk[i] != 0 {
				return errAt("chunk key", key.off, "chunk offset %v outside dataspace %v or unaligned to %v", offs, dims, d.chunk)
			}
		}
		k := string(key.b[8:])
		if seen[k] {
			return errAt("chunk key", key.off, "chunk %v stored twice", offs)
		}
		seen[k] = true
		// Chunks may overhang the dataspace or share stored data, so bound
		// the total decoded per read, not just each chunk.
		if decoded += chunkBytes; decoded > d.f.dataLimit() {
			return errAt("chunk key", key.off, "chunks decode to more than %d bytes in total", d.f.dataLimit())
		}
		c, err := d.f.read("chunk data", child, uint64(size))
		if err != nil {
			return err
		}
		data, err := d.unfilter(c.b, mask, chunkBytes, c.off)
		if err != nil {
			return err
		}
		// Copy the part of the chunk inside the dataspace, row by row.
		rowLen := d.chunk[rank-1]
		if rest := dims[rank-1] - offs[rank-1]; rest < rowLen {
			rowLen = rest
		}
		for i := range idx {
			idx[i] = 0
		}
		for {
			src, dst := uint64(0), uint64(0)
			inside := true
			for i := 0; i < rank; i++ {
				src = src*d.chunk[i] + idx[i]
				g := offs[i] + idx[i]
				if g >= dims[i] {
					inside = false
				}
				dst = dst*dims[i] + g
			}
			if inside {
				copy(out[dst*es:(dst+rowLen)*es], data[src*es:(src+rowLen)*es])
			}
			// Advance over all dimensions but the last.
			i := rank - 2
			for ; i >= 0; i-- {
				idx[i]++
				if idx[i] < d.chunk[i] && offs[i]+idx[i] < dims[i] {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				return nil
			}
		}
	})
}

// unfilter undoes the filter pipeline on one chunk; mask bit i set means
// filter i was skipped for this chunk.
func (d *Dataset) unfilter(b []byte, mask uint32, want uint64, off int64) ([]byte, error) {
	const what = "chunk data"
	for i := len(d.filters) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<uint(i)) != 0 {
			continue
		}
		switch fl := d.filters[i]; fl.id {
		case filterDeflate:
			zr, err := zlib.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, errAt(what, off, "deflate: %v", err)
			}
			out := make([]byte, 0, want)
			buf := bytes.NewBuffer(out)
			k, err := io.Copy(buf, io.LimitReader(zr, int64(want)+1))
			if err != nil {
				return nil, errAt(what, off, "deflate: %v", err)
			}
			if uint64(k) > want {
				return nil, errAt(what, off, "deflate: chunk inflates beyond %d bytes", want)
			}
			b = buf.Bytes()
		case filterShuffle:
			es := d.dtype.Size
			if len(fl.params) > 0 {
				es = int(fl.params[0])
			}
			b = unshuffle(b, es)
		case filterFletcher32:
			if len(b) < 4 {
				return nil, errAt(what, off, "fletcher32: chunk of %d bytes", len(b))
			}
			b = b[:len(b)-4] // checksum not verified
		default:
			return nil, unsupportedAt(what, off, "filter %d", fl.id)
		}
	}
	if uint64(len(b)) != want {
		return nil, errAt(what, off, "chunk decodes to %d bytes, want %d", len(b), want)
	}
	return b, nil
}

// unshuffle reverses HDF5's byte shuffle: the stream holds byte 0 of every
// element, then byte 1 of every element, and so on; a tail that does not
// fill a whole element is stored unshuffled.
func unshuffle(b []byte, es int) []byte {
	if es <= 1 || len(b) < es {
		return b
	}
	n := len(b) / es
	out := make([]byte, len(b))
	for j := 0; j < es; j++ {
		for i := 0; i < n; i++ {
			out[i*es+j] = b[j*n+i]
		}
	}
	copy(out[n*es:], b[n*es:])
	return out
}

// Value reads the dataset as a Go value, like Attribute.Value.
func (d *Dataset) Value() (any, error) {
	if d.dtype.Class != String && d.dtype.numeric() == nil {
		return nil, unsupportedAt("dataset "+d.path, d.off, "datatype %s", d.dtype)
	}
	raw, err := d.readRaw()
	if err != nil {
		return nil, err
	}
	return d.f.decodeValue("dataset "+d.path, d.off, d.dtype, d.space, raw)
}

// ReadFloat64s reads numeric data (floats or integers) as float64.
func (d *Dataset) ReadFloat64s() ([]float64, error) {
	raw, err := d.readNumeric()
	if err != nil {
		return nil, err
	}
	out := make([]float64, d.Len())
	return out, toFloat64s(d.dtype.numeric(), raw, out)
}

// ReadFloat32s reads numeric data as float32 (float64 values are rounded).
func (d *Dataset) ReadFloat32s() ([]float32, error) {
	v, err := d.ReadFloat64s()
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out, nil
}

// ReadInt64s reads integer (or enum) data as int64. Float data is an error,
// as are unsigned values above math.MaxInt64.
func (d *Dataset) ReadInt64s() ([]int64, error) {
	raw, err := d.readNumeric()
	if err != nil {
		return nil, err
	}
	t := d.dtype.numeric()
	if t.Class != Integer {
		return nil, errAt("dataset "+d.path, d.off, "datatype %s is not an integer", d.dtype)
	}
	out := make([]int64, d.Len())
	return out, toInt64s("dataset "+d.path, d.off, t, raw, out)
}

// ReadStrings reads string data (fixed or variable length).
func (d *Dataset) ReadStrings() ([]string, error) {
	if d.dtype.Class != String {
		return nil, errAt("dataset "+d.path, d.off, "datatype %s is not a string", d.dtype)
	}
	raw, err := d.readRaw()
	if err != nil {
		return nil, err
	}
	return d.f.toStrings(d.dtype, raw, d.Len(), d.off)
}

func (d *Dataset) readNumeric() ([]byte, error) {
	if d.dtype.numeric() == nil {
		return nil, errAt("dataset "+d.path, d.off, "datatype %s is not numeric", d.dtype)
	}
	return d.readRaw()
}

// decodeValue converts raw element bytes to int64/float64/string or slices.
func (f *File) decodeValue(what string, off int64, t *DType, s *dataspace, raw []byte) (any, error) {
	n := int(s.count())
	scalar := len(s.dims) == 0 && !s.null
	switch {
	case t.Class == String:
		v, err := f.toStrings(t, raw, n, off)
		if err != nil || !scalar {
			return v, err
		}
		return v[0], nil
	case t.numeric() != nil && t.numeric().Class == Float:
		v := make([]float64, n)
		if err := toFloat64s(t.numeric(), raw, v); err != nil || !scalar {
			return v, err
		}
		return v[0], nil
	case t.numeric() != nil:
		v := make([]int64, n)
		if err := toInt64s(what, off, t.numeric(), raw, v); err != nil || !scalar {
			return v, err
		}
		return v[0], nil
	}
	return nil, unsupportedAt(what, off, "datatype %s", t)
}

func order(t *DType) binary.ByteOrder {
	if t.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// uintAt reads one unsigned integer of t.Size bytes.
func uintAt(t *DType, b []byte) uint64 {
	bo := order(t)
	switch t.Size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(bo.Uint16(b))
	case 4:
		return uint64(bo.Uint32(b))
	}
	return bo.Uint64(b)
}

func intAt(t *DType, b []byte) int64 {
	u := uintAt(t, b)
	if t.Signed && t.Size < 8 {
		shift := 64 - 8*uint(t.Size)
		return int64(u<<shift) >> shift
	}
	return int64(u)
}

func toFloat64s(t *DType, raw []byte, out []float64) error {
	es := t.Size
	for i := range out {
		b := raw[i*es : (i+1)*es]
		switch {
		case t.Class == Float && es == 4:
			out[i] = float64(math.Float32frombits(uint32(uintAt(t, b))))
		case t.Class == Float:
			out[i] = math.Float64frombits(uintAt(t, b))
		case t.Signed:
			out[i] = float64(intAt(t, b))
		default:
			out[i] = float64(uintAt(t, b))
		}
	}
	return nil
}

func toInt64s(what string, off int64, t *DType, raw []byte, out []int64) error {
	es := t.Size
	for i := range out {
		b := raw[i*es : (i+1)*es]
		if !t.Signed && es == 8 {
			if u := uintAt(t, b); u > math.MaxInt64 {
				return errAt(what, off, "element %d: unsigned value %d overflows int64", i, u)
			}
		}
		out[i] = intAt(t, b)
	}
	return nil
}

func (f *File) toStrings(t *DType, raw []byte, n int, off int64) ([]string, error) {
	out := make([]string, n)
	es := t.Size
	for i := range out {
		b := raw[i*es : (i+1)*es]
		if t.VarLen {
			s, err := f.vlenString(b, off)
			if err != nil {
				return nil, err
			}
			out[i] = s
			continue
		}
		if t.strPad == 2 {
			out[i] = string(bytes.TrimRight(b, " "))
			continue
		}
		if j := bytes.IndexByte(b, 0); j >= 0 {
			b = b[:j]
		}
		out[i] = string(b)
	}
	return out, nil
}
