//go:build unix

package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A destination that is not a regular file is written in place: renaming a
// temporary file over /dev/null (say, `--out /dev/null`) would replace the
// device with a regular file for every process on the machine. A FIFO stands
// in for the device so that a regression cannot harm the machine running it.
func TestSpecialFileWrittenInPlace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	got := make(chan []byte)
	go func() {
		r, err := os.Open(p)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(r)
		r.Close()
		got <- b
	}()
	if err := WriteFile(p, []byte("through the pipe")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: mode %v, %v", fi.Mode(), err)
	}
	if b := <-got; string(b) != "through the pipe" {
		t.Fatalf("reader got %q", b)
	}
}
