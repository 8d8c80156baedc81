package sweep

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/neurosim/neurosim/arch"
)

// ModelAxis is the axis path that sweeps over models instead of a spec field.
const ModelAxis = "model"

// DefaultModel names the model embedded in the binary (the shipped
// sfa-convnet trained on MNIST).
const DefaultModel = "default"

// maxPoints bounds the grid so a typo (seeds = 1e9) is an error, not a hang.
const maxPoints = 1_000_000

// Sweep is a sweep file as written: plain data, checked by Parse.
type Sweep struct {
	Name    string `toml:"name" json:"name"`       // label of the sweep, copied into every result
	Chip    string `toml:"chip" json:"chip"`       // chip base: a preset name or a spec file (relative to the sweep file)
	Model   string `toml:"model" json:"model"`     // "default" or a .nsm file (relative to the sweep file)
	Dataset string `toml:"dataset" json:"dataset"` // mnist or fashion-mnist
	Data    string `toml:"data" json:"-"`          // directory of the dataset's IDX files (empty: its standard place)
	Split   string `toml:"split" json:"split"`     // test or train
	Limit   int    `toml:"limit" json:"limit"`     // samples per point (0: the whole split)
	Seed    uint64 `toml:"seed" json:"seed"`       // base seed
	Seeds   int    `toml:"seeds" json:"seeds"`     // seeds per grid value
	Lane    int    `toml:"lane" json:"lane"`       // samples per machine between resets (chip.RunOptions.LaneSize)
	// CIMLayers says which layers the compiler puts on cim cores
	// (compiler.Options.CIMLayers: "" or "dense", "all", "none", or layer names).
	CIMLayers string `toml:"cim_layers" json:"cim_layers,omitempty"`
	Axes      []Axis `toml:"axis" json:"axes"` // the grid, first axis outermost

	dir string // directory relative paths are resolved against
}

// Axis is one dimension of the grid: a dotted spec path (or "model") and its values.
type Axis struct {
	Path   string   `toml:"path" json:"path"`
	Values []any    `toml:"values" json:"values"`
	Labels []string `toml:"labels" json:"labels,omitempty"` // optional display names, one per value
}

// keys of the sweep file, for did-you-mean on unknown keys.
var fileKeys = []string{"name", "chip", "model", "dataset", "data", "split", "limit", "seed", "seeds", "lane", "cim_layers", "axis", "axis.path", "axis.values", "axis.labels"}

// ParseFile reads and checks a sweep file; relative chip and model paths are
// resolved against its directory.
func ParseFile(path string) (*Sweep, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	s, err := Parse(b, path)
	if err != nil {
		return nil, err
	}
	s.dir = filepath.Dir(path)
	return s, nil
}

// Parse decodes a sweep file strictly (an unknown key is an error that names
// it) and checks its values; name labels errors.
func Parse(data []byte, name string) (*Sweep, error) {
	s := &Sweep{Chip: "default", Model: DefaultModel, Dataset: "mnist", Split: "test", Seed: 1, Seeds: 1, dir: "."}
	md, err := toml.Decode(string(data), s)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var probs []string
	for _, k := range md.Undecoded() {
		ks := k.String()
		generic := ks
		if len(k) > 1 && k[0] == "axis" {
			generic = "axis." + k[len(k)-1]
		}
		msg := fmt.Sprintf("%s: unknown key %q", name, ks)
		if c := closest(generic, fileKeys); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		probs = append(probs, msg)
	}
	for _, p := range s.check() {
		probs = append(probs, name+": "+p)
	}
	if len(probs) > 0 {
		sort.Strings(probs)
		return nil, errors.New(strings.Join(probs, "\n"))
	}
	return s, nil
}

func (s *Sweep) check() []string {
	var p []string
	if s.Split != "test" && s.Split != "train" {
		p = append(p, fmt.Sprintf("split %q: want test or train", s.Split))
	}
	if s.Chip == "" {
		p = append(p, "chip: want a preset name or a spec file")
	}
	if s.Model == "" {
		p = append(p, `model: want "default" or a .nsm file`)
	}
	if s.Limit < 0 {
		p = append(p, fmt.Sprintf("limit %d: must not be negative", s.Limit))
	}
	if s.Lane < 0 {
		p = append(p, fmt.Sprintf("lane %d: must not be negative", s.Lane))
	}
	if s.Seeds < 1 {
		p = append(p, fmt.Sprintf("seeds %d: want at least 1", s.Seeds))
	}
	if len(s.Axes) == 0 {
		p = append(p, "no [[axis]]: a sweep needs at least one axis (path and values)")
	}
	seen := map[string]bool{}
	n := max(1, s.Seeds)
	for i, a := range s.Axes {
		where := fmt.Sprintf("axis[%d]", i)
		if a.Path == "" {
			p = append(p, where+": path is empty")
		} else if seen[a.Path] {
			p = append(p, fmt.Sprintf("%s: path %q appears twice", where, a.Path))
		}
		seen[a.Path] = true
		if len(a.Values) == 0 {
			p = append(p, where+": values is empty")
		}
		if a.Labels != nil && len(a.Labels) != len(a.Values) {
			p = append(p, fmt.Sprintf("%s: %d labels for %d values", where, len(a.Labels), len(a.Values)))
		}
		dup := map[string]bool{}
		for j, v := range a.Values {
			c, err := canon(v)
			if err != nil {
				p = append(p, fmt.Sprintf("%s.values[%d]: %v", where, j, err))
				continue
			}
			if dup[c] {
				p = append(p, fmt.Sprintf("%s.values[%d]: %s appears twice", where, j, c))
			}
			dup[c] = true
			if a.Path == ModelAxis {
				if _, ok := v.(string); !ok {
					p = append(p, fmt.Sprintf("%s.values[%d]: a model axis takes file names (strings)", where, j))
				}
			}
		}
		if a.Labels != nil {
			dl := map[string]bool{}
			for j, l := range a.Labels {
				if l == "" || dl[l] {
					p = append(p, fmt.Sprintf("%s.labels[%d]: labels must be non-empty and distinct", where, j))
				}
				dl[l] = true
			}
		}
		if len(a.Values) > 0 {
			n *= len(a.Values)
		}
		if n > maxPoints {
			p = append(p, fmt.Sprintf("the grid has more than %d points", maxPoints))
			break
		}
	}
	return p
}

