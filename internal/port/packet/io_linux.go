package packet

import (
	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/port"
)

// Read receives frames, waiting for one if none is pending; see
// port.Port. Tags the kernel moved into auxdata are back in the frames,
// and super-frames come out as the segments they stand for. Read does not
// wait while frames of an earlier batch are still held.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	for {
		n, err := p.TryRead(bufs, sizes, offset)
		if n > 0 || err != nil || len(bufs) == 0 {
			return n, err
		}
		if err := p.Wait(); err != nil {
			return 0, err
		}
	}
}

// Wait returns once a frame may be pending, or with an error once Close
// has begun; see port.Waiter. It parks the goroutine in the runtime's
// poller until the socket or the port's eventfd is readable (package
// wake), holding no buffer. Frames a TryRead left held in the port (the
// segments of a super-frame that found no buffer, and the frames of its
// batch behind it) are pending too: TryRead then wakes the next Wait
// itself, since the socket may have nothing more to say, and the reader
// that left them may not be the one that waits.
func (p *Port) Wait() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return p.closedError("read")
	}
	return p.opError("read", p.wake.Wait(p.fd))
}

func (p *Port) opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return &port.OpError{Op: op, Port: p.name, Err: err}
}

// Stats returns the port's counters; see port.Counters. RxDropped counts
// the frames the kernel dropped because the socket's receive queue was
// full (PACKET_STATISTICS tp_drops), as of the last call to Stats before
// Close.
func (p *Port) Stats() port.Stats {
	c := &p.stats
	p.mu.RLock()
	if !p.closed.Load() {
		// Reading PACKET_STATISTICS resets it, so the drops accumulate.
		if st, err := unix.GetsockoptTpacketStats(p.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
			c.RxDropped.Add(uint64(st.Drops))
		}
	}
	p.mu.RUnlock()
	return c.Load()
}
