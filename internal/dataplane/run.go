package dataplane

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// maxTickInterval is how long the timer goroutine of Run sleeps at most:
// the neighbour caches want a Tick every few tens of milliseconds.
const maxTickInterval = 50 * time.Millisecond

// minTickInterval is how long it sleeps at least when no cache has
// results waiting: a tick visits every port, so with thousands of ports,
// each with timers of its own, waking for each timer as it falls due
// would keep a core busy; timers run at most this late instead.
const minTickInterval = 10 * time.Millisecond

// ErrRunning is returned by Run when the plane already runs.
var ErrRunning = errors.New("dataplane: already running")

// runState is what Run keeps while it runs.
type runState struct {
	ctx     context.Context
	wg      sync.WaitGroup
	mu      sync.Mutex
	reading map[io.Closer]bool // ports and stacks whose reader has not returned
}

// Run reads every attached port in a goroutine of its own, and ports
// attached later as they come, each with its own worker; another
// goroutine runs the neighbour timers. When ctx ends, Run closes every
// port still being read, which ends their blocked reads, waits for its
// goroutines and returns ctx's error. Poll must not be used meanwhile.
func (p *Plane) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.run != nil {
		p.mu.Unlock()
		return ErrRunning
	}
	r := &runState{ctx: ctx, reading: map[io.Closer]bool{}}
	p.run = r
	for _, b := range p.all() {
		if b != nil {
			r.start(p, b)
		}
	}
	for _, sb := range p.allStacks() {
		if sb != nil {
			r.startStack(p, sb)
		}
	}
	p.mu.Unlock()

	p.timers(ctx)

	p.mu.Lock()
	p.run = nil
	p.mu.Unlock()
	r.mu.Lock()
	closeAll(r.reading)
	r.mu.Unlock()
	r.wg.Wait()
	return ctx.Err()
}

// closeAll closes every port and stack still being read, closeWorkers at
// a time: closing a TAP device waits for the kernel to let it go, and
// with thousands of ports one at a time would take seconds, while a
// thread blocked in close(2) for each would cost more than it saves.
func closeAll(reading map[io.Closer]bool) {
	work := make(chan io.Closer)
	var wg sync.WaitGroup
	for range min(closeWorkers, len(reading)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				c.Close()
			}
		}()
	}
	for c := range reading {
		work <- c
	}
	close(work)
	wg.Wait()
}

// closeWorkers is how many ports closeAll closes at once.
const closeWorkers = 64

// start runs b's reader; p.mu is held. A port that can wait without
// buffers borrows a pooled worker while it has frames (drain); any other
// has a worker of its own.
func (r *runState) start(p *Plane, b *binding) {
	if wt, ok := b.port.(port.Waiter); ok {
		r.reader(b.port, func() bool { return r.drain(p, b, wt) })
		return
	}
	w := newWorker(p)
	w.follow = true
	r.reader(b.port, func() bool {
		w.grow(b.port.BatchSize(), frameLen(b))
		w.sent = w.sent[:0]
		n, err := b.port.Read(w.bufs, w.sizes, 0)
		if err != nil || b.gone.Load() {
			return false
		}
		w.batch(b, n)
		r.follow(w, b)
		return true
	})
}

// drain waits until port b has frames, then borrows a worker and runs
// batches until none is left: an idle port holds no buffers. After each
// batch the worker reads the ports it sent to for their answers
// (follow). It returns false once the port is closed or detached.
func (r *runState) drain(p *Plane, b *binding, wt port.Waiter) bool {
	if wt.Wait() != nil || b.gone.Load() {
		return false
	}
	w := p.workers.get(p)
	w.follow = true
	defer func() {
		w.follow = false
		p.workers.put(w)
	}()
	for r.ctx.Err() == nil {
		n, err := readBatch(w, b, wt, true)
		if err != nil || b.gone.Load() {
			return false
		}
		if n == 0 {
			return true
		}
		r.follow(w, b)
	}
	return false
}

// startStack runs sb's reader; p.mu is held.
func (r *runState) startStack(p *Plane, sb *stackBinding) {
	w := newWorker(p)
	r.reader(sb.stack, func() bool {
		w.grow(stackBatchSize, header.EthernetLen+MaxStackMTU)
		n, err := sb.stack.Read(w.bufs, w.sizes, header.EthernetLen)
		if err != nil || sb.gone.Load() {
			return false
		}
		w.stackBatch(sb, n)
		return true
	})
}

// reader runs step until it returns false or ctx ends; c is what Run
// closes to wake it.
func (r *runState) reader(c io.Closer, step func() bool) {
	r.mu.Lock()
	r.reading[c] = true
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.reading, c)
			r.mu.Unlock()
		}()
		for r.ctx.Err() == nil && step() {
		}
	}()
}

// timers runs the neighbour caches' timers until ctx ends.
func (p *Plane) timers(ctx context.Context) {
	w := newWorker(p)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := p.clock.Now()
		w.tick(now)
		t.Reset(p.tickIn(now))
	}
}

// tickIn returns how long the timer goroutine sleeps after a tick at
// now: until the earliest timer of any neighbour cache (NextWake), within
// [minTickInterval, maxTickInterval], or a millisecond if a cache has
// results waiting, which NextWake gives as due now (the tick has just
// run every timer that was due).
func (p *Plane) tickIn(now time.Time) time.Duration {
	next, ok := p.NextWake()
	switch d := next.Sub(now); {
	case !ok:
		return maxTickInterval
	case d < time.Millisecond:
		return time.Millisecond
	default:
		return min(max(d, minTickInterval), maxTickInterval)
	}
}
