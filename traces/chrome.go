package traces

import (
	"bufio"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/neurosim/neurosim/sim"
)

// Chrome streams a Chrome trace event file (the JSON Object Format:
// {"traceEvents": [...]}) that Perfetto UI and chrome://tracing open. Events
// are written as they come, so memory does not grow with the trace; the
// closing brackets are written by Close. Timestamps are microseconds with six
// decimals, exact to the picosecond of sim.Time.
//
// Every event carries ph, ts, pid and tid (metadata and counters too, with
// ts 0 and tid 0 where the format does not use them), and the caller keeps
// ts non-decreasing per track, which the Recorder guarantees by writing in
// time order.
type Chrome struct {
	w   *bufio.Writer
	n   int
	buf []byte
	err error
}

// NewChrome writes the opening of the object to w.
func NewChrome(w io.Writer) (*Chrome, error) {
	c := &Chrome{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 256)}
	if _, err := c.w.WriteString("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"); err != nil {
		return nil, err
	}
	return c, nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\'
	}
	if plain {
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// begin starts an event with its common fields.
func (c *Chrome) begin(ph string, name string, pid, tid int, ts sim.Time) []byte {
	b := c.buf[:0]
	if c.n > 0 {
		b = append(b, ",\n"...)
	}
	b = append(b, `{"ph":"`...)
	b = append(b, ph...)
	b = append(b, `","name":`...)
	b = appendJSONString(b, name)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(tid), 10)
	b = append(b, `,"ts":`...)
	return appendDecimal(b, ts, 1_000_000, 6)
}

func (c *Chrome) end(b []byte) error {
	b = append(b, '}')
	c.buf = b
	if c.err == nil {
		_, c.err = c.w.Write(b)
		c.n++
	}
	return c.err
}

func appendArg(b []byte, key string, v int64) []byte {
	b = append(b, `,"args":{`...)
	b = appendJSONString(b, key)
	b = append(b, ':')
	b = strconv.AppendInt(b, v, 10)
	return append(b, '}')
}

// ProcessName names process pid (a metadata event).
func (c *Chrome) ProcessName(pid int, name string) error {
	b := c.begin("M", "process_name", pid, 0, 0)
	b = append(b, `,"args":{"name":`...)
	b = appendJSONString(b, name)
	return c.end(append(b, '}'))
}

// ThreadName names thread tid of process pid and sets its sort index to tid.
func (c *Chrome) ThreadName(pid, tid int, name string) error {
	b := c.begin("M", "thread_name", pid, tid, 0)
	b = append(b, `,"args":{"name":`...)
	b = appendJSONString(b, name)
	if err := c.end(append(b, '}')); err != nil {
		return err
	}
	b = c.begin("M", "thread_sort_index", pid, tid, 0)
	return c.end(appendArg(b, "sort_index", int64(tid)))
}

// Span writes a complete event (ph X) from ts lasting dur, with one integer
// argument (none if key is "").
func (c *Chrome) Span(name, cat string, pid, tid int, ts, dur sim.Time, key string, v int64) error {
	b := c.begin("X", name, pid, tid, ts)
	b = append(b, `,"dur":`...)
	b = appendDecimal(b, dur, 1_000_000, 6)
	b = append(b, `,"cat":`...)
	b = appendJSONString(b, cat)
	if key != "" {
		b = appendArg(b, key, v)
	}
	return c.end(b)
}

// Flow writes a flow event: ph 's' (start), 't' (step) or 'f' (finish,
// bound to the enclosing slice), all with the same id.
func (c *Chrome) Flow(ph byte, name, cat string, id uint64, pid, tid int, ts sim.Time) error {
	b := c.begin(string(rune(ph)), name, pid, tid, ts)
	b = append(b, `,"cat":`...)
	b = appendJSONString(b, cat)
	b = append(b, `,"id":`...)
	b = strconv.AppendUint(b, id, 10)
	if ph == 'f' {
		b = append(b, `,"bp":"e"`...)
	}
	return c.end(b)
}

// Counter writes a counter event (ph C): series key of counter name in
// process pid takes value v at ts.
func (c *Chrome) Counter(name string, pid int, ts sim.Time, key string, v int64) error {
	b := c.begin("C", name, pid, 0, ts)
	return c.end(appendArg(b, key, v))
}

// Close ends the array and the object and flushes; it does not close the
// underlying writer.
func (c *Chrome) Close() error {
	if c.err != nil {
		return c.err
	}
	if _, c.err = c.w.WriteString("\n]}\n"); c.err == nil {
		c.err = c.w.Flush()
	}
	if c.err != nil {
		return c.err
	}
	c.err = errClosed
	return nil
}
