// Package sweep plans, shards, runs and merges parameter sweeps: a grid over
// chip-spec fields (any dotted key path of arch.Spec, such as
// core.xbar.macro.program_variation or noc.buffer_flits) and models, times
// a number of seeds, each point one run of a model on a chip over a dataset.
//
// # Model
//
// A sweep file (TOML, decoded strictly) names the chip base, the model, the
// dataset, the number of samples, the base seed, the number of seeds and the
// axes. [Parse] reads it; [Sweep.Resolve] loads the chip base and the models
// and checks every axis path against the base spec's fields, so an unknown
// path is an error that suggests the nearest field. The grid's points are
// numbered in a fixed order (first axis outermost, seeds innermost); point i
// belongs to shard i mod n. Each point's seed is derived by hashing the base
// seed, the point's parameter values and its seed index, so it does not
// depend on the shard, the worker or the order of execution.
//
// [Run] runs the points of one shard that are not yet finished, several at
// a time, and appends one JSON line per finished point to
// DIR/points-IofN.jsonl. [Merge] reads the results of one or more
// directories, checks that every point of the plan is present exactly once
// with the plan's config hash, and [Merged.Write] writes results.csv, the
// summary table (mean ± 95 % Student-t interval over seeds per grid value)
// and accuracy plots (PNG, SVG).
//
// # Invariants
//
//   - A results line is written with one write(2) on a file opened
//     O_APPEND, then fsync'd. A killed write leaves at most a prefix of the
//     line, which has no trailing newline; every newline-terminated line is
//     therefore complete. Before appending, an unterminated tail is cut off,
//     and an exclusive flock keeps two processes from appending to the same
//     file, so a corrupt line never precedes a good one.
//   - A point is run at most once per directory: a rerun skips every point
//     already recorded in any results file of the directory.
//   - The config hash covers everything that decides a point's result (the
//     sweep file's settings, the base spec, the models' bytes); results of
//     another config are refused, never mixed.
//   - Merged outputs depend only on the set of recorded points, not on the
//     sharding, the workers, the order lines were written or wall time:
//     the same points give byte-identical files.
//   - Outputs are written to a temporary name in the same directory and
//     renamed into place.
package sweep
