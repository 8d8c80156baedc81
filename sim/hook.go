package sim

// HookPos names a place in a component where it reports what happens
// (a spike leaving a core, a flit crossing a link). The emitting package
// declares its positions as package variables and compares them by pointer.
type HookPos struct {
	Name string
}

// HookCtx is what a hook receives.
type HookCtx struct {
	// Domain is the component that invoked the hook.
	Domain any
	// Pos says what happened.
	Pos *HookPos
	// Now is the simulated time.
	Now Time
	// Item is the thing concerned (a packet, a neuron index); Detail adds to it.
	Item, Detail any
}

// Hook receives hook invocations.
type Hook interface {
	Func(ctx HookCtx)
}

// HookFunc adapts a function to a Hook.
type HookFunc func(ctx HookCtx)

// Func calls f(ctx).
func (f HookFunc) Func(ctx HookCtx) { f(ctx) }

// Hookable is embedded by components that emit hooks.
type Hookable struct {
	hooks []Hook
}

// AcceptHook attaches h; it is called for every invocation, in attach order.
func (h *Hookable) AcceptHook(hook Hook) { h.hooks = append(h.hooks, hook) }

// NumHooks returns how many hooks are attached; emitters check it before
// building a HookCtx so that an unobserved component pays nothing.
func (h *Hookable) NumHooks() int { return len(h.hooks) }

// InvokeHook calls every attached hook with ctx.
func (h *Hookable) InvokeHook(ctx HookCtx) {
	for _, hk := range h.hooks {
		hk.Func(ctx)
	}
}
