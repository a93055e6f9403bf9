package sim

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port/mem"
)

// fakeRouter stands in for the router under test: it answers ARP and
// NDP for its addresses and answers every other IP packet, after delay,
// with the ICMP error icmp returns for it, sourced from its address of
// the packet's family.
type fakeRouter struct {
	clock Clock
	ports []*mem.Port
	addrs []netip.Addr
	icmp  func(ip []byte) (typ, code uint8, rest uint32)
	delay time.Duration
	held  []heldFrame
	bufs  [][]byte
	sizes []int
}

type heldFrame struct {
	due   time.Time
	port  *mem.Port
	frame []byte
}

func newFakeRouter(clock Clock, addrs ...string) *fakeRouter {
	r := &fakeRouter{clock: clock, bufs: [][]byte{make([]byte, 2000)}, sizes: []int{0}}
	for _, a := range addrs {
		r.addrs = append(r.addrs, netip.MustParseAddr(a))
	}
	return r
}

func (r *fakeRouter) Poll() int {
	work := 0
	for _, p := range r.ports {
		for {
			n, _ := p.TryRead(r.bufs, r.sizes, 0)
			if n == 0 {
				break
			}
			r.handle(p, r.bufs[0][:r.sizes[0]])
			work++
		}
	}
	now := r.clock.Now()
	for len(r.held) > 0 && !r.held[0].due.After(now) {
		h := r.held[0]
		h.port.Write([][]byte{h.frame}, 0)
		r.held = r.held[1:]
		work++
	}
	return work
}

func (r *fakeRouter) NextWake() (time.Time, bool) {
	if len(r.held) == 0 {
		return time.Time{}, false
	}
	return r.held[0].due, true
}

func (r *fakeRouter) handle(p *mem.Port, f []byte) {
	eth := header.Ethernet(f)
	out := make([]byte, 1600)
	var n int
	var et uint16
	switch eth.PayloadType() {
	case header.EtherTypeARP:
		a := header.ARP(eth.Payload())
		if a.Op() != header.ARPRequest || !slices.Contains(r.addrs, a.TargetIP()) {
			return
		}
		header.ARP(out[header.EthernetLen:]).Encode(header.ARPReply, p.MAC(), a.TargetIP(), a.SenderMAC(), a.SenderIP())
		n, et = header.ARPLen, header.EtherTypeARP
	case header.EtherTypeIPv4:
		ip := header.IPv4(eth.Payload())
		typ, code, rest := r.icmp(ip)
		e := header.ICMPv4Error{Type: typ, Code: code, Rest: rest, Src: r.addr(false), Dst: ip.Src(), TTL: 64}
		n, et = e.Encode(out[header.EthernetLen:], ip), header.EtherTypeIPv4
	case header.EtherTypeIPv6:
		ip := header.IPv6(eth.Payload())
		if ip.NextHeader() == header.ProtoICMPv6 && ip.Payload()[0] == header.ICMPv6NeighborSolicit {
			t := header.NeighborSolicit(ip.Payload()).Target()
			if !slices.Contains(r.addrs, t) {
				return
			}
			n = header.PutNeighborAdvert(out[header.EthernetLen:], t, ip.Src(), t,
				header.NAFlagRouter|header.NAFlagSolicited|header.NAFlagOverride, p.MAC())
			et = header.EtherTypeIPv6
			break
		}
		typ, code, rest := r.icmp(ip)
		e := header.ICMPv6Error{Type: typ, Code: code, Rest: rest, Src: r.addr(true), Dst: ip.Src(), HopLimit: 64}
		n, et = e.Encode(out[header.EthernetLen:], ip), header.EtherTypeIPv6
	}
	header.Ethernet(out).Encode(eth.Src(), p.MAC(), et)
	due := r.clock.Now()
	if et != header.EtherTypeARP && !(et == header.EtherTypeIPv6 && out[header.EthernetLen+header.IPv6Len] == header.ICMPv6NeighborAdvert) {
		due = due.Add(r.delay)
	}
	r.held = append(r.held, heldFrame{due, p, out[:header.EthernetLen+n]})
}

func (r *fakeRouter) addr(v6 bool) netip.Addr {
	for _, a := range r.addrs {
		if a.Is6() == v6 && !a.IsLinkLocalUnicast() {
			return a
		}
	}
	return netip.Addr{}
}

