package arch

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Field describes one setting of a spec, for `neurosim describe`.
type Field struct {
	Path    string `json:"path"`              // dotted key path
	Unit    string `json:"unit,omitempty"`    // unit of the value
	Value   string `json:"value"`             // the spec's value, formatted as TOML
	Default string `json:"default,omitempty"` // the built-in default, if it has one
	Doc     string `json:"doc"`
	Source  string `json:"source,omitempty"` // the source of the section or entry
}

// Fields lists every setting of s in a stable order: chip, core kinds by
// name, noc, board, energy. Fields that do not apply to a core kind (a cim
// macro on a digital core) are left out.
func Fields(s *Spec) []Field {
	var out []Field
	v := reflect.ValueOf(s).Elem()
	walkFields(v, "", "", &out)
	return out
}

func walkFields(v reflect.Value, prefix, source string, out *[]Field) {
	t := v.Type()
	if f := v.FieldByName("Source"); f.IsValid() && f.Kind() == reflect.String && f.String() != "" {
		source = f.String()
	}
	kind := ""
	if f := v.FieldByName("Type"); f.IsValid() && f.Kind() == reflect.String {
		kind = f.String()
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key := sf.Tag.Get("toml")
		if key == "" || key == "source" || key == "base" {
			continue
		}
		if only := sf.Tag.Get("only"); only != "" && kind != "" && only != kind {
			continue
		}
		path := join(prefix, key)
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(Entry{}) || f.Type() == reflect.TypeOf(Power{}) {
				if sf.Tag.Get("optional") != "" && f.IsZero() {
					continue // an optional entry the spec leaves unset
				}
				inner := f.Type().Field(0)
				*out = append(*out, Field{
					Path: join(path, inner.Tag.Get("toml")), Unit: inner.Tag.Get("unit"), Value: tomlValue(f.Field(0)),
					Doc: sf.Tag.Get("doc"), Source: f.Field(1).String(),
				})
				continue
			}
			walkFields(f, path, source, out)
		case reflect.Map:
			keys := f.MapKeys()
			sort.Slice(keys, func(a, b int) bool { return keys[a].String() < keys[b].String() })
			for _, k := range keys {
				walkFields(f.MapIndex(k), join(path, k.String()), "", out)
			}
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.Struct {
				for j := 0; j < f.Len(); j++ {
					walkFields(f.Index(j), fmt.Sprintf("%s[%d]", path, j), source, out)
				}
				continue
			}
			fallthrough
		default:
			*out = append(*out, Field{
				Path: path, Unit: sf.Tag.Get("unit"), Value: tomlValue(f),
				Default: defaultText(sf), Doc: sf.Tag.Get("doc"), Source: source,
			})
		}
	}
}

func defaultText(sf reflect.StructField) string {
	d, ok := sf.Tag.Lookup("default")
	if !ok {
		return ""
	}
	v := reflect.New(sf.Type).Elem()
	if err := setFromString(v, d); err != nil {
		return d
	}
	return tomlValue(v)
}

func tomlValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return strconv.Quote(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		s := strconv.FormatFloat(v.Float(), 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // keep floats floats in TOML
			s += ".0"
		}
		return s
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = tomlValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

// AnnotatedTOML writes s as a TOML file in which every key is preceded by a
// comment with its documentation, unit and default: a spec to start from.
// Parsing the output gives back s.
func AnnotatedTOML(s *Spec) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# neurosim chip spec %q, written by `neurosim describe --toml`.\n", s.Chip.Name)
	b.WriteString("# Every key is documented above it; `neurosim describe FILE` checks and prints the result.\n")
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key := sf.Tag.Get("toml")
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			writeTable(&b, f, key)
		case reflect.Map:
			keys := f.MapKeys()
			sort.Slice(keys, func(a, c int) bool { return keys[a].String() < keys[c].String() })
			for _, k := range keys {
				writeTable(&b, f.MapIndex(k), key+"."+k.String())
			}
		}
	}
	return b.Bytes()
}

func writeTable(b *bytes.Buffer, v reflect.Value, name string) {
	fmt.Fprintf(b, "\n[%s]\n", name)
	t := v.Type()
	kind := ""
	if f := v.FieldByName("Type"); f.IsValid() && f.Kind() == reflect.String {
		kind = f.String()
	}
	var subtables []int
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key := sf.Tag.Get("toml")
		if only := sf.Tag.Get("only"); only != "" && kind != "" && only != kind {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			if f.Type() == reflect.TypeOf(Entry{}) || f.Type() == reflect.TypeOf(Power{}) {
				if sf.Tag.Get("optional") != "" && f.IsZero() {
					continue // an optional entry the spec leaves unset
				}
				writeComment(b, sf)
				num := f.Field(0)
				fmt.Fprintf(b, "%s = { %s = %s, source = %s }\n", key, f.Type().Field(0).Tag.Get("toml"), tomlValue(num), strconv.Quote(f.Field(1).String()))
				continue
			}
			subtables = append(subtables, i)
			continue
		}
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct {
			if f.Len() == 0 {
				continue
			}
			writeComment(b, sf)
			parts := make([]string, f.Len())
			for j := range parts {
				parts[j] = inlineTable(f.Index(j))
			}
			fmt.Fprintf(b, "%s = [%s]\n", key, strings.Join(parts, ", "))
			continue
		}
		writeComment(b, sf)
		fmt.Fprintf(b, "%s = %s\n", key, tomlValue(f))
	}
	for _, i := range subtables {
		writeTable(b, v.Field(i), name+"."+t.Field(i).Tag.Get("toml"))
	}
}

func inlineTable(v reflect.Value) string {
	t := v.Type()
	parts := make([]string, t.NumField())
	for i := range parts {
		parts[i] = t.Field(i).Tag.Get("toml") + " = " + tomlValue(v.Field(i))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

func writeComment(b *bytes.Buffer, sf reflect.StructField) {
	b.WriteString("# ")
	b.WriteString(sf.Tag.Get("doc"))
	if u := sf.Tag.Get("unit"); u != "" {
		fmt.Fprintf(b, " [%s]", u)
	}
	if d := defaultText(sf); d != "" {
		fmt.Fprintf(b, " (default %s)", d)
	}
	b.WriteByte('\n')
}
