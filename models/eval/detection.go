package eval

import (
	"fmt"
	"math"
	"slices"
)

// Box is an axis-aligned box [X0, X1) × [Y0, Y1) in pixels.
type Box struct{ X0, Y0, X1, Y1 float64 }

// Area returns the box's area (0 for an empty box).
func (b Box) Area() float64 { return max(b.X1-b.X0, 0) * max(b.Y1-b.Y0, 0) }

// IoU returns the intersection over union of a and b (0 if both are empty).
func IoU(a, b Box) float64 {
	iw := min(a.X1, b.X1) - max(a.X0, b.X0)
	ih := min(a.Y1, b.Y1) - max(a.Y0, b.Y0)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	in := iw * ih
	return in / (a.Area() + b.Area() - in)
}

// Truth is one ground-truth object.
type Truth struct {
	Image, Class int
	Box          Box
}

// Detection is one predicted object with its confidence.
type Detection struct {
	Image, Class int
	Score        float64
	Box          Box
}

// MaxDets is the number of highest-scoring detections per image that count
// (COCO's default maxDets for mAP).
const MaxDets = 100

// IoUThresholds are COCO's ten IoU thresholds 0.50:0.05:0.95 (computed as
// numpy.linspace does).
var IoUThresholds = func() [10]float64 {
	var t [10]float64
	step := (0.95 - 0.5) / 9
	for k := range t {
		t[k] = float64(k)*step + 0.5
	}
	t[9] = 0.95
	return t
}()

// DetResult is the outcome of Evaluate.
type DetResult struct {
	// MAP50 is the mean AP over classes at IoU 0.5; MAP5095 the mean over
	// classes and the ten thresholds.
	MAP50, MAP5095 float64
	// AP[c][k] is class c's AP at IoUThresholds[k]; NaN for a class without
	// ground truth (left out of the means).
	AP [][10]float64
	// Classes is the number of classes with ground truth.
	Classes int
}

// Evaluate computes COCO-style AP (see the package doc) of dets against
// gts for classes 0..classes−1.
func Evaluate(dets []Detection, gts []Truth, classes int) (*DetResult, error) {
	if classes < 1 {
		return nil, fmt.Errorf("eval: %d classes", classes)
	}
	ok := func(b Box) bool {
		for _, v := range []float64{b.X0, b.Y0, b.X1, b.Y1} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		return b.X1 >= b.X0 && b.Y1 >= b.Y0
	}
	for i, g := range gts {
		if g.Class < 0 || g.Class >= classes || g.Image < 0 || !ok(g.Box) {
			return nil, fmt.Errorf("eval: ground truth %d (image %d, class %d, box %+v) is malformed", i, g.Image, g.Class, g.Box)
		}
	}
	for i, d := range dets {
		if d.Class < 0 || d.Class >= classes || d.Image < 0 || !ok(d.Box) || math.IsNaN(d.Score) {
			return nil, fmt.Errorf("eval: detection %d (image %d, class %d, score %g, box %+v) is malformed", i, d.Image, d.Class, d.Score, d.Box)
		}
	}
	// keep the MaxDets best of each image (stable in score order)
	order := make([]int, len(dets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case dets[a].Score > dets[b].Score:
			return -1
		case dets[a].Score < dets[b].Score:
			return 1
		}
		return 0
	})
	perImage := map[int]int{}
	kept := order[:0:0]
	for _, i := range order {
		if perImage[dets[i].Image] < MaxDets {
			perImage[dets[i].Image]++
			kept = append(kept, i)
		}
	}
	res := &DetResult{AP: make([][10]float64, classes)}
	var sum50, sum float64
	for c := 0; c < classes; c++ {
		// ground truth of class c by image
		byImage := map[int][]Box{}
		ng := 0
		for _, g := range gts {
			if g.Class == c {
				byImage[g.Image] = append(byImage[g.Image], g.Box)
				ng++
			}
		}
		if ng == 0 {
			for k := range res.AP[c] {
				res.AP[c][k] = math.NaN()
			}
			continue
		}
		res.Classes++
		var ranked []int
		for _, i := range kept {
			if dets[i].Class == c {
				ranked = append(ranked, i)
			}
		}
		for k, t := range IoUThresholds {
			used := map[int][]bool{}
			tp := make([]bool, len(ranked))
			for r, i := range ranked {
				d := dets[i]
				bs := byImage[d.Image]
				u := used[d.Image]
				if u == nil {
					u = make([]bool, len(bs))
					used[d.Image] = u
				}
				best, bi := -1.0, -1
				for j, b := range bs {
					if u[j] {
						continue
					}
					if iou := IoU(d.Box, b); iou >= t && iou > best {
						best, bi = iou, j
					}
				}
				if bi >= 0 {
					u[bi], tp[r] = true, true
				}
			}
			res.AP[c][k] = averagePrecision(tp, ng)
		}
		sum50 += res.AP[c][0]
		for _, a := range res.AP[c] {
			sum += a
		}
	}
	if res.Classes > 0 {
		res.MAP50 = sum50 / float64(res.Classes)
		res.MAP5095 = sum / float64(res.Classes*len(IoUThresholds))
	}
	return res, nil
}

// averagePrecision is the 101-point interpolated AP of detections ranked by
// score, tp[r] saying whether rank r is a true positive, against ng ground
// truth objects.
func averagePrecision(tp []bool, ng int) float64 {
	n := len(tp)
	rec, prec := make([]float64, n), make([]float64, n)
	ctp, cfp := 0, 0
	for r, t := range tp {
		if t {
			ctp++
		} else {
			cfp++
		}
		rec[r] = float64(ctp) / float64(ng)
		prec[r] = float64(ctp) / float64(ctp+cfp)
	}
	for r := n - 2; r >= 0; r-- {
		prec[r] = max(prec[r], prec[r+1])
	}
	var s float64
	for k := 0; k <= 100; k++ {
		lvl := float64(k) * 0.01 // numpy.linspace(0, 1, 101), as COCOeval's recThrs
		if k == 100 {
			lvl = 1
		}
		// first rank whose recall reaches lvl
		r, _ := slices.BinarySearch(rec, lvl)
		if r < n {
			s += prec[r]
		}
	}
	return s / 101
}
