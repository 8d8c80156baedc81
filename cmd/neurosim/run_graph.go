package main

import (
	"fmt"
	"io"

	"github.com/neurosim/neurosim/chip"
	"github.com/neurosim/neurosim/compiler"
	"github.com/neurosim/neurosim/models/data"
	"github.com/neurosim/neurosim/models/eval"
	"github.com/neurosim/neurosim/models/train"
)

// runDataset loads --dataset. The karate club is a node-classification
// task: it runs as one sample (the whole graph) in both splits, and task is
// set so that the report counts nodes (nodeSummary).
func runDataset(f *runFlags) (*data.Dataset, *data.NodeTask, error) {
	if f.dataset == data.ScenesName {
		sc, err := loadScenes(f.dataDir)
		if err != nil {
			return nil, nil, err
		}
		return &data.Dataset{Name: sc.Name, Classes: sc.Classes, Train: sc.Train.Split(), Test: sc.Test.Split()}, nil, nil
	}
	if f.dataset != data.KarateName {
		ds, err := data.Load(f.dataset, f.dataDir)
		return ds, nil, err
	}
	t := data.Karate()
	sp := t.Split()
	return &data.Dataset{Name: t.Name, Classes: t.Classes, Train: sp, Test: sp}, t, nil
}

// nodeSummary turns the report of a node-classification run (one sample, the
// graph; Output [nodes, classes]) into per-node figures: Accuracy is the
// fraction of nodes the chip classifies right (Wilson interval over nodes),
// RefAccuracy that of the software integer model (compiler.Simulator); the
// agreement figures stay per sample (all scores equal means every node
// agrees).
func nodeSummary(s *chip.Summary, res *chip.RunResult, prog *compiler.Program, t *data.NodeTask, x []uint8, log io.Writer) error {
	nodes, k := t.Graph.Nodes, t.Classes
	if len(res.Samples) != 1 || len(res.Samples[0].Scores) != nodes*k {
		return fmt.Errorf("%s: the model must output [%d nodes, %d classes]; it gives %d scores", t.Name, nodes, k, len(res.Samples[0].Scores))
	}
	ref, err := compiler.NewSimulator(prog)
	if err != nil {
		return err
	}
	r, err := ref.Run(x)
	if err != nil {
		return err
	}
	classes := func(sc []int64) []int {
		p := make([]int, nodes)
		for n := range p {
			for j := 1; j < k; j++ {
				if sc[n*k+j] > sc[n*k+p[n]] {
					p[n] = j
				}
			}
		}
		return p
	}
	onChip, sw := classes(res.Samples[0].Scores), classes(r.Scores)
	acc, unl, err := train.NodeAccuracy(t, onChip)
	if err != nil {
		return err
	}
	refAcc, _, _ := train.NodeAccuracy(t, sw)
	same := 0
	for n := range onChip {
		if onChip[n] == sw[n] {
			same++
		}
	}
	correct := int(acc*float64(nodes) + 0.5)
	s.Accuracy, s.RefAccuracy = acc, refAcc
	s.AccuracyCI = chip.Wilson(correct, nodes, 1.959963984540054)
	fmt.Fprintf(log, "%s: node classification, %d nodes (labelled in training: %v): chip %d/%d right (%.2f%%; unlabelled %.2f%%), software %.2f%%, %d/%d node predictions agree\n",
		t.Name, nodes, t.Labelled, correct, nodes, 100*acc, 100*unl, 100*refAcc, same, nodes)
	return nil
}

// detSummary turns the report of a detection run (--dataset mnist-scenes, a
// spikeyolo-tiny program: readout [5+classes, GH, GW]) into mAP: the chip's
// and the software integer model's (compiler.Simulator) scores are decoded
// into boxes (train.DetHead.Decode) and scored against the scenes' ground
// truth (eval.Evaluate). Accuracy and RefAccuracy of the summary hold the
// mAP@50 of the chip and of the software model.
func detSummary(s *chip.Summary, res *chip.RunResult, prog *compiler.Program, split *data.SceneSplit, log io.Writer) error {
	out := prog.Layers[prog.Output.Layer]
	if len(out.Shape) != 3 || out.Shape[0] < 6 || split.Size%out.Shape[1] != 0 {
		return fmt.Errorf("%s: the model must output a detection grid [5+classes, GH, GW]; it gives %v", data.ScenesName, out.Shape)
	}
	h := train.DetHead{Classes: out.Shape[0] - 5, GH: out.Shape[1], GW: out.Shape[2], Cell: split.Size / out.Shape[1], Size: split.Size}
	ref, err := compiler.NewSimulator(prog)
	if err != nil {
		return err
	}
	n := len(res.Samples)
	var onChip, sw []eval.Detection
	buf := make([]float64, len(res.Samples[0].Scores))
	scale := out.Scale
	for i := 0; i < n; i++ {
		for j, v := range res.Samples[i].Scores {
			buf[j] = float64(v) * scale
		}
		onChip = append(onChip, h.Decode(i, buf, train.DetMinScore)...)
		r, err := ref.Run(split.Image(i))
		if err != nil {
			return err
		}
		for j, v := range r.Scores {
			buf[j] = float64(v) * r.Scale
		}
		sw = append(sw, h.Decode(i, buf, train.DetMinScore)...)
	}
	gts := train.Truths(split, n)
	mc, err := eval.Evaluate(onChip, gts, h.Classes)
	if err != nil {
		return err
	}
	ms, err := eval.Evaluate(sw, gts, h.Classes)
	if err != nil {
		return err
	}
	s.Accuracy, s.RefAccuracy = mc.MAP50, ms.MAP50
	s.AccuracyCI = [2]float64{mc.MAP50, mc.MAP50}
	fmt.Fprintf(log, "%s: detection on %d scenes (%d objects): chip mAP@50 %.4f, mAP@50:95 %.4f; software integer model mAP@50 %.4f, mAP@50:95 %.4f (the report's accuracy rows hold mAP@50)\n",
		data.ScenesName, n, len(gts), mc.MAP50, mc.MAP5095, ms.MAP50, ms.MAP5095)
	return nil
}
