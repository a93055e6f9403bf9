package tap

import (
	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// Read reads frames, waiting for one if none is pending; see port.Port.
// Reads and writes run through the file's RawConn.Control, which keeps
// the file open during the call without the poller's bookkeeping.
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
// poller and holds no buffer, so a reader of an idle port needs none. It
// may return with nothing to read; TryRead then returns 0.
func (p *Port) Wait() error {
	if p.closed.Load() {
		return p.closedError("read")
	}
	// The runtime forgets earlier readiness as the call begins, so the
	// callback asks poll(2) whether a frame is pending; if not, the
	// runtime parks the goroutine until the file becomes readable.
	p.raw.Read(func(fd uintptr) bool {
		pfd := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd[:], 0)
		return n != 0 || err != nil && err != unix.EINTR
	})
	if p.closed.Load() {
		return p.closedError("read")
	}
	// Otherwise an error is the poller's report of an error on the file
	// (a deleted device): the read that follows finds out which.
	return nil
}

// TryRead reads the frames pending, at most one batch, with one readv(2)
// each, and returns at once; see port.Poller. Each read has a spare octet
// behind the reader's buffer: tun_put_user silently cuts a frame to the
// room it is given, so a frame that reaches the spare octet was too long.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	if p.closed.Load() {
		return 0, p.closedError("read")
	}
	var n int
	var rerr error
	err := p.raw.Control(func(fd uintptr) {
		n, rerr = p.readv(int(fd), bufs, sizes, offset)
	})
	if err != nil {
		return n, p.closedError("read")
	}
	return n, rerr
}

// readv reads up to a batch of frames from fd into bufs.
func (p *Port) readv(fd int, bufs [][]byte, sizes []int, offset int) (int, error) {
	n := 0
	for tries := 0; n < len(bufs) && tries < p.batch; tries++ {
		room := bufs[n][offset:]
		p.iov[0], p.iov[1] = room, p.spare[:]
		size, err := unix.Readv(fd, p.iov[:])
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
	if p.closed.Load() {
		return 0, p.closedError("write")
	}
	err := p.raw.Control(func(fd uintptr) { p.write(int(fd), bufs, offset) })
	if err != nil {
		return 0, p.closedError("write")
	}
	return len(bufs), nil
}

// write writes each frame of bufs to fd and counts it.
func (p *Port) write(fd int, bufs [][]byte, offset int) {
	for _, b := range bufs {
		f := b[offset:]
		if len(f) > p.maxFrame || len(f) < header.EthernetLen {
			p.stats.TxDropped.Add(1)
			continue
		}
		_, err := unix.Write(fd, f)
		for err == unix.EINTR {
			_, err = unix.Write(fd, f)
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
