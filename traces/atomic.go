package traces

import (
	"os"
	"path/filepath"
)

// atomicFile is an output file written under a temporary name in its
// directory and renamed to its final name only when complete, so a reader
// never sees a half-written trace and a failed run leaves none behind.
type atomicFile struct {
	*os.File
	path string
}

// createAtomic opens a temporary file beside path.
func createAtomic(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, path: path}, nil
}

// Commit closes the file and renames it to its final name (mode 0644).
func (a *atomicFile) Commit() error {
	tmp := a.File.Name()
	err := a.File.Close()
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, a.path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Abort closes and removes the temporary file.
func (a *atomicFile) Abort() {
	a.File.Close()
	os.Remove(a.File.Name())
}
