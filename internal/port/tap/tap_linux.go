package tap

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// Port is a port.Port on a TAP device. It is safe for one reader and one
// writer at a time; Close and Stats may be called from any goroutine.
//
// The device's file is non-blocking and waits in the Go runtime's network
// poller: a reader with nothing to read parks its goroutine, not a thread,
// so an idle port costs a few kilobytes however many there are. Every
// system call on the file runs through its RawConn, which holds the file
// open meanwhile; Close wakes a waiting reader at once and returns when
// the calls in progress have.
type Port struct {
	name     string
	mac      header.MAC
	mtu      int
	batch    int
	maxFrame int

	closed atomic.Bool
	once   sync.Once
	file   *os.File        // the device's file; nil until opened
	raw    syscall.RawConn // file's system calls
	iov    [2][]byte       // the reader's: its buffer, then spare
	spare  [1]byte

	gone goneSignal // fired once Close is called or the device is deleted

	stats port.Meter
}

var (
	_ port.Port     = (*Port)(nil)
	_ port.Waiter   = (*Port)(nil)
	_ port.Counters = (*Port)(nil)
)

// Create creates the TAP device name, or attaches to the persistent one
// of that name, and brings it up. A name with "%d" lets the kernel pick
// the number; Name returns the result. It needs CAP_NET_ADMIN, unless the
// device is persistent and owned by the caller.
func Create(name string, cfg Config) (*Port, error) {
	p := &Port{mac: cfg.MAC, batch: cfg.BatchSize}
	if p.batch <= 0 {
		p.batch = DefaultBatchSize
	}
	if p.mac == (header.MAC{}) {
		rand.Read(p.mac[:])
		p.mac[0] = p.mac[0]&^1 | 2 // unicast, locally administered
	}
	if err := p.create(name, cfg); err != nil {
		if p.file != nil {
			p.file.Close()
		}
		return nil, fmt.Errorf("tap: create %s: %w", name, err)
	}
	p.maxFrame = p.mtu + header.EthernetLen + header.VLANTagLen
	return p, nil
}

func (p *Port) create(name string, cfg Config) error {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return err
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	existed := exists(name)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return fmt.Errorf("TUNSETIFF: %w", err)
	}
	p.name = ifr.Name()
	if !existed {
		withoutIPv6(p.name)
	}
	// Attached to a device, the file polls; the runtime's poller takes it.
	p.file = os.NewFile(uintptr(fd), "/dev/net/tun")
	if p.raw, err = p.file.SyscallConn(); err != nil {
		return err
	}
	if cfg.Persist {
		if err := p.control(func(fd int) error { return unix.IoctlSetInt(fd, unix.TUNSETPERSIST, 1) }); err != nil {
			return fmt.Errorf("TUNSETPERSIST: %w", err)
		}
	}
	return p.up(cfg.MTU)
}

// exists reports whether the namespace has an interface name (a
// persistent TAP Create attaches to), asking for that name alone: a
// dump of every link would cost a namespace of thousands of TAPs the
// square of their number.
func exists(name string) bool {
	if strings.Contains(name, "%") {
		return false
	}
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(name)
	return err == nil && unix.IoctlIfreq(s, unix.SIOCGIFINDEX, ifr) == nil
}

// withoutIPv6 turns the kernel's IPv6 off on a device Create made, before
// it comes up (disable_ipv6=1). Its kernel side is a tenant's attachment,
// not an interface of the namespace govrfd runs in; with IPv6, bringing
// it up would give it a link-local address and routes, and make the
// kernel walk the namespace's whole IPv6 table, for each of thousands of
// TAPs. A device moved into another namespace takes that namespace's
// settings. Failing (IPv6 compiled out, a read-only /proc/sys) changes
// nothing else.
func withoutIPv6(name string) {
	os.WriteFile("/proc/sys/net/ipv6/conf/"+name+"/disable_ipv6", []byte("1"), 0)
}

// up sets the MTU if asked, reads it back, and sets IFF_UP, through the
// SIOC ioctls of an ordinary socket.
func (p *Port) up(mtu int) error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(p.name)
	if err != nil {
		return err
	}
	if mtu > 0 {
		ifr.SetUint32(uint32(mtu))
		if err := unix.IoctlIfreq(s, unix.SIOCSIFMTU, ifr); err != nil {
			return fmt.Errorf("SIOCSIFMTU %d: %w", mtu, err)
		}
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFMTU, ifr); err != nil {
		return fmt.Errorf("SIOCGIFMTU: %w", err)
	}
	p.mtu = int(ifr.Uint32())
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS: %w", err)
	}
	return nil
}

// Name returns the device's name.
func (p *Port) Name() string { return p.name }

// MAC returns the port's own address: Config.MAC, or a random one.
func (p *Port) MAC() header.MAC { return p.mac }

// MTU returns the device's MTU as it was at Create.
func (p *Port) MTU() int { return p.mtu }

// BatchSize returns the configured batch size.
func (p *Port) BatchSize() int { return p.batch }

// Gone returns a channel that is closed once the port carries no more
// frames: Close has been called, or the device has been deleted from
// under the port (`ip link del`), which Read or Write has found. The
// file of a deleted device reads and writes EBADFD (tun_get finds no
// device), and deletion wakes a reader blocked in Read (tun_detach_all).
// The device does not come back: the port must be closed and a new one
// created.
func (p *Port) Gone() <-chan struct{} { return p.gone.wait() }

// AfterGone calls f in a goroutine of its own once Gone's channel is
// closed. Until then it costs no goroutine, which matters with thousands
// of ports.
func (p *Port) AfterGone(f func()) { p.gone.then(f) }

// Closed reports whether Close has been called: Gone's channel is then
// closed because the port was let go, not because its device was deleted.
func (p *Port) Closed() bool { return p.closed.Load() }

// vanish closes Gone's channel if err says the device is gone, and
// returns err.
func (p *Port) vanish(err error) error {
	if err == unix.EBADFD {
		p.gone.fire()
	}
	return err
}

// control runs f on the device's file descriptor, which stays open
// meanwhile.
func (p *Port) control(f func(fd int) error) error {
	var ferr error
	if err := p.raw.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// Close wakes a waiting Read, waits for the calls in progress to return
// and closes the device's file, which removes the device unless it is
// persistent (tun_chr_close). Closing again returns nil.
func (p *Port) Close() error {
	var err error
	p.once.Do(func() {
		p.closed.Store(true)
		err = p.file.Close()
		p.gone.fire()
	})
	return err
}
