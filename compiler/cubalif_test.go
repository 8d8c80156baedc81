package compiler

import (
	"strings"
	"testing"

	"github.com/neurosim/neurosim/arch"
	"github.com/neurosim/neurosim/models"
)

// recurrentNet is input[4] → events → fc → cuba ⇄ rec, cuba → out[3] → Output,
// with Euler CubaLIF parameters in steps (lif_dt 1).
func recurrentNet(tauMem float32) *models.Graph {
	g := models.NewGraph()
	g.Meta = map[string]string{"lif_dt": "1", "lif_integration": "euler"}
	g.Add("input", models.OpInput).SetInts("shape", 4)
	g.Add("enc", models.OpEvents).SetInt("steps", 8)
	w := func(o, i int, s float32) []float32 {
		v := make([]float32, o*i)
		for k := range v {
			v[k] = s * float32(k%5-2)
		}
		return v
	}
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{5, 4}, w(5, 4, 1.5)).SetF32("bias", models.Shape{5}, make([]float32, 5))
	cuba := func(id string, n int) {
		one := func(x float32) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = x
			}
			return v
		}
		g.Add(id, models.OpCubaLIF).SetF32("tau_syn", models.Shape{n}, one(2)).SetF32("tau_mem", models.Shape{n}, one(tauMem)).
			SetF32("r", models.Shape{n}, one(1)).SetF32("v_leak", models.Shape{n}, one(0)).SetF32("v_threshold", models.Shape{n}, one(0.5)).
			SetF32("v_reset", models.Shape{n}, one(0)).SetF32("w_in", models.Shape{n}, one(1))
	}
	cuba("cuba", 5)
	g.Add("rec", models.OpLinear).SetF32("weight", models.Shape{5, 5}, w(5, 5, 0.8))
	g.Add("out", models.OpLinear).SetF32("weight", models.Shape{3, 5}, w(3, 5, 0.5))
	cuba("cuba2", 3)
	g.Add("output", models.OpOutput)
	g.Chain("input", "enc", "fc", "cuba", "out", "cuba2", "output")
	g.Connect("cuba", "rec")
	g.ConnectRecurrent("rec", "cuba")
	return g
}

func TestCompileRecurrentCuba(t *testing.T) {
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(recurrentNet(4), spec, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	l := &p.Layers[0]
	if l.Kind != LayerCuba || len(l.Inputs) != 2 || !l.Inputs[1].Recurrent || l.Inputs[1].Source != 0 || l.Step != 1 || p.Layers[1].Step != 2 {
		t.Fatalf("layer 0: kind %s, inputs %+v, steps %d/%d", l.Kind, l.Inputs, l.Step, p.Layers[1].Step)
	}
	if p.Input.Encoding != "events" || p.Steps != 8 {
		t.Fatalf("input %+v, steps %d", p.Input, p.Steps)
	}
	// The recurrence matters: with its weights zeroed the spikes change.
	sim, err := NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	frames := make([][]uint8, 8)
	for i := range frames {
		frames[i] = []uint8{1, 0, 1, 1}
	}
	r, err := sim.RunFrames(frames)
	if err != nil {
		t.Fatal(err)
	}
	with := append([]int32(nil), r.Counts[0]...)
	clear(l.Inputs[1].Weights)
	if sim, err = NewSimulator(p); err != nil {
		t.Fatal(err)
	}
	if r, err = sim.RunFrames(frames); err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range with {
		same = same && with[i] == r.Counts[0][i]
	}
	if same {
		t.Fatalf("counts %v with and without the recurrent weights", with)
	}
	// The .nsp round-trips the cuba parameters and the recurrent mark.
	var b strings.Builder
	if err := p.Encode(&b); err != nil {
		t.Fatal(err)
	}
	q, err := Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if q.Layers[0].Cuba == nil || !q.Layers[0].Inputs[1].Recurrent || q.Layers[0].Cuba.VTh[0] != p.Layers[0].Cuba.VTh[0] {
		t.Fatalf("decoded layer 0: %+v", q.Layers[0])
	}
}

func TestCompileCubaErrors(t *testing.T) {
	spec, err := arch.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	// Euler with dt/τ_mem = 2 makes aVV = −1: no leak in magnitude
	if _, err := Compile(recurrentNet(0.5), spec, Options{}); err == nil || !strings.Contains(err.Error(), "decay") {
		t.Fatalf("τ_mem 0.5 steps: %v", err)
	}
	// a recurrent edge into a weight node is refused naming it
	g := recurrentNet(4)
	g.Disconnect("rec", "cuba", true)
	g.Add("fc0", models.OpLinear).SetF32("weight", models.Shape{4, 5}, make([]float32, 20))
	g.Connect("cuba", "fc0")
	g.ConnectRecurrent("fc0", "fc")
	_, err = Compile(g, spec, Options{})
	if err == nil || !strings.Contains(err.Error(), "layer fc: recurrent edge from fc0") {
		t.Fatalf("recurrent edge into an Affine: %v", err)
	}
	// a chip without CubaLIF cores says so
	tn, err := arch.Preset("truenorth")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(recurrentNet(4), tn, Options{}); err == nil || !strings.Contains(err.Error(), "cubalif") {
		t.Fatalf("truenorth: %v", err)
	}
}
