package traces

import "github.com/neurosim/neurosim/internal/atomicfile"

// atomicFile is an output file written under a temporary name in its
// directory and renamed to its final name only when complete, so a reader
// never sees a half-written trace and a failed run leaves none behind.
type atomicFile = atomicfile.File

// createAtomic opens a temporary file beside path.
func createAtomic(path string) (*atomicFile, error) { return atomicfile.Create(path) }
