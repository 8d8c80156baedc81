package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestEventFramesBins(t *testing.T) {
	ev := []Event{
		{X: 0, Y: 0, T: 100, P: true},
		{X: 1, Y: 0, T: 104, P: false},
		{X: 1, Y: 0, T: 105, P: false},
		{X: 2, Y: 1, T: 109, P: true},
		{X: 2, Y: 1, T: 110, P: true}, // t_last: (110−100)/2 = 5 → window 2, beyond 2 bins: dropped
	}
	o := FrameOptions{Width: 3, Height: 2, Bins: 2}
	dst := make([]uint8, o.Frames()*o.FrameSize())
	dropped, err := EventFrames(dst, ev, o)
	if err != nil {
		t.Fatal(err)
	}
	// w = 5: window 0 = [100,105), window 1 = [105,110)
	want := make([]uint8, len(dst))
	fs := o.FrameSize()
	want[0*fs+(1*2+0)*3+0] = 1 // ON (0,0)
	want[0*fs+(0*2+0)*3+1] = 1 // OFF (1,0) at 104
	want[1*fs+(0*2+0)*3+1] = 1 // OFF (1,0) at 105
	want[1*fs+(1*2+1)*3+2] = 1 // ON (2,1) at 109
	if dropped != 1 {
		t.Errorf("dropped %d, want 1", dropped)
	}
	for i := range dst {
		if dst[i] != want[i] {
			t.Fatalf("frames %v, want %v", dst, want)
		}
	}
}

