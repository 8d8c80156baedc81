// Package atomicfile writes output files so that a reader never sees a
// half-written one: the bytes go to a temporary file in the destination's
// directory, which is synced, given mode 0644 and renamed over the
// destination only when complete; on any error, or Abort, the temporary file
// is removed and the destination is untouched.
//
// A destination that already exists and is not a regular file (a character
// device such as /dev/null, a FIFO, a socket) cannot be replaced by a rename
// without destroying it, so such a path is opened and written in place;
// atomicity has no meaning there. A symbolic link is followed: the file it
// names is replaced and the link stays. A directory is an error.
//
// # Invariants
//
//   - Until Commit returns nil the destination holds its old contents (or
//     does not exist); after it, the complete new contents, mode 0644.
//   - Every temporary file is named ".<base>.tmp-*" beside the destination
//     and is removed when Commit fails or Abort is called.
//   - Device, FIFO and socket destinations are never renamed over or removed.
package atomicfile
