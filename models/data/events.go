package data

// Event-camera streams: readers for N-MNIST .bin files and AEDAT 2.0 (jAER)
// files, and the address codecs AEDAT writers need.
//
// N-MNIST (Orchard et al. 2015) stores 5 bytes per event, 40 bits big-endian:
//
//	bits 39–32 x, 31–24 y, 23 polarity (1: ON), 22–0 timestamp in µs.
//
// A record with y = 240 is not an event but a timestamp overflow: every later
// timestamp gets 2^13 µs added (the rule of the dataset's own Matlab reader,
// which Tonic follows). The N-MNIST sensor crops to 34×34 pixels.
//
// AEDAT 2.0 starts with ASCII header lines that begin with '#' (the first is
// "#!AER-DAT2.0"; jAER ends newer headers with "#!END-HEADER"), followed by
// 8-byte records: a big-endian 32-bit address and a big-endian 32-bit
// timestamp in µs. The address layout depends on the sensor, named by the
// "# AEChip:" header line:
//
//	DVS128: bit 0 polarity (1: ON), bits 1–7 x, bits 8–14 y, bit 15 external event.
//	DAVIS:  bit 31 APS/ADC sample, bit 10 IMU sample (either set: not a DVS
//	        event, skipped), bit 11 polarity, bits 12–21 x, bits 22–30 y.
//
// Coordinates are returned as stored (no flip of jAER's bottom-left origin).
// A data record whose first byte happens to be '#' right after the header
// would be read as a header line; jAER's "#!END-HEADER" line avoids that, and
// files without it share the ambiguity with every other AEDAT 2.0 reader.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Event is one event of an event camera: pixel (X, Y), time T in µs and
// polarity P (true: ON, brighter). Its fields mirror Tonic's structured dtype
// (x int16, y int16, t int64, p bool).
type Event struct {
	X, Y int16
	T    int64
	P    bool
}

// NMNISTSize is the side of an N-MNIST frame in pixels.
const NMNISTSize = 34

// nmnistOverflowY marks an N-MNIST timestamp-overflow record.
const nmnistOverflowY = 240

// ReadNMNIST decodes an N-MNIST .bin stream. A length that is not a multiple
// of 5 bytes is an error naming the offset of the partial record. Events are
// returned in file order; memory grows only as records arrive.
func ReadNMNIST(r io.Reader) ([]Event, error) {
	br := bufio.NewReader(r)
	var ev []Event
	var rec [5]byte
	var offset int64
	var carry int64
	for {
		n, err := io.ReadFull(br, rec[:])
		if err == io.EOF {
			return ev, nil
		}
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("nmnist: truncated record at byte %d (%d of 5 bytes)", offset, n)
		}
		if err != nil {
			return nil, fmt.Errorf("nmnist: %w", err)
		}
		offset += 5
		if rec[1] == nmnistOverflowY {
			carry += 1 << 13
			continue
		}
		t := int64(rec[2]&0x7f)<<16 | int64(rec[3])<<8 | int64(rec[4])
		ev = append(ev, Event{X: int16(rec[0]), Y: int16(rec[1]), T: t + carry, P: rec[2]&0x80 != 0})
	}
}

// ReadNMNISTFile reads an N-MNIST .bin file.
func ReadNMNISTFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ev, err := ReadNMNIST(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ev, nil
}

// AddressFormat names how an AEDAT 2.0 address encodes an event.
type AddressFormat int

// Address formats.
const (
	// FormatAuto picks the format from the "# AEChip:" header line: DAVIS
	// for a chip class whose name contains "davis", DVS128 otherwise.
	FormatAuto AddressFormat = iota
	FormatDVS128
	FormatDAVIS
)

func (f AddressFormat) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatDVS128:
		return "dvs128"
	case FormatDAVIS:
		return "davis"
	}
	return "AddressFormat(" + strconv.Itoa(int(f)) + ")"
}

// AEDAT is a decoded AEDAT 2.0 file.
type AEDAT struct {
	// Header holds the header lines without their line ends.
	Header []string
	// Chip is the jAER chip class of the "# AEChip:" line ("" if absent).
	Chip string
	// StartMillis is the Unix time in ms of the "System.currentTimeMillis()"
	// creation line (0 if absent).
	StartMillis int64
	// Format is the address format used to decode the events.
	Format AddressFormat
	// Events are the DVS events in file order; Skipped counts records that
	// were not DVS events (DAVIS frame and IMU samples).
	Events  []Event
	Skipped int
}

// maxHeaderBytes bounds an AEDAT header (jAER's preference blocks run to
// tens of kB).
const maxHeaderBytes = 16 << 20

