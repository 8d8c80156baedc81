package core

import "github.com/neurosim/neurosim/sim"

// HookPosUpdate: a core updates its neurons for a step or a layer's phase
// (Item *UpdateInfo; emitted by chip.Machine, whose cores update each
// layer when its phase starts).
var HookPosUpdate = &sim.HookPos{Name: "core.Update"}

// UpdateInfo describes one neuron update of a core.
type UpdateInfo struct {
	Core    int32
	Layer   int32 // population index
	Step    int64
	Updates int // neuron updates (neurons × sub-steps)
	Start   sim.Time
	End     sim.Time
}
