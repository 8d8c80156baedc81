//go:build !unix

package sweep

import "os"

// lockFile is a no-op where flock does not exist: run one process per shard.
func lockFile(*os.File) error { return nil }
