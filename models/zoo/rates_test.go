package zoo

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseRates(t *testing.T) {
	good := "# SpikeYOLO-s\nlayer,mean_count\n\nmodel.2.Conv.lif1,1.187\nmodel.9.cv2.lif,1.691\n"
	r, err := ParseRates(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 2 || r["model.2.Conv.lif1"] != 1.187 || r["model.9.cv2.lif"] != 1.691 {
		t.Errorf("parsed %v", r)
	}
	for _, bad := range []string{
		"",
		"# only a comment\n",
		"layer,rate\na,1\n",
		"layer,mean_count\na\n",
		"layer,mean_count\na,1,2\n",
		"layer,mean_count\na,-1\n",
		"layer,mean_count\na,NaN\n",
		"layer,mean_count\na,+Inf\n",
		"layer,mean_count\na,x\n",
		"layer,mean_count\na/b,1\n",
		"layer,mean_count\n,1\n",
		"layer,mean_count\na,1\na,2\n",
		"layer,mean_count\n\"a,1\n",
	} {
		if _, err := ParseRates(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseRates(%q) accepted", bad)
		}
	}
}

func FuzzParseRates(f *testing.F) {
	f.Add("layer,mean_count\na,1\n")
	f.Add("# c\nlayer,mean_count\nmodel.2.Conv.lif1,1.187\nb,0\n")
	f.Add("layer,mean_count\n\"a\",1e-3\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRates(strings.NewReader(s))
		if err != nil {
			return
		}
		// What parses writes back and parses to the same rates.
		ids := make([]string, 0, len(r))
		for id := range r {
			ids = append(ids, id)
		}
		var buf bytes.Buffer
		if err := WriteRates(&buf, r, ids); err != nil {
			t.Fatal(err)
		}
		r2, err := ParseRates(&buf)
		if err != nil {
			t.Fatalf("round trip of %q: %v\n%s", s, err, buf.String())
		}
		if len(r2) != len(r) {
			t.Fatalf("round trip changed %v to %v", r, r2)
		}
		for id, v := range r {
			if r2[id] != v {
				t.Fatalf("round trip: %s %v → %v", id, v, r2[id])
			}
		}
	})
}

func TestRatesFromRun(t *testing.T) {
	r, err := RatesFromRun(strings.NewReader(`{"accuracy": 1, "layers": [{"name": "lif1", "mean_count": 0.25}, {"name": "out", "mean_count": 0}]}`))
	if err != nil || len(r) != 2 || r["lif1"] != 0.25 {
		t.Fatalf("RatesFromRun = %v, %v", r, err)
	}
	for _, bad := range []string{`{}`, `{"layers": [{"name": "a"}]}`, `{"layers": [{"name": "a", "mean_count": -1}]}`,
		`{"layers": [{"name": "a", "mean_count": 1}, {"name": "a", "mean_count": 1}]}`, `[`} {
		if _, err := RatesFromRun(strings.NewReader(bad)); err == nil {
			t.Errorf("RatesFromRun(%s) accepted", bad)
		}
	}
}
