package eval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

var sq = Box{0, 0, 10, 10}

// Each case's AP is worked out by hand in its comment: ranks give (TP, FP)
// cumulative counts, recall = TP/G, precision = TP/(TP+FP), the envelope
// takes the running maximum from the right, and AP is the mean over the 101
// recall levels 0, 0.01, …, 1 of the envelope at the first rank reaching the
// level (0 past the last recall).
func TestEvaluateHandWorked(t *testing.T) {
	cases := []struct {
		name         string
		dets         []Detection
		gts          []Truth
		classes      int
		map50, map95 float64
	}{
		{
			// one exact hit: recall 1, precision 1 at every threshold → AP 1.
			name: "perfect", classes: 1,
			gts:   []Truth{{0, 0, sq}},
			dets:  []Detection{{0, 0, 0.9, sq}},
			map50: 1, map95: 1,
		},
		{
			// a false positive ranked above the hit: ranks (0,1), (1,1):
			// recall [0, 1], precision [0, 0.5], envelope [0.5, 0.5]; every
			// level reads 0.5 → AP 0.5 at every threshold.
			name: "false positive first", classes: 1,
			gts:   []Truth{{0, 0, sq}},
			dets:  []Detection{{0, 0, 0.9, Box{20, 20, 30, 30}}, {0, 0, 0.8, sq}},
			map50: 0.5, map95: 0.5,
		},
		{
			// two objects, one found: recall [0.5], precision [1]; levels
			// 0.00…0.50 (51 of them) read 1, the other 50 read 0 → 51/101.
			name: "half recall", classes: 1,
			gts:   []Truth{{0, 0, sq}, {0, 0, Box{30, 30, 40, 40}}},
			dets:  []Detection{{0, 0, 0.7, sq}},
			map50: 51.0 / 101, map95: 51.0 / 101,
		},
		{
			// a loose box: IoU = 77/100 = 0.77, a hit at 0.50…0.75 (6
			// thresholds, AP 1) and a miss at 0.80…0.95 (4, AP 0):
			// mAP@50 = 1, mAP@50:95 = 6/10.
			name: "iou 0.77", classes: 1,
			gts:   []Truth{{0, 0, sq}},
			dets:  []Detection{{0, 0, 0.9, Box{0, 0, 10, 7.7}}},
			map50: 1, map95: 0.6,
		},
		{
			// a duplicate after full recall: ranks (1,0), (1,1), recall
			// [1, 1], precision [1, 0.5]; every level reads rank 0 → AP 1.
			name: "duplicate", classes: 1,
			gts:   []Truth{{0, 0, sq}},
			dets:  []Detection{{0, 0, 0.9, sq}, {0, 0, 0.8, sq}},
			map50: 1, map95: 1,
		},
		{
			// class 0 perfect (AP 1), class 1 as "false positive first"
			// (AP 0.5), class 2 has neither ground truth nor detections and
			// class 3 only a detection: both left out → mAP 0.75. A class-0
			// detection on class 1's object (image 1) does not count for
			// class 1; for class 0 it is a false positive ranked after the
			// hit, which leaves AP 1 (as "duplicate").
			name: "classes", classes: 4,
			gts: []Truth{{0, 0, sq}, {1, 1, sq}},
			dets: []Detection{{0, 0, 0.9, sq}, {1, 1, 0.9, Box{20, 20, 30, 30}}, {1, 1, 0.8, sq},
				{1, 0, 0.2, sq}, {0, 3, 0.5, sq}},
			map50: (1 + 0.5) / 2, map95: (1 + 0.5) / 2,
		},
		{
			// matching is per image: a perfect box on image 1 does not find
			// image 0's object. Ranks (0,1), (1,1) as "false positive first"
			// → 0.5.
			name: "per image", classes: 1,
			gts:   []Truth{{0, 0, sq}},
			dets:  []Detection{{1, 0, 0.9, sq}, {0, 0, 0.3, sq}},
			map50: 0.5, map95: 0.5,
		},
		{
			// greedy by score: the high-scoring loose box (IoU with A 0.8,
			// with B 0) takes A; the exact box of A is then a false
			// positive; B is found by its own box. Ranks (1,0), (1,1), (2,1):
			// recall [.5, .5, 1], precision [1, .5, 2/3], envelope
			// [1, 2/3, 2/3]: levels 0…0.50 read 1 (51), 0.51…1 read 2/3 (50)
			// → (51 + 100/3)/101 at IoU 0.5…0.8. At 0.85…0.95 the loose box
			// misses and the exact box takes A: ranks (0,1), (1,1), (2,1),
			// recall [0, .5, 1], precision [0, .5, 2/3], envelope
			// [2/3, 2/3, 2/3] → 2/3. Thresholds 0.50…0.80 are 7, so
			// mAP@50:95 = (7·(51 + 100/3)/101 + 3·2/3)/10.
			name: "greedy", classes: 1,
			gts:   []Truth{{0, 0, sq}, {0, 0, Box{50, 50, 60, 60}}},
			dets:  []Detection{{0, 0, 0.9, Box{0, 0, 10, 8}}, {0, 0, 0.8, sq}, {0, 0, 0.7, Box{50, 50, 60, 60}}},
			map50: (51 + 100.0/3) / 101, map95: (7*(51+100.0/3)/101 + 3*2.0/3) / 10,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Evaluate(c.dets, c.gts, c.classes)
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.MAP50, c.map50) || !near(r.MAP5095, c.map95) {
				t.Errorf("mAP@50 %.6f, mAP@50:95 %.6f; want %.6f, %.6f", r.MAP50, r.MAP5095, c.map50, c.map95)
			}
		})
	}
}

func TestIoUThresholds(t *testing.T) {
	want := []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}
	for k, w := range want {
		if math.Abs(IoUThresholds[k]-w) > 1e-12 {
			t.Errorf("threshold %d = %g, want %g", k, IoUThresholds[k], w)
		}
	}
	if IoU(sq, Box{5, 0, 15, 10}) != 50.0/150 || IoU(sq, Box{10, 0, 20, 10}) != 0 {
		t.Error("IoU")
	}
}

func TestEvaluateRejects(t *testing.T) {
	bad := []struct {
		d []Detection
		g []Truth
	}{
		{g: []Truth{{0, 2, sq}}},
		{g: []Truth{{-1, 0, sq}}},
		{g: []Truth{{0, 0, Box{5, 0, 1, 10}}}},
		{d: []Detection{{0, 0, math.NaN(), sq}}},
		{d: []Detection{{0, 0, 1, Box{0, 0, math.Inf(1), 1}}}},
	}
	for i, b := range bad {
		if _, err := Evaluate(b.d, b.g, 2); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
	if _, err := Evaluate(nil, nil, 0); err == nil {
		t.Error("0 classes accepted")
	}
}

func TestMaxDets(t *testing.T) {
	// 101 false positives above the one hit on image 0: with MaxDets = 100
	// the hit (lowest score) is dropped → AP 0.
	var dets []Detection
	for i := 0; i < MaxDets; i++ {
		dets = append(dets, Detection{0, 0, 1, Box{20, 20, 30, 30}})
	}
	dets = append(dets, Detection{0, 0, 0.5, sq})
	r, err := Evaluate(dets, []Truth{{0, 0, sq}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.MAP50 != 0 {
		t.Errorf("mAP@50 %g, want 0", r.MAP50)
	}
}
