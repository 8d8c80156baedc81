package sim

// Due is an occurrence computed when its cause happened instead of
// scheduled as an event: the cycle of some clock it falls in and a
// payload whose meaning its producer and consumer agree on. A component
// whose future is fixed at the moment of a cause (the analytic NoC model
// books every port of a packet when it is launched) can hand a batch of
// Dues to a consumer that owns the clock of a closed interval (a barrier
// step), which then processes them in order of Cycle, stably, as the
// engine would have fired them.
type Due struct {
	Cycle uint64
	Tag   int64
}
