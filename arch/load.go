package arch

import (
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed presets/*.toml
var presetFS embed.FS

// DefaultPreset is the preset `neurosim run` uses when no chip is given.
const DefaultPreset = "default"

// Presets returns the names of the built-in presets, sorted.
func Presets() []string {
	ents, err := presetFS.ReadDir("presets")
	if err != nil {
		panic("arch: embedded presets unreadable: " + err.Error())
	}
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(names)
	return names
}

// PresetTOML returns the TOML text of a built-in preset.
func PresetTOML(name string) ([]byte, error) {
	b, err := presetFS.ReadFile("presets/" + name + ".toml")
	if err != nil {
		return nil, fmt.Errorf("arch: unknown preset %q (have %s)", name, strings.Join(Presets(), ", "))
	}
	return b, nil
}

// Preset loads and validates a built-in preset.
func Preset(name string) (*Spec, error) {
	b, err := PresetTOML(name)
	if err != nil {
		return nil, err
	}
	return parse(b, "preset "+name, 0)
}

// Load reads a chip spec from a TOML file, or a preset when path names one
// and no such file exists. The result is validated.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(path, "/\\.") {
			if _, perr := PresetTOML(path); perr == nil {
				return Preset(path)
			}
			return nil, fmt.Errorf("arch: %q is neither a file nor a preset (presets: %s)", path, strings.Join(Presets(), ", "))
		}
		return nil, fmt.Errorf("arch: %w", err)
	}
	return Parse(b, path)
}

// Parse decodes a chip spec from TOML text; name labels errors (a file name).
// Decoding is strict: an unknown key or a value of the wrong type is an error
// naming the key path, the file and the line. All such problems and all
// Validate problems are returned together as a Problems error.
func Parse(data []byte, name string) (*Spec, error) { return parse(data, name, 0) }

const maxBaseDepth = 4

func parse(data []byte, name string, depth int) (*Spec, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	spec := &Spec{}
	if b, ok := raw["base"]; ok {
		base, ok := b.(string)
		if !ok {
			return nil, fmt.Errorf("%s: base: want a preset name (string), got %s", name, tomlType(b))
		}
		if depth >= maxBaseDepth {
			return nil, fmt.Errorf("%s: base %q: presets nest deeper than %d", name, base, maxBaseDepth)
		}
		text, err := PresetTOML(base)
		if err != nil {
			return nil, fmt.Errorf("%s: base: %v", name, err)
		}
		bs, err := parse(text, "preset "+base, depth+1)
		if err != nil {
			return nil, err
		}
		spec = bs
	} else {
		setDefaults(reflect.ValueOf(spec).Elem())
		spec.Cores = map[string]CoreKind{}
	}
	d := decoder{file: name, lines: indexLines(data)}
	d.decodeStruct(raw, reflect.ValueOf(spec).Elem(), "")
	// Validate even when decoding found problems: a key that failed to
	// decode keeps its (valid) default, so every validation problem is a
	// real one, and the user sees all of them at once.
	probs := d.probs
	for _, p := range spec.Validate() {
		p.File = name
		p.Line = d.line(p.Path)
		probs = append(probs, p)
	}
	if len(probs) > 0 {
		probs.sort()
		return nil, probs
	}
	return spec, nil
}

// decoder assigns a generic TOML tree to Spec fields, collecting every
// unknown key and type mismatch instead of stopping at the first.
type decoder struct {
	file  string
	lines map[string]int
	probs Problems
}

func (d *decoder) add(path, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: d.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// line finds the line of path or of its nearest ancestor.
func (d *decoder) line(path string) int {
	for p := path; p != ""; {
		if l, ok := d.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (d *decoder) decodeStruct(m map[string]any, v reflect.Value, prefix string) {
	t := v.Type()
	known := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if k := t.Field(i).Tag.Get("toml"); k != "" {
			known[k] = i
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := join(prefix, k)
		i, ok := known[k]
		if !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			if s := closest(k, names); s != "" {
				d.add(path, "unknown key (did you mean %q?)", join(prefix, s))
			} else {
				d.add(path, "unknown key")
			}
			continue
		}
		d.decodeValue(m[k], v.Field(i), path)
	}
}

func (d *decoder) decodeValue(x any, f reflect.Value, path string) {
	switch f.Kind() {
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			d.add(path, "want a string, got %s", tomlType(x))
			return
		}
		f.SetString(s)
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			d.add(path, "want true or false, got %s", tomlType(x))
			return
		}
		f.SetBool(b)
	case reflect.Int:
		n, ok := x.(int64)
		if !ok {
			d.add(path, "want an integer, got %s", tomlType(x))
			return
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			d.add(path, "integer %d out of range", n)
			return
		}
		f.SetInt(n)
	case reflect.Float64:
		switch n := x.(type) {
		case float64:
			f.SetFloat(n)
		case int64:
			f.SetFloat(float64(n))
		default:
			d.add(path, "want a number, got %s", tomlType(x))
		}
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			d.add(path, "want a table, got %s", tomlType(x))
			return
		}
		d.decodeStruct(m, f, path)
	case reflect.Slice:
		arr, ok := x.([]any)
		if !ok {
			if maps, ok2 := x.([]map[string]any); ok2 {
				for _, mm := range maps {
					arr = append(arr, mm)
				}
			} else {
				d.add(path, "want an array, got %s", tomlType(x))
				return
			}
		}
		out := reflect.MakeSlice(f.Type(), len(arr), len(arr))
		for i, e := range arr {
			el := out.Index(i)
			if el.Kind() == reflect.Struct {
				setDefaults(el)
			}
			d.decodeValue(e, el, fmt.Sprintf("%s[%d]", path, i))
		}
		f.Set(out)
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok {
			d.add(path, "want a table, got %s", tomlType(x))
			return
		}
		if f.IsNil() {
			f.Set(reflect.MakeMap(f.Type()))
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			el := reflect.New(f.Type().Elem()).Elem()
			if old := f.MapIndex(reflect.ValueOf(k)); old.IsValid() {
				el.Set(old) // a base preset's kind: override its fields
				if el.Kind() == reflect.Struct {
					copySlices(el)
				}
			} else {
				setDefaults(el)
			}
			d.decodeValue(m[k], el, join(path, k))
			if mm, ok := m[k].(map[string]any); ok && el.Kind() == reflect.Struct {
				d.checkOnly(mm, el, join(path, k))
			}
			f.SetMapIndex(reflect.ValueOf(k), el)
		}
	default:
		panic("arch: decoder does not handle " + f.Kind().String() + " at " + path)
	}
}

// checkOnly reports keys set in m whose field is tagged only:"T" when the
// struct's Type field is not T (e.g. weight_bits on a cim core).
func (d *decoder) checkOnly(m map[string]any, v reflect.Value, path string) {
	tf := v.FieldByName("Type")
	if !tf.IsValid() || tf.Kind() != reflect.String {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		only := t.Field(i).Tag.Get("only")
		key := t.Field(i).Tag.Get("toml")
		if _, set := m[key]; set && only != "" && only != tf.String() {
			d.add(join(path, key), "applies only to %s cores; this core is %s", only, tf.String())
		}
	}
}

// copySlices gives a copied struct its own slice backing arrays.
func copySlices(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Slice && !f.IsNil() {
			c := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
			reflect.Copy(c, f)
			f.Set(c)
		}
	}
}

func tomlType(x any) string {
	switch v := x.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return "integer " + strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("%T", x)
	}
}

// setDefaults sets every field of struct v that has a default tag, recursively.
func setDefaults(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		tag, has := t.Field(i).Tag.Lookup("default")
		switch f.Kind() {
		case reflect.Struct:
			setDefaults(f)
			continue
		}
		if !has {
			continue
		}
		if err := setFromString(f, tag); err != nil {
			panic(fmt.Sprintf("arch: bad default tag on %s.%s: %v", t.Name(), t.Field(i).Name, err))
		}
	}
}

func setFromString(f reflect.Value, s string) error {
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(n))
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case reflect.Slice:
		parts := strings.Split(s, ",")
		f.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported kind %s", f.Kind())
	}
	return nil
}

// indexLines maps dotted key paths to the line that defines them. It reads
// table headers and `key =` lines; it is a best effort for error messages
// and never decides what a file means (the TOML parser does).
func indexLines(data []byte) map[string]int {
	out := map[string]int{}
	table := ""
	arrays := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		ln := i + 1
		s := strings.TrimSpace(line)
		if s == "" || s[0] == '#' {
			continue
		}
		if strings.HasPrefix(s, "[[") {
			if j := strings.Index(s, "]]"); j > 0 {
				name := unquoteKey(s[2:j])
				idx := arrays[name]
				arrays[name] = idx + 1
				table = fmt.Sprintf("%s[%d]", name, idx)
				if _, ok := out[name]; !ok {
					out[name] = ln
				}
				out[table] = ln
			}
			continue
		}
		if s[0] == '[' {
			if j := strings.Index(s, "]"); j > 0 {
				table = unquoteKey(s[1:j])
				out[table] = ln
			}
			continue
		}
		if j := strings.Index(s, "="); j > 0 {
			k := join(table, unquoteKey(s[:j]))
			if _, ok := out[k]; !ok {
				out[k] = ln
			}
		}
	}
	return out
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// closest returns the name within edit distance 2 of k, if any.
func closest(k string, names []string) string {
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if d := EditDistance(k, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b counted in bytes
// (insertions, deletions and substitutions each cost 1). It backs the
// did-you-mean suggestions for unknown keys here and in chip/sweep.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
