package hdf5

import (
	"errors"
	"fmt"
)

// ErrUnsupported is wrapped by every FormatError that describes a valid HDF5
// feature outside the subset this package reads (see the package doc).
var ErrUnsupported = errors.New("unsupported HDF5 feature")

// FormatError reports a malformed structure, or one outside the supported
// subset, together with what was being read and where.
type FormatError struct {
	What   string // the structure being read, e.g. "object header v1"
	Offset int64  // absolute file offset of the structure or field; -1 if unknown
	Err    error
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("hdf5: %s: %v", e.What, e.Err)
	}
	return fmt.Sprintf("hdf5: %s at offset %#x: %v", e.What, e.Offset, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

func errAt(what string, off int64, format string, args ...any) error {
	return &FormatError{What: what, Offset: off, Err: fmt.Errorf(format, args...)}
}

func unsupportedAt(what string, off int64, format string, args ...any) error {
	return &FormatError{What: what, Offset: off, Err: fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))}
}
