package dataplane

import (
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Poll processes one batch from every attached port and host stack that
// can be polled and runs the neighbour timers that are due, without
// blocking, and returns the number of frames and timer actions it
// handled; 0 means the plane is idle. It implements sim.Node. Poll must not run concurrently
// with itself or with Run.
func (p *Plane) Poll() int {
	if p.poller == nil {
		p.poller = newWorker(p)
	}
	w := p.poller
	ports := p.all()
	for _, b := range ports {
		if b != nil {
			w.grow(b.port.BatchSize(), frameLen(b))
		}
	}
	work := 0
	for _, b := range ports {
		if b == nil || b.poller == nil {
			continue
		}
		n, err := b.poller.TryRead(w.bufs, w.sizes, 0)
		if err != nil || n == 0 {
			continue
		}
		w.batch(b, n)
		work += n
	}
	for _, sb := range p.allStacks() {
		if sb == nil || sb.poller == nil {
			continue
		}
		w.grow(stackBatchSize, header.EthernetLen+MaxStackMTU)
		n, err := sb.poller.TryRead(w.bufs, w.sizes, header.EthernetLen)
		if err != nil || n == 0 {
			continue
		}
		w.stackBatch(sb, n)
		work += n
	}
	return work + w.tick(p.clock.Now())
}

// NextWake returns when a neighbour cache or a reassembly queue next has
// timed work, for a stepped network to move its clock to. It implements sim.Waker.
func (p *Plane) NextWake() (time.Time, bool) {
	var next time.Time
	found := false
	for _, b := range p.all() {
		if b == nil {
			continue
		}
		t := b.neigh.Next()
		if t.IsZero() {
			t = p.clock.Now()
		}
		if !found || t.Before(next) {
			next, found = t, true
		}
	}
	if t, ok := p.reasm.next(); ok && (!found || t.Before(next)) {
		next, found = t, true
	}
	return next, found
}

// tick runs the timers of every neighbour cache due at now and carries
// out their actions: solicitations, queued frames now resolved, and
// answers for those whose resolution failed.
func (w *worker) tick(now time.Time) int {
	work := 0
	w.snap = w.p.ctl.Snapshot()
	w.syncLinks()
	w.p.expireAccepted(now)
	w.reasmExpire(now)
	for _, b := range w.p.all() {
		if b == nil {
			continue
		}
		if w.nscr >= tickFlush {
			w.flush()
		}
		w.announce(b)
		if next := b.neigh.Next(); next.After(now) {
			continue
		}
		w.acts = b.neigh.Tick(w.acts[:0], now)
		work += len(w.acts)
		w.neighActions(b, w.acts)
	}
	w.flush()
	w.forget()
	return work
}

// tickFlush is how many scratch buffers a tick fills before it writes
// what it has queued: thousands of ports announcing themselves at once
// would otherwise leave the timer's worker holding a buffer for each.
const tickFlush = 64

// frameLen is the longest frame port b may deliver: its MTU with the
// Ethernet header and two VLAN tags.
func frameLen(b *binding) int {
	if b.vx != nil {
		return minBufLen // never read
	}
	return b.port.MTU() + header.EthernetLen + header.MaxVLANTags*header.VLANTagLen
}
