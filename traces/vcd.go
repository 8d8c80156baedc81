package traces

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/sim"
)

// VarKind is the type of a VCD variable.
type VarKind uint8

// VCD variable kinds.
const (
	Wire    VarKind = iota // 1-bit wire: 0 or 1
	Integer                // 32-bit integer
	Real                   // 64-bit real
)

// Var declares one VCD variable: Scope is its path of module scopes
// (e.g. ["chip0", "core3"]), Name its name within the scope.
type Var struct {
	Scope []string
	Name  string
	Kind  VarKind
}

// VCD streams an IEEE 1364 value change dump. Variables are declared when
// it is created; values change through Set and SetReal at non-decreasing
// times; a time earlier than the last is an error. Timescale is 1 ps, the
// unit of sim.Time. Identifiers are the variables' indices in base 94 over
// the printable characters '!'..'~', so the same declarations give the same
// file. A change to the value a variable already has is not written.
type VCD struct {
	w      *bufio.Writer
	vars   []Var
	ids    []string
	last   []uint64 // last value written (float64 bits for reals)
	has    []bool
	t      sim.Time
	opened bool // a timestamp has been written
	buf    []byte
	err    error
}

// vcdID returns the identifier of variable i.
func vcdID(i int) string {
	var b []byte
	for {
		b = append(b, byte('!'+i%94))
		i /= 94
		if i == 0 {
			break
		}
		i--
	}
	return string(b)
}

func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\r\n$")
}

// NewVCD writes the header and declarations of vars to w. All variables
// start undefined (x) at time 0 unless set then.
func NewVCD(w io.Writer, vars []Var) (*VCD, error) {
	v := &VCD{w: bufio.NewWriterSize(w, 64<<10), vars: vars, ids: make([]string, len(vars)),
		last: make([]uint64, len(vars)), has: make([]bool, len(vars))}
	b := v.w
	b.WriteString("$version neurosim traces $end\n$timescale 1ps $end\n")
	var cur []string
	for i, x := range vars {
		if !validName(x.Name) {
			return nil, fmt.Errorf("traces: vcd: variable %d: bad name %q (no spaces or $)", i, x.Name)
		}
		for _, s := range x.Scope {
			if !validName(s) {
				return nil, fmt.Errorf("traces: vcd: variable %s: bad scope name %q", x.Name, s)
			}
		}
		common := 0
		for common < len(cur) && common < len(x.Scope) && cur[common] == x.Scope[common] {
			common++
		}
		for range len(cur) - common {
			b.WriteString("$upscope $end\n")
		}
		for _, s := range x.Scope[common:] {
			fmt.Fprintf(b, "$scope module %s $end\n", s)
		}
		cur = x.Scope
		v.ids[i] = vcdID(i)
		switch x.Kind {
		case Wire:
			fmt.Fprintf(b, "$var wire 1 %s %s $end\n", v.ids[i], x.Name)
		case Integer:
			fmt.Fprintf(b, "$var integer 32 %s %s $end\n", v.ids[i], x.Name)
		case Real:
			fmt.Fprintf(b, "$var real 64 %s %s $end\n", v.ids[i], x.Name)
		default:
			return nil, fmt.Errorf("traces: vcd: variable %s: unknown kind %d", x.Name, x.Kind)
		}
	}
	for range cur {
		b.WriteString("$upscope $end\n")
	}
	if _, err := b.WriteString("$enddefinitions $end\n"); err != nil {
		return nil, err
	}
	return v, nil
}

// Len returns the number of variables.
func (v *VCD) Len() int { return len(v.vars) }

func (v *VCD) at(t sim.Time) bool {
	if v.err != nil {
		return false
	}
	if v.opened && t < v.t {
		v.err = fmt.Errorf("traces: vcd: time %d ps before %d ps", t, v.t)
		return false
	}
	if !v.opened || t > v.t {
		v.buf = append(v.buf[:0], '#')
		v.buf = strconv.AppendUint(v.buf, uint64(t), 10)
		v.buf = append(v.buf, '\n')
		_, v.err = v.w.Write(v.buf)
		v.t, v.opened = t, true
	}
	return v.err == nil
}

// Set sets wire or integer variable i to x at time t (a wire takes x&1).
// It allocates nothing.
func (v *VCD) Set(t sim.Time, i int, x int64) error {
	if i < 0 || i >= len(v.vars) || v.vars[i].Kind == Real {
		return fmt.Errorf("traces: vcd: Set of variable %d: not a wire or integer", i)
	}
	if v.vars[i].Kind == Wire {
		x &= 1
	}
	u := uint64(uint32(x))
	if v.has[i] && v.last[i] == u {
		return v.err
	}
	if !v.at(t) {
		return v.err
	}
	b := v.buf[:0]
	if v.vars[i].Kind == Wire {
		b = append(b, byte('0'+u))
	} else {
		b = append(b, 'b')
		b = strconv.AppendUint(b, u, 2)
		b = append(b, ' ')
	}
	b = append(b, v.ids[i]...)
	b = append(b, '\n')
	v.buf = b
	v.last[i], v.has[i] = u, true
	_, v.err = v.w.Write(b)
	return v.err
}

// SetReal sets real variable i to x at time t. It allocates nothing.
func (v *VCD) SetReal(t sim.Time, i int, x float64) error {
	if i < 0 || i >= len(v.vars) || v.vars[i].Kind != Real {
		return fmt.Errorf("traces: vcd: SetReal of variable %d: not a real", i)
	}
	u := math.Float64bits(x)
	if v.has[i] && v.last[i] == u {
		return v.err
	}
	if !v.at(t) {
		return v.err
	}
	b := append(v.buf[:0], 'r')
	b = strconv.AppendFloat(b, x, 'g', -1, 64)
	b = append(b, ' ')
	b = append(b, v.ids[i]...)
	b = append(b, '\n')
	v.buf = b
	v.last[i], v.has[i] = u, true
	_, v.err = v.w.Write(b)
	return v.err
}

// Close writes a final timestamp end (if later than the last change, so
// viewers show the last values' extent) and flushes.
func (v *VCD) Close(end sim.Time) error {
	if v.err != nil {
		return v.err
	}
	if !v.opened || end > v.t {
		v.at(end)
	}
	if v.err == nil {
		v.err = v.w.Flush()
	}
	if v.err != nil {
		return v.err
	}
	v.err = errClosed
	return nil
}
