package hoststack

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Check reports whether the namespace file still holds the stack's
// namespace and the namespace its TUN device. After `ip netns del`, an
// unmount or a replacement, it returns an error wrapping ErrGone: the
// stack still works, in a namespace no program can enter any more. After
// `ip link del` of the device, likewise, and Read returns an error
// (EBADFD). Either way the caller closes the stack and creates it again.
// After Close it returns an error wrapping ErrClosed.
func (s *Stack) Check() error {
	if s.closed.Load() {
		return fmt.Errorf("hoststack: check %s: %w", s.name, ErrClosed)
	}
	err := s.bound()
	if err == nil {
		err = s.device()
	}
	if err != nil {
		return fmt.Errorf("hoststack: check %s: %w", s.name, err)
	}
	return nil
}

// device looks the TUN device up in the namespace.
func (s *Stack) device() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.nl == nil {
		return ErrClosed
	}
	_, err := s.nl.LinkByIndex(s.tunIndex)
	if errors.As(err, &netlink.LinkNotFoundError{}) {
		return fmt.Errorf("device %s: %w", s.tun, ErrGone)
	}
	return err
}

// bound compares the namespace file's device and inode with those
// recorded at Create: a bind mount of a namespace shows the namespace's
// own (nsfs), the bare file under it something else.
func (s *Stack) bound() error {
	var st unix.Stat_t
	err := unix.Stat(s.path, &st)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", s.path, ErrGone)
	case err != nil:
		return err
	case st.Dev != s.dev || st.Ino != s.ino:
		return fmt.Errorf("%s: %w", s.path, ErrGone)
	}
	return nil
}
