// Package wake lets a port's Close wake the reader blocked in its Read:
// an eventfd polled beside the port's own descriptor, chosen over a
// receive timeout because it has no delay to tune and no idle wake-ups.
package wake

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Waker is an eventfd for one port. Wait is for the port's single reader;
// Wake may be called from any goroutine.
type Waker struct {
	fd   int
	poll [2]unix.PollFd // the reader's
}

// New returns a Waker with its eventfd open.
func New() (*Waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	return &Waker{fd: fd}, nil
}

// Wait sleeps until fd is readable or Wake has been called, and returns
// poll(2)'s error, if any (EINTR is retried).
func (w *Waker) Wait(fd int) error {
	w.poll[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	w.poll[1] = unix.PollFd{Fd: int32(w.fd), Events: unix.POLLIN}
	for {
		if _, err := unix.Poll(w.poll[:], -1); err != unix.EINTR {
			return err
		}
	}
}

// Wake makes every Wait, current and future, return.
func (w *Waker) Wake() {
	one := [8]byte{1}
	unix.Write(w.fd, one[:]) // cannot fail: the counter is far from its limit
}

// Close closes the eventfd; the Waker is not used again.
func (w *Waker) Close() error {
	if w.fd < 0 {
		return nil
	}
	err := unix.Close(w.fd)
	w.fd = -1
	return err
}
