package assets

import (
	"errors"
	"io/fs"
	"testing"
)

func TestMissing(t *testing.T) {
	_, err := Read("no-such-file.nsm")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a missing asset: %v, want fs.ErrNotExist", err)
	}
}

func TestReadme(t *testing.T) {
	b, err := Read("README.md")
	if err != nil || len(b) == 0 {
		t.Fatalf("README.md not embedded: %v", err)
	}
}
