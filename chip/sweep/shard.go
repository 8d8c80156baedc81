package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects the points i with i mod N == Index.
type Shard struct {
	Index, N int
}

// All is the shard holding every point.
var All = Shard{0, 1}

// Has reports whether point i belongs to the shard.
func (s Shard) Has(i int) bool { return i%s.N == s.Index }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.N) }

// ParseShard reads "i/n" with 0 ≤ i < n.
func ParseShard(v string) (Shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/3", v)
	}
	return newShard(i, n, "shard "+strconv.Quote(v))
}

func newShard(i, n int, what string) (Shard, error) {
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%s: want 0 ≤ index < count, got index %d of %d", what, i, n)
	}
	return Shard{i, n}, nil
}

// ShardFromEnv picks the shard of this process. In order: flag (an "i/n"
// string, when not empty); a Slurm array task (SLURM_ARRAY_TASK_ID minus
// SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT); a Kubernetes Indexed
// Job (JOB_COMPLETION_INDEX, of count, or of NEUROSIM_SHARDS when count is
// 0); else All. getenv is os.Getenv in production.
func ShardFromEnv(flag string, count int, getenv func(string) string) (Shard, string, error) {
	if flag != "" {
		s, err := ParseShard(flag)
		return s, "--shard", err
	}
	num := func(name string) (int, error) {
		v := getenv(name)
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%s=%q: want an integer", name, v)
		}
		return n, nil
	}
	if getenv("SLURM_ARRAY_TASK_ID") != "" {
		id, err := num("SLURM_ARRAY_TASK_ID")
		if err != nil {
			return Shard{}, "", err
		}
		if getenv("SLURM_ARRAY_TASK_COUNT") == "" {
			return Shard{}, "", fmt.Errorf("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
		}
		n, err := num("SLURM_ARRAY_TASK_COUNT")
		if err != nil {
			return Shard{}, "", err
		}
		lo := 0
		if getenv("SLURM_ARRAY_TASK_MIN") != "" {
			if lo, err = num("SLURM_ARRAY_TASK_MIN"); err != nil {
				return Shard{}, "", err
			}
		}
		if step := getenv("SLURM_ARRAY_TASK_STEP"); step != "" && step != "1" {
			return Shard{}, "", fmt.Errorf("SLURM_ARRAY_TASK_STEP=%s: submit the array with consecutive task ids (--array=0-%d)", step, n-1)
		}
		s, err := newShard(id-lo, n, "Slurm array task")
		return s, "SLURM_ARRAY_TASK_ID", err
	}
	if getenv("JOB_COMPLETION_INDEX") != "" {
		id, err := num("JOB_COMPLETION_INDEX")
		if err != nil {
			return Shard{}, "", err
		}
		n := count
		if n == 0 {
			if getenv("NEUROSIM_SHARDS") == "" {
				return Shard{}, "", fmt.Errorf("JOB_COMPLETION_INDEX is set: give the number of shards (the Job's completions) with --shards or NEUROSIM_SHARDS")
			}
			if n, err = num("NEUROSIM_SHARDS"); err != nil {
				return Shard{}, "", err
			}
		}
		s, err := newShard(id, n, "Kubernetes Indexed Job")
		return s, "JOB_COMPLETION_INDEX", err
	}
	if count > 1 {
		return Shard{}, "", fmt.Errorf("--shards %d without a shard index: use --shard i/n, or run as a Slurm array or Kubernetes Indexed Job", count)
	}
	return All, "", nil
}