// routed returns a stepped network with host a behind a fake router
// whose addresses are a's gateways.
func routed(t *testing.T) (*Network, *Host, *fakeRouter) {
	t.Helper()
	n := NewNetwork(Stepped)
	t.Cleanup(func() { n.Close() })
	r := newFakeRouter(n.Clock(), "192.168.1.1", "2001:db8:1::1", "fe80::1")
	a, eth1 := n.Attach(HostConfig{
		Name: "a1",
		Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24"),
			netip.MustParsePrefix("2001:db8:1::10/64")},
		Gateway4: netip.MustParseAddr("192.168.1.1"),
		Gateway6: netip.MustParseAddr("fe80::1"),
	}, mem.Config{Name: "eth1"})
	r.ports = append(r.ports, eth1)
	n.Add(r)
	return n, a, r
}

// TestICMPErrors checks that every error the router sends comes back as
// the call's Reply, with its fields and the quoted packet.
func TestICMPErrors(t *testing.T) {
	far4, far6 := netip.MustParseAddr("10.9.9.9"), netip.MustParseAddr("2001:db8:9::9")
	tests := []struct {
		name       string
		call       func(a *Host) (Reply, error)
		typ, code  uint8
		rest       uint32
		want       string
		mtu, point uint32
	}{
		{"ttl exceeded", func(a *Host) (Reply, error) { return a.Probe(far4, 1, header.ProtoUDP) },
			11, 0, 0, "time exceeded from 192.168.1.1", 0, 0},
		{"frag needed", func(a *Host) (Reply, error) { return a.Ping(far4, Opts{Size: 1400, DF: true}) },
			3, 4, 1400, "frag needed mtu 1400 from 192.168.1.1", 1400, 0},
		{"net unreachable", func(a *Host) (Reply, error) { return a.TCPSyn(netip.AddrPortFrom(far4, 80), Opts{}) },
			3, 0, 0, "net unreachable from 192.168.1.1", 0, 0},
		{"host unreachable", func(a *Host) (Reply, error) { return a.Probe(far4, 30, header.ProtoICMP) },
			3, 1, 0, "host unreachable from 192.168.1.1", 0, 0},
		{"admin prohibited", func(a *Host) (Reply, error) { return a.UDP(netip.AddrPortFrom(far4, 53), nil, Opts{}) },
			3, 13, 0, "admin prohibited from 192.168.1.1", 0, 0},
		{"parameter problem", func(a *Host) (Reply, error) { return a.Ping(far4, Opts{}) },
			12, 0, 20 << 24, "parameter problem pointer 20 from 192.168.1.1", 0, 20},
		{"hop limit exceeded", func(a *Host) (Reply, error) { return a.Probe(far6, 1, header.ProtoTCP) },
			3, 0, 0, "hop limit exceeded from 2001:db8:1::1", 0, 0},
		{"packet too big", func(a *Host) (Reply, error) { return a.Ping(far6, Opts{Size: 1400}) },
			2, 0, 1280, "packet too big mtu 1280 from 2001:db8:1::1", 1280, 0},
		{"no route", func(a *Host) (Reply, error) { return a.Probe(far6, 9, header.ProtoUDP) },
			1, 0, 0, "no route from 2001:db8:1::1", 0, 0},
		{"reject route", func(a *Host) (Reply, error) { return a.Ping(far6, Opts{}) },
			1, 6, 0, "reject route from 2001:db8:1::1", 0, 0},
		{"parameter problem v6", func(a *Host) (Reply, error) { return a.Ping(far6, Opts{}) },
			4, 1, 40, "parameter problem code 1 pointer 40 from 2001:db8:1::1", 0, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, a, r := routed(t)
			var sent []byte
			r.icmp = func(ip []byte) (uint8, uint8, uint32) {
				sent = bytes.Clone(ip)
				return tt.typ, tt.code, tt.rest
			}
			got, err := tt.call(a)
			if err != nil {
				t.Fatalf("call = %v, want %q", err, tt.want)
			}
			if got.String() != tt.want || got.MTU != tt.mtu || got.Pointer != tt.point || !got.IsError() {
				t.Errorf("call = %q (MTU %d, pointer %d, error %v), want %q (MTU %d, pointer %d, error)",
					got, got.MTU, got.Pointer, got.IsError(), tt.want, tt.mtu, tt.point)
			}
			if n := min(len(sent), len(got.Quoted)); n == 0 || !bytes.Equal(got.Quoted, sent[:n]) {
				t.Errorf("Quoted = %x, want the packet sent %x", got.Quoted, sent)
			}
		})
	}
}

