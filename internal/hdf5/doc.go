// Package hdf5 is a read-only reader for the subset of HDF5 that NIR
// (Neuromorphic Intermediate Representation) files and lava-dl netx files
// use. It was written from the HDF5 File Format Specification (version 3.0)
// and imports no other neurosim package.
//
// # Model
//
// A File holds a tree of groups. A Group maps link names to groups and
// datasets and carries attributes; a Dataset is an n-dimensional array of
// one element type (DType) with attributes. Members lists a group's names
// sorted by byte value, whatever order the file keeps them in; Group and
// Dataset take a name or a slash-separated path ("nodes/lif1/tau", or
// "/node/edges" from the root). Data is read on demand: ReadFloat64s,
// ReadFloat32s, ReadInt64s and ReadStrings return a flat row-major slice
// and Shape gives its dimensions; Value and Attribute.Value return Go values
// (int64, float64, string for scalars; []int64, []float64, []string for
// arrays). Integers of every width and byte order are widened; ReadFloat64s
// also accepts integers, ReadInt64s rejects floats.
//
// # Supported subset
//
//   - Superblock versions 0-3 (found at 0, 512, 1024, ...), 2-, 4- or 8-byte
//     offsets and lengths, a base address.
//   - Object headers version 1 and 2 ("OHDR"/"OCHK"), with continuation
//     messages; checksums are not verified.
//   - Old-style groups (symbol table message, v1 B-tree of type 0, local
//     heap "HEAP", symbol nodes "SNOD", soft links in the scratch pad) and
//     new-style compact groups (link messages: hard, soft; external links
//     are listed but not followed).
//   - Dataspaces scalar, simple (rank <= 32) and null.
//   - Datatypes: fixed-point integers of 1, 2, 4 or 8 bytes, signed or
//     unsigned, little- or big-endian; IEEE 754 binary32 and binary64 in
//     either byte order; fixed-length strings (null-terminated, null- or
//     space-padded); variable-length strings in the global heap ("GCOL");
//     enumerations (h5py's bool), read as their base integer. Other classes
//     (compound, array, reference, opaque, bitfield, time, variable-length
//     sequences) parse, report Class Other, and fail to read.
//   - Data layouts version 3 (and 4 for compact and contiguous): compact,
//     contiguous, and chunked with a v1 B-tree of type 1, including edge
//     chunks and chunks never written (read as zeros); filters deflate
//     (compress/zlib), shuffle and fletcher32 (checksum stripped, not
//     verified), honouring each chunk's filter mask.
//   - Attribute messages versions 1-3 on groups and datasets.
//
// Not supported, reported as errors wrapping ErrUnsupported: dense link or
// attribute storage (fractal heaps, v2 B-trees: more than 8 links or
// attributes with libver="latest"), layout version 4 chunk indexes (chunked
// data with libver="latest"), layout versions 1-2, shared (committed)
// datatypes and shared messages, external data files, filters other than
// the three above, non-IEEE floats, integers with padding bits.
//
// # Invariants
//
//   - Malformed input never panics: every structure that fails to decode
//     is a *FormatError naming what was being read and its file offset.
//   - Every size read from the file is checked against the file size before
//     it is allocated; a decoded dataset or attribute is at most 1032 times
//     the file size (deflate's maximum ratio) and at most 2 GiB, and so is
//     the total a chunked read inflates (chunks may overhang the dataspace or
//     share stored data); a dataset has at most 2^27 elements. Each read
//     decodes afresh: a hostile file can make each of its datasets cost that
//     much work, so callers reading untrusted files should read only the
//     datasets they need.
//   - Every walk ends: continuation chains and B-trees visit each node once
//     and B-tree levels must decrease; soft links are followed at most 16
//     times per lookup; Walk visits each object once even when hard links
//     form a cycle.
//   - Reading is deterministic and caches only global heap collections, so
//     a File is not safe for concurrent use.
package hdf5
