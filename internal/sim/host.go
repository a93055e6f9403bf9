package sim

import (
	"bytes"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// DefaultTimeout is how long a client call waits for its answer unless
// told otherwise: traceroute's default wait.
const DefaultTimeout = 5 * time.Second

// HostConfig describes a simulated host.
type HostConfig struct {
	Name string
	// MAC is the Ethernet address of the port a topology helper
	// (Attach, Link) creates; the zero MAC lets the network assign one
	// (02:00:00:00:xx:xx, in creation order). A host given its port
	// takes the port's address.
	MAC header.MAC
	// Addrs are the host's IPv4 and IPv6 addresses with their prefix
	// lengths, which make their prefixes on-link. An IPv6 link-local
	// address derived from the MAC (RFC 4291 Appendix A) is added unless
	// one is listed.
	Addrs []netip.Prefix
	// Gateway4 and Gateway6 are the default gateways; IPv6's may be
	// link-local, as routers advertise it.
	Gateway4, Gateway6 netip.Addr
	// MTU is the MTU of the port a topology helper creates; 0 means
	// 1500. A host given its port takes the port's MTU.
	MTU int
	// UDPPorts are the UDP ports the host serves: it echoes what they
	// receive. Other ports answer with port unreachable.
	UDPPorts []uint16
	// TCPPorts are the TCP ports the host listens on: it answers a SYN
	// with a SYN-ACK. Other ports answer with a reset.
	TCPPorts []uint16
	// Timeout is the default timeout of the host's client calls; 0
	// means DefaultTimeout.
	Timeout time.Duration
}

// Frame is a frame a host received, as it arrived.
type Frame struct {
	At   time.Time // on the network's clock
	Data []byte
}

// Host is a simulated host on one port: an Ethernet MAC, IPv4 and IPv6
// addresses, a default gateway per family, its own ARP and NDP, answers to
// echo requests, UDP and TCP services, and client calls that send probes
// and report what came back. It records every frame it receives.
type Host struct {
	net      *Network
	name     string
	mac      header.MAC
	addrs    []netip.Prefix // link-local included
	ll       netip.Addr
	gw4, gw6 netip.Addr
	udp, tcp []uint16
	timeout  time.Duration
	ident    uint16 // echo identifier, like ping's process ID

	port   port.Port
	poller port.Poller // the port, read without blocking when Stepped
	mtu    int

	// Read buffers, owned by whoever reads: the host's goroutine, or
	// the goroutine stepping the network.
	rbufs [][]byte
	sizes []int

	mu      sync.Mutex
	neigh   map[netip.Addr]header.MAC
	parked  map[netip.Addr][]parked // replies waiting for resolution
	probes  []*probe                // client calls waiting for answers
	capture []Frame
	drops   map[string]int
	changed chan struct{} // closed when state changes; Concurrent only
	tx      []byte        // frame being written
	txs     [1][]byte
	seq     uint16 // echo sequence
	sport   uint16 // next ephemeral port
	trace   uint16 // next traceroute port offset
	ipID    uint16
	isn     uint32 // next initial sequence number
}

// parked is a reply held until its next hop is resolved.
type parked struct {
	etherType uint16
	pkt       []byte
}

// maxParked bounds the replies held per unresolved next hop, like the
// kernel's unres_qlen.
const maxParked = 8

// Host adds a host on p, which it owns from now on. In a Stepped network
// p must be a port.Poller. It panics on a configuration no host could
// have.
func (n *Network) Host(cfg HostConfig, p port.Port) *Host {
	h := &Host{
		net:     n,
		name:    cfg.Name,
		mac:     p.MAC(),
		gw4:     cfg.Gateway4,
		gw6:     cfg.Gateway6,
		udp:     slices.Clone(cfg.UDPPorts),
		tcp:     slices.Clone(cfg.TCPPorts),
		timeout: cfg.Timeout,
		port:    p,
		mtu:     p.MTU(),
		neigh:   make(map[netip.Addr]header.MAC),
		parked:  make(map[netip.Addr][]parked),
		drops:   make(map[string]int),
		changed: make(chan struct{}),
		sport:   32768, // the bottom of Linux's ip_local_port_range
		isn:     1_000_000,
	}
	if h.timeout <= 0 {
		h.timeout = DefaultTimeout
	}
	h.setAddrs(cfg)
	if n.mode == Stepped {
		pl, ok := p.(port.Poller)
		if !ok {
			panic(fmt.Sprintf("sim: host %s: port %s cannot be polled", h.name, p.Name()))
		}
		h.poller = pl
	}
	h.rbufs = make([][]byte, p.BatchSize())
	for i := range h.rbufs {
		h.rbufs[i] = make([]byte, h.mtu+header.EthernetLen+header.MaxVLANTags*header.VLANTagLen)
	}
	h.sizes = make([]int, len(h.rbufs))
	h.tx = make([]byte, h.mtu+header.EthernetLen)

	n.mu.Lock()
	h.ident = 0x1000 + uint16(len(n.hosts))
	n.hosts = append(n.hosts, h)
	if n.mode == Stepped {
		n.nodes = append(n.nodes, h)
	}
	n.mu.Unlock()
	if n.mode == Concurrent {
		n.wg.Add(1)
		go h.run()
	}
	return h
}

// setAddrs checks and stores the configured addresses, adding the
// link-local one.
func (h *Host) setAddrs(cfg HostConfig) {
	for _, p := range cfg.Addrs {
		if !p.IsValid() {
			panic(fmt.Sprintf("sim: host %s: invalid address %v", h.name, p))
		}
		if p.Addr().Is6() && p.Addr().IsLinkLocalUnicast() && !h.ll.IsValid() {
			h.ll = p.Addr()
		}
	}
	if g := cfg.Gateway4; g.IsValid() && !g.Is4() {
		panic(fmt.Sprintf("sim: host %s: IPv4 gateway %v", h.name, g))
	}
	if g := cfg.Gateway6; g.IsValid() && !g.Is6() {
		panic(fmt.Sprintf("sim: host %s: IPv6 gateway %v", h.name, g))
	}
	h.addrs = slices.Clone(cfg.Addrs)
	if !h.ll.IsValid() {
		h.ll = linkLocal(h.mac)
		h.addrs = append(h.addrs, netip.PrefixFrom(h.ll, 64))
	}
}

// linkLocal returns the link-local address whose interface identifier is
// the modified EUI-64 of m (RFC 4291 Appendix A).
func linkLocal(m header.MAC) netip.Addr {
	return netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80,
		8: m[0] ^ 0x02, 9: m[1], 10: m[2], 11: 0xff, 12: 0xfe, 13: m[3], 14: m[4], 15: m[5]})
}

