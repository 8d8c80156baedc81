package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// nirData is ../shared/data/nir seen from cmd/neurosim.
var nirData = filepath.Join("..", "..", "..", "shared", "data", "nir")

func nirFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(nirData, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("NIR test file %s not available (%v); see ../shared/data/README.md", p, err)
	}
	return p
}

// runErr executes the CLI and returns stdout, stderr and the error.
func runErr(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestInspectNIRFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string // substrings of the table
		warn string   // substring of stderr, "" for none
	}{
		{"cnn_sinabs.nir", []string{"Conv2d", "[2,34,34]", "[16,16,16]", "SumPool2d", "[8,4,4]", "Flatten", "[128]", "IF", "output", "[10]"}, ""},
		{"lif_norse.nir", []string{"Affine", "LIF", "[1]"}, ""},
		{"lif_rockpool.nir", []string{"0_LinearTorch", "1_LIFNeuronTorch"}, ""},
		{"two_lif_neurons.nir", []string{"linear2", "lif2"}, ""},
		{"braille_noDelay_bias_zero.nir", []string{"lif1.lif", "CubaLIF", "lif1.w_rec", "[12]", "[38]", "[7]"}, ""},
		{"braille_noDelay_noBias_subtract.nir", []string{"Linear", "[40]"}, ""},
		{"braille_noDelay_bias_zero_subgraph.nir", []string{"lif1.lif1", "lif1.lin", "CubaLIF"},
			`edge endpoint "lif" names no node; resolved to "lif1"`},
		{"lava_dl_network.net", []string{"layer0", "Linear", "layer0.neuron", "CubaLIF", "[200]", "[256]", "102,400"}, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out, stderr, err := runErr(t, "inspect", nirFile(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.warn == "" && stderr != "" {
				t.Errorf("unexpected stderr %q", stderr)
			}
			if tc.warn != "" && !(strings.Contains(stderr, "warning: ") && strings.Contains(stderr, tc.warn)) {
				t.Errorf("stderr %q lacks %q", stderr, tc.warn)
			}
		})
	}
}

func TestInspectNIRJSON(t *testing.T) {
	out, _, err := runErr(t, "inspect", "--json", "--dt", "1e-3", nirFile(t, "cnn_sinabs.nir"))
	if err != nil {
		t.Fatal(err)
	}
	var sum models.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(sum.Nodes) != 15 || sum.Nodes[len(sum.Nodes)-1].Out.String() != "[10]" {
		t.Errorf("%d nodes, last %v", len(sum.Nodes), sum.Nodes[len(sum.Nodes)-1])
	}
}

func TestLoadModel(t *testing.T) {
	p := nirFile(t, "lif_norse.nir")
	var warn bytes.Buffer
	g, err := loadModel(p, 5e-4, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if g.Meta["lif_dt"] != "0.0005" {
		t.Errorf("lif_dt %q, want 0.0005", g.Meta["lif_dt"])
	}
	if g, err = loadModel(p, 0, &warn); err != nil || g.Meta["lif_dt"] != "0.0001" {
		t.Errorf("dt 0: %v, lif_dt %q, want the default 0.0001", err, g.Meta["lif_dt"])
	}
	if _, err := loadModel(p, -1, &warn); err == nil || !strings.Contains(err.Error(), "time step -1") {
		t.Errorf("negative dt: %v", err)
	}
	if _, err := loadModel("model.onnx", 0, &warn); err == nil || !strings.Contains(err.Error(), `unknown model format ".onnx"`) {
		t.Errorf("unknown extension: %v", err)
	}
	// A .nsm round trip goes through models.Load.
	nsm := filepath.Join(t.TempDir(), "m.NSM")
	if err := models.Save(nsm, g); err != nil {
		t.Fatal(err)
	}
	back, err := loadModel(nsm, 0, &warn)
	if err != nil || back.NumNodes() != g.NumNodes() {
		t.Errorf("nsm: %v", err)
	}
	if warn.Len() != 0 {
		t.Errorf("warnings %q", warn.String())
	}
	_, _, err = runErr(t, "inspect", "--dt", "-2", p)
	if err == nil || !strings.Contains(err.Error(), "time step -2") {
		t.Errorf("inspect --dt -2: %v", err)
	}
}
