package compiler

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/neurosim/neurosim/internal/atomicfile"
	"hash/crc32"
	"io"
	"os"
)

// The .nsp file:
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
//	           InputStart (int32 × inputs+1), InputFan ((int32 core, int32 axon) × n);
//	           per core: Axons ((int32 source, int32 neuron) × axons),
//	             FanStart (int32 × neurons+1), Fan ((int32, int32) × n)
//	4 bytes  little-endian CRC-32 (IEEE) of everything before it
//
// Every length in the payload follows from the header; the reader checks them
// against P before allocating, and checks the whole program (Check) after.
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

// Encode writes p in the .nsp format. The output is deterministic. The
// payload is streamed to w (its length is computed first), so encoding a
// large program holds no second copy of it: hashing a program
// (Encode into a hash.Hash) costs no memory.
func (p *Program) Encode(w io.Writer) error {
	hdr, err := json.Marshal(p)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	var head [32]byte
	copy(head[:8], nspMagic)
	le.PutUint32(head[8:], NSPVersion)
	le.PutUint64(head[16:], uint64(len(hdr)))
	size := p.payloadSize()
	le.PutUint64(head[24:], uint64(size))
	crc := crc32.NewIEEE()
	mw := io.MultiWriter(w, crc)
	if _, err := mw.Write(head[:]); err != nil {
		return err
	}
	if _, err := mw.Write(hdr); err != nil {
		return err
	}
	pw := &payloadWriter{w: mw, buf: make([]byte, 0, 1<<16)}
	p.writePayload(pw)
	pw.flush()
	if pw.err != nil {
		return pw.err
	}
	if pw.n != size {
		panic(fmt.Sprintf("compiler: Encode wrote a payload of %d bytes, payloadSize says %d", pw.n, size))
	}
	_, err = w.Write(le.AppendUint32(nil, crc.Sum32()))
	return err
}

// payloadWriter appends little-endian values to a buffer that it writes to
// w whenever it fills, counting the bytes and keeping the first error.
type payloadWriter struct {
	w   io.Writer
	buf []byte
	n   int64
	err error
}

func (pw *payloadWriter) put32(v int32) {
	pw.buf = binary.LittleEndian.AppendUint32(pw.buf, uint32(v))
	if len(pw.buf) > cap(pw.buf)-8 {
		pw.flush()
	}
}

func (pw *payloadWriter) put16(v int16) {
	pw.buf = binary.LittleEndian.AppendUint16(pw.buf, uint16(v))
	if len(pw.buf) > cap(pw.buf)-8 {
		pw.flush()
	}
}

func (pw *payloadWriter) put8(v int8) {
	pw.buf = append(pw.buf, byte(v))
	if len(pw.buf) > cap(pw.buf)-8 {
		pw.flush()
	}
}

func (pw *payloadWriter) flush() {
	if pw.err == nil && len(pw.buf) > 0 {
		_, pw.err = pw.w.Write(pw.buf)
	}
	pw.n += int64(len(pw.buf))
	pw.buf = pw.buf[:0]
}

// payloadSize is the length of the payload writePayload writes.
func (p *Program) payloadSize() int64 {
	ww := int64(weightWidth(p.WeightBits))
	var n int64
	for i := range p.Layers {
		l := &p.Layers[i]
		n += 4 * int64(len(l.Bias))
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			n += ww * int64(len(pr.Weights))
			if pr.Kind == ProjSparse {
				n += 4 * int64(len(pr.SpStart)+len(pr.SpOut))
			}
		}
	}
	n += 4*int64(len(p.InputStart)) + 8*int64(len(p.InputFan))
	for i := range p.Cores {
		c := &p.Cores[i]
		n += 8*int64(len(c.Axons)) + 4*int64(len(c.FanStart)) + 8*int64(len(c.Fan))
	}
	return n
}

// writePayload writes the binary payload (see the file layout above).
func (p *Program) writePayload(pw *payloadWriter) {
	ww := weightWidth(p.WeightBits)
	for i := range p.Layers {
		l := &p.Layers[i]
		for _, b := range l.Bias {
			pw.put32(b)
		}
		for j := range l.Inputs {
			for _, v := range l.Inputs[j].Weights {
				switch ww {
				case 1:
					pw.put8(int8(v))
				case 2:
					pw.put16(int16(v))
				default:
					pw.put32(v)
				}
			}
			if pr := &l.Inputs[j]; pr.Kind == ProjSparse {
				for _, v := range pr.SpStart {
					pw.put32(v)
				}
				for _, v := range pr.SpOut {
					pw.put32(v)
				}
			}
		}
	}
	for _, v := range p.InputStart {
		pw.put32(v)
	}
	for _, d := range p.InputFan {
		pw.put32(d.Core)
		pw.put32(d.Axon)
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		for _, a := range c.Axons {
			pw.put32(a.Source)
			pw.put32(a.Neuron)
		}
		for _, v := range c.FanStart {
			pw.put32(v)
		}
		for _, d := range c.Fan {
			pw.put32(d.Core)
			pw.put32(d.Axon)
		}
	}
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
	if v := le.Uint32(b[8:]); v != NSPVersion {
		return nil, nspErr("format version %d; this build reads version %d (recompile the model)", v, NSPVersion)
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
	if p.Format != NSPFormat || p.Version != NSPVersion {
		return nil, nspErr("header names format %q version %d, want %q version %d", p.Format, p.Version, NSPFormat, NSPVersion)
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