// Name returns the host's name.
func (h *Host) Name() string { return h.name }

// MAC returns the host's Ethernet address.
func (h *Host) MAC() header.MAC { return h.mac }

// Addrs returns the host's addresses, link-local included.
func (h *Host) Addrs() []netip.Prefix { return slices.Clone(h.addrs) }

// LinkLocal returns the host's IPv6 link-local address.
func (h *Host) LinkLocal() netip.Addr { return h.ll }

// Port returns the host's port.
func (h *Host) Port() port.Port { return h.port }

// Neighbor returns the Ethernet address the host has learned for ip by
// ARP or NDP.
func (h *Host) Neighbor(ip netip.Addr) (header.MAC, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.neigh[ip]
	return m, ok
}

// Captured returns every frame the host has received since it started or
// since ResetCapture, oldest first. The frames are the host's; do not
// modify them.
func (h *Host) Captured() []Frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.capture)
}

// ResetCapture forgets the frames received so far.
func (h *Host) ResetCapture() {
	h.mu.Lock()
	h.capture = nil
	h.mu.Unlock()
}

// Drops returns how many received frames the host dropped, by reason
// ("ipv4 bad_checksum", "udp bad_checksum", "other host", ...). Frames
// for another host's MAC are counted as "other host".
func (h *Host) Drops() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.drops)
}

// Poll handles the frames waiting on the host's port and returns how many
// there were. It is how a Stepped network drives the host; on a
// Concurrent network the host's goroutine reads instead and Poll must not
// be called.
func (h *Host) Poll() int {
	n, err := h.poller.TryRead(h.rbufs, h.sizes, 0)
	if err != nil || n == 0 {
		return 0
	}
	h.handle(n)
	return n
}

// run is the host's goroutine on a Concurrent network.
func (h *Host) run() {
	defer h.net.wg.Done()
	for {
		n, err := h.port.Read(h.rbufs, h.sizes, 0)
		if err != nil {
			return
		}
		h.handle(n)
	}
}

// handle processes the first n read buffers and wakes waiting calls.
func (h *Host) handle(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range n {
		h.receive(h.rbufs[i][:h.sizes[i]])
	}
	if h.net.mode == Concurrent {
		close(h.changed)
		h.changed = make(chan struct{})
	}
}

// drop counts a dropped frame.
func (h *Host) drop(reason string) { h.drops[reason]++ }

// record keeps a copy of a received frame.
func (h *Host) record(f []byte) {
	h.capture = append(h.capture, Frame{At: h.net.clock.Now(), Data: bytes.Clone(f)})
}

// hasAddr reports whether a is one of the host's addresses.
func (h *Host) hasAddr(a netip.Addr) bool {
	for _, p := range h.addrs {
		if p.Addr() == a {
			return true
		}
	}
	return false
}