// canon returns the canonical text of a scalar axis value (its JSON), or an
// error for a value that cannot be a spec setting.
func canon(v any) (string, error) {
	switch x := v.(type) {
	case int64, bool, string:
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a finite number", x)
		}
	default:
		return "", fmt.Errorf("want a number, string or boolean, got %T", v)
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// Label returns the display name of value j of the axis.
func (a *Axis) Label(j int) string {
	if a.Labels != nil {
		return a.Labels[j]
	}
	if s, ok := a.Values[j].(string); ok {
		return s
	}
	c, _ := canon(a.Values[j])
	return c
}

// Param is one coordinate of a point.
type Param struct {
	Path  string `json:"path"`
	Value any    `json:"value"`
	Label string `json:"label"`
}

// Point is one run of the sweep.
type Point struct {
	Index     int     `json:"index"` // position in the plan
	Key       string  `json:"key"`   // canonical parameters and seed index
	Group     int     `json:"group"` // grid value (index without the seed)
	Params    []Param `json:"params"`
	SeedIndex int     `json:"seed_index"`
	Seed      uint64  `json:"seed"`
	at        []int   // value index per axis
}

// NumPoints returns the number of points of the grid.
func (s *Sweep) NumPoints() int {
	n := s.Seeds
	for _, a := range s.Axes {
		n *= len(a.Values)
	}
	return n
}

// NumGroups returns the number of grid values (points without the seeds).
func (s *Sweep) NumGroups() int { return s.NumPoints() / s.Seeds }

// Point returns point i of the plan: the first axis varies slowest, the
// seed index fastest.
func (s *Sweep) Point(i int) Point {
	p := Point{Index: i, SeedIndex: i % s.Seeds, Group: i / s.Seeds, at: make([]int, len(s.Axes))}
	r := p.Group
	for k := len(s.Axes) - 1; k >= 0; k-- {
		n := len(s.Axes[k].Values)
		p.at[k] = r % n
		r /= n
	}
	var key strings.Builder
	for k, a := range s.Axes {
		v := a.Values[p.at[k]]
		c, _ := canon(v)
		p.Params = append(p.Params, Param{Path: a.Path, Value: v, Label: a.Label(p.at[k])})
		key.WriteString(a.Path + "=" + c + ";")
	}
	fmt.Fprintf(&key, "seed#%d", p.SeedIndex)
	p.Key = key.String()
	p.Seed = DeriveSeed(s.Seed, p.Key)
	return p
}

// DeriveSeed hashes the base seed and a point's canonical key into the
// point's seed: SHA-256("neurosim/sweep-seed/v1", base, key), first 8 bytes.
func DeriveSeed(base uint64, key string) uint64 {
	h := sha256.New()
	h.Write([]byte("neurosim/sweep-seed/v1\x00"))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], base)
	h.Write(b[:])
	h.Write([]byte(key))
	return binary.LittleEndian.Uint64(h.Sum(nil)[:8])
}

// resolvePath returns a chip or model reference relative to the sweep file.
func (s *Sweep) resolvePath(p string) string {
	if filepath.IsAbs(p) || s.dir == "" {
		return p
	}
	return filepath.Join(s.dir, p)
}

// closest returns the name within edit distance 3 of k (or sharing its last
// dotted component), if any.
func closest(k string, names []string) string {
	best, bestD := "", 4
	for _, n := range names {
		if d := arch.EditDistance(k, n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best != "" {
		return best
	}
	last := k[strings.LastIndexByte(k, '.')+1:]
	for _, n := range names {
		if n[strings.LastIndexByte(n, '.')+1:] == last {
			return n
		}
	}
	return ""
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func itoa(i int) string { return strconv.Itoa(i) }
