package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
)

const eventsDir = "../../../shared/data/events/"

func sampleOrSkip(t *testing.T, name string) string {
	t.Helper()
	p := eventsDir + name
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s absent (test data from ../shared/data/events): %v", p, err)
	}
	return p
}

// nmnistRecord encodes one N-MNIST record.
func nmnistRecord(x, y byte, p bool, t uint32) []byte {
	b2 := byte(t>>16) & 0x7f
	if p {
		b2 |= 0x80
	}
	return []byte{x, y, b2, byte(t >> 8), byte(t)}
}

func TestNMNISTSample(t *testing.T) {
	p := sampleOrSkip(t, "sample_nmnist.bin")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ReadNMNISTFile(p)
	if err != nil {
		t.Fatal(err)
	}
	overflow := 0
	for i := 1; i < len(raw); i += 5 {
		if raw[i] == nmnistOverflowY {
			overflow++
		}
	}
	if want := len(raw)/5 - overflow; len(ev) != want || len(raw)%5 != 0 {
		t.Fatalf("%d events from %d bytes (%d overflow records), want %d", len(ev), len(raw), overflow, want)
	}
	var on int
	var maxX, maxY int16
	for i, e := range ev {
		if e.X < 0 || e.X >= NMNISTSize || e.Y < 0 || e.Y >= NMNISTSize {
			t.Fatalf("event %d at (%d,%d): outside the 34×34 N-MNIST frame", i, e.X, e.Y)
		}
		if e.T < 0 || e.T >= 1<<23+int64(overflow)<<13 {
			t.Fatalf("event %d: timestamp %d outside 23 bits", i, e.T)
		}
		if i > 0 && e.T < ev[i-1].T {
			t.Fatalf("event %d: timestamp %d before %d (N-MNIST files are time-ordered)", i, e.T, ev[i-1].T)
		}
		maxX, maxY = max(maxX, e.X), max(maxY, e.Y)
		if e.P {
			on++
		}
	}
	// A saccade recording covers most of the frame and both polarities.
	if maxX < 20 || maxY < 20 || on == 0 || on == len(ev) {
		t.Fatalf("max (x,y) = (%d,%d), %d of %d ON: not an N-MNIST digit", maxX, maxY, on, len(ev))
	}
	t.Logf("%d events, %d ON, t %d–%d µs, max x %d, max y %d", len(ev), on, ev[0].T, ev[len(ev)-1].T, maxX, maxY)
}

func TestNMNISTDecode(t *testing.T) {
	var b []byte
	b = append(b, nmnistRecord(3, 33, true, 0x7fffff)...)
	b = append(b, nmnistRecord(0, nmnistOverflowY, false, 0)...) // overflow marker
	b = append(b, nmnistRecord(33, 0, false, 5)...)
	ev, err := ReadNMNIST(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{{X: 3, Y: 33, T: 0x7fffff, P: true}, {X: 33, Y: 0, T: 5 + 1<<13}}
	if fmt.Sprint(ev) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", ev, want)
	}
	if _, err := ReadNMNIST(bytes.NewReader(b[:12])); err == nil || !strings.Contains(err.Error(), "truncated record at byte 10") {
		t.Fatalf("truncated: err = %v", err)
	}
	if ev, err := ReadNMNIST(bytes.NewReader(nil)); err != nil || len(ev) != 0 {
		t.Fatalf("empty: %v, %v", ev, err)
	}
}

