package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/eval"
)

func TestILIF(t *testing.T) {
	// one neuron, T = 3, decay 0.25, D = 4, output s/4:
	// m0 = 2.6 → s0 = 3; m1 = (2.6−3)·0.25 + 1.2 = 1.1 → s1 = 1;
	// m2 = (1.1−1)·0.25 + 5 = 5.025 → s2 = 4 (clamped).
	l := NewILIF(4, 0.25)
	l.setSteps(3)
	if _, err := l.Init(Shape{1, 1, 1}, nil); err != nil {
		t.Fatal(err)
	}
	p := newPool(1)
	defer p.close()
	c := &pass{pool: p, train: true}
	y := l.Forward(c, []float32{2.6, 1.2, 5}, 3)
	want := []float32{0.75, 0.25, 1}
	for i := range want {
		if y[i] != want[i] {
			t.Fatalf("y = %v, want %v", y, want)
		}
	}
	// backward: STE 1/4 inside [0, 4]; m2 = 5.025 is outside, so
	// g2 = 0; g1 = dy1/4 + 0.25·g2; g0 = dy0/4 + 0.25·g1.
	dx := l.Backward(c, []float32{1, 2, 3}, 3, true)
	g1 := 2.0 / 4
	g0 := 1.0/4 + 0.25*g1
	if dx[2] != 0 || math.Abs(float64(dx[1])-g1) > 1e-7 || math.Abs(float64(dx[0])-g0) > 1e-7 {
		t.Fatalf("dx = %v, want [%g %g 0]", dx, g0, g1)
	}
	// T = 1 is MultiSpike
	m := NewILIF(4, 0.25)
	if _, err := m.Init(Shape{1, 1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	if y := m.Forward(c, []float32{2.5, 3.5}, 1); y[0] != 0.5 || y[1] != 1 {
		t.Fatalf("T=1: %v (half-even: 2.5→2, 3.5→4)", y)
	}
	if _, err := (&ILIF{MultiSpike: MultiSpike{D: 4}}).Init(Shape{1, 1, 1}, nil); err == nil {
		t.Error("decay 0 accepted")
	}
}

func TestDetLossGradient(t *testing.T) {
	h := DetHead{Classes: 3, GH: 2, GW: 2, Cell: 8, Size: 16}
	objs := []data.Object{{Class: 2, X0: 1, Y0: 2, X1: 7, Y1: 9}, {Class: 0, X0: 9, Y0: 8, X1: 15, Y1: 16}}
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]float32, DetOutputs(3)*4)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	grad := make([]float32, len(out))
	cells := make([]int, 4)
	h.loss(out, grad, objs, cells, make([]float64, 3), 1)
	if cells[0] != 0 || cells[3] != 1 || cells[1] != -1 || cells[2] != -1 {
		t.Fatalf("assignment %v", cells)
	}
	g2 := make([]float32, len(out))
	for i := range out {
		const e = 1e-3
		v := out[i]
		out[i] = v + e
		lp := h.loss(out, g2, objs, cells, make([]float64, 3), 1)
		out[i] = v - e
		lm := h.loss(out, g2, objs, cells, make([]float64, 3), 1)
		out[i] = v
		fd := (lp - lm) / (2 * e)
		if math.Abs(fd-float64(grad[i])) > 2e-2*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂L/∂out[%d]: analytic %g, finite difference %g", i, grad[i], fd)
		}
	}
}

func TestDecode(t *testing.T) {
	h := DetHead{Classes: 2, GH: 2, GW: 2, Cell: 8, Size: 16}
	plane := 4
	out := make([]float64, DetOutputs(2)*plane)
	for i := 0; i < plane; i++ {
		out[i] = -20 // no object
	}
	// cell 1 (gx 1, gy 0): object, centre 4 and 2 px from the cell's corner
	// (8, 0), half size 4×2 px, class 1 → box centred at (12, 2), 8×4 px.
	out[1], out[plane+1], out[2*plane+1], out[3*plane+1], out[4*plane+1] = 20, 4, 2, 4, 2
	out[5*plane+1], out[6*plane+1] = 0, 10
	// cell 0: the same box a little weaker: NMS drops it.
	out[0], out[plane], out[2*plane], out[3*plane], out[4*plane] = 5, 12, 2, 4, 2
	out[5*plane], out[6*plane] = 0, 10
	ds := h.Decode(7, out, 0.01)
	if len(ds) != 1 {
		t.Fatalf("%d detections: %+v", len(ds), ds)
	}
	d := ds[0]
	if d.Image != 7 || d.Class != 1 || d.Box != (eval.Box{X0: 8, Y0: 0, X1: 16, Y1: 4}) || d.Score < 0.99 {
		t.Fatalf("detection %+v", d)
	}
}

// TestTrainDetector: a few epochs on synthetic scenes lower the loss, and
// the exported graph (I-LIF as MultiSpike with decay at T = 1) is scored.
func TestTrainDetector(t *testing.T) {
	sc, err := data.MNISTScenes(sceneDigits(), data.SceneOptions{Train: 96, Test: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := TrainDetector(context.Background(), sc, Options{Arch: ArchSpikeYOLOTiny, Epochs: 3, Batch: 16, Seed: 1, Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := res.History; h[2].Loss >= h[0].Loss {
		t.Errorf("loss did not fall: %+v", h)
	}
	if res.MAP == nil || res.MAP.Classes == 0 || res.Graph.Meta["head"] != "yolo-grid" {
		t.Fatalf("result %+v", res.MAP)
	}
	spikes := 0
	for _, n := range res.Graph.Nodes() {
		if n.Float("decay", 0) == 0.25 {
			spikes++
		}
	}
	if spikes != 5 {
		t.Errorf("%d I-LIF nodes exported, want 5", spikes)
	}
}

// sceneDigits is a tiny 10-class digit set: class k is a bar of k+2 rows.
func sceneDigits() *data.Dataset {
	mk := func() data.Split {
		s := data.Split{N: 10, Rows: 28, Cols: 28, Images: make([]uint8, 10*784), Labels: make([]uint8, 10)}
		for k := 0; k < 10; k++ {
			s.Labels[k] = uint8(k)
			for y := 4; y < 4+2*(k+2) && y < 28; y++ {
				for x := 10; x < 18; x++ {
					s.Image(k)[y*28+x] = 220
				}
			}
		}
		return s
	}
	return &data.Dataset{Name: "bars", Classes: 10, Train: mk(), Test: mk()}
}
