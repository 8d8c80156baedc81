package compiler

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/neurosim/neurosim/internal/atomicfile"
)

// The .nsp file (version 3):
//
//	8 bytes  magic "NSPROG\x00\x01"
//	4 bytes  little-endian uint32 format version (NSPVersion)
//	4 bytes  zero
//	8 bytes  little-endian uint64 H: length of the JSON header
//	8 bytes  little-endian uint64 P: length of the binary payload
//	H bytes  JSON header: the Program without its bulk arrays
//	P bytes  payload, little-endian, in this order:
//	           per layer: Bias (int32 × channels), then per projection its Weights
//	             (int8 if WeightBits ≤ 8, int16 if ≤ 16, else int32), for a
//	             sparse projection followed by SpStart (int32 × inputs+1) and
//	             SpOut (int32 × NNZ);
//	           per core: int32 k, then k ≥ 0 axon boxes (int32 source, c0, c1,
//	             y0, y1, x0, x1 each; bases follow from their sizes), or, k = −1,
//	             the explicit axons ((int32 source, int32 neuron) × axons);
//	           uint32 n routing entries, then n × (int32 x, int32 y,
//	             int32 source, uint8 ports)
//	4 bytes  little-endian CRC-32 (IEEE) of everything before it
//
// The fan-out is not stored: it follows from the axons (Program.Expand).
// Version 2 files (read, not written) store the routing entries in the
// header and, after the layers, InputStart (int32 × inputs+1), InputFan
// ((int32 core, int32 axon) × n) and per core Axons ((int32 source, int32
// neuron) × axons), FanStart (int32 × neurons+1), Fan ((int32, int32) × n);
// they decode to an expanded program.
//
// Every length in the payload follows from the header or a count before it;
// the reader checks them against P before allocating, and checks the whole
// program (Check) after.
const nspMagic = "NSPROG\x00\x01"

// MaxNSPHeader bounds the JSON header.
const MaxNSPHeader = 256 << 20

// ErrNSP marks every error of the .nsp reader.
var ErrNSP = errors.New("invalid .nsp program")

func nspErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNSP, fmt.Sprintf(format, args...))
}

func weightWidth(bits int) int {
	switch {
	case bits <= 8:
		return 1
	case bits <= 16:
		return 2
	}
	return 4
}

// payloadWriter writes the payload to w, or only counts it (w nil).
type payloadWriter struct {
	w   io.Writer
	n   uint64
	buf []byte
	err error
}

func (pw *payloadWriter) flush() {
	if pw.w != nil && pw.err == nil && len(pw.buf) > 0 {
		_, pw.err = pw.w.Write(pw.buf)
	}
	pw.buf = pw.buf[:0]
}

func (pw *payloadWriter) bytes(b ...byte) {
	pw.n += uint64(len(b))
	if pw.w == nil {
		return
	}
	pw.buf = append(pw.buf, b...)
	if len(pw.buf) >= 1<<16 {
		pw.flush()
	}
}