func TestAEDATHeaderSample(t *testing.T) {
	p := sampleOrSkip(t, "sample_aedat_header.aedat")
	a, err := ReadAEDATFile(p, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if a.StartMillis != 1695355587880 {
		t.Errorf("start = %d, want 1695355587880", a.StartMillis)
	}
	if a.Chip != "eu.seebetter.ini.chips.davis.Davis346red" || a.Format != FormatDAVIS {
		t.Errorf("chip %q format %v, want Davis346red, davis", a.Chip, a.Format)
	}
	if len(a.Events) != 0 || a.Skipped != 0 || a.Header[0] != "#!AER-DAT2.0" || len(a.Header) < 10 {
		t.Errorf("header-only file: %d events, %d skipped, %d header lines starting %q",
			len(a.Events), a.Skipped, len(a.Header), a.Header[0])
	}
}

// aedatFile builds an AEDAT 2.0 file from header lines and (address, time) records.
func aedatFile(header []string, recs ...[2]uint32) []byte {
	var b bytes.Buffer
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	for _, r := range recs {
		binary.Write(&b, binary.BigEndian, r)
	}
	return b.Bytes()
}

func TestAEDATDecode(t *testing.T) {
	dvs := []string{"#!AER-DAT2.0", "# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128"}
	e1, _ := EncodeAddress(FormatDVS128, Event{X: 127, Y: 5, P: true})
	b := aedatFile(dvs, [2]uint32{e1, 100}, [2]uint32{1 << 15, 101}, [2]uint32{0, 0xffffffff})
	a, err := ReadAEDAT(bytes.NewReader(b), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{{X: 127, Y: 5, T: 100, P: true}, {T: 0xffffffff}}
	if a.Format != FormatDVS128 || fmt.Sprint(a.Events) != fmt.Sprint(want) || a.Skipped != 1 {
		t.Fatalf("format %v events %v skipped %d, want dvs128 %v 1", a.Format, a.Events, a.Skipped, want)
	}

	davis := []string{"#!AER-DAT2.0", "# AEChip: eu.seebetter.ini.chips.davis.Davis346red", "#!END-HEADER"}
	e2, _ := EncodeAddress(FormatDAVIS, Event{X: 345, Y: 259})
	// The record after #!END-HEADER starts with '#' (0x23): still data.
	hash := uint32('#')<<24 | uint32(7)<<12 | 1<<11
	b = aedatFile(davis, [2]uint32{e2, 7}, [2]uint32{1 << 31, 8}, [2]uint32{1 << 10, 9})
	b = append(aedatFile(davis, [2]uint32{hash, 1}), b[len(aedatFile(davis)):]...)
	a, err = ReadAEDAT(bytes.NewReader(b), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	want = []Event{{X: 7, Y: '#' << 2, T: 1, P: true}, {X: 345, Y: 259, T: 7}}
	if a.Format != FormatDAVIS || fmt.Sprint(a.Events) != fmt.Sprint(want) || a.Skipped != 2 {
		t.Fatalf("format %v events %v skipped %d, want davis %v 2", a.Format, a.Events, a.Skipped, want)
	}
}

func TestAEDATErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "no header"},
		{"binary", []byte{1, 2, 3, 4, 5, 6, 7, 8}, "no header"},
		{"aedat3", []byte("#!AER-DAT3.1\r\n"), "only AEDAT 2.0"},
		{"truncated", append(aedatFile([]string{"#!AER-DAT2.0"}), 1, 2, 3), "truncated record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadAEDAT(bytes.NewReader(tc.in), FormatAuto)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := EncodeAddress(FormatDVS128, Event{X: 128}); err == nil {
		t.Error("x = 128 encoded for DVS128")
	}
	if _, err := ReadAEDAT(bytes.NewReader(aedatFile([]string{"#!AER-DAT2.0"})), AddressFormat(9)); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestAddressRoundTrip(t *testing.T) {
	for _, f := range []AddressFormat{FormatDVS128, FormatDAVIS} {
		for _, e := range []Event{{}, {X: 1, Y: 2, P: true}, {X: 127, Y: 127, P: true}} {
			a, err := EncodeAddress(f, e)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := DecodeAddress(f, a); !ok || got != e {
				t.Errorf("%v: %v → %#x → %v, %v", f, e, a, got, ok)
			}
		}
	}
}

func FuzzReadNMNIST(f *testing.F) {
	f.Add(nmnistRecord(1, 2, true, 77))
	f.Add(append(nmnistRecord(1, 240, true, 77), nmnistRecord(5, 6, false, 1)...))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ReadNMNIST(bytes.NewReader(b))
		if err != nil {
			if len(b)%5 == 0 {
				t.Fatalf("whole records rejected: %v", err)
			}
			return
		}
		if len(b)%5 != 0 || len(ev) > len(b)/5 {
			t.Fatalf("%d bytes gave %d events", len(b), len(ev))
		}
		for _, e := range ev {
			if e.X < 0 || e.X > 255 || e.Y < 0 || e.Y > 255 || e.Y == nmnistOverflowY || e.T < 0 {
				t.Fatalf("bad event %v", e)
			}
		}
	})
}

func FuzzReadAEDAT(f *testing.F) {
	f.Add(aedatFile([]string{"#!AER-DAT2.0", "# AEChip: DVS128"}, [2]uint32{0x0203, 5}))
	f.Add(aedatFile([]string{"#!AER-DAT2.0", "# AEChip: Davis346", "#!END-HEADER"}, [2]uint32{0x23000800, 5}, [2]uint32{1 << 31, 6}))
	f.Add([]byte("#!AER-DAT2.0\n# Creation time: System.currentTimeMillis() 12\n#"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadAEDAT(bytes.NewReader(b), FormatAuto)
		if err != nil {
			return
		}
		hb := 0
		for _, h := range a.Header {
			hb += len(h)
		}
		if len(a.Header) == 0 || !strings.HasPrefix(a.Header[0], "#!AER-DAT2.") {
			t.Fatalf("accepted without an AEDAT 2.0 first line: %q", a.Header)
		}
		if 8*(len(a.Events)+a.Skipped) > len(b)-hb {
			t.Fatalf("%d records from %d bytes", len(a.Events)+a.Skipped, len(b))
		}
		for _, e := range a.Events {
			// Re-encoding a decoded event gives an address that decodes to it.
			addr, err := EncodeAddress(a.Format, e)
			if err != nil {
				t.Fatal(err)
			}
			if g, ok := DecodeAddress(a.Format, addr); !ok || g.X != e.X || g.Y != e.Y || g.P != e.P {
				t.Fatalf("%v → %#x → %v", e, addr, g)
			}
		}
	})
}
