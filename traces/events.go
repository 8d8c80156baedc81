package traces

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/models/data"
)

// NPYDescr is the numpy dtype of the .npy event files: Tonic's events_struct
// [("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)], packed
// little-endian, 13 bytes per event. t is in microseconds, as in Tonic.
const NPYDescr = "[('x', '<i2'), ('y', '<i2'), ('t', '<i8'), ('p', '|b1')]"

// npyRecord is the size of one event record.
const npyRecord = 13

// npyShapeDigits is the room reserved in the header for the event count, so
// that Close can rewrite it in place.
const npyShapeDigits = 20

// NPYEvents streams events into a .npy file (format version 1.0) that
// numpy.load reads as a structured array of dtype NPYDescr. The event count
// is only known at the end, so the writer needs an io.WriteSeeker: Close
// seeks back and writes the count into the header, whose length does not
// change.
type NPYEvents struct {
	ws  io.WriteSeeker
	w   *bufio.Writer
	n   int64
	rec [npyRecord]byte
	err error
}

// NewNPYEvents writes the header to ws (at its current offset, normally 0).
func NewNPYEvents(ws io.WriteSeeker) (*NPYEvents, error) {
	e := &NPYEvents{ws: ws, w: bufio.NewWriterSize(ws, 64<<10)}
	if _, err := e.w.Write(npyHeader(0)); err != nil {
		return nil, err
	}
	return e, nil
}

// npyHeader returns the magic, version, header length and the padded header
// dictionary for n events; its length does not depend on n.
func npyHeader(n int64) []byte {
	count := strconv.FormatInt(n, 10)
	dict := "{'descr': " + NPYDescr + ", 'fortran_order': False, 'shape': (" + count + ",), }"
	dict += strings.Repeat(" ", npyShapeDigits-len(count))
	const pre = 10 // magic (6) + version (2) + header length (2)
	total := pre + len(dict) + 1
	total = (total + 63) / 64 * 64
	dict += strings.Repeat(" ", total-pre-len(dict)-1) + "\n"
	h := make([]byte, 0, total)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)))
	return append(h, dict...)
}

// Write appends one event. It allocates nothing.
func (e *NPYEvents) Write(ev data.Event) error {
	if e.err != nil {
		return e.err
	}
	binary.LittleEndian.PutUint16(e.rec[0:], uint16(ev.X))
	binary.LittleEndian.PutUint16(e.rec[2:], uint16(ev.Y))
	binary.LittleEndian.PutUint64(e.rec[4:], uint64(ev.T))
	e.rec[12] = 0
	if ev.P {
		e.rec[12] = 1
	}
	_, e.err = e.w.Write(e.rec[:])
	e.n++
	return e.err
}

// Close flushes the records and writes the event count into the header.
// It leaves ws positioned at the start of the file.
func (e *NPYEvents) Close() error {
	if e.err != nil {
		return e.err
	}
	if e.err = e.w.Flush(); e.err != nil {
		return e.err
	}
	end, err := e.ws.Seek(0, io.SeekCurrent)
	if err != nil {
		e.err = err
		return err
	}
	h := npyHeader(e.n)
	start := end - int64(len(h)) - e.n*npyRecord
	if start < 0 {
		e.err = errors.New("traces: npy: writer moved behind the header")
		return e.err
	}
	if _, err := e.ws.Seek(start, io.SeekStart); err != nil {
		e.err = err
		return err
	}
	if _, err := e.ws.Write(h); err != nil {
		e.err = err
		return err
	}
	_, e.err = e.ws.Seek(end, io.SeekStart)
	if e.err == nil {
		e.err = errClosed
		return nil
	}
	return e.err
}

var errClosed = errors.New("traces: writer closed")

// AEDATEvents streams events into an AEDAT 2.0 file: a jAER-style header,
// then for each event a big-endian 32-bit address (in Format, DVS128 by
// default) and a big-endian 32-bit timestamp in µs.
type AEDATEvents struct {
	w      *bufio.Writer
	format data.AddressFormat
	rec    [8]byte
	err    error
}

// NewAEDATEvents writes the header to w. chip names the jAER chip class
// written in the "# AEChip:" line ("" for DVS128's); format must be
// data.FormatDVS128 or data.FormatDAVIS, and decides the address layout.
// The header carries no creation date, so equal inputs give equal bytes.
func NewAEDATEvents(w io.Writer, format data.AddressFormat) (*AEDATEvents, error) {
	chip := ""
	switch format {
	case data.FormatDVS128:
		chip = "ch.unizh.ini.jaer.chip.retina.DVS128"
	case data.FormatDAVIS:
		chip = "eu.seebetter.ini.chips.davis.DAVIS240C"
	default:
		return nil, fmt.Errorf("traces: aedat: address format %v: want dvs128 or davis", format)
	}
	a := &AEDATEvents{w: bufio.NewWriterSize(w, 64<<10), format: format}
	h := "#!AER-DAT2.0\r\n" +
		"# This is a raw AE data file created by neurosim\r\n" +
		"# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event\r\n" +
		"# Timestamps tick is 1 us\r\n" +
		"# AEChip: " + chip + "\r\n" +
		"#!END-HEADER\r\n"
	if _, err := a.w.WriteString(h); err != nil {
		return nil, err
	}
	return a, nil
}

// Write appends one event; a coordinate outside the format's range or a
// timestamp outside [0, 2^32) µs is an error.
func (a *AEDATEvents) Write(ev data.Event) error {
	if a.err != nil {
		return a.err
	}
	addr, err := data.EncodeAddress(a.format, ev)
	if err != nil {
		return err
	}
	if ev.T < 0 || ev.T > 1<<32-1 {
		return fmt.Errorf("traces: aedat: timestamp %d µs outside 32 bits", ev.T)
	}
	binary.BigEndian.PutUint32(a.rec[0:], addr)
	binary.BigEndian.PutUint32(a.rec[4:], uint32(ev.T))
	_, a.err = a.w.Write(a.rec[:])
	return a.err
}

// Close flushes the buffer; it does not close the underlying writer.
func (a *AEDATEvents) Close() error {
	if a.err != nil {
		return a.err
	}
	a.err = a.w.Flush()
	if a.err == nil {
		a.err = errClosed
		return nil
	}
	return a.err
}
