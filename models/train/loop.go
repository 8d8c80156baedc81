package train

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"
)

// The pieces of the epoch/batch loop that Train, trainDF and TrainDetector
// share: resuming from a checkpoint, splitting the training set into batches,
// the divergence check and the evaluation schedule.

// resumeFrom reads opt.Checkpoint when opt.Resume is set and hands it to
// restore. A missing checkpoint file starts from epoch 0. It returns the epoch
// to start at and the restored history, replaying each restored epoch to
// progress (when non-nil) as a Resumed, EpochDone report.
func resumeFrom(opt Options, restore func(*checkpoint) error, progress func(Progress)) (int, []EpochStat, error) {
	if !opt.Resume {
		return 0, nil, nil
	}
	ck, err := readCheckpoint(opt.Checkpoint)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return 0, nil, nil
	case err != nil:
		return 0, nil, err
	}
	if err := restore(ck); err != nil {
		return 0, nil, fmt.Errorf("resume from %s: %w", opt.Checkpoint, err)
	}
	if progress != nil {
		for _, h := range ck.History {
			progress(Progress{Epoch: h.Epoch, Epochs: opt.Epochs, EpochDone: true, Loss: h.Loss,
				TrainAcc: h.TrainAcc, TestAcc: h.TestAcc, Resumed: true})
		}
	}
	return ck.Epoch, ck.History, nil
}

// epochBatches returns how many of the n training samples an epoch uses
// (n capped by opt.TrainLimit when positive), the batches per epoch and the
// batches over all epochs.
func epochBatches(opt Options, n int) (ntrain, batches, total int) {
	ntrain = n
	if opt.TrainLimit > 0 {
		ntrain = min(ntrain, opt.TrainLimit)
	}
	batches = (ntrain + opt.Batch - 1) / opt.Batch
	return ntrain, batches, batches * opt.Epochs
}

// divergence reports a non-finite batch loss l as an error (nil otherwise).
// ep and bi are 0-based.
func divergence(ep, bi int, l float64) error {
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return fmt.Errorf("epoch %d batch %d: loss is %g (diverged; lower the learning rate)", ep+1, bi+1, l)
	}
	return nil
}

// evalDue reports whether the test set is evaluated after 0-based epoch ep:
// after the last epoch and every opt.EvalEvery epochs.
func evalDue(opt Options, ep int) bool {
	return ep == opt.Epochs-1 || (opt.EvalEvery > 0 && (ep+1)%opt.EvalEvery == 0)
}

// classEpoch accumulates a classification epoch's loss and accuracy batch by
// batch, as Train and trainDF report them.
type classEpoch struct {
	ep            int
	t0            time.Time
	lossSum       float64
	correct, seen int
}

// add counts one batch of n samples with mean loss l and corr correct, and
// reports the running figures to progress (when not nil) as batch bi.
func (c *classEpoch) add(l float64, corr, n int, opt Options, bi, batches int, progress func(Progress)) {
	c.lossSum += l * float64(n)
	c.correct += corr
	c.seen += n
	if progress != nil {
		progress(Progress{Epoch: c.ep + 1, Epochs: opt.Epochs, Batch: bi + 1, Batches: batches,
			Loss: c.lossSum / float64(c.seen), TrainAcc: float64(c.correct) / float64(c.seen),
			Elapsed: time.Since(c.t0), TestAcc: -1})
	}
}

// stat is the finished epoch's record (TestAcc −1 until evaluated).
func (c *classEpoch) stat() EpochStat {
	return EpochStat{Epoch: c.ep + 1, Loss: c.lossSum / float64(c.seen), TrainAcc: float64(c.correct) / float64(c.seen),
		TestAcc: -1, Seconds: time.Since(c.t0).Seconds()}
}

// epochDone is the EpochDone progress report for the finished epoch st that
// started at t0.
func epochDone(opt Options, st EpochStat, batches int, t0 time.Time) Progress {
	return Progress{Epoch: st.Epoch, Epochs: opt.Epochs, Batch: batches, Batches: batches,
		Loss: st.Loss, TrainAcc: st.TrainAcc, Elapsed: time.Since(t0), EpochDone: true, TestAcc: st.TestAcc}
}
