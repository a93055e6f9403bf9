// Package wake lets a port wake the reader blocked in its Read or Wait:
// an eventfd polled beside the port's own descriptor, chosen over a
// receive timeout because it has no delay to tune and no idle wake-ups.
// Close wakes the reader for good (the port then refuses to wait), and a
// port whose reader left frames held in the port's own memory, where
// poll(2) cannot see them, wakes it once.
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

// Wait sleeps until fd is readable or Wake has been called since the
// last Wait returned, and returns poll(2)'s error, if any (EINTR is
// retried). A Wake it returns for is used up.
func (w *Waker) Wait(fd int) error {
	w.poll[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	w.poll[1] = unix.PollFd{Fd: int32(w.fd), Events: unix.POLLIN}
	for {
		_, err := unix.Poll(w.poll[:], -1)
		if err == unix.EINTR {
			continue
		}
		if w.poll[1].Revents != 0 {
			var v [8]byte
			unix.Read(w.fd, v[:]) // resets the counter; EAGAIN if another read did
		}
		return err
	}
}

// Wake makes the current Wait, or the next one, return.
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
