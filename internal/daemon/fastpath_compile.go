package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/fastpath"
)

// want asks for a full compilation without waiting.
func (f *fastPath) want() {
	f.full.Store(true)
	f.kick1()
}

// kick1 asks the compiler to look at the maps without waiting: it
// compiles if they are suspended or a full compilation is wanted.
func (f *fastPath) kick1() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// stale asks, without waiting, for the maps to be brought up to date
// key by key, or suspended, if what they hold is no longer valid, and
// for the compiler to look at them.
func (f *fastPath) stale() {
	select {
	case f.check <- struct{}{}:
	default:
	}
	f.kick1()
}

// run compiles whenever asked, until ctx ends: per VRF (rebuild) at
// once, then waiting as long as the rebuild took; in full at most as
// often as compileEvery and the time compiling takes allow. A request
// that arrives while compiling or waiting is served after, so the last
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
				if f.suspendIfStale() {
					f.want()
				}
			}
		}
	})
	sleep := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	var next time.Time // the earliest next full compilation
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
		}
		start := time.Now()
		if f.update() {
			if !sleep(time.Since(start)) { // a rebuild's: at most half a processor
				return
			}
			continue
		}
		if !sleep(time.Until(next)) {
			return
		}
		start = time.Now()
		f.compile()
		took := time.Since(start)
		next = time.Now().Add(max(compileEvery-took, took))
	}
}

// syncWait is how long a command waits for the maps: a full
// compilation being applied holds them for up to seconds with a million
// routes, and a command must not (`route add` answers within 20 ms).
const syncWait = 10 * time.Millisecond

// sync brings the maps up to date with a command's change before the
// command is answered, as the kernel's tables are when `ip` returns: the
// change's keys or its VRFs (or, failing those, the whole maps) are
// applied or suspended (suspendIfStale), and the nexthops of the
// neighbours it changed rewritten (writeChanged), instead of when their
// goroutines next run. published tells whether the command published a
// snapshot. While a full compilation is being applied (f.mu held past
// syncWait), the change is left to those goroutines, which apply it
// right after.
func (f *fastPath) sync(published bool) {
	for deadline := time.Now().Add(syncWait); !f.mu.TryLock(); time.Sleep(50 * time.Microsecond) {
		if time.Now().After(deadline) {
			if published {
				f.stale()
			}
			select {
			case f.nkick <- struct{}{}:
			default:
			}
			return
		}
	}
	defer f.mu.Unlock()
	if published && f.staleLocked() {
		f.want()
	}
	f.writeChangedLocked()
}

// update brings the maps up to date key by key or per VRF, or suspends
// them if what they hold is no longer valid, then rebuilds the VRFs
// suspended (rebuild); it reports whether that left them current with
// no full compilation wanted (want).
func (f *fastPath) update() bool {
	f.suspendIfStale()
	f.mu.Lock()
	current := f.applied != nil && f.gen == f.appliedGen
	f.mu.Unlock()
	return !f.full.Swap(false) && current && f.rebuild()
}

// compile compiles the current snapshot with the attached ports'
// neighbours and applies it, with the route changes published since
// caught up (pendingSince). The compilation runs without the lock; if a
// port came or went meanwhile, it runs again. If the snapshot changed in
// another way while it ran, the maps are suspended again and another
// compilation asked for; the neighbours, which may have changed too, are
// written again from their caches once it is applied.
func (f *fastPath) compile() {
	for f.holds.Load() == 0 {
		f.full.Store(false) // what this compilation reads answers a request made before
		f.mu.Lock()
		gen := f.gen
		ports := f.portList()
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
			deltas, last, all := f.pendingSince(snap, c, ports)
			if err = f.path.Apply(c, deltas...); err == nil {
				f.applied, f.compiled, f.appliedGen, f.vrf.owed = last, all, gen, nil
				f.trimSteps(snap)
				f.applyNeighbours(all)
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

// suspendIfStale brings the maps up to date key by key (catchUp) if it
// can, and otherwise empties them if the compilation they hold is no
// longer valid; it reports whether it emptied them.
func (f *fastPath) suspendIfStale() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.staleLocked()
}

// staleLocked is suspendIfStale with f.mu held.
func (f *fastPath) staleLocked() bool {
	held := f.holds.Load() != 0
	if f.applied == nil || f.applied == f.ctl.Snapshot() && !held || !held && f.catchUp() {
		return false
	}
	f.applied, f.compiled, f.vrf.owed = nil, nil, nil
	f.suspensions.Add(1)
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
		f.applied, f.compiled, f.vrf.owed = nil, nil, nil
		f.path.Apply(&fastpath.Compiled{}) // nothing forwarded rather than something stale
	default:
		slog.Info("fast path updated again")
	}
	f.lastErr = msg
}
