package dataplane

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// listenStack is a host stack in memory whose listeners the test sets.
type listenStack struct {
	*memStack
	mu    sync.Mutex
	open  map[listenKey]bool // by protocol and port; addr is left zero: a wildcard
	asked int
}

var _ ListenerChecker = (*listenStack)(nil)

func (s *listenStack) HasListener(proto uint8, addr netip.Addr, port uint16) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked++
	return s.open[listenKey{proto: proto, port: port}], nil
}

// listen opens a wildcard listener of proto on port.
func (s *listenStack) listen(proto uint8, port uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open[listenKey{proto: proto, port: port}] = true
}

// acceptLab is the seed lab with listening host stacks for the default
// VRF ("") and VRFs a and b, and l3mdev accept set as asked.
type acceptLab struct {
	*seedLab
	st map[string]*listenStack
}

func newAcceptLab(t *testing.T, tcp, udp bool, extra ...string) *acceptLab {
	s := newSeed(t, Config{}, extra...)
	for name, on := range map[string]bool{"tcp": tcp, "udp": udp} {
		if on {
			s.run("sysctl -w net.ipv4." + name + "_l3mdev_accept=1")
		}
	}
	l := &acceptLab{seedLab: s, st: map[string]*listenStack{}}
	for _, v := range []string{"", "a", "b"} {
		idx := 0
		if v != "" {
			idx = s.index(v)
		}
		ls := &listenStack{memStack: &memStack{}, open: map[listenKey]bool{}}
		if err := s.dp.AttachStack(idx, ls); err != nil {
			t.Fatal(err)
		}
		l.st[v] = ls
	}
	return l
}

// flows returns the default stack's table of accepted flows.
func (l *acceptLab) flows() *flowTable { return l.dp.stack(0).accept.flows }

// segment returns a TCP segment from src to dst with its checksum.
func segment(src, dst netip.AddrPort, seq uint32, flags header.TCPFlags) []byte {
	b := make([]byte, header.TCPMinLen)
	t := header.TCP(b)
	binary.BigEndian.PutUint16(b[0:], src.Port())
	binary.BigEndian.PutUint16(b[2:], dst.Port())
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12], b[13] = header.TCPMinLen/4<<4, byte(flags)
	binary.BigEndian.PutUint16(b[14:], 64240)
	t.SetChecksum(t.CalculateChecksum(src.Addr(), dst.Addr()))
	return b
}

// ipPacket puts l4 of proto behind an IP header from src to dst.
func ipPacket(src, dst netip.Addr, proto uint8, l4 []byte) []byte {
	if src.Is4() {
		return packet4(header.IPv4Fields{Protocol: proto, Src: src, Dst: dst}, l4)
	}
	return packet6(header.IPv6Fields{NextHeader: proto, Src: src, Dst: dst}, l4)
}

// tcpPacket and udpPacket return whole IP packets.
func tcpPacket(src, dst netip.AddrPort, seq uint32, flags header.TCPFlags) []byte {
	return ipPacket(src.Addr(), dst.Addr(), header.ProtoTCP, segment(src, dst, seq, flags))
}

func udpPacket(src, dst netip.AddrPort, payload string) []byte {
	return ipPacket(src.Addr(), dst.Addr(), header.ProtoUDP, udp(src.Addr(), dst.Addr(), src.Port(), dst.Port(), []byte(payload)))
}

// sendFrom writes IP packets to the router from host h behind port.
func (l *acceptLab) sendFrom(h *sim.Host, port string, pkts ...[]byte) {
	l.t.Helper()
	for _, p := range pkts {
		f := make([]byte, header.EthernetLen+len(p))
		et := uint16(header.EtherTypeIPv4)
		if p[0]>>4 == 6 {
			et = header.EtherTypeIPv6
		}
		header.Ethernet(f).Encode(l.mac(port), h.MAC(), et)
		copy(f[header.EthernetLen:], p)
		if err := h.SendFrame(f); err != nil {
			l.t.Fatal(err)
		}
	}
}

