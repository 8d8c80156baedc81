package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/neurosim/neurosim/chip"
)

// cimFlags are run's flags for chips with cim (memristor crossbar) cores:
// which layers the compiler puts on the macros, and how the macros behave
// (noise settings come from the spec; these override them without
// recompiling).
type cimFlags struct {
	layers   string
	noiseOff bool
	macro    []string
	age      float64
}

func addCIMFlags(fl *pflag.FlagSet, f *cimFlags) {
	fl.StringVar(&f.layers, "cim-layers", "", "layers on cim cores when compiling for a chip with them: dense (default: the FC layers), all (every layer with stored weights), none, or names (fc1,fc2)")
	fl.BoolVar(&f.noiseOff, "cim-noise-off", false, "run the crossbar macros with every non-ideality off and an ideal ADC (they then equal the digital integer model bit for bit)")
	fl.StringArrayVar(&f.macro, "macro", nil, "override a field of every cim macro, KEY=VALUE (e.g. read_noise=0.1, adc_bits=0; keys: "+strings.Join(chip.MacroKeys(), ", ")+"); repeatable, applied after --cim-noise-off")
	fl.Float64Var(&f.age, "program-age", 0, "age of the crossbar macros at the start of the run, in seconds (drift is measured from programming)")
}

// apply sets the macros of x's cim kinds from the flags and says on w what
// the macros run with.
func (f *cimFlags) apply(x *chip.Exec, w io.Writer) error {
	if !x.HasCIM() {
		if f.noiseOff || len(f.macro) > 0 || f.age != 0 {
			return fmt.Errorf("--cim-noise-off, --macro and --program-age need a program with cim cores; this one has none")
		}
		return nil
	}
	if err := x.SetProgramAge(f.age); err != nil {
		return err
	}
	for _, k := range x.CIMKinds() {
		m, _ := x.Macro(k)
		if f.noiseOff {
			m = chip.Exactly(m)
		}
		for _, kv := range f.macro {
			key, val, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("--macro %q: want KEY=VALUE", kv)
			}
			if err := chip.SetMacroField(&m, strings.TrimSpace(key), val); err != nil {
				return fmt.Errorf("--macro: %w", err)
			}
		}
		if err := x.SetMacro(k, m); err != nil {
			return err
		}
		exact := "noisy: agreement with the integer model is measured, not required"
		if chip.MacroExact(m) {
			exact = "exact: the chip must equal the integer model"
		}
		fmt.Fprintf(w, "cim %s: read noise %g, programming variation %g, stuck-at %g/%g, ADC %d bits, drift ν %g, IR drop %g (%s)\n",
			k, m.ReadNoise, m.ProgramVariation, m.StuckOnRate, m.StuckOffRate, m.ADCBits, m.DriftNu, m.IRDrop, exact)
	}
	return nil
}
