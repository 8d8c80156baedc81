package nir

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

func TestReadNet(t *testing.T) {
	g, ws, err := ReadNet(dataFile(t, "lava_dl_network.net"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	sum, err := models.Summarize(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range sum.Nodes {
		got = append(got, n.ID+":"+string(n.Op)+n.Out.String())
	}
	want := []string{"input:Input[200]", "layer0:Linear[256]", "layer0.neuron:CubaLIF[256]",
		"layer1:Linear[200]", "layer1.neuron:CubaLIF[200]", "output:Output[200]"}
	if !slices.Equal(got, want) {
		t.Errorf("layers %v, want %v", got, want)
	}
	if sum.Params != 2*200*256+2*7 {
		t.Errorf("params %d", sum.Params)
	}
	// Layer 0: iDecay 4096, vDecay 414, vThMant 6; dt 1e-4.
	n := g.Node("layer0.neuron")
	for name, want := range map[string]float64{
		"tau_syn": 1e-4, "w_in": 1, "tau_mem": 4096 * 1e-4 / 414, "r": 4096.0 / 414,
		"v_leak": 0, "v_threshold": 6, "v_reset": 0,
	} {
		if got := float64(n.Tensor(name).F32[0]); math.Abs(got-want) > 1e-6*math.Abs(want) {
			t.Errorf("%s = %g, want %g", name, got, want)
		}
	}
	if w := g.Node("layer0").Tensor("weight"); w.F32[0] != -38 || w.F32[1] != -34 {
		t.Errorf("weight[0,:2] = %v, want the stored -38 -34", w.F32[:2])
	}
	if g.Meta["lif_integration"] != "euler" || g.Meta["format"] != "lava-dl netx" {
		t.Errorf("Meta %v", g.Meta)
	}
}

// TestNetMatchesLoihiRecurrence drives layer 0 with random spikes and
// compares the imported CubaLIF (Euler, through the neuron package) with
// Loihi's CUBA recurrence written out from the lava-dl documentation
// (u[t] = (1−iDecay/4096)·u[t−1] + W·s[t]; v[t] = (1−vDecay/4096)·v[t−1] + u[t];
// spike if v > vThMant, then v = 0), in floats. Loihi adds the new current to
// v, Euler the old one, so the imported spikes are Loihi's one step later,
// exactly (for this file's iDecay = 4096, u[t] = W·s[t]).
func TestNetMatchesLoihiRecurrence(t *testing.T) {
	g, _, err := ReadNet(dataFile(t, "lava_dl_network.net"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := g.Node("layer0").Tensor("weight")
	out, in := w.Shape[0], w.Shape[1]
	const vDecay, vth = 414.0, 6.0
	r := newRunner(t, g)
	rng := rand.New(rand.NewPCG(1, 2))
	u, v := make([]float64, out), make([]float64, out)
	var prev []bool
	spikes := 0
	for step := range 200 {
		s := make([]float64, in)
		for i := range s {
			if rng.Float64() < 0.1 {
				s[i] = 1
			}
		}
		loihi := make([]bool, out)
		for o := range out {
			x := 0.0
			for i := range in {
				x += float64(w.F32[o*in+i]) * s[i]
			}
			u[o] = 0*u[o] + x // (1 − 4096/4096)·u + x
			v[o] = (1-vDecay/4096)*v[o] + u[o]
			if v[o] > vth {
				loihi[o], v[o] = true, 0
				spikes++
			}
		}
		got := r.step(s)["layer0.neuron"]
		if prev != nil {
			for o := range out {
				if (got[o] != 0) != prev[o] {
					t.Fatalf("step %d neuron %d: imported spike %v, Loihi's at step %d %v", step, o, got[o] != 0, step-1, prev[o])
				}
			}
		}
		prev = loihi
	}
	if spikes == 0 {
		t.Fatal("no spikes: the input does not exercise the layer")
	}
}

func TestReadNetErrors(t *testing.T) {
	if _, _, err := ReadNet(dataFile(t, "lif_norse.nir"), Options{}); err == nil || !strings.Contains(err.Error(), `no group "layer"`) {
		t.Errorf("NIR file read as .net: %v", err)
	}
	b, err := os.ReadFile(dataFile(t, "lava_dl_network.net"))
	if err != nil {
		t.Fatal(err)
	}
	// "CUBA" → "CUBX": an unsupported neuron type is an error naming it.
	bad := []byte(strings.Replace(string(b), "CUBA", "CUBX", 1))
	if _, _, err := DecodeNet(strings.NewReader(string(bad)), int64(len(bad)), Options{}); err == nil || !strings.Contains(err.Error(), `neuron type "CUBX"`) {
		t.Errorf("bad neuron type: %v", err)
	}
	// "dense" → "dunse": an unknown layer type.
	bad = []byte(strings.Replace(string(b), "dense", "dunse", 1))
	if _, _, err := DecodeNet(strings.NewReader(string(bad)), int64(len(bad)), Options{}); err == nil || !strings.Contains(err.Error(), `layer type "dunse"`) {
		t.Errorf("bad layer type: %v", err)
	}
}