// flowOf describes a TCP or UDP packet as "src > dst proto", ports
// included, "bad checksum" appended when its transport checksum fails,
// and ICMP errors by the ports of the packet they quote.
func flowOf(p []byte) string {
	src, dst := addrs(p)
	var proto uint8
	var l4 []byte
	if p[0]>>4 == 6 {
		v := header.IPv6(p)
		proto, l4 = v.NextHeader(), v.Payload()
	} else {
		v := header.IPv4(p)
		proto, l4 = v.Protocol(), v.Payload()
	}
	ok := checksumOK(proto, src, dst, l4)
	switch proto {
	case header.ProtoICMP, header.ProtoICMPv6:
		ok = header.Checksum(l4, 0) == 0xffff
		if proto == header.ProtoICMPv6 {
			ok = checksumOK(proto, src, dst, l4)
		}
		q := l4[header.ICMPv4MinLen:]
		qsrc, qdst := addrs(q)
		qh := header.IPv4MinLen
		if q[0]>>4 == 6 {
			qh = header.IPv6Len
		}
		s := fmt.Sprintf("%v > %v icmp %d/%d quoting %v > %v", src, dst, l4[0], l4[1],
			netip.AddrPortFrom(qsrc, binary.BigEndian.Uint16(q[qh:])), netip.AddrPortFrom(qdst, binary.BigEndian.Uint16(q[qh+2:])))
		if !ok {
			s += " bad checksum"
		}
		return s
	case header.ProtoTCP, header.ProtoUDP:
		sp, dp, _, _ := transportPorts(proto, l4)
		name := "tcp"
		if proto == header.ProtoUDP {
			name = "udp"
		}
		s := fmt.Sprintf("%v > %v %s", netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp), name)
		if !ok {
			s += " bad checksum"
		}
		return s
	}
	return describe(p)
}

// gotFlows returns and forgets what stack s was given, by flowOf.
func gotFlows(s *listenStack) []string {
	var out []string
	for _, p := range s.received() {
		out = append(out, flowOf(p))
	}
	return out
}

// hostFlows returns the TCP, UDP and ICMP error packets host h received
// by flowOf, and forgets them.
func hostFlows(h *sim.Host) []string {
	var out []string
	for _, et := range []uint16{header.EtherTypeIPv4, header.EtherTypeIPv6} {
		for _, p := range frames(h, et) {
			var proto uint8
			var l4 []byte
			if et == header.EtherTypeIPv6 {
				proto, l4 = header.IPv6(p).NextHeader(), header.IPv6(p).Payload()
			} else {
				proto, l4 = header.IPv4(p).Protocol(), header.IPv4(p).Payload()
			}
			switch {
			case proto == header.ProtoTCP || proto == header.ProtoUDP,
				proto == header.ProtoICMP && header.IsICMPv4Error(l4[0]),
				proto == header.ProtoICMPv6 && header.IsICMPv6Error(l4[0]):
				out = append(out, flowOf(p))
			}
		}
	}
	h.ResetCapture()
	return out
}

