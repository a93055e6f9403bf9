package hoststack

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/wake"
)

// Stack is one VRF's host stack. Read and Write are safe for one reader
// and one writer at a time; Sync, Check and Close may be called from any
// goroutine.
type Stack struct {
	vrf, name, path, tun string
	mtu, tunIndex        int
	dev, ino             uint64 // the namespace's, as the bind mount showed them at Create
	made                 bool   // Create made the file, so undoing Create removes it

	// mu is held shared around every use of fd and wake, and exclusively
	// by Close to close them.
	mu     sync.RWMutex
	closed atomic.Bool
	once   sync.Once
	fd     int
	wake   *wake.Waker // wakes Read once Close has begun
	iov    [2][]byte   // the reader's: its buffer, then spare
	spare  [1]byte
	stats  port.Meter

	// syncMu guards nl. Its socket lives in the namespace; once Close has
	// closed it, nl is nil, because the library would otherwise fall back
	// to a socket in the caller's own namespace.
	syncMu  sync.Mutex
	nl      *netlink.Handle
	changes int // netlink requests that changed something, for tests

	diag *diag // HasListener's socket, in the namespace
}

// Create makes the host stack of cfg.VRF: the namespace NamespaceName(VRF)
// bound at NetnsDir, its loopback up, its settings, and the TUN device up
// in it, with no addresses or routes until Sync. A namespace already bound
// there — left by a govrfd that ended without Close, or made with
// `ip netns add` — is adopted: the processes in it keep running and their
// sockets serve again once Sync has restored the addresses. It needs
// CAP_SYS_ADMIN and CAP_NET_ADMIN.
func Create(cfg Config) (*Stack, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("hoststack: create %q: %w", cfg.VRF, err)
	}
	s := &Stack{vrf: cfg.VRF, name: NamespaceName(cfg.VRF), tun: cfg.TunName, fd: -1}
	s.path = filepath.Join(cfg.NetnsDir, s.name)
	if err := s.create(cfg.NetnsDir, cfg.MTU); err != nil {
		s.release()
		if s.made {
			s.unbind()
		}
		return nil, fmt.Errorf("hoststack: create %s: %w", s.name, err)
	}
	return s, nil
}

func (s *Stack) create(dir string, mtu int) error {
	if err := shareDir(dir); err != nil {
		return err
	}
	var err error
	if s.wake, err = wake.New(); err != nil {
		return err
	}
	return inThread(func() error {
		if err := s.enter(); err != nil {
			return err
		}
		if err := setSysctls(); err != nil {
			return err
		}
		// Sockets stay in the namespace they were made in, whichever
		// thread uses them later.
		if s.nl, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
			return fmt.Errorf("netlink: %w", err)
		}
		if s.diag, err = openDiag(); err != nil {
			return err
		}
		return s.openTUN(mtu)
	})
}

// inThread runs f on an OS thread of its own that Go discards when f
// returns (a goroutine that ends locked takes its thread with it), so f
// may move the thread into another namespace. Never the main thread:
// Go cannot discard that one and parks it instead, in f's namespace —
// where /proc/PID/ns/net would then place the whole process. A goroutine
// that finds itself there keeps the main thread to itself while another
// goroutine, which therefore lands elsewhere, runs f.
func inThread(f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			done <- inThread(f)
			runtime.UnlockOSThread()
			return
		}
		done <- f()
	}()
	return <-done
}

// enter moves the calling thread into the namespace at s.path, as
// `ip netns add` makes one: create the file, unshare, bind the thread's
// namespace onto the file. An existing file must hold a namespace,
// which is then entered.
func (s *Stack) enter() error {
	f, err := unix.Open(s.path, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0)
	switch {
	case err == unix.EEXIST:
		if err := setns(s.path); err != nil {
			return fmt.Errorf("adopt %s: %w", s.path, err)
		}
	case err != nil:
		return fmt.Errorf("create %s: %w", s.path, err)
	default:
		unix.Close(f)
		s.made = true
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
		}
		self := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(self, s.path, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("mount --bind %s %s: %w", self, s.path, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(s.path, &st); err != nil {
		return err
	}
	s.dev, s.ino = st.Dev, st.Ino
	return nil
}

// openTUN creates the TUN device in the calling thread's namespace
// (tun_set_iff makes it in the namespace the file was opened in), sets
// its MTU and brings it and lo up.
func (s *Stack) openTUN(mtu int) error {
	var err error
	if s.fd, err = unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
		return err
	}
	ifr, err := unix.NewIfreq(s.tun)
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(s.fd, unix.TUNSETIFF, ifr); err != nil {
		return fmt.Errorf("TUNSETIFF %s: %w", s.tun, err)
	}
	lo, err := s.nl.LinkByName("lo")
	if err == nil {
		err = s.nl.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("link set lo up: %w", err)
	}
	tun, err := s.nl.LinkByName(s.tun)
	if err != nil {
		return fmt.Errorf("link %s: %w", s.tun, err)
	}
	s.tunIndex, s.mtu = tun.Attrs().Index, tun.Attrs().MTU
	if mtu > 0 {
		if err := s.nl.LinkSetMTU(tun, mtu); err != nil {
			return fmt.Errorf("link set %s mtu %d: %w", s.tun, mtu, err)
		}
		s.mtu = mtu
	}
	if err := s.nl.LinkSetUp(tun); err != nil {
		return fmt.Errorf("link set %s up: %w", s.tun, err)
	}
	return nil
}

// VRF returns the VRF's name.
func (s *Stack) VRF() string { return s.vrf }

// Name returns the namespace's name, as `ip netns list` shows it.
func (s *Stack) Name() string { return s.name }

// Path returns the namespace file, for setns(2) and `ip netns`.
func (s *Stack) Path() string { return s.path }

// Device returns the TUN device's name inside the namespace.
func (s *Stack) Device() string { return s.tun }

// MTU returns the TUN device's MTU as it was at Create.
func (s *Stack) MTU() int { return s.mtu }

// Close wakes a blocked Read, closes the TUN device, which deletes it,
// and the netlink sockets, and removes the namespace as `ip netns del`
// does (unmount, unlink) if the file still holds it. Processes still in
// the namespace keep it alive, unnamed and with no way out. Closing again
// returns nil.
func (s *Stack) Close() error {
	var err error
	s.once.Do(func() {
		s.closed.Store(true)
		err = s.release()
		if s.bound() == nil {
			err = errors.Join(err, s.unbind())
		}
		if err != nil {
			err = fmt.Errorf("hoststack: close %s: %w", s.name, err)
		}
	})
	return err
}

// release closes the TUN device, the waker and the netlink sockets.
func (s *Stack) release() error {
	var err error
	if s.wake != nil {
		s.wake.Wake()
	}
	s.mu.Lock()
	if s.fd >= 0 {
		err = unix.Close(s.fd)
		s.fd = -1
	}
	if s.wake != nil {
		err = errors.Join(err, s.wake.Close())
	}
	s.mu.Unlock()
	s.syncMu.Lock()
	if s.nl != nil {
		s.nl.Close()
		s.nl = nil
	}
	s.syncMu.Unlock()
	if s.diag != nil {
		err = errors.Join(err, s.diag.close())
	}
	return err
}

// unbind removes the namespace file as netns_delete does.
func (s *Stack) unbind() error {
	err := unix.Unmount(s.path, unix.MNT_DETACH)
	if err == unix.EINVAL { // not mounted: Create failed before the bind
		err = nil
	}
	if rmErr := unix.Unlink(s.path); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("unlink %s: %w", s.path, rmErr))
	}
	return err
}
