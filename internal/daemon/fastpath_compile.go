package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/fastpath"
)

// want asks for a compilation without waiting.
func (f *fastPath) want() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// stale asks, without waiting, for the maps to be suspended if what
// they hold is no longer valid, and for a compilation.
func (f *fastPath) stale() {
	select {
	case f.check <- struct{}{}:
	default:
	}
	f.want()
}

// run compiles whenever asked, at most as often as compileEvery and
// the time compiling takes allow, until ctx ends. A request that
// arrives while compiling or waiting is served after, so the last
// change is always compiled. Meanwhile another goroutine suspends the
// maps as soon as they are stale, whatever the compiler is doing, and a
// third rewrites the nexthops of neighbours that change and reports
// their uses (runNeighbours).
func (f *fastPath) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { f.runNeighbours(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-f.check:
				f.suspendIfStale()
			}
		}
	})
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
		}
		start := time.Now()
		f.compile()
		took := time.Since(start)
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(compileEvery-took, took)):
		}
	}
}

// compile suspends the maps if what they hold is no longer valid, then
// compiles the current snapshot with the attached ports' neighbours and
// applies it. The compilation runs without the lock; if a port came or
// went meanwhile, it runs again. If the snapshot changed while it ran,
// the maps are suspended again and another compilation asked for; the
// neighbours, which may have changed too, are written again from their
// caches once it is applied.
func (f *fastPath) compile() {
	f.suspendIfStale()
	for f.holds.Load() == 0 {
		f.mu.Lock()
		gen := f.gen
		ports := make([]fastpath.Port, 0, len(f.ports))
		for _, p := range f.ports {
			ports = append(ports, p.Port)
		}
		f.mu.Unlock()
		mono := fastpath.Monotonic()
		snap := f.ctl.Snapshot()
		c, err := fastpath.Compile(snap, ports, mono)
		f.mu.Lock()
		if f.gen != gen {
			f.mu.Unlock()
			continue
		}
		if err == nil {
			f.ctr.Lock()
			f.fold()
			f.ctr.Unlock()
			if err = f.path.Apply(c); err == nil {
				f.applied = snap
				f.applyNeighbours(c)
			}
			f.ctr.Lock()
			f.fold() // what the old generation counted, under the old VRFs
			for index, p := range f.ports {
				if l := snap.Link(index); l != nil {
					p.vrf = l.Master
				}
			}
			f.ctr.Unlock()
		}
		f.tell(err)
		f.mu.Unlock()
		if f.suspendIfStale() {
			f.want()
		}
		return
	}
}

// suspendIfStale empties the maps if the compilation they hold is no
// longer valid, and reports whether it did.
func (f *fastPath) suspendIfStale() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.applied == nil || f.applied == f.ctl.Snapshot() && f.holds.Load() == 0 {
		return false
	}
	f.applied = nil
	f.neighs.Store(nil)
	f.tell(f.path.Apply(&fastpath.Compiled{}))
	return true
}

// hold suspends the maps until release is called, for a capture, which
// must see every packet. Nil f holds nothing.
func (f *fastPath) hold() (release func()) {
	if f == nil {
		return func() {}
	}
	f.holds.Add(1)
	f.suspendIfStale()
	return func() {
		f.holds.Add(-1)
		f.want()
	}
}

// tell logs a compilation's error once, and its end. f.mu is held.
func (f *fastPath) tell(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case msg == f.lastErr:
	case err != nil:
		slog.Warn("fast path not updated; its ports' packets go to the Go data path until it is", "err", err)
		f.neighs.Store(nil)
		f.path.Apply(&fastpath.Compiled{}) // nothing forwarded rather than something stale
	default:
		slog.Info("fast path updated again")
	}
	f.lastErr = msg
}
