package packet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/wake"
)

// Port is a port.Port on an AF_PACKET socket. It is safe for one reader
// and one writer at a time; Close and Stats may be called from any
// goroutine.
//
// Close wakes a blocked Read or Wait through an eventfd that an epoll
// instance watches beside the socket, in the Go runtime's poller, rather
// than a receive timeout: the reader is parked until a frame or Close
// arrives, with neither a wakeup latency to choose nor idle wakeups to
// pay for, and holds no thread meanwhile (package wake).
//
// A port keeps a spill slot of about 66 KiB per frame of its batch for
// super-frames (see the package documentation): 4.1 MiB at the default
// batch of 64, allocated at Open.
type Port struct {
	name     string
	mac      header.MAC
	mtu      int
	batch    int
	maxFrame int // longest frame the kernel sends (packet_snd)

	// mu is held shared around every use of fd and wake and exclusively
	// by Close to close them, so no call ever reaches a reused
	// descriptor.
	mu      sync.RWMutex
	closed  atomic.Bool
	once    sync.Once
	fd      int
	wake    *wake.Waker // wakes Read once Close has begun
	restore func() error

	rx    rxState // the reader's
	tx    txState // the writer's
	stats port.Meter
}

var (
	_ port.Port     = (*Port)(nil)
	_ port.Waiter   = (*Port)(nil)
	_ port.Counters = (*Port)(nil)
)

// Open attaches a port to the interface ifname; see the package
// documentation for what it sets up. It needs CAP_NET_RAW, and
// CAP_NET_ADMIN for promiscuous mode and Config.Quiesce.
func Open(ifname string, cfg Config) (*Port, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("packet: open %s: %w", ifname, err)
	}
	if !cfg.Force {
		if err := refuseAddressed(ifi); err != nil {
			return nil, err
		}
	}
	p := &Port{
		name:     ifname,
		mtu:      ifi.MTU,
		batch:    cfg.BatchSize,
		maxFrame: ifi.MTU + header.EthernetLen + header.VLANTagLen,
		fd:       -1,
	}
	if p.batch <= 0 {
		p.batch = DefaultBatchSize
	}
	p.mac = cfg.MAC
	if p.mac == (header.MAC{}) && len(ifi.HardwareAddr) == len(p.mac) {
		p.mac = header.MAC(ifi.HardwareAddr)
	}
	if err := p.open(ifi.Index, cfg.Mark); err != nil {
		p.closeFDs()
		return nil, fmt.Errorf("packet: open %s: %w", ifname, err)
	}
	if cfg.Quiesce {
		if p.restore, err = quiesce(ifname, ifi.Index, cfg.Journal); err != nil {
			p.closeFDs()
			return nil, err
		}
	}
	p.rx.init(p.batch, p.maxFrame)
	p.tx.init(p.batch, !cfg.NoCoalesce)
	return p, nil
}

// open creates the socket and the eventfd. The socket starts with
// protocol 0, which receives nothing, and takes ETH_P_ALL only at bind,
// so that no frame from another interface slips in before the bind.
func (p *Port) open(ifindex int, mark uint32) error {
	var err error
	if p.wake, err = wake.New(); err != nil {
		return err
	}
	if p.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0); err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	for _, o := range []struct {
		name string
		opt  int
	}{
		{"PACKET_AUXDATA", unix.PACKET_AUXDATA},
		{"PACKET_VNET_HDR", unix.PACKET_VNET_HDR},
		{"PACKET_QDISC_BYPASS", unix.PACKET_QDISC_BYPASS},
		{"PACKET_IGNORE_OUTGOING", unix.PACKET_IGNORE_OUTGOING},
	} {
		err := unix.SetsockoptInt(p.fd, unix.SOL_PACKET, o.opt, 1)
		// Kernels before 4.20 lack PACKET_IGNORE_OUTGOING; the
		// pkttype check in TryRead covers for it.
		if err != nil && !(o.opt == unix.PACKET_IGNORE_OUTGOING && errors.Is(err, unix.ENOPROTOOPT)) {
			return fmt.Errorf("setsockopt %s: %w", o.name, err)
		}
	}
	// A TSO sender sends a window's worth of 64 KiB super-frames at
	// once, and the default receive queue (rmem_default, 208 KiB)
	// holds three: the rest would be dropped whole, and TCP would
	// retransmit. SO_RCVBUFFORCE passes rmem_max, with CAP_NET_ADMIN;
	// without it SO_RCVBUF gets what rmem_max allows.
	if err := unix.SetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf); err != nil {
		if err := unix.SetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf); err != nil {
			return fmt.Errorf("setsockopt SO_RCVBUF: %w", err)
		}
	}
	if mark != 0 {
		if err := filterMark(p.fd, mark); err != nil {
			return err
		}
	}
	mreq := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
	if err := unix.SetsockoptPacketMreq(p.fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
		return fmt.Errorf("setsockopt PACKET_ADD_MEMBERSHIP: %w", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(p.fd, sa); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	// Binding to a link that is down leaves ENETDOWN pending on the
	// socket (packet_do_bind); reading SO_ERROR clears it.
	_, err = unix.GetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	return err
}

// rcvBuf is the receive queue the port asks for; the kernel doubles it
// for its bookkeeping (sock_setsockopt), so it holds about 30
// super-frames, a few milliseconds of a fast TCP stream.
const rcvBuf = 1 << 20

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// refuseAddressed returns an *AddressedError when the interface
// carries IPv4 addresses.
func refuseAddressed(ifi *net.Interface) error {
	addrs, err := ifi.Addrs()
	if err != nil {
		return fmt.Errorf("packet: %s: %w", ifi.Name, err)
	}
	var v4 []netip.Prefix
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			ip, _ := netip.AddrFromSlice(n.IP.To4())
			ones, _ := n.Mask.Size()
			v4 = append(v4, netip.PrefixFrom(ip, ones))
		}
	}
	if len(v4) > 0 {
		return &AddressedError{Ifname: ifi.Name, Addrs: v4}
	}
	return nil
}

// Name returns the interface name.
func (p *Port) Name() string { return p.name }

// MAC returns the port's own address: Config.MAC, or the interface's.
func (p *Port) MAC() header.MAC { return p.mac }

// MTU returns the interface's MTU as it was at Open.
func (p *Port) MTU() int { return p.mtu }

// BatchSize returns the configured batch size.
func (p *Port) BatchSize() int { return p.batch }

// Close wakes a blocked Read, waits for the calls in progress to return,
// closes the socket — which leaves promiscuous mode — and restores what
// Config.Quiesce changed. Closing again returns nil.
func (p *Port) Close() error {
	var err error
	p.once.Do(func() {
		p.closed.Store(true)
		p.wake.Wake()
		p.mu.Lock()
		err = p.closeFDs()
		if p.restore != nil {
			err = errors.Join(err, p.restore())
		}
		p.mu.Unlock()
	})
	return err
}

func (p *Port) closeFDs() error {
	var err error
	if p.fd >= 0 {
		err = unix.Close(p.fd)
		p.fd = -1
	}
	if p.wake != nil {
		err = errors.Join(err, p.wake.Close())
	}
	return err
}

func (p *Port) closedError(op string) error {
	return &port.OpError{Op: op, Port: p.name, Err: port.ErrClosed}
}
