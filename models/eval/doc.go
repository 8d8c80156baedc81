// Package eval computes evaluation metrics of trained models that are more
// than an arg-max accuracy: COCO-style detection mAP.
//
// # Detection
//
// Evaluate follows pycocotools' COCOeval for boxes (iouType "bbox", area
// range "all", at most MaxDets detections per image): for every class and
// every IoU threshold t in {0.50, 0.55, …, 0.95} the detections of the class
// are taken in descending score order (stable: equal scores keep their input
// order) and each is matched greedily to the unmatched ground-truth box of
// its image and class with the largest IoU ≥ t (ties: the first box); a
// matched detection is a true positive, any other a false positive. With
// cumulative TP and FP over the ranked detections, recall = TP/G and
// precision = TP/(TP+FP); precision is replaced by its running maximum from
// the right (the interpolated envelope) and read at the 101 recall levels
// 0, 0.01, …, 1 (at the first rank whose recall reaches the level, 0 if none
// does). AP is the mean of the 101 values; a class with no ground truth is
// left out of the means, a class with ground truth but no detections has AP
// 0. mAP@50 is the mean AP over classes at t = 0.5, mAP@50:95 the mean over
// classes and the ten thresholds.
//
// # Invariants
//   - Evaluate never modifies its arguments and returns an error, never
//     panics, on a malformed box, class or image index.
//   - The result depends only on the sets of boxes and the input order of
//     equal-score detections.
package eval
