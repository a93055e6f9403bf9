package sim

import (
	"time"

	"github.com/govrf/govrf/internal/port"
)

// wait returns nil once done reports true, ErrTimeout once the clock has
// reached deadline without it, and port.ErrClosed when the network is
// closed. done runs with h.mu held. While waiting, again (if not nil)
// runs every interval, to retransmit a solicitation.
//
// A Stepped network polls its nodes until done or until they go quiet,
// then moves the clock to whichever comes first: the deadline, the next
// retransmission or a node's wake. A Concurrent network sleeps until the
// host's goroutine reports a change.
func (h *Host) wait(deadline time.Time, done func() bool, interval time.Duration, again func()) error {
	if h.net.mode == Stepped {
		return h.waitStepped(deadline, done, interval, again)
	}
	return h.waitConcurrent(deadline, done, interval, again)
}

func (h *Host) check(done func() bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return done()
}

func (h *Host) waitStepped(deadline time.Time, done func() bool, interval time.Duration, again func()) error {
	n := h.net
	next := n.clock.Now().Add(interval)
	for busy := 0; ; {
		if h.check(done) {
			return nil
		}
		if n.closed() {
			return port.ErrClosed
		}
		if n.poll() > 0 {
			if busy++; busy > maxBusyRounds {
				panic("sim: network never goes quiet")
			}
			continue
		}
		busy = 0
		now := n.clock.Now()
		if !now.Before(deadline) {
			return ErrTimeout
		}
		t := deadline
		if again != nil && next.Before(t) {
			t = next
		}
		if w, ok := n.nextWake(now); ok && w.Before(t) {
			t = w
		}
		n.manual.set(t)
		if again != nil && !t.Before(next) {
			again()
			next = next.Add(interval)
		}
	}
}

func (h *Host) waitConcurrent(deadline time.Time, done func() bool, interval time.Duration, again func()) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var tick <-chan time.Time
	if again != nil {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		h.mu.Lock()
		ok, changed := done(), h.changed
		h.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-tick:
			again()
		case <-timer.C:
			if h.check(done) {
				return nil
			}
			return ErrTimeout
		case <-h.net.done:
			return port.ErrClosed
		}
	}
}
