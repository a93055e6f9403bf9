package mem

import (
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// Read copies queued frames into bufs, waiting for one if none is queued;
// see port.Port.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	for {
		n, err := p.TryRead(bufs, sizes, offset)
		if n > 0 || err != nil || len(bufs) == 0 {
			return n, err
		}
		select {
		case <-p.ready:
		case <-p.link.done:
		}
	}
}

// TryRead copies queued frames into bufs and returns at once, with 0 and
// a nil error when none is queued; see port.Poller.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	if p.link.closed.Load() {
		return 0, p.closedError("read")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for n < len(bufs) && p.q.n > 0 {
		f, room := p.q.front(), bufs[n][offset:]
		p.q.pop()
		if len(f) > len(room) {
			p.stats.RxErrors.Add(1)
			continue
		}
		sizes[n] = copy(room, f)
		p.stats.RxPackets.Add(1)
		p.stats.RxBytes.Add(uint64(len(f)))
		if len(f) >= header.EthernetLen && header.Ethernet(f).Dst().IsMulticast() {
			p.stats.Multicast.Add(1)
		}
		n++
	}
	return n, nil
}

// Write copies the frames into the peer's queue; see port.Port. A frame
// longer than either end's MTU allows is dropped, and so is every copy
// that finds the peer's queue full; both count as TX drops of this end.
// TxPackets counts the frames that went onto the link, including those
// the Impair hook then lost.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	if p.link.closed.Load() {
		return 0, p.closedError("write")
	}
	peer := p.peer
	limit := min(p.maxFrame, peer.maxFrame)
	queued := false
	peer.mu.Lock()
	for _, b := range bufs {
		f := b[offset:]
		if len(f) > limit {
			p.stats.TxDropped.Add(1)
			continue
		}
		p.stats.TxPackets.Add(1)
		p.stats.TxBytes.Add(uint64(len(f)))
		copies := 1
		if p.impair != nil {
			copies = p.impair(f)
		}
		for range copies {
			if peer.q.push(f) {
				queued = true
			} else {
				p.stats.TxDropped.Add(1)
			}
		}
	}
	peer.mu.Unlock()
	if queued {
		select {
		case peer.ready <- struct{}{}:
		default: // a wakeup is already pending
		}
	}
	return len(bufs), nil
}

// Stats returns the port's counters; see port.Counters. A mem port
// neither drops on arrival nor fails to transmit, so RxDropped and
// TxErrors stay zero.
func (p *Port) Stats() port.Stats { return p.stats.Load() }