func checkFlows(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// The seed's client and router addresses, per family.
var acceptFamilies = []struct{ name, client, router string }{
	{"IPv4", "192.168.1.10", "192.168.1.1"},
	{"IPv6", "2001:db8:1::10", "2001:db8:1::1"},
}

// TestAcceptOverlapping is the case in memory: with
// tcp_l3mdev_accept, one listener in the default VRF's stack takes A1's
// and B1's connections at once from identical addresses and ports; the
// second is given another client port; each answer goes back to its own
// host in its own VRF, with its own port and a right checksum.
func TestAcceptOverlapping(t *testing.T) {
	for _, fam := range acceptFamilies {
		t.Run(fam.name, func(t *testing.T) {
			l := newAcceptLab(t, true, false)
			l.st[""].listen(header.ProtoTCP, 5000)
			client := netip.AddrPortFrom(ip(fam.client), 40000)
			server := netip.AddrPortFrom(ip(fam.router), 5000)
			inner := netip.AddrPortFrom(ip(fam.client), 40001)
			syn := tcpPacket(client, server, 1, header.TCPFlagSYN)
			l.sendFrom(l.a1, "ra1", syn)
			l.sendFrom(l.b1, "rb1", syn)
			l.net.Settle()
			checkFlows(t, "default stack received", gotFlows(l.st[""]),
				fmt.Sprintf("%v > %v tcp", client, server), fmt.Sprintf("%v > %v tcp", inner, server))
			checkFlows(t, "stack a received", gotFlows(l.st["a"]))
			checkFlows(t, "stack b received", gotFlows(l.st["b"]))
			if n := l.flows().len(); n != 2 {
				t.Fatalf("%d accepted flows, want 2", n)
			}

			// The answers: A1's by its own port, B1's by the one it
			// was given; each reaches its own host alone, on 40000.
			l.a1.ResetCapture()
			l.b1.ResetCapture()
			l.st[""].send(tcpPacket(server, inner, 200, header.TCPFlagSYN|header.TCPFlagACK),
				tcpPacket(server, client, 100, header.TCPFlagSYN|header.TCPFlagACK))
			l.net.Settle()
			want := fmt.Sprintf("%v > %v tcp", server, client)
			checkFlows(t, "A1 received", hostFlows(l.a1), want)
			checkFlows(t, "B1 received", hostFlows(l.b1), want)
			l.st[""].received() // the hosts' resets to the unexpected SYN-ACKs
			checkBalance(t, l.dp.Stats())

			// Too big for the way back: the router's error reaches the
			// default stack, about the port it knows.
			big := ipPacket(server.Addr(), inner.Addr(), header.ProtoTCP,
				append(segment(server, inner, 300, header.TCPFlagACK), make([]byte, 1600)...))
			tooBig := "3/4"
			if big[0]>>4 == 4 {
				header.IPv4(big).SetFragment(header.IPv4FlagDF, 0)
				header.IPv4(big).SetHeaderChecksum(header.IPv4(big).CalculateChecksum())
			} else {
				tooBig = "2/0"
			}
			l.st[""].send(big)
			l.net.Settle()
			checkFlows(t, "default stack received", gotFlows(l.st[""]),
				fmt.Sprintf("%v > %v icmp %s quoting %v > %v", server.Addr(), server.Addr(), tooBig, server, inner))

			// The rest of each flow follows it, with no new question.
			asked := l.st[""].asked
			l.sendFrom(l.b1, "rb1", tcpPacket(client, server, 2, header.TCPFlagACK))
			l.net.Settle()
			checkFlows(t, "default stack received", gotFlows(l.st[""]), fmt.Sprintf("%v > %v tcp", inner, server))
			if l.st[""].asked != asked {
				t.Errorf("the default stack was asked about listeners %d times for a known flow", l.st[""].asked-asked)
			}
		})
	}
}

// TestAcceptUDP: with udp_l3mdev_accept, datagrams of both VRFs reach the
// default stack's socket and the answers their own hosts; ICMP errors
// about either flow find their way, the quoted port turned each way.
func TestAcceptUDP(t *testing.T) {
	for _, fam := range acceptFamilies {
		t.Run(fam.name, func(t *testing.T) {
			l := newAcceptLab(t, false, true)
			l.st[""].listen(header.ProtoUDP, 5000)
			client := netip.AddrPortFrom(ip(fam.client), 40000)
			server := netip.AddrPortFrom(ip(fam.router), 5000)
			inner := netip.AddrPortFrom(ip(fam.client), 40001)
			l.sendFrom(l.a1, "ra1", udpPacket(client, server, "from A1"))
			l.sendFrom(l.b1, "rb1", udpPacket(client, server, "from B1"))
			l.net.Settle()
			got := l.st[""].received()
			if len(got) != 2 {
				t.Fatalf("default stack received %d datagrams, want 2", len(got))
			}
			checkFlows(t, "default stack received", []string{flowOf(got[0]), flowOf(got[1])},
				fmt.Sprintf("%v > %v udp", client, server), fmt.Sprintf("%v > %v udp", inner, server))

			// B1 serves no port 40000: its port unreachable comes back
			// into the default stack, about the port the stack knows.
			l.b1.ResetCapture()
			l.st[""].send(udpPacket(server, inner, "to B1"))
			l.net.Settle()
			checkFlows(t, "B1 received", hostFlows(l.b1), fmt.Sprintf("%v > %v udp", server, client))
			icmp := fmt.Sprintf("%v > %v icmp %d/%d quoting %v > %v", client.Addr(), server.Addr(), 3, 3, server, inner)
			if fam.name == "IPv6" {
				icmp = fmt.Sprintf("%v > %v icmp %d/%d quoting %v > %v", client.Addr(), server.Addr(), 1, 4, server, inner)
			}
			checkFlows(t, "default stack received", gotFlows(l.st[""]), icmp)

			// The default stack's own port unreachable about B1's
			// datagram goes to B1, about B1's own port.
			unreach := fmt.Sprintf("%v > %v icmp %d/%d quoting %v > %v", server.Addr(), client.Addr(), 3, 3, client, server)
			if fam.name == "IPv6" {
				unreach = fmt.Sprintf("%v > %v icmp %d/%d quoting %v > %v", server.Addr(), client.Addr(), 1, 4, client, server)
			}
			l.st[""].send(portUnreachable(got[1]))
			l.net.Settle()
			checkFlows(t, "B1 received", hostFlows(l.b1), unreach)
			checkFlows(t, "A1 received", hostFlows(l.a1))
			checkBalance(t, l.dp.Stats())
		})
	}
}

// portUnreachable returns the port unreachable a host sends about pkt.
func portUnreachable(pkt []byte) []byte {
	src, dst := addrs(pkt)
	buf := make([]byte, 1280)
	if src.Is4() {
		e := header.ICMPv4Error{Type: header.ICMPv4DstUnreachable, Code: header.ICMPv4PortUnreachable, Src: dst, Dst: src, TTL: 64}
		return buf[:e.Encode(buf, pkt)]
	}
	e := header.ICMPv6Error{Type: header.ICMPv6DstUnreachable, Code: header.ICMPv6PortUnreachable, Src: dst, Dst: src, HopLimit: 64}
	return buf[:e.Encode(buf, pkt)]
}
