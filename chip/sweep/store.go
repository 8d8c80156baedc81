package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/neurosim/neurosim/internal/atomicfile"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/chip"
)

// PlanFile is the name of the plan a results directory records.
const PlanFile = "sweep.json"

// Metrics are the results of one point.
type Metrics struct {
	Samples          int     `json:"samples"`
	Correct          int     `json:"correct"`
	Accuracy         float64 `json:"accuracy"`
	SoftwareAccuracy float64 `json:"software_accuracy"`
	// Agreement is the fraction of samples on which the chip reproduced the
	// software integer model exactly (below 1 under analog noise).
	Agreement   float64     `json:"agreement"`
	EnergyPJ    float64     `json:"energy_pj"` // mean per inference, dynamic and static
	LatencyS    float64     `json:"latency_s"` // mean per inference
	LatencyP99S float64     `json:"latency_p99_s"`
	Counts      chip.Counts `json:"counts"` // mean per inference, rounded
	SpecHash    string      `json:"spec_hash"`
	ProgramHash string      `json:"program_hash"`
}

// Record is one results line: a finished point.
type Record struct {
	Sweep      string `json:"sweep"`
	ConfigHash string `json:"config_hash"`
	Point
	Metrics
	WallSeconds float64 `json:"wall_seconds"`
}

// planJSON is the content of sweep.json.
type planJSON struct {
	Version    int    `json:"version"`
	ConfigHash string `json:"config_hash"`
	Points     int    `json:"points"`
	Sweep      *Sweep `json:"sweep"`
}

// resultsName is the results file of a shard.
func resultsName(s Shard) string { return fmt.Sprintf("points-%dof%d.jsonl", s.Index, s.N) }

// writePlan records p in dir, or checks that dir already records p.
func writePlan(dir string, p *Plan) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if old, err := ReadPlan(dir); err == nil {
		if old.ConfigHash != p.ConfigHash {
			return fmt.Errorf("sweep: %s holds results of another sweep configuration (config hash %s, this one %s); use another --out directory", dir, old.ConfigHash, p.ConfigHash)
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	b, err := json.MarshalIndent(planJSON{planVersion, p.ConfigHash, p.Sweep.NumPoints(), p.Sweep}, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, PlanFile), append(b, '\n'))
}

// RecordedPlan is what a results directory says about its sweep.
type RecordedPlan struct {
	ConfigHash string
	Sweep      *Sweep
}

// ReadPlan reads DIR/sweep.json.
func ReadPlan(dir string) (*RecordedPlan, error) {
	path := filepath.Join(dir, PlanFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	d.DisallowUnknownFields()
	var pj planJSON
	if err := d.Decode(&pj); err != nil {
		return nil, fmt.Errorf("sweep: %s: %v", path, err)
	}
	if pj.Version != planVersion || pj.Sweep == nil {
		return nil, fmt.Errorf("sweep: %s: plan version %d, this neurosim reads version %d", path, pj.Version, planVersion)
	}
	for i := range pj.Sweep.Axes {
		for j, v := range pj.Sweep.Axes[i].Values {
			pj.Sweep.Axes[i].Values[j] = fromJSON(v)
		}
	}
	if probs := pj.Sweep.check(); len(probs) > 0 {
		return nil, fmt.Errorf("sweep: %s: %s", path, strings.Join(probs, "; "))
	}
	if pj.Points != pj.Sweep.NumPoints() {
		return nil, fmt.Errorf("sweep: %s: says %d points, its grid has %d", path, pj.Points, pj.Sweep.NumPoints())
	}
	return &RecordedPlan{ConfigHash: pj.ConfigHash, Sweep: pj.Sweep}, nil
}

// fromJSON turns a json.Number back into the TOML scalar it came from.
func fromJSON(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if !strings.ContainsAny(string(n), ".eE") {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i
		}
	}
	f, _ := n.Float64()
	return f
}

// line is one good line of a results file.
type line struct {
	rec  Record
	file string
	no   int
}

// scanResults reads a results file: every newline-terminated line must be
// a record; an unterminated tail (a write cut short by a kill) is returned
// as its offset, for the caller to ignore or cut.
func scanResults(path string) (lines []line, tail int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("sweep: %w", err)
	}
	tail = -1
	off := 0
	for no := 1; off < len(b); no++ {
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			tail = int64(off)
			break
		}
		var r Record
		d := json.NewDecoder(bytes.NewReader(b[off : off+nl]))
		d.DisallowUnknownFields()
		if err := d.Decode(&r); err != nil {
			return nil, 0, fmt.Errorf("sweep: %s:%d: corrupt results line (%v); a complete line is only ever written whole, so this file was changed by something else", path, no, err)
		}
		for i := range r.Params {
			r.Params[i].Value = normalize(r.Params[i].Value)
		}
		lines = append(lines, line{r, path, no})
		off += nl + 1
	}
	return lines, tail, nil
}

// normalize maps a JSON-decoded number to int64 when integral, as TOML gives.
func normalize(v any) any {
	if f, ok := v.(float64); ok && f == float64(int64(f)) && !strings.ContainsAny(strconv.FormatFloat(f, 'g', -1, 64), ".eE") {
		return int64(f)
	}
	return v
}

// resultFiles lists the results files of dir, sorted.
func resultFiles(dir string) ([]string, error) {
	fs, err := filepath.Glob(filepath.Join(dir, "points-*.jsonl"))
	sort.Strings(fs)
	return fs, err
}

// store appends records to one shard's results file.
type store struct {
	f    *os.File
	path string
	done map[int]bool // points recorded in any file of the directory
	cut  int64        // bytes of a broken tail removed on open
}

func openStore(dir string, p *Plan, sh Shard) (*store, error) {
	path := filepath.Join(dir, resultsName(sh))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("sweep: %s is being written by another process (%v); run one process per shard", path, err)
	}
	s := &store{f: f, path: path, done: map[int]bool{}}
	files, err := resultFiles(dir)
	if err != nil {
		f.Close()
		return nil, err
	}
	for _, name := range files {
		lines, tail, err := scanResults(name)
		if err != nil {
			f.Close()
			return nil, err
		}
		for _, l := range lines {
			if l.rec.ConfigHash != p.ConfigHash {
				f.Close()
				return nil, fmt.Errorf("sweep: %s:%d: result of config %s, this sweep is %s", name, l.no, l.rec.ConfigHash, p.ConfigHash)
			}
			s.done[l.rec.Index] = true
		}
		if name == path && tail >= 0 {
			st, err := f.Stat()
			if err == nil {
				s.cut = st.Size() - tail
				err = f.Truncate(tail)
			}
			if err == nil {
				err = f.Sync()
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("sweep: cutting the unfinished last line of %s: %w", path, err)
			}
		}
	}
	return s, nil
}

// append writes r as one line with a single write and syncs it.
func (s *store) append(r *Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	n, err := s.f.Write(b)
	if err == nil && n != len(b) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(b))
	}
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("sweep: appending to %s: %w", s.path, err)
	}
	return nil
}

func (s *store) close() error { return s.f.Close() }

// WriteFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("sweep: writing %s: %w", path, err)
	}
	return nil
}

type chipCounts = chip.Counts