// weights writes ws at ww bytes each, in blocks (the payload of the
// largest programs is half a gigabyte of weights).
func (pw *payloadWriter) weights(ws []int32, ww int) {
	pw.n += uint64(len(ws) * ww)
	if pw.w == nil {
		return
	}
	for len(ws) > 0 {
		n := min(len(ws), (1<<16)/ww)
		for _, v := range ws[:n] {
			switch ww {
			case 1:
				pw.buf = append(pw.buf, byte(int8(v)))
			case 2:
				pw.buf = append(pw.buf, byte(v), byte(v>>8))
			default:
				pw.buf = append(pw.buf, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
			}
		}
		ws = ws[n:]
		if len(pw.buf) >= 1<<16 {
			pw.flush()
		}
	}
}

func (pw *payloadWriter) i32(v int32) {
	pw.bytes(byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// payload writes p's version-3 payload.
func (p *Program) payload(pw *payloadWriter) {
	ww := weightWidth(p.WeightBits)
	for i := range p.Layers {
		l := &p.Layers[i]
		for _, b := range l.Bias {
			pw.i32(b)
		}
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			pw.weights(pr.Weights, ww)
			if pr.Kind == ProjSparse {
				for _, v := range pr.SpStart {
					pw.i32(v)
				}
				for _, v := range pr.SpOut {
					pw.i32(v)
				}
			}
		}
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		if len(c.Boxes) > 0 || c.NumAxons == 0 {
			pw.i32(int32(len(c.Boxes)))
			for _, b := range c.Boxes {
				r := b.Region
				pw.i32(b.Source)
				for _, v := range [6]int{r.C0, r.C1, r.Y0, r.Y1, r.X0, r.X1} {
					pw.i32(int32(v))
				}
			}
			continue
		}
		pw.i32(-1)
		if pw.w == nil {
			pw.n += uint64(8 * len(c.Axons))
			continue
		}
		for _, a := range c.Axons {
			pw.i32(a.Source)
			pw.i32(a.Neuron)
		}
	}
	pw.i32(int32(len(p.Routers)))
	if pw.w == nil {
		pw.n += uint64(13 * len(p.Routers))
		return
	}
	for _, r := range p.Routers {
		pw.i32(int32(r.X))
		pw.i32(int32(r.Y))
		pw.i32(r.Source)
		pw.bytes(r.Ports)
	}
}

// Encode writes p in the .nsp format (version NSPVersion, compact: axon
// boxes where the cores have them, no fan-out), streamed. The output is
// deterministic.
func (p *Program) Encode(w io.Writer) error {
	q := *p
	q.Version, q.Routers = NSPVersion, nil
	hdr, err := json.Marshal(&q)
	if err != nil {
		return err
	}
	if len(p.Routers) > math.MaxInt32 {
		return fmt.Errorf("encode: %d routing entries", len(p.Routers))
	}
	count := &payloadWriter{}
	p.payload(count)
	le := binary.LittleEndian
	var head [32]byte
	copy(head[:8], nspMagic)
	le.PutUint32(head[8:], NSPVersion)
	le.PutUint64(head[16:], uint64(len(hdr)))
	le.PutUint64(head[24:], count.n)
	crc := crc32.NewIEEE()
	mw := io.MultiWriter(w, crc)
	for _, b := range [][]byte{head[:], hdr} {
		if _, err := mw.Write(b); err != nil {
			return err
		}
	}
	pw := &payloadWriter{w: mw, buf: make([]byte, 0, 1<<16+64)}
	p.payload(pw)
	pw.flush()
	if pw.err != nil {
		return pw.err
	}
	if pw.n != count.n {
		return fmt.Errorf("encode: payload of %d bytes, counted %d", pw.n, count.n)
	}
	_, err = w.Write(le.AppendUint32(nil, crc.Sum32()))
	return err
}

// Save writes p to path through a temporary file in the same directory renamed
// over path, so a crash never leaves a half-written program.
func (p *Program) Save(path string) error {
	// streamed to the temporary file: a second copy of a large program's
	// payload (1 GB for e-spikeformer-t on loihi-board-768) is not held
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := p.Encode(w); err != nil {
		f.Abort()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// Load reads and checks the .nsp file at path.
func Load(path string) (*Program, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Decode parses a .nsp file held in b and checks the program. It rejects
// truncated, corrupted and wrong-version files with an error wrapping ErrNSP.
func Decode(b []byte) (*Program, error) {
	le := binary.LittleEndian
	if len(b) < 8 || string(b[:8]) != nspMagic {
		return nil, nspErr("not a neurosim program (bad magic)")
	}
	if len(b) < 36 {
		return nil, nspErr("truncated: %d bytes, shorter than the fixed header", len(b))
	}
	ver := int(le.Uint32(b[8:]))
	if ver != NSPVersion && ver != 2 {
		return nil, nspErr("format version %d; this build reads versions 2 and %d (recompile the model)", ver, NSPVersion)
	}
	h, pl := le.Uint64(b[16:]), le.Uint64(b[24:])
	if h > MaxNSPHeader || pl > 1<<50 {
		return nil, nspErr("corrupted: header length %d or payload length %d out of range", h, pl)
	}
	switch total := 32 + h + pl + 4; {
	case total > uint64(len(b)):
		return nil, nspErr("truncated: header %d + payload %d bytes announced, file has %d", h, pl, len(b))
	case total < uint64(len(b)):
		return nil, nspErr("corrupted: %d bytes after the checksum", uint64(len(b))-total)
	}
	end := len(b) - 4
	if crc32.ChecksumIEEE(b[:end]) != le.Uint32(b[end:]) {
		return nil, nspErr("corrupted: checksum mismatch")
	}
	p := &Program{}
	dec := json.NewDecoder(bytes.NewReader(b[32 : 32+h]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, nspErr("header: %v", err)
	}
	if p.Format != NSPFormat || p.Version != ver {
		return nil, nspErr("header names format %q version %d, want %q version %d", p.Format, p.Version, NSPFormat, ver)
	}
	if ver >= 3 && p.Routers != nil {
		return nil, nspErr("header: routing entries belong in the payload in version %d", ver)
	}
	if err := p.checkHeader(); err != nil {
		return nil, err
	}
	r := &reader{b: b[32+h : end]}
	ww := weightWidth(p.WeightBits)
	for i := range p.Layers {
		l := &p.Layers[i]
		l.Bias = r.i32s(l.Shape[0])
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			pr.Weights = r.weights(pr.weightLen(), ww)
			if pr.Kind == ProjSparse {
				pr.SpStart = r.i32s(numel(pr.InShape) + 1)
				pr.SpOut = r.i32s(pr.NNZ)
			}
		}
	}
	if ver == 2 {
		p.InputStart = r.i32s(numel(p.Input.Shape) + 1)
		if r.err == nil {
			p.InputFan = r.dests(int(p.InputStart[len(p.InputStart)-1]))
		}
		for i := range p.Cores {
			c := &p.Cores[i]
			c.Axons = r.axons(c.NumAxons)
			c.FanStart = r.i32s(c.Region.Len() + 1)
			if r.err == nil {
				c.Fan = r.dests(int(c.FanStart[len(c.FanStart)-1]))
			}
		}
	} else {
		for i := range p.Cores {
			if r.err != nil {
				break
			}
			r.coreAxons(&p.Cores[i])
		}
		n := r.i32s(1)
		if r.err == nil {
			p.Routers = r.routers(int(uint32(n[0])))
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, nspErr("corrupted: %d payload bytes left over", len(r.b))
	}
	if err := p.check(checkRouted); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNSP, err)
	}
	return p, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n, size int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || size <= 0 || n > len(r.b)/size {
		r.err = nspErr("truncated or corrupted payload: need %d×%d bytes, %d left", n, size, len(r.b))
		return nil
	}
	out := r.b[:n*size]
	r.b = r.b[n*size:]
	return out
}

func (r *reader) i32s(n int) []int32 {
	b := r.take(n, 4)
	if b == nil {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (r *reader) weights(n, ww int) []int32 {
	b := r.take(n, ww)
	if b == nil {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		switch ww {
		case 1:
			out[i] = int32(int8(b[i]))
		case 2:
			out[i] = int32(int16(binary.LittleEndian.Uint16(b[2*i:])))
		default:
			out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	return out
}

func (r *reader) dests(n int) []Dest {
	v := r.i32s(2 * n)
	if v == nil {
		return nil
	}
	out := make([]Dest, n)
	for i := range out {
		out[i] = Dest{v[2*i], v[2*i+1]}
	}
	return out
}

// coreAxons reads a core's axon boxes, or its explicit axons.
func (r *reader) coreAxons(c *Core) {
	k := r.i32s(1)
	if k == nil {
		return
	}
	if k[0] == -1 {
		c.Axons = r.axons(c.NumAxons)
		if c.NumAxons == 0 && r.err == nil {
			r.err = nspErr("core %d: an empty explicit axon list (write 0 boxes)", c.ID)
		}
		return
	}
	v := r.i32s(7 * int(k[0]))
	if v == nil {
		if r.err == nil {
			r.err = nspErr("core %d: %d axon boxes", c.ID, k[0])
		}
		return
	}
	if k[0] > 0 {
		c.Boxes = make([]AxonBox, k[0])
	}
	base := int64(0)
	for i := range c.Boxes {
		w := v[7*i:]
		rg := Region{C0: int(w[1]), C1: int(w[2]), Y0: int(w[3]), Y1: int(w[4]), X0: int(w[5]), X1: int(w[6])}
		c.Boxes[i] = AxonBox{Source: w[0], Region: rg, Base: int32(base)}
		if rg.empty() {
			r.err = nspErr("core %d: empty axon box %s", c.ID, rg)
			return
		}
		base += int64(rg.Len())
		if base > maxElems || rg.C1-rg.C0 > maxElems || rg.Y1-rg.Y0 > maxElems || rg.X1-rg.X0 > maxElems {
			r.err = nspErr("core %d: axon boxes too large", c.ID)
			return
		}
	}
	if base != int64(c.NumAxons) {
		r.err = nspErr("core %d: axon boxes hold %d axons, header says %d", c.ID, base, c.NumAxons)
	}
}

func (r *reader) routers(n int) []Router {
	b := r.take(n, 13)
	if b == nil {
		return nil
	}
	out := make([]Router, n)
	le := binary.LittleEndian
	for i := range out {
		w := b[13*i:]
		out[i] = Router{X: int(int32(le.Uint32(w))), Y: int(int32(le.Uint32(w[4:]))), Source: int32(le.Uint32(w[8:])), Ports: w[12]}
	}
	return out
}

func (r *reader) axons(n int) []Axon {
	v := r.i32s(2 * n)
	if v == nil {
		return nil
	}
	out := make([]Axon, n)
	for i := range out {
		out[i] = Axon{v[2*i], v[2*i+1]}
	}
	return out
}

func (pr *Projection) weightLen() int {
	if pr.Kind == ProjAttn {
		if pr.Role == "v" {
			return pr.Cout // the gain of each output channel (attention.go)
		}
		return 0
	}
	if pr.Kind == ProjSparse {
		return pr.NNZ
	}
	if pr.Kind == ProjDense {
		return pr.Cout * numel(pr.InShape)
	}
	if pr.Groups <= 0 {
		return 0
	}
	return pr.Cout * (pr.InShape[0] / pr.Groups) * pr.KH * pr.KW
}

// WriteHeaderJSON writes the program's header (everything but the bulk arrays) as
// indented JSON.
func (p *Program) WriteHeaderJSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteDOT writes the layer graph: one box per layer (kind, shape, cores), one
// edge per projection.
func (p *Program) WriteDOT(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("digraph program {\n  rankdir=LR;\n  node [shape=box];\n  input [label=\"input\\n" + fmt.Sprint(p.Input.Shape) + "\"];\n")
	for i, l := range p.Layers {
		fmt.Fprintf(&b, "  l%d [label=%q];\n", i, fmt.Sprintf("%s\n%s %v D=%d\n%d cores", l.Name, l.Kind, l.Shape, l.D, len(l.Cores)))
	}
	for i, l := range p.Layers {
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			from := "input"
			if pr.Source >= 0 {
				from = fmt.Sprintf("l%d", pr.Source)
			}
			fmt.Fprintf(&b, "  %s -> l%d [label=%q];\n", from, i, pr.String())
		}
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}
