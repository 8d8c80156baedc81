package traces

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/sim"
)

// Spike is one neuron spike as the spike files store it.
type Spike struct {
	Time   sim.Time // when the spike left its core
	Chip   int32
	Core   int32
	Neuron int32 // index within the layer
	Layer  int32 // population index
}

// SpikeWriter streams spikes to a file format.
type SpikeWriter interface {
	WriteSpike(s Spike) error
	// Close flushes what is buffered; it does not close the underlying writer.
	Close() error
}

// SpikeFormats lists the spike file extensions NewSpikeWriter accepts.
var SpikeFormats = []string{".csv", ".parquet"}

// NewSpikeWriter returns the spike writer for name's extension: ".csv"
// (CSVSpikes) or ".parquet" (ParquetSpikes); any other extension is an
// error.
func NewSpikeWriter(w io.Writer, name string) (SpikeWriter, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv":
		return NewCSVSpikes(w)
	case ".parquet":
		return NewParquetSpikes(w), nil
	default:
		return nil, fmt.Errorf("traces: %s: unknown spike file extension %q (want one of %s)", name, ext, strings.Join(SpikeFormats, ", "))
	}
}

// CSVSpikes writes spikes as CSV with the header
//
//	time_ns,chip,core,neuron,layer
//
// Times are exact: nanoseconds with three decimals (the picoseconds).
type CSVSpikes struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewCSVSpikes writes the header to w and returns the writer.
func NewCSVSpikes(w io.Writer) (*CSVSpikes, error) {
	c := &CSVSpikes{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 64)}
	if _, err := c.w.WriteString("time_ns,chip,core,neuron,layer\n"); err != nil {
		return nil, err
	}
	return c, nil
}

// appendDecimal appends t/div exactly, with decimals digits after the point
// (div = 10^decimals).
func appendDecimal(b []byte, t sim.Time, div uint64, decimals int) []byte {
	b = strconv.AppendUint(b, uint64(t)/div, 10)
	b = append(b, '.')
	frac := uint64(t) % div
	var d [20]byte
	for i := decimals - 1; i >= 0; i-- {
		d[i] = '0' + byte(frac%10)
		frac /= 10
	}
	return append(b, d[:decimals]...)
}

// WriteSpike appends one row. It allocates nothing.
func (c *CSVSpikes) WriteSpike(s Spike) error {
	if c.err != nil {
		return c.err
	}
	b := appendDecimal(c.buf[:0], s.Time, 1000, 3)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Chip), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Core), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Neuron), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Layer), 10)
	b = append(b, '\n')
	c.buf = b
	_, c.err = c.w.Write(b)
	return c.err
}

// Close flushes the buffer.
func (c *CSVSpikes) Close() error {
	if c.err != nil {
		return c.err
	}
	c.err = c.w.Flush()
	return c.err
}

// CreateSpikeFile creates path and a spike writer for its extension; Close
// of the returned writer finishes the file. It is written under a temporary
// name and renamed to path by a successful Close (removed otherwise).
func CreateSpikeFile(path string) (SpikeWriter, error) {
	f, err := createAtomic(path)
	if err != nil {
		return nil, err
	}
	w, err := NewSpikeWriter(f, path)
	if err != nil {
		f.Abort()
		return nil, err
	}
	return &fileSpikes{SpikeWriter: w, f: f}, nil
}

type fileSpikes struct {
	SpikeWriter
	f *atomicFile
}

func (s *fileSpikes) Close() error {
	if err := s.SpikeWriter.Close(); err != nil {
		s.f.Abort()
		return err
	}
	return s.f.Commit()
}
