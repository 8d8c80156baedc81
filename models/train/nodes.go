package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/data"
)

// NodeResult is the outcome of TrainNodes.
type NodeResult struct {
	Net   *Net
	Graph *models.Graph // exported, STFN folded
	// Pred is the integer-inference class of every node; Acc the fraction of
	// all nodes classified right, AccUnlabelled that of the nodes whose
	// labels training did not see.
	Pred               []int
	Acc, AccUnlabelled float64
	History            []EpochStat
	Options            Options
}

// TrainNodes trains a node classifier (ArchSGNNKarate) on task, full batch:
// every epoch is one forward and backward pass of the whole graph over the
// T steps, the loss the mean softmax cross-entropy over the labelled nodes
// (semi-supervised, as Kipf & Welling train a GCN). After the last epoch the
// net is exported and every node is classified by the exported graph's
// reference inference (Evaluate's arithmetic). Epochs (default 1) are the
// number of gradient steps; Batch, Shift, Noise, Encoding other than
// direct, Checkpoint and the data limits do not apply and must be unset.
func TrainNodes(ctx context.Context, task *data.NodeTask, opt Options, progress func(Progress)) (*NodeResult, error) {
	opt = opt.Defaults()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	switch {
	case opt.Arch != ArchSGNNKarate:
		return nil, fmt.Errorf("node classification needs arch %s, got %s", ArchSGNNKarate, opt.Arch)
	case opt.Shift != 0 || opt.Noise != 0 || opt.Encoding != EncodingDirect || opt.Checkpoint != "" || opt.TrainLimit != 0 || opt.TestLimit != 0:
		return nil, errors.New("node classification trains full batch on direct input: --shift, --noise-aware, --encoding, --checkpoint and the limits do not apply")
	}
	if err := task.Graph.Validate(); err != nil {
		return nil, err
	}
	nodes, nf := task.Graph.Nodes, task.Features
	if len(task.X) != nodes*nf || len(task.Labels) != nodes || len(task.Labelled) == 0 {
		return nil, fmt.Errorf("node task %s: %d feature values, %d labels, %d labelled for %d nodes × %d features",
			task.Name, len(task.X), len(task.Labels), len(task.Labelled), nodes, nf)
	}
	in := Shape{nodes, nf, 1}
	net, err := Build(opt.Arch, in, task.Classes, ArchConfig{D: opt.D, Steps: opt.Steps})
	if err != nil {
		return nil, err
	}
	if err := net.Init(stream(opt.Seed, "init", 0)); err != nil {
		return nil, err
	}
	params := net.Params()
	op := newOptimizer(opt.Optim, params)
	p := newPool(opt.Workers)
	defer p.close()
	c := &pass{pool: p, train: true}
	x := make([]float32, opt.Steps*nodes*nf)
	for t := 0; t < opt.Steps; t++ {
		data.Direct(x[t*nodes*nf:(t+1)*nodes*nf], task.X)
	}
	k := task.Classes
	grad := make([]float32, nodes*k)
	logits, g1, lab := make([]float32, k), make([]float32, k), make([]int, 1)
	res := &NodeResult{Net: net, Options: opt}
	for ep := 0; ep < opt.Epochs; ep++ {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		t0 := time.Now()
		net.zeroGrad()
		out := net.forward(c, x, opt.Steps) // [classes][nodes]
		clear32(grad)
		var loss float64
		correct := 0
		for _, n := range task.Labelled {
			for j := 0; j < k; j++ {
				logits[j] = out[j*nodes+n]
			}
			lab[0] = int(task.Labels[n])
			l, corr := softmaxCE(logits, lab, k, g1)
			loss += l
			correct += corr
			for j := 0; j < k; j++ {
				grad[j*nodes+n] = g1[j] / float32(len(task.Labelled))
			}
		}
		loss /= float64(len(task.Labelled))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("epoch %d: loss is %g (diverged; lower the learning rate)", ep+1, loss)
		}
		net.backward(c, grad)
		op.update(params, opt.Optim.lrAt(ep, opt.Epochs, ep))
		st := EpochStat{Epoch: ep + 1, Loss: loss, TrainAcc: float64(correct) / float64(len(task.Labelled)), TestAcc: -1,
			Seconds: time.Since(t0).Seconds()}
		res.History = append(res.History, st)
		if progress != nil {
			progress(Progress{Epoch: ep + 1, Epochs: opt.Epochs, Batch: 1, Batches: 1, Loss: loss, TrainAcc: st.TrainAcc,
				Elapsed: time.Since(t0), TestAcc: -1})
		}
	}
	g, err := net.Export(EncodingDirect)
	if err != nil {
		return nil, err
	}
	g.Meta["dataset"] = task.Name
	pred, err := NodePredictions(g, task)
	if err != nil {
		return nil, err
	}
	res.Graph, res.Pred = g, pred
	res.Acc, res.AccUnlabelled = nodeAccuracy(task, pred)
	if n := len(res.History); n > 0 {
		res.History[n-1].TestAcc = res.Acc
	}
	return res, nil
}

// NodePredictions classifies every node of task with the reference
// inference of g (an exported node classifier: Input [nodes, features],
// Output [nodes, classes]).
func NodePredictions(g *models.Graph, task *data.NodeTask) ([]int, error) {
	m, err := NewModel(g)
	if err != nil {
		return nil, err
	}
	nodes, k := task.Graph.Nodes, task.Classes
	if m.in != (Shape{nodes, task.Features, 1}) || m.classes != nodes*k {
		return nil, fmt.Errorf("model takes %v and gives %d outputs; task %s has %d nodes × %d features and %d classes",
			m.in, m.classes, task.Name, nodes, task.Features, k)
	}
	r := m.newRunner()
	data.Direct(r.x, task.X)
	r.predict(r.x, 0, 0)
	pred := make([]int, nodes)
	for n := range pred {
		pred[n] = argmax(r.acc[n*k : (n+1)*k])
	}
	return pred, nil
}

// nodeAccuracy returns the accuracy of pred over all nodes and over the
// unlabelled ones.
func nodeAccuracy(task *data.NodeTask, pred []int) (all, unlabelled float64) {
	lab := map[int]bool{}
	for _, n := range task.Labelled {
		lab[n] = true
	}
	var ok, okU, nU int
	for n, p := range pred {
		hit := p == int(task.Labels[n])
		if hit {
			ok++
		}
		if !lab[n] {
			nU++
			if hit {
				okU++
			}
		}
	}
	all = float64(ok) / float64(len(pred))
	if nU > 0 {
		unlabelled = float64(okU) / float64(nU)
	}
	return all, unlabelled
}

// NodeAccuracy returns the fraction of all nodes and of the unlabelled nodes
// of task that pred classifies right.
func NodeAccuracy(task *data.NodeTask, pred []int) (all, unlabelled float64, err error) {
	if len(pred) != len(task.Labels) {
		return 0, 0, fmt.Errorf("%d predictions for %d nodes", len(pred), len(task.Labels))
	}
	all, unlabelled = nodeAccuracy(task, pred)
	return all, unlabelled, nil
}
