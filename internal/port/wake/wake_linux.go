// Package wake lets a port's reader wait for its descriptor without a
// thread of its own, and lets the port wake it: an eventfd and the
// port's descriptor in an epoll instance, which the Go runtime's poller
// watches as it watches a network connection. An idle port costs
// neither a thread nor a wake-up; Close wakes the reader for good (the
// port then refuses to wait), and a port whose reader left frames held
// in the port's own memory, where epoll cannot see them, wakes it once.
//
// The runtime's poller rather than a thread blocked in poll(2): on a
// busy machine, the reader parked in the runtime lost the race for the
// answer to a worker that follows it (docs/ports.md, "Latency: following
// the answer") far more often, and the answer's hop took 14–16 µs
// instead of 23.
package wake

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Waker is an eventfd and an epoll instance for one port. Wait is for
// the port's single reader; Wake may be called from any goroutine.
type Waker struct {
	fd    int      // the eventfd
	file  *os.File // the epoll instance, in the runtime's poller
	raw   syscall.RawConn
	watch int                // the port's descriptor, once Wait added it; -1 before
	evs   [2]unix.EpollEvent // the reader's
}

// New returns a Waker with its eventfd and epoll instance open.
func New() (*Waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if err = epollAdd(ep, fd); err == nil {
		err = unix.SetNonblock(ep, true)
	}
	if err != nil {
		unix.Close(fd)
		unix.Close(ep)
		return nil, err
	}
	w := &Waker{fd: fd, file: os.NewFile(uintptr(ep), "wake"), watch: -1}
	if w.raw, err = w.file.SyscallConn(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// epollAdd has epoll instance ep watch fd for reading, level-triggered.
func epollAdd(ep, fd int) error {
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	return nil
}

// Wait parks the goroutine until fd is readable or Wake has been called
// since the last Wait returned; a Wake it returns for is used up. fd must
// be the same descriptor at every call, open until Close.
func (w *Waker) Wait(fd int) error {
	if w.watch < 0 {
		var aerr error
		if err := w.raw.Control(func(ep uintptr) { aerr = epollAdd(int(ep), fd) }); err != nil || aerr != nil {
			return errors.Join(err, aerr)
		}
		w.watch = fd
	}
	var werr error
	err := w.raw.Read(func(ep uintptr) bool {
		n, err := unix.EpollWait(int(ep), w.evs[:], 0)
		switch {
		case err == unix.EINTR:
			return false
		case err != nil:
			werr = fmt.Errorf("epoll_wait: %w", err)
			return true
		}
		for _, e := range w.evs[:n] {
			if int(e.Fd) == w.fd {
				var v [8]byte
				unix.Read(w.fd, v[:]) // resets the counter
			}
		}
		return n > 0
	})
	return errors.Join(err, werr)
}

// Wake makes the current Wait, or the next one, return.
func (w *Waker) Wake() {
	one := [8]byte{1}
	unix.Write(w.fd, one[:]) // cannot fail: the counter is far from its limit
}

// Close closes the eventfd and the epoll instance; the Waker is not used
// again. A Wait in progress returns.
func (w *Waker) Close() error {
	if w.fd < 0 {
		return nil
	}
	err := errors.Join(unix.Close(w.fd), w.file.Close())
	w.fd = -1
	return err
}
