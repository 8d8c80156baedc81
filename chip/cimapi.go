package chip

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/compiler"
)

// EvalOptions control Evaluate.
type EvalOptions struct {
	RunOptions
	// Macro, if set, edits the macro of every cim core kind the program uses
	// before the run (noise, ADC, drift, timing; not the geometry): see
	// Exec.SetMacro. The program is not recompiled.
	Macro func(kind string, m *arch.Macro) error
	// ProgramAgeS is the age of the macros at engine time 0, in seconds
	// (Exec.SetProgramAge).
	ProgramAgeS float64
	// NoCModel, if set, replaces the spec's NoC timing model (Exec.SetNoCModel).
	NoCModel string
}

// Evaluate runs samples 0..n−1 of a dataset (image(i), label(i), as
// RunSamples takes them) through program p on chip spec, with the cim
// macros edited by opt.Macro, and returns the run's Summary and the raw
// result. It is the entry point for sweeps over noise fields: compile once
// (compiler.Compile with the spec), then call Evaluate per point with a
// Macro edit and a seed (opt.Seed drives the macro programming, the read
// noise and Poisson input; see the CIM section of cim.go). The same
// arguments give the same Summary for any opt.Workers, except for the
// wall-clock fields (WallSeconds, Workers).
//
// Unlike `neurosim run`, Evaluate does not fail when the chip disagrees
// with the integer model: with noisy macros it is expected; Summary.Agreement
// measures it.
func Evaluate(spec *arch.Spec, p *compiler.Program, n int, image func(i int) []uint8, label func(i int) int, opt EvalOptions) (*Summary, *RunResult, error) {
	x, err := NewExec(spec, p)
	if err != nil {
		return nil, nil, err
	}
	if opt.NoCModel != "" {
		if err := x.SetNoCModel(opt.NoCModel); err != nil {
			return nil, nil, err
		}
	}
	if err := x.SetProgramAge(opt.ProgramAgeS); err != nil {
		return nil, nil, err
	}
	if opt.Macro != nil {
		for _, k := range x.CIMKinds() {
			m, _ := x.Macro(k)
			if err := opt.Macro(k, &m); err != nil {
				return nil, nil, err
			}
			if err := x.SetMacro(k, m); err != nil {
				return nil, nil, err
			}
		}
	}
	res, err := x.RunSamples(n, image, label, opt.RunOptions)
	if err != nil {
		return nil, nil, err
	}
	s := x.Summarise(res)
	s.Seed, s.LaneSize = opt.Seed, opt.LaneSize
	if s.LaneSize <= 0 {
		s.LaneSize = DefaultLaneSize
	}
	return s, res, nil
}

// MacroKeys lists the TOML keys of arch.Macro that SetMacroField accepts:
// every field except the geometry the compiler tiles for (rows, cols,
// cells_per_weight, levels) and the source.
func MacroKeys() []string {
	var keys []string
	t := reflect.TypeOf(arch.Macro{})
	for i := 0; i < t.NumField(); i++ {
		k := t.Field(i).Tag.Get("toml")
		if !geometryKey(k) && k != "source" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func geometryKey(k string) bool {
	return k == "rows" || k == "cols" || k == "cells_per_weight" || k == "levels"
}

// SetMacroField sets the field of m whose TOML key is key (see MacroKeys)
// from its text value, e.g. ("read_noise", "0.1"). Unknown keys, geometry
// keys and malformed values are errors; the value is not range-checked here
// (Exec.SetMacro checks the whole macro).
func SetMacroField(m *arch.Macro, key, value string) error {
	if geometryKey(key) {
		return fmt.Errorf("macro.%s is geometry the program was tiled for; change it in the spec and recompile", key)
	}
	v := reflect.ValueOf(m).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("toml") != key || key == "source" {
			continue
		}
		f := v.Field(i)
		value = strings.TrimSpace(value)
		switch f.Kind() {
		case reflect.Float64:
			x, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return fmt.Errorf("macro.%s = %q: want a number", key, value)
			}
			f.SetFloat(x)
		case reflect.Int:
			x, err := strconv.Atoi(value)
			if err != nil {
				return fmt.Errorf("macro.%s = %q: want an integer", key, value)
			}
			f.SetInt(int64(x))
		case reflect.String:
			f.SetString(strings.Trim(value, `"`))
		default:
			return fmt.Errorf("macro.%s: unsupported field type %s", key, f.Kind())
		}
		return nil
	}
	return fmt.Errorf("macro.%s: no such macro field (have %s)", key, strings.Join(MacroKeys(), ", "))
}
