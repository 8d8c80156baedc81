package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/internal/assets"
)

// planVersion changes when the meaning of a plan or a result line changes.
const planVersion = 1

// Plan is a resolved sweep: the sweep file with its chip base and models
// loaded and its axis paths checked. It is what a results directory records
// in sweep.json.
type Plan struct {
	Sweep      *Sweep
	ConfigHash string
	baseTOML   map[string]any // the chip base as a TOML tree, overridden per point
	baseName   string
	models     map[string][]byte // model reference → .nsm bytes
}

// Resolve loads the chip base and the models of s and checks every axis path
// against the fields of the base spec.
func (s *Sweep) Resolve() (*Plan, error) {
	p := &Plan{Sweep: s, models: map[string][]byte{}}
	var text []byte
	if b, err := arch.PresetTOML(s.Chip); err == nil && !strings.ContainsAny(s.Chip, "/\\.") {
		text, p.baseName = b, "preset "+s.Chip
	} else {
		path := s.resolvePath(s.Chip)
		if text, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("sweep: chip %q is neither a preset (%s) nor a readable file: %v", s.Chip, strings.Join(arch.Presets(), ", "), err)
		}
		p.baseName = path
	}
	base, err := arch.Parse(text, p.baseName)
	if err != nil {
		return nil, fmt.Errorf("sweep: chip base: %w", err)
	}
	if _, err := toml.Decode(string(text), &p.baseTOML); err != nil {
		return nil, fmt.Errorf("sweep: chip base %s: %v", p.baseName, err)
	}
	specHash, err := chip.SpecHash(base)
	if err != nil {
		return nil, err
	}
	var fields []string
	for _, f := range arch.Fields(base) {
		fields = append(fields, f.Path)
	}
	var probs []string
	refs := []string{s.Model}
	for i, a := range s.Axes {
		if a.Path == ModelAxis {
			for _, v := range a.Values {
				refs = append(refs, v.(string))
			}
			continue
		}
		if !contains(fields, a.Path) {
			msg := fmt.Sprintf("axis[%d]: %q is not a field of chip %s", i, a.Path, s.Chip)
			if c := suggestPath(a.Path, fields); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			probs = append(probs, msg+"; `neurosim describe "+s.Chip+"` lists the fields")
		}
	}
	if len(probs) > 0 {
		return nil, errors.New("sweep: " + strings.Join(probs, "\n"))
	}
	modelHashes := map[string]string{}
	for _, r := range refs {
		if _, ok := p.models[r]; ok {
			continue
		}
		b, err := p.readModel(r)
		if err != nil {
			return nil, err
		}
		p.models[r] = b
		modelHashes[r] = hexSum(b)
	}
	// Every value of every axis must give a valid spec; check them now,
	// not halfway through a run.
	for i, a := range s.Axes {
		if a.Path == ModelAxis {
			continue
		}
		for j, v := range a.Values {
			if _, err := p.specWith([]Param{{Path: a.Path, Value: v}}); err != nil {
				return nil, fmt.Errorf("sweep: axis[%d] value %d (%s = %s): %w", i, j, a.Path, a.Label(j), err)
			}
		}
	}
	cfg := struct {
		Version     int               `json:"version"`
		Sweep       *Sweep            `json:"sweep"`
		SpecHash    string            `json:"base_spec_hash"`
		ModelHashes map[string]string `json:"model_hashes"`
	}{planVersion, s, specHash, modelHashes}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	p.ConfigHash = hexSum(b)[:16]
	return p, nil
}

func (p *Plan) readModel(ref string) ([]byte, error) {
	if ref == DefaultModel {
		b, err := assets.Model()
		if err != nil {
			return nil, fmt.Errorf("sweep: model %q: %w", ref, err)
		}
		return b, nil
	}
	b, err := os.ReadFile(p.Sweep.resolvePath(ref))
	if err != nil {
		return nil, fmt.Errorf("sweep: model: %w", err)
	}
	return b, nil
}

// Model returns the .nsm bytes of the model of a point.
func (p *Plan) Model(pt *Point) []byte {
	ref := p.Sweep.Model
	for _, q := range pt.Params {
		if q.Path == ModelAxis {
			ref = q.Value.(string)
		}
	}
	return p.models[ref]
}

// Spec returns the chip spec of a point: the base with the point's spec
// parameters set, decoded and validated by package arch.
func (p *Plan) Spec(pt *Point) (*arch.Spec, error) { return p.specWith(pt.Params) }

func (p *Plan) specWith(params []Param) (*arch.Spec, error) {
	tree := deepCopy(p.baseTOML).(map[string]any)
	var over []string
	for _, q := range params {
		if q.Path == ModelAxis {
			continue
		}
		if err := setPath(tree, q.Path, q.Value); err != nil {
			return nil, err
		}
		c, _ := canon(q.Value)
		over = append(over, q.Path+"="+c)
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return nil, fmt.Errorf("sweep: encoding the spec: %v", err)
	}
	name := p.baseName
	if len(over) > 0 {
		name += " with " + strings.Join(over, ", ")
	}
	return arch.Parse(buf.Bytes(), name)
}

// setPath sets a dotted key in a TOML tree, creating tables on the way.
func setPath(tree map[string]any, path string, v any) error {
	parts := strings.Split(path, ".")
	m := tree
	for _, k := range parts[:len(parts)-1] {
		next, ok := m[k]
		if !ok {
			nm := map[string]any{}
			m[k] = nm
			m = nm
			continue
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("sweep: %s: %q is not a table in the chip base", path, k)
		}
		m = nm
	}
	m[parts[len(parts)-1]] = v
	return nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []map[string]any:
		s := make([]map[string]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e).(map[string]any)
		}
		return s
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

func contains(names []string, k string) bool {
	for _, n := range names {
		if n == k {
			return true
		}
	}
	return false
}

// suggestPath finds the field nearest to path level by level: at each
// dotted component that does not exist it takes the sibling sharing the
// longest prefix with it (ties by edit distance), so core.cim.macro.prog_x
// suggests core.xbar.macro.program_variation on a chip whose cim core is
// called xbar.
func suggestPath(path string, names []string) string {
	if c := closest(path, names); c != "" {
		return c
	}
	parts := strings.Split(path, ".")
	prefix := ""
	for i, comp := range parts {
		children := map[string]bool{}
		for _, n := range names {
			if prefix != "" && !strings.HasPrefix(n, prefix+".") {
				continue
			}
			rest := strings.TrimPrefix(n, prefix+".")
			if prefix == "" {
				rest = n
			}
			children[strings.SplitN(rest, ".", 2)[0]] = true
		}
		if len(children) == 0 {
			break
		}
		if !children[comp] {
			var cs []string
			for c := range children {
				cs = append(cs, c)
			}
			sort.Slice(cs, func(a, b int) bool {
				pa, pb := commonPrefix(cs[a], comp), commonPrefix(cs[b], comp)
				if pa != pb {
					return pa > pb
				}
				da, db := arch.EditDistance(cs[a], comp), arch.EditDistance(cs[b], comp)
				if da != db {
					return da < db
				}
				return cs[a] < cs[b]
			})
			comp = cs[0]
		}
		if prefix == "" {
			prefix = comp
		} else {
			prefix += "." + comp
		}
		if contains(names, prefix) {
			if i == len(parts)-1 {
				return prefix
			}
			return prefix
		}
	}
	if contains(names, prefix) {
		return prefix
	}
	return ""
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