// ReadAEDAT decodes an AEDAT 2.0 stream with the given address format
// (FormatAuto: from the header). The first line must be "#!AER-DAT2.0"; the
// data after the header must be whole 8-byte records.
func ReadAEDAT(r io.Reader, format AddressFormat) (*AEDAT, error) {
	br := bufio.NewReader(r)
	a := &AEDAT{}
	var hbytes int
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("aedat: %w", err)
		}
		if b[0] != '#' {
			break
		}
		var line []byte
		for {
			chunk, err := br.ReadSlice('\n')
			line = append(line, chunk...)
			if hbytes+len(line) > maxHeaderBytes {
				return nil, fmt.Errorf("aedat: header longer than %d bytes", maxHeaderBytes)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, fmt.Errorf("aedat: %w", err)
			}
			break
		}
		hbytes += len(line)
		last := line[len(line)-1] != '\n'
		s := strings.TrimRight(string(line), "\r\n")
		if len(a.Header) == 0 && !strings.HasPrefix(s, "#!AER-DAT2.") {
			return nil, fmt.Errorf("aedat: first line %q: want #!AER-DAT2.0 (only AEDAT 2.0 is read)", truncate(s, 40))
		}
		a.Header = append(a.Header, s)
		a.parseHeaderLine(s)
		if s == "#!END-HEADER" || last {
			break
		}
	}
	if len(a.Header) == 0 {
		return nil, errors.New("aedat: no header: want a first line #!AER-DAT2.0")
	}
	a.Format = format
	if format == FormatAuto {
		a.Format = FormatDVS128
		if strings.Contains(strings.ToLower(a.Chip), "davis") {
			a.Format = FormatDAVIS
		}
	}
	if a.Format != FormatDVS128 && a.Format != FormatDAVIS {
		return nil, fmt.Errorf("aedat: unknown address format %v", format)
	}
	var rec [8]byte
	offset := int64(hbytes)
	for {
		n, err := io.ReadFull(br, rec[:])
		if err == io.EOF {
			return a, nil
		}
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("aedat: truncated record at byte %d (%d of 8 bytes)", offset, n)
		}
		if err != nil {
			return nil, fmt.Errorf("aedat: %w", err)
		}
		offset += 8
		addr := binary.BigEndian.Uint32(rec[0:4])
		t := int64(binary.BigEndian.Uint32(rec[4:8]))
		e, ok := DecodeAddress(a.Format, addr)
		if !ok {
			a.Skipped++
			continue
		}
		e.T = t
		a.Events = append(a.Events, e)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (a *AEDAT) parseHeaderLine(s string) {
	body := strings.TrimSpace(strings.TrimPrefix(s, "#"))
	if c, ok := strings.CutPrefix(body, "AEChip:"); ok {
		a.Chip = strings.TrimSpace(c)
		return
	}
	const key = "System.currentTimeMillis()"
	if i := strings.Index(body, key); i >= 0 && strings.HasPrefix(body, "Creation time:") {
		if v, err := strconv.ParseInt(strings.TrimSpace(body[i+len(key):]), 10, 64); err == nil {
			a.StartMillis = v
		}
	}
}

// ReadAEDATFile reads an AEDAT 2.0 file.
func ReadAEDATFile(path string, format AddressFormat) (*AEDAT, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := ReadAEDAT(f, format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// DecodeAddress decodes an AEDAT 2.0 address (T is left zero). ok is false
// for a record that is not a DVS event (a DAVIS APS or IMU sample, a DVS128
// external event) or for an unknown format.
func DecodeAddress(f AddressFormat, addr uint32) (e Event, ok bool) {
	switch f {
	case FormatDVS128:
		if addr&(1<<15) != 0 || addr>>16 != 0 {
			return Event{}, false
		}
		return Event{X: int16(addr >> 1 & 0x7f), Y: int16(addr >> 8 & 0x7f), P: addr&1 != 0}, true
	case FormatDAVIS:
		if addr&(1<<31) != 0 || addr&(1<<10) != 0 {
			return Event{}, false
		}
		return Event{X: int16(addr >> 12 & 0x3ff), Y: int16(addr >> 22 & 0x1ff), P: addr>>11&1 != 0}, true
	}
	return Event{}, false
}

// EncodeAddress encodes e as an AEDAT 2.0 address in format f; it returns an
// error if a coordinate does not fit the format (DVS128: 0–127; DAVIS: x
// 0–1023, y 0–511).
func EncodeAddress(f AddressFormat, e Event) (uint32, error) {
	p := uint32(0)
	if e.P {
		p = 1
	}
	switch f {
	case FormatDVS128:
		if e.X < 0 || e.X > 127 || e.Y < 0 || e.Y > 127 {
			return 0, fmt.Errorf("aedat: event (%d,%d) outside DVS128's 128×128 array", e.X, e.Y)
		}
		return uint32(e.Y)<<8 | uint32(e.X)<<1 | p, nil
	case FormatDAVIS:
		if e.X < 0 || e.X > 1023 || e.Y < 0 || e.Y > 511 {
			return 0, fmt.Errorf("aedat: event (%d,%d) outside DAVIS's 1024×512 address range", e.X, e.Y)
		}
		return uint32(e.Y)<<22 | uint32(e.X)<<12 | p<<11, nil
	}
	return 0, fmt.Errorf("aedat: cannot encode in format %v", f)
}
