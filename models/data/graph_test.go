package data

import (
	"math"
	"testing"
)

func TestKarate(t *testing.T) {
	k := Karate()
	if err := k.Graph.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(k.Graph.Edges) != 78 {
		t.Fatalf("%d edges, want 78", len(k.Graph.Edges))
	}
	d := k.Graph.Degrees()
	// Zachary's club: the instructor (1) has 16 friends, the officer (34) 17,
	// member 33 has 12; 156 = 2·78 ends.
	sum := 0
	for _, x := range d {
		sum += x
	}
	if d[0] != 16 || d[33] != 17 || d[32] != 12 || sum != 156 {
		t.Fatalf("degrees %v", d)
	}
	n0 := 0
	for _, l := range k.Labels {
		if l == 0 {
			n0++
		}
	}
	if n0 != 17 || k.Labels[0] != 0 || k.Labels[33] != 1 || k.Labels[8] != 0 || k.Labels[9] != 1 {
		t.Fatalf("labels %v", k.Labels)
	}
}

func TestNormAdj(t *testing.T) {
	// path 0-1-2: degrees with self loops 2, 3, 2.
	g := Graph{Nodes: 3, Edges: [][2]int32{{0, 1}, {1, 2}}}
	r, c, v := g.NormAdj()
	want := map[[2]int32]float64{
		{0, 0}: 0.5, {0, 1}: 1 / math.Sqrt(6), {1, 0}: 1 / math.Sqrt(6), {1, 1}: 1.0 / 3,
		{1, 2}: 1 / math.Sqrt(6), {2, 1}: 1 / math.Sqrt(6), {2, 2}: 0.5,
	}
	if len(r) != len(want) {
		t.Fatalf("%d entries, want %d", len(r), len(want))
	}
	for k := range r {
		w, ok := want[[2]int32{r[k], c[k]}]
		if !ok || math.Abs(float64(v[k])-w) > 1e-7 {
			t.Errorf("Â[%d][%d] = %g, want %g", r[k], c[k], v[k], w)
		}
		if k > 0 && (r[k] < r[k-1] || r[k] == r[k-1] && c[k] <= c[k-1]) {
			t.Errorf("entry %d out of order", k)
		}
	}
	bad := []Graph{{Nodes: 2, Edges: [][2]int32{{1, 1}}}, {Nodes: 2, Edges: [][2]int32{{0, 2}}}, {Nodes: 2, Edges: [][2]int32{{0, 1}, {0, 1}}}, {}}
	for _, b := range bad {
		if b.Validate() == nil {
			t.Errorf("%+v validated", b)
		}
	}
}

func TestSuperpixelGraph(t *testing.T) {
	g, err := SuperpixelGraph(28, 28, 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	d := g.Degrees()
	// An interior cell's 8 nearest are its 8-neighbourhood: exactly the
	// 8 cells around it (and nobody else picks it: all its pickers are
	// neighbours too).
	if d[3*7+3] != 8 {
		t.Errorf("centre degree %d, want 8", d[3*7+3])
	}
	for i, x := range d {
		if x < 8 {
			t.Errorf("node %d has degree %d < k", i, x)
		}
	}
	if _, err := SuperpixelGraph(28, 28, 5, 8); err == nil {
		t.Error("cell 5 on 28 accepted")
	}
	if _, err := SuperpixelGraph(8, 8, 4, 4); err == nil {
		t.Error("k ≥ nodes accepted")
	}
}

func TestSuperpixelFeatures(t *testing.T) {
	// 8×8 image, cells of 4: one lit pixel (value 160) at (x=5, y=2) in the
	// top-right cell; the other cells are dark.
	img := make([]uint8, 64)
	img[2*8+5] = 160
	src := &Dataset{Classes: 2, Train: Split{N: 1, Rows: 8, Cols: 8, Images: img, Labels: []uint8{1}},
		Test: Split{N: 1, Rows: 8, Cols: 8, Images: img, Labels: []uint8{1}}}
	ds, err := Superpixels(src, 4)
	if err != nil {
		t.Fatal(err)
	}
	f := ds.Test.Image(0)
	// cell 1 (top right): mean 160/16 = 10; centroid x = 5 → 5·255/7 = 182.14 → 182;
	// y = 2 → 72.86 → 73.
	if f[3] != 10 || f[4] != 182 || f[5] != 73 {
		t.Errorf("lit cell features %v, want [10 182 73]", f[3:6])
	}
	// cell 0 (dark): mean 0, centre (1.5, 1.5) → 54.6 → 55.
	if f[0] != 0 || f[1] != 55 || f[2] != 55 {
		t.Errorf("dark cell features %v, want [0 55 55]", f[0:3])
	}
	if ds.Test.Rows != 4 || ds.Test.Cols != 3 || ds.Test.Labels[0] != 1 {
		t.Errorf("split %dx%d label %d", ds.Test.Rows, ds.Test.Cols, ds.Test.Labels[0])
	}
}