// TestUnmatchedError checks that an error quoting a packet the host did
// not send is not taken as an answer: the call times out.
func TestUnmatchedError(t *testing.T) {
	_, a, r := routed(t)
	r.icmp = func(ip []byte) (uint8, uint8, uint32) {
		ip[header.IPv4MinLen+1]++ // the quoted UDP source port
		return 3, 0, 0
	}
	if _, err := a.UDP(netip.MustParseAddrPort("10.9.9.9:53"), nil, Opts{Timeout: time.Second}); err == nil {
		t.Errorf("UDP = nil error, want a timeout: the error quoted another port")
	}
	if got := a.Drops()["icmp unexpected"]; got != 1 {
		t.Errorf(`Drops()["icmp unexpected"] = %d, want 1`, got)
	}
}

// TestWake delays the router's answers: the stepped network moves its
// clock to the router's wake, and the RTT shows it.
func TestWake(t *testing.T) {
	n, a, r := routed(t)
	r.delay = 2 * time.Second
	r.icmp = func([]byte) (uint8, uint8, uint32) { return 11, 0, 0 }
	start := n.Clock().Now()
	got, err := a.Probe(netip.MustParseAddr("10.9.9.9"), 1, header.ProtoICMP)
	if err != nil || got.RTT != 2*time.Second {
		t.Fatalf("Probe = %v (RTT %v), %v, want time exceeded after 2s", got, got.RTT, err)
	}
	if got := n.Clock().Now().Sub(start); got != 2*time.Second {
		t.Errorf("clock moved %v, want 2s", got)
	}
	r.delay = 10 * time.Second
	if _, err := a.Probe(netip.MustParseAddr("10.9.9.9"), 1, header.ProtoICMP); err == nil {
		t.Errorf("Probe with the answer after 10s = nil error, want a timeout after %v", DefaultTimeout)
	}
	// The late answer arrives while the network runs; nobody waits for
	// it any more.
	n.Run(10 * time.Second)
	if got := a.Drops()["icmp unexpected"]; got != 1 {
		t.Errorf(`after Run, Drops()["icmp unexpected"] = %d, want 1`, got)
	}
}

// TestLinkLocalGateway resolves an IPv6 gateway given by its link-local
// address.
func TestLinkLocalGateway(t *testing.T) {
	_, a, r := routed(t)
	r.icmp = func([]byte) (uint8, uint8, uint32) { return 1, 0, 0 }
	if _, err := a.Ping(netip.MustParseAddr("2001:db8:9::9"), Opts{}); err != nil {
		t.Fatal(err)
	}
	if got, ok := a.Neighbor(netip.MustParseAddr("fe80::1")); !ok || got != r.ports[0].MAC() {
		t.Errorf("a.Neighbor(fe80::1) = %v, %v, want %v, true", got, ok, r.ports[0].MAC())
	}
}

// TestParkedReplies sends echo requests from beyond the gateway before
// the host has resolved it: the host solicits the gateway once, holds up
// to eight replies and sends them when the gateway answers.
func TestParkedReplies(t *testing.T) {
	n, a, r := routed(t)
	var replies []netip.Addr
	r.icmp = func(ip []byte) (uint8, uint8, uint32) {
		if header.IPv4(ip).Protocol() == header.ProtoICMP && ip[header.IPv4MinLen] == header.ICMPv4EchoReply {
			replies = append(replies, header.IPv4(ip).Dst())
		}
		return 3, 0, 0
	}
	far := netip.MustParseAddr("10.9.9.9")
	var reqs [][]byte
	for i := range maxParked + 1 {
		ip := make([]byte, header.IPv4MinLen)
		msg := header.ICMPv4(echoMessage(header.ICMPv4Echo, 7, uint16(i), nil))
		msg.SetChecksum(msg.CalculateChecksum())
		header.IPv4(ip).Encode(&header.IPv4Fields{TotalLength: uint16(len(ip) + len(msg)), TTL: 60,
			Protocol: header.ProtoICMP, Src: far, Dst: netip.MustParseAddr("192.168.1.10")})
		f := make([]byte, header.EthernetLen, 100)
		header.Ethernet(f).Encode(a.MAC(), r.ports[0].MAC(), header.EtherTypeIPv4)
		reqs = append(reqs, append(append(f, ip...), msg...))
	}
	r.ports[0].Write(reqs, 0)
	n.Settle()
	if len(replies) != maxParked {
		t.Errorf("router got %d echo replies, want %d", len(replies), maxParked)
	}
	if got := a.Drops()["unresolved"]; got != 1 {
		t.Errorf(`a.Drops()["unresolved"] = %d, want 1`, got)
	}
	if got := len(framesOfType(a.Captured(), header.EtherTypeARP)); got != 1 {
		t.Errorf("a received %d ARP frames, want 1 reply to its one request", got)
	}
}
