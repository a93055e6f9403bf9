package tap

import "sync"

// goneSignal is a port's Gone: a channel, made when first asked for, and
// the functions AfterGone registered, closed and started once. It costs
// a port a few words until then, where a context and a context.AfterFunc
// cost it several allocations and a map.
type goneSignal struct {
	mu    sync.Mutex
	done  bool
	ch    chan struct{} // nil until asked for
	after []func()
}

// wait returns the channel closed by fire.
func (g *goneSignal) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(chan struct{})
		if g.done {
			close(g.ch)
		}
	}
	return g.ch
}

// then calls f in a goroutine of its own once fire is called, or at once
// if it has been.
func (g *goneSignal) then(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		go f()
		return
	}
	g.after = append(g.after, f)
}

// fire closes the channel and starts the functions, the first time.
func (g *goneSignal) fire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return
	}
	g.done = true
	if g.ch != nil {
		close(g.ch)
	}
	for _, f := range g.after {
		go f()
	}
	g.after = nil
}
