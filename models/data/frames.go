package data

// Event frames: an event stream binned in time into dense frames, the input
// of convolutional SNNs trained on event cameras (Tonic's ToFrame).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// FrameOptions say how EventFrames bins events. Exactly one of Bins and
// BinUS is positive.
type FrameOptions struct {
	// Width and Height are the sensor size; a frame is [2][Height][Width]
	// (channel 0 OFF events, channel 1 ON events, as Tonic's ToFrame).
	Width, Height int
	// Bins > 0 cuts the recording into Bins windows of equal length, as
	// Tonic's ToFrame(n_time_bins=Bins) does: w = (t_last − t_first) / Bins
	// in integer µs (at least 1), window k = [t_first + k·w, t_first +
	// (k+1)·w); events in no window (the last µs of a recording whose
	// length Bins does not divide) are dropped.
	Bins int
	// BinUS > 0 cuts the recording into Steps windows of BinUS µs from the
	// first event (Tonic's ToFrame(time_window=BinUS) with the frame count
	// fixed): events at or after t_first + Steps·BinUS are dropped, and a
	// shorter recording ends in empty frames.
	BinUS int64
	Steps int
	// Binary frames hold 1 where a pixel had any event in the window; count
	// frames (the default) hold the number of events, saturating at 255.
	Binary bool
}

// Frames returns the number of frames EventFrames writes.
func (o FrameOptions) Frames() int {
	if o.Bins > 0 {
		return o.Bins
	}
	return o.Steps
}

// FrameSize returns the number of values of one frame, 2·Height·Width.
func (o FrameOptions) FrameSize() int { return 2 * o.Height * o.Width }

func (o FrameOptions) check() error {
	switch {
	case o.Width <= 0 || o.Height <= 0 || o.Width > 1<<14 || o.Height > 1<<14:
		return fmt.Errorf("event frames: sensor %d×%d", o.Width, o.Height)
	case (o.Bins > 0) == (o.BinUS > 0):
		return fmt.Errorf("event frames: give either a number of time bins or a bin width (got %d bins, %d µs)", o.Bins, o.BinUS)
	case o.BinUS > 0 && o.Steps <= 0:
		return fmt.Errorf("event frames: %d µs bins need a number of frames (got %d)", o.BinUS, o.Steps)
	case o.Bins > 1<<16 || o.Steps > 1<<16:
		return fmt.Errorf("event frames: %d frames is too many", o.Frames())
	}
	return nil
}

// EventFrames bins ev (time-ordered, as recordings are) into o.Frames()
// frames of o.FrameSize() values written one after another into dst, which
// must have exactly that length; value (p·Height + y)·Width + x of frame k
// counts the events of polarity p (1: ON) at (x, y) in window k. It returns
// the number of events outside every window. An event outside the sensor or
// out of time order is an error. It allocates nothing.
func EventFrames(dst []uint8, ev []Event, o FrameOptions) (dropped int, err error) {
	if err := o.check(); err != nil {
		return 0, err
	}
	fs := o.FrameSize()
	if len(dst) != o.Frames()*fs {
		return 0, fmt.Errorf("event frames: dst has %d values, want %d frames × %d", len(dst), o.Frames(), fs)
	}
	clear(dst)
	if len(ev) == 0 {
		return 0, nil
	}
	t0 := ev[0].T
	w, n := o.BinUS, int64(o.Steps)
	if o.Bins > 0 {
		w, n = max((ev[len(ev)-1].T-t0)/int64(o.Bins), 1), int64(o.Bins)
	}
	for i, e := range ev {
		if e.X < 0 || int(e.X) >= o.Width || e.Y < 0 || int(e.Y) >= o.Height {
			return 0, fmt.Errorf("event frames: event %d at (%d,%d) outside the %d×%d sensor", i, e.X, e.Y, o.Width, o.Height)
		}
		if i > 0 && e.T < ev[i-1].T {
			return 0, fmt.Errorf("event frames: event %d at %d µs comes before the previous one (%d µs); events must be time-ordered", i, e.T, ev[i-1].T)
		}
		k := (e.T - t0) / w
		if k >= n {
			dropped++
			continue
		}
		p := 0
		if e.P {
			p = 1
		}
		j := int(k)*fs + (p*o.Height+int(e.Y))*o.Width + int(e.X)
		switch {
		case o.Binary:
			dst[j] = 1
		case dst[j] < 255:
			dst[j]++
		}
	}
	return dropped, nil
}

// NMNISTName names the N-MNIST event dataset.
const NMNISTName = "nmnist"

