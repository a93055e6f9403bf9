package dataplane

import (
	"context"
	"errors"
	"sync"
	"time"
)

// maxTickInterval is how long the timer goroutine of Run sleeps at most:
// the neighbour caches want a Tick every few tens of milliseconds.
const maxTickInterval = 50 * time.Millisecond

// ErrRunning is returned by Run when the plane already runs.
var ErrRunning = errors.New("dataplane: already running")

// runState is what Run keeps while it runs.
type runState struct {
	ctx     context.Context
	wg      sync.WaitGroup
	mu      sync.Mutex
	reading map[*binding]bool // ports whose reader has not returned
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
	r := &runState{ctx: ctx, reading: map[*binding]bool{}}
	p.run = r
	for _, b := range p.all() {
		if b != nil {
			r.start(p, b)
		}
	}
	p.mu.Unlock()

	p.timers(ctx)

	p.mu.Lock()
	p.run = nil
	p.mu.Unlock()
	r.mu.Lock()
	for b := range r.reading {
		b.port.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return ctx.Err()
}

// start runs b's reader; p.mu is held.
func (r *runState) start(p *Plane, b *binding) {
	r.mu.Lock()
	r.reading[b] = true
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.reading, b)
			r.mu.Unlock()
		}()
		w := newWorker(p)
		w.grow(b.port.BatchSize(), frameLen(b))
		for r.ctx.Err() == nil {
			n, err := b.port.Read(w.bufs, w.sizes, 0)
			if err != nil || b.gone.Load() {
				return
			}
			w.batch(b, n)
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
		d := maxTickInterval
		if next, ok := p.NextWake(); ok {
			d = min(max(next.Sub(now), time.Millisecond), d)
		}
		t.Reset(d)
	}
}