func TestEventFramesWidthCountBinary(t *testing.T) {
	var ev []Event
	for i := 0; i < 300; i++ {
		ev = append(ev, Event{X: 1, Y: 1, T: int64(i), P: true})
	}
	ev = append(ev, Event{X: 0, Y: 0, T: 5000, P: false})
	o := FrameOptions{Width: 2, Height: 2, BinUS: 1000, Steps: 3}
	dst := make([]uint8, o.Frames()*o.FrameSize())
	dropped, err := EventFrames(dst, ev, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := dst[(1*2+1)*2+1]; got != 255 || dropped != 1 {
		t.Fatalf("count %d (want 255, saturated), dropped %d (want 1)", got, dropped)
	}
	o.Binary = true
	if _, err := EventFrames(dst, ev, o); err != nil || dst[(1*2+1)*2+1] != 1 {
		t.Fatalf("binary: %d, %v", dst[(1*2+1)*2+1], err)
	}
	if a := testing.AllocsPerRun(10, func() { EventFrames(dst, ev, o) }); a != 0 {
		t.Errorf("EventFrames allocates %.0f times", a)
	}
}

func TestEventFramesErrors(t *testing.T) {
	ev := []Event{{X: 0, Y: 0, T: 10}, {X: 5, Y: 0, T: 11}}
	o := FrameOptions{Width: 3, Height: 3, Bins: 1}
	for name, c := range map[string]struct {
		ev []Event
		o  FrameOptions
		n  int
	}{
		"outside":    {ev, o, 18},
		"unordered":  {[]Event{{T: 10}, {T: 9}}, o, 18},
		"both modes": {nil, FrameOptions{Width: 3, Height: 3, Bins: 1, BinUS: 5, Steps: 1}, 18},
		"no mode":    {nil, FrameOptions{Width: 3, Height: 3}, 18},
		"dst length": {nil, o, 17},
	} {
		if _, err := EventFrames(make([]uint8, c.n), c.ev, c.o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestNMNISTSampleFrames bins the N-MNIST sample into 2×34×34 frames: every
// event lands in one window (or is counted as dropped) and the ON and OFF
// channels both hold events.
func TestNMNISTSampleFrames(t *testing.T) {
	p := sampleOrSkip(t, "sample_nmnist.bin")
	ev, err := ReadNMNISTFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []FrameOptions{
		{Width: NMNISTSize, Height: NMNISTSize, Bins: 10},
		{Width: NMNISTSize, Height: NMNISTSize, BinUS: 1000, Steps: 400},
	} {
		dst := make([]uint8, o.Frames()*o.FrameSize())
		dropped, err := EventFrames(dst, ev, o)
		if err != nil {
			t.Fatal(err)
		}
		var on, off int
		plane := NMNISTSize * NMNISTSize
		for i, v := range dst {
			if (i%o.FrameSize())/plane == 1 {
				on += int(v)
			} else {
				off += int(v)
			}
		}
		if on+off+dropped != len(ev) || on == 0 || off == 0 {
			t.Fatalf("%+v: %d ON + %d OFF + %d dropped, want %d events in both channels", o, on, off, dropped, len(ev))
		}
		t.Logf("%+v: %d ON, %d OFF, %d dropped", o, on, off, dropped)
	}
}

func TestLoadNMNIST(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadNMNIST(dir, "test"); !errors.Is(err, ErrNoNMNIST) {
		t.Fatalf("empty dir: %v, want ErrNoNMNIST", err)
	}
	if _, err := LoadNMNIST("", "test"); !errors.Is(err, ErrNoNMNIST) {
		t.Fatalf("no dir: %v, want ErrNoNMNIST", err)
	}
	rec := nmnistRecord(1, 2, true, 7)
	for _, f := range []string{"NMNIST/Test/3/00002.bin", "NMNIST/Test/3/00001.bin", "NMNIST/Test/0/00009.bin", "NMNIST/Test/0/readme.txt"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, rec, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := LoadNMNIST(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 3 || s.Labels[0] != 0 || s.Labels[1] != 3 || filepath.Base(s.Files[1]) != "00001.bin" {
		t.Fatalf("files %v labels %v", s.Files, s.Labels)
	}
	ev, err := s.Read(2)
	if err != nil || len(ev) != 1 || ev[0].X != 1 || ev[0].Y != 2 {
		t.Fatalf("read: %v %v", ev, err)
	}
	if _, err := LoadNMNIST(dir, "train"); !errors.Is(err, ErrNoNMNIST) {
		t.Fatalf("train split absent: %v", err)
	}
	es, err := EventFiles([]string{filepath.Join(dir, "NMNIST/Test/3/00001.bin"), filepath.Join(dir, "x.bin")})
	if err != nil || es.Labels[0] != 3 || es.Labels[1] != -1 {
		t.Fatalf("EventFiles: %v %v", es, err)
	}
	if _, err := EventFiles([]string{"a.bin", "b.aedat"}); err == nil {
		t.Fatal("mixed sensor sizes accepted")
	}
}

// FuzzEventFrames bins decoded N-MNIST records with options from the input:
// every event is counted once (or dropped) or an error is returned, never
// a panic.
func FuzzEventFrames(f *testing.F) {
	f.Add([]byte{1, 2, 0x80, 0, 5, 3, 4, 0, 0, 9}, uint8(3), uint16(0), false)
	f.Add([]byte{33, 33, 0xff, 0xff, 0xff}, uint8(0), uint16(7), true)
	f.Fuzz(func(t *testing.T, b []byte, bins uint8, binUS uint16, binary bool) {
		ev, err := ReadNMNIST(bytes.NewReader(b))
		if err != nil {
			return
		}
		o := FrameOptions{Width: NMNISTSize, Height: NMNISTSize, Bins: int(bins), BinUS: int64(binUS), Steps: 4, Binary: binary}
		dst := make([]uint8, max(o.Frames(), 0)*o.FrameSize())
		dropped, err := EventFrames(dst, ev, o)
		if err != nil {
			return
		}
		sum := 0
		for _, v := range dst {
			sum += int(v)
		}
		if !binary && sum+dropped != len(ev) && len(ev) < 255 {
			t.Fatalf("%d counted + %d dropped of %d events", sum, dropped, len(ev))
		}
	})
}
