package daemon

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/port/wake"
)

// ifWatch hears the kernel announce the interfaces of govrfd's network
// namespace as they appear, change and go: a NETLINK_ROUTE socket in
// the RTNLGRP_LINK group, which rtnetlink sends an RTM_NEWLINK or
// RTM_DELLINK for each (rtmsg_ifinfo). Moving an interface to another
// namespace is an RTM_DELLINK here. One goroutine calls next; stop may
// be called from any.
type ifWatch struct {
	fd      int
	wake    *wake.Waker
	stopped atomic.Bool
	buf     []byte
}

// newIfWatch opens the socket, subscribed from now on.
func newIfWatch() (*ifWatch, error) {
	// A link message is a few hundred octets to a few kilobytes; one
	// that does not fit counts as news (see next).
	w := &ifWatch{fd: -1, buf: make([]byte, 8<<10)}
	var err error
	if w.wake, err = wake.New(); err != nil {
		return nil, err
	}
	if w.fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE); err != nil {
		w.close()
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(w.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_LINK}); err != nil {
		w.close()
		return nil, fmt.Errorf("netlink bind RTMGRP_LINK: %w", err)
	}
	return w, nil
}

// next waits for a message about the interface named device, or about
// interface ifindex (0 for none) whatever its name now, and returns
// true; also when a message did not fit the buffer, or the socket
// overflowed (ENOBUFS: messages were lost), since any of them may have
// been about either. It returns false once stop has been called, and
// false with the error if the socket fails.
func (w *ifWatch) next(device string, ifindex int) (bool, error) {
	for !w.stopped.Load() {
		n, _, flags, _, err := unix.Recvmsg(w.fd, w.buf, nil, 0)
		switch err {
		case nil:
			if flags&unix.MSG_TRUNC != 0 || about(w.buf[:n], device, ifindex) {
				return true, nil
			}
		case unix.EAGAIN:
			if err := w.wake.Wait(w.fd); err != nil {
				return false, err
			}
		case unix.EINTR:
		case unix.ENOBUFS:
			return true, nil
		default:
			return false, fmt.Errorf("netlink recvmsg: %w", err)
		}
	}
	return false, nil
}

// about reports whether one of the link messages in b is about the
// interface named device (its IFLA_IFNAME, which RTM_DELLINK carries
// too) or about interface ifindex (the index of its ifinfomsg), which
// a message renaming it names by its new name.
func about(b []byte, device string, ifindex int) bool {
	// x/sys/unix has no netlink parser; the standard library's is
	// frozen, and complete for link messages.
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return false
	}
	for i := range msgs {
		if t := msgs[i].Header.Type; t != unix.RTM_NEWLINK && t != unix.RTM_DELLINK {
			continue
		}
		if d := msgs[i].Data; ifindex != 0 && len(d) >= unix.SizeofIfInfomsg &&
			int(int32(binary.NativeEndian.Uint32(d[4:8]))) == ifindex {
			return true
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&msgs[i])
		if err != nil {
			continue
		}
		for _, a := range attrs {
			if a.Attr.Type == unix.IFLA_IFNAME && strings.TrimRight(string(a.Value), "\x00") == device {
				return true
			}
		}
	}
	return false
}

// stop makes next return false, now or at its next call.
func (w *ifWatch) stop() {
	w.stopped.Store(true)
	w.wake.Wake()
}

// isStopped reports whether stop has been called.
func (w *ifWatch) isStopped() bool { return w.stopped.Load() }

// close closes the socket and the waker, once next has returned for
// good.
func (w *ifWatch) close() {
	if w.fd >= 0 {
		unix.Close(w.fd)
		w.fd = -1
	}
	w.wake.Close()
}
