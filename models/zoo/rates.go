package zoo

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/neurosim/neurosim/models"
)

// RatesHeader is the header line of a rates CSV.
const RatesHeader = "layer,mean_count"

// ParseRates reads a rates CSV: per spiking layer, its mean spike count per neuron
// per real time step (SDT-V3 / SpikeYOLO's integer-spike mean, which may exceed 1).
//
//	# comment lines start with '#'; blank lines are skipped
//	layer,mean_count
//	model.2.Conv.lif1,1.187
//	model.9.cv2.lif,1.691
//
// The header must be exactly "layer,mean_count". Each row has two fields: a node ID
// (models.ValidID) that appears once, and a finite number ≥ 0. Any other input is an
// error naming its line.
func ParseRates(r io.Reader) (Rates, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rates := Rates{}
	header := false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("rates: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if !header {
			if strings.Join(rec, ",") != RatesHeader {
				return nil, fmt.Errorf("rates: line %d: header %q, want %q", line, strings.Join(rec, ","), RatesHeader)
			}
			header = true
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("rates: line %d: %d fields, want 2 (layer,mean_count)", line, len(rec))
		}
		id := rec[0]
		if !models.ValidID(id) {
			return nil, fmt.Errorf("rates: line %d: %q is not a valid node ID", line, id)
		}
		v, err := strconv.ParseFloat(rec[1], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("rates: line %d: mean_count %q, want a finite number ≥ 0", line, rec[1])
		}
		if _, dup := rates[id]; dup {
			return nil, fmt.Errorf("rates: line %d: layer %s given twice", line, id)
		}
		rates[id] = v
	}
	if !header {
		return nil, fmt.Errorf("rates: empty file; want the header %q and one row per spiking layer", RatesHeader)
	}
	return rates, nil
}

// WriteRates writes rates as a CSV that ParseRates reads back, rows in the order of
// ids (ids without a rate are skipped).
func WriteRates(w io.Writer, r Rates, ids []string) error {
	if _, err := fmt.Fprintln(w, RatesHeader); err != nil {
		return err
	}
	for _, id := range ids {
		v, ok := r[id]
		if !ok {
			continue
		}
		field := id
		if strings.ContainsAny(id, ",\"") || strings.HasPrefix(id, "#") {
			field = `"` + strings.ReplaceAll(id, `"`, `""`) + `"`
		}
		if _, err := fmt.Fprintf(w, "%s,%s\n", field, strconv.FormatFloat(v, 'g', -1, 64)); err != nil {
			return err
		}
	}
	return nil
}

// RatesFromRun reads the per-layer mean spike counts of a `neurosim run` report
// (report.json or `run --json`): every entry of "layers" gives its "name" (the
// compiled layer, named after its neuron node) and "mean_count" (spikes per neuron
// per real step, measured on the chip).
func RatesFromRun(r io.Reader) (Rates, error) {
	var rep struct {
		Layers []struct {
			Name  string   `json:"name"`
			Count *float64 `json:"mean_count"`
		} `json:"layers"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("run report: %w", err)
	}
	if len(rep.Layers) == 0 {
		return nil, fmt.Errorf("run report: no \"layers\" with per-layer spike counts")
	}
	rates := Rates{}
	for i, l := range rep.Layers {
		if !models.ValidID(l.Name) || l.Count == nil || math.IsNaN(*l.Count) || math.IsInf(*l.Count, 0) || *l.Count < 0 {
			return nil, fmt.Errorf("run report: layers[%d]: want a node name and a finite mean_count ≥ 0", i)
		}
		if _, dup := rates[l.Name]; dup {
			return nil, fmt.Errorf("run report: layer %s appears twice", l.Name)
		}
		rates[l.Name] = *l.Count
	}
	return rates, nil
}
