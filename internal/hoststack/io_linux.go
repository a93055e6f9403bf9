package hoststack

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/port"
)

// Read reads one packet the namespace sent out of the TUN device — a bare
// IPv4 or IPv6 packet — into buf, waiting for one if none is pending, and
// returns its length. A packet longer than buf is dropped and counted as
// an RX error. After Close it returns an error wrapping ErrClosed.
func (s *Stack) Read(buf []byte) (int, error) {
	for {
		n, err := s.tryRead(buf)
		if n > 0 || err != nil {
			return n, err
		}
		if err := s.wait(); err != nil {
			return 0, err
		}
	}
}

func (s *Stack) tryRead(buf []byte) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return 0, s.opError("read", ErrClosed)
	}
	n, err := s.readv(buf)
	return n, s.opError("read", err)
}

// ReadBatch is Read for a batch, in the style of port.Port: it waits for
// one packet, then takes the ones pending, up to len(bufs), the packet i
// into bufs[i][offset:] and its length into sizes[i].
func (s *Stack) ReadBatch(bufs [][]byte, sizes []int, offset int) (int, error) {
	for {
		n, err := s.TryReadBatch(bufs, sizes, offset)
		if n > 0 || err != nil || len(bufs) == 0 {
			return n, err
		}
		if err := s.wait(); err != nil {
			return 0, err
		}
	}
}

// TryReadBatch is ReadBatch without the wait: with nothing pending it
// returns 0 and a nil error at once.
func (s *Stack) TryReadBatch(bufs [][]byte, sizes []int, offset int) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return 0, s.opError("read", ErrClosed)
	}
	for n := range bufs {
		size, err := s.readv(bufs[n][offset:])
		if size == 0 || err != nil {
			return n, s.opError("read", err)
		}
		sizes[n] = size
	}
	return len(bufs), nil
}

// readv reads one pending packet into room and returns its length, 0 if
// none is pending. The read has a spare octet behind room: a TUN device
// silently cuts a packet to the room it is given (tun_put_user, then
// tun_chr_read_iter returns the shorter length), so a packet that
// reaches the spare octet was too long, and is skipped.
func (s *Stack) readv(room []byte) (int, error) {
	for {
		s.iov[0], s.iov[1] = room, s.spare[:]
		n, err := unix.Readv(s.fd, s.iov[:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, nil
		case err != nil:
			return 0, err
		case n > len(room):
			s.stats.RxErrors.Add(1)
			continue
		}
		s.stats.RxPackets.Add(1)
		s.stats.RxBytes.Add(uint64(n))
		return n, nil
	}
}

// wait sleeps until the device is readable or Close has begun.
func (s *Stack) wait() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return s.opError("read", ErrClosed)
	}
	return s.opError("read", s.wake.Wait(s.fd))
}

// Write hands pkt, a bare IPv4 or IPv6 packet, to the namespace's kernel
// as received on the TUN device, and returns len(pkt). The kernel takes
// the version from the first nibble and refuses other packets with
// EINVAL (tun_get_user); it drops a malformed IP packet later, silently.
// Write does not keep pkt.
func (s *Stack) Write(pkt []byte) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return 0, s.opError("write", ErrClosed)
	}
	if err := s.write(pkt); err != nil {
		return 0, s.opError("write", err)
	}
	return len(pkt), nil
}

// WriteBatch writes the packets bufs[i][offset:] and returns how many it
// took, in the style of port.Port: a packet the kernel refuses is counted
// (a TX drop for want of memory, a TX error otherwise) and still taken.
func (s *Stack) WriteBatch(bufs [][]byte, offset int) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return 0, s.opError("write", ErrClosed)
	}
	for _, b := range bufs {
		s.write(b[offset:])
	}
	return len(bufs), nil
}

func (s *Stack) write(pkt []byte) error {
	_, err := unix.Write(s.fd, pkt)
	for err == unix.EINTR {
		_, err = unix.Write(s.fd, pkt)
	}
	switch err {
	case nil:
		s.stats.TxPackets.Add(1)
		s.stats.TxBytes.Add(uint64(len(pkt)))
	case unix.EAGAIN, unix.ENOBUFS, unix.ENOMEM:
		s.stats.TxDropped.Add(1)
	default:
		s.stats.TxErrors.Add(1)
	}
	return err
}

func (s *Stack) opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("hoststack: %s %s: %w", op, s.name, err)
}

// Stats returns the counters of the packets govrf read from the TUN
// device (Rx: what the namespace sent) and wrote into it (Tx: what it
// delivered to the namespace), IP headers included; it satisfies
// port.Counters.
func (s *Stack) Stats() port.Stats { return s.stats.Load() }

var _ port.Counters = (*Stack)(nil)