// ErrNoNMNIST is wrapped by LoadNMNIST when the directory holds no N-MNIST
// split.
var ErrNoNMNIST = errors.New("N-MNIST not found")

// EventSet is a list of event recordings with their labels (−1: unknown), in
// a fixed order.
type EventSet struct {
	Name   string
	Files  []string
	Labels []int
	// Width and Height are the sensor size.
	Width, Height int
}

// Read decodes recording i.
func (s *EventSet) Read(i int) ([]Event, error) {
	if i < 0 || i >= len(s.Files) {
		return nil, fmt.Errorf("%s: recording %d of %d", s.Name, i, len(s.Files))
	}
	p := s.Files[i]
	if strings.EqualFold(filepath.Ext(p), ".aedat") {
		a, err := ReadAEDATFile(p, FormatDVS128)
		if err != nil {
			return nil, err
		}
		return a.Events, nil
	}
	return ReadNMNISTFile(p)
}

// LoadNMNIST lists split ("train" or "test") of the N-MNIST dataset under
// dir, in the layout of its Train.zip and Test.zip (and of Tonic's
// download): dir/Train/<digit>/*.bin and dir/Test/<digit>/*.bin, dir also
// being allowed to be the parent of an NMNIST/ folder holding them. Files
// are ordered by digit, then name; the label is the digit. A missing
// directory is an error wrapping ErrNoNMNIST that says where to get it.
func LoadNMNIST(dir, split string) (*EventSet, error) {
	var sub string
	switch split {
	case "train":
		sub = "Train"
	case "test":
		sub = "Test"
	default:
		return nil, fmt.Errorf("nmnist: split %q: want train or test", split)
	}
	if dir == "" {
		return nil, fmt.Errorf("%w: give the directory holding Train/ and Test/ with --data DIR (N-MNIST: https://www.garrickorchard.com/datasets/n-mnist, Train.zip and Test.zip unzipped; or tonic.datasets.NMNIST(save_to=DIR))", ErrNoNMNIST)
	}
	root := ""
	for _, c := range []string{filepath.Join(dir, sub), filepath.Join(dir, "NMNIST", sub)} {
		if isDir(c) {
			root = c
			break
		}
	}
	if root == "" {
		return nil, fmt.Errorf("%w in %s: want %s/<digit>/*.bin (N-MNIST: https://www.garrickorchard.com/datasets/n-mnist, Train.zip and Test.zip unzipped; or tonic.datasets.NMNIST(save_to=DIR))", ErrNoNMNIST, dir, filepath.Join(dir, sub))
	}
	s := &EventSet{Name: NMNISTName, Width: NMNISTSize, Height: NMNISTSize}
	for d := 0; d < 10; d++ {
		ents, err := os.ReadDir(filepath.Join(root, strconv.Itoa(d)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("nmnist: %w", err)
		}
		var names []string
		for _, e := range ents {
			if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".bin") {
				names = append(names, e.Name())
			}
		}
		slices.Sort(names)
		for _, n := range names {
			s.Files = append(s.Files, filepath.Join(root, strconv.Itoa(d), n))
			s.Labels = append(s.Labels, d)
		}
	}
	if len(s.Files) == 0 {
		return nil, fmt.Errorf("%w: %s has no <digit>/*.bin recordings", ErrNoNMNIST, root)
	}
	return s, nil
}

// EventFiles makes an EventSet of the given recordings (N-MNIST .bin, or
// AEDAT 2.0 .aedat from a DVS128, 128×128). A file's label is the name of
// its directory when that is a single digit (the N-MNIST layout), else −1.
// All files must come from sensors of one size.
func EventFiles(paths []string) (*EventSet, error) {
	if len(paths) == 0 {
		return nil, errors.New("events: no files")
	}
	s := &EventSet{Name: "events"}
	for _, p := range paths {
		w := NMNISTSize
		switch strings.ToLower(filepath.Ext(p)) {
		case ".bin":
		case ".aedat":
			w = 128
		default:
			return nil, fmt.Errorf("%s: unknown event file type (want N-MNIST .bin or AEDAT 2.0 .aedat)", p)
		}
		if s.Width != 0 && s.Width != w {
			return nil, fmt.Errorf("%s: a %d×%d sensor among %d×%d recordings", p, w, w, s.Width, s.Height)
		}
		s.Width, s.Height = w, w
		label := -1
		if d := filepath.Base(filepath.Dir(p)); len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
			label = int(d[0] - '0')
		}
		s.Files = append(s.Files, p)
		s.Labels = append(s.Labels, label)
	}
	return s, nil
}
