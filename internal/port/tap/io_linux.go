package tap

import (
	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// Read reads frames, waiting for one if none is pending; see port.Port.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	for {
		n, err := p.TryRead(bufs, sizes, offset)
		if n > 0 || err != nil || len(bufs) == 0 {
			return n, err
		}
		if err := p.wait(); err != nil {
			return 0, err
		}
	}
}

// wait sleeps until the device is readable or Close has begun.
func (p *Port) wait() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return p.closedError("read")
	}
	return p.opError("read", p.wake.Wait(p.fd))
}

// TryRead reads the frames pending, at most one batch, with one readv(2)
// each, and returns at once; see port.Poller. Each read has a spare octet
// behind the reader's buffer: tun_put_user silently cuts a frame to the
// room it is given, so a frame that reaches the spare octet was too long.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, p.closedError("read")
	}
	n := 0
	for tries := 0; n < len(bufs) && tries < p.batch; tries++ {
		room := bufs[n][offset:]
		p.iov[0], p.iov[1] = room, p.spare[:]
		size, err := unix.Readv(p.fd, p.iov[:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return n, nil
		case err != nil:
			return n, p.opError("read", p.vanish(err))
		case size > len(room): // the frame spilled into spare
			p.stats.RxErrors.Add(1)
			continue
		}
		sizes[n] = size
		p.stats.RxPackets.Add(1)
		p.stats.RxBytes.Add(uint64(size))
		if size >= header.EthernetLen && header.Ethernet(room).Dst().IsMulticast() {
			p.stats.Multicast.Add(1)
		}
		n++
	}
	return n, nil
}

// Write writes the frames with one write(2) each; see port.Port. A frame
// the link cannot carry, or that the kernel has no room for, is a TX
// drop; one the kernel refuses otherwise is a TX error.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, p.closedError("write")
	}
	for _, b := range bufs {
		f := b[offset:]
		if len(f) > p.maxFrame || len(f) < header.EthernetLen {
			p.stats.TxDropped.Add(1)
			continue
		}
		_, err := unix.Write(p.fd, f)
		for err == unix.EINTR {
			_, err = unix.Write(p.fd, f)
		}
		switch err {
		case nil:
			p.stats.TxPackets.Add(1)
			p.stats.TxBytes.Add(uint64(len(f)))
		case unix.EAGAIN, unix.ENOBUFS, unix.ENOMEM:
			p.stats.TxDropped.Add(1)
		default:
			p.vanish(err)
			p.stats.TxErrors.Add(1)
		}
	}
	return len(bufs), nil
}

func (p *Port) opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return &port.OpError{Op: op, Port: p.name, Err: err}
}

func (p *Port) closedError(op string) error {
	return &port.OpError{Op: op, Port: p.name, Err: port.ErrClosed}
}

// Stats returns the port's counters; see port.Counters. The kernel's
// drops before the reader (tun's own queue) show in `ip -s link` on the
// device, not here, so RxDropped stays zero.
func (p *Port) Stats() port.Stats { return p.stats.Load() }
