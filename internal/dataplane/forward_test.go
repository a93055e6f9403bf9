package dataplane

import (
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestTTLExceeded sends probes with TTL 1 from hosts with the same
// address in both VRFs: each gets time exceeded from its own VRF's
// address, on its own port.
func TestTTLExceeded(t *testing.T) {
	s := newSeed(t, Config{})
	for _, c := range []struct {
		h        *sim.Host
		dst, src string
	}{
		{s.a1, "192.168.2.10", "192.168.1.1"},
		{s.b1, "192.168.2.10", "192.168.1.1"},
		{s.a1, "2001:db8:2::10", "2001:db8:1::1"},
		{s.b1, "2001:db8:2::10", "2001:db8:1::1"},
	} {
		for _, proto := range []uint8{header.ProtoUDP, header.ProtoICMP, header.ProtoTCP} {
			r, err := c.h.Probe(ip(c.dst), 1, proto)
			want := "time exceeded from " + c.src
			if ip(c.dst).Is6() {
				want = "hop limit exceeded from " + c.src
			}
			if err != nil || r.String() != want {
				t.Errorf("%s.Probe(%s, ttl 1, proto %d) = %q, %v, want %q", c.h.Name(), c.dst, proto, r, err, want)
			}
		}
	}
	if got := s.a2.Captured(); len(got) != 0 {
		t.Errorf("a2 received %d frames, want none: nothing with TTL 1 is forwarded", len(got))
	}
	for _, v := range []string{"a", "b"} {
		if got := s.vrf(v).Answered[ReasonTTLExceeded]; got != 6 {
			t.Errorf("VRF %s Answered[ttl_exceeded] = %d, want 6", v, got)
		}
	}
	// TTL 2 crosses the router once.
	if r, err := s.a1.Probe(ip("192.168.2.10"), 2, header.ProtoUDP); err != nil || r.String() != "port unreachable from 192.168.2.10" {
		t.Errorf("a1.Probe(192.168.2.10, ttl 2) = %q, %v, want port unreachable from the host", r, err)
	}
	checkBalance(t, s.dp.Stats())
}

// TestRouteErrors checks how each failed lookup is answered, as ip_error
// and ip6_pkt_drop do, and counted under its reason.
func TestRouteErrors(t *testing.T) {
	s := newSeed(t, Config{},
		"route add unreachable 10.1.0.0/16 vrf a",
		"route add prohibit 10.2.0.0/16 vrf a",
		"route add blackhole 10.3.0.0/16 vrf a",
		"route add unreachable 2001:db8:10::/48 vrf a",
		"route add prohibit 2001:db8:20::/48 vrf a",
		"route add blackhole 2001:db8:30::/48 vrf a",
	)
	tests := []struct {
		dst, want string
		reason    Reason
	}{
		{"10.1.0.1", "host unreachable from 192.168.1.1", ReasonUnreachableRoute},
		{"10.2.0.1", "admin prohibited from 192.168.1.1", ReasonProhibited},
		{"10.3.0.1", "", ReasonBlackhole},
		{"10.9.0.1", "net unreachable from 192.168.1.1", ReasonNoRoute},
		{"2001:db8:10::1", "no route from 2001:db8:1::1", ReasonUnreachableRoute},
		{"2001:db8:20::1", "admin prohibited from 2001:db8:1::1", ReasonProhibited},
		{"2001:db8:30::1", "", ReasonBlackhole},
		{"2001:db8:90::1", "no route from 2001:db8:1::1", ReasonNoRoute},
	}
	for _, tt := range tests {
		before := s.port("ra1")
		ping(t, s.a1, tt.dst, sim.Opts{Timeout: time.Second}, tt.want)
		after := s.port("ra1")
		counts := after.Answered
		if tt.want == "" {
			counts = after.Drops
		}
		before2 := before.Answered
		if tt.want == "" {
			before2 = before.Drops
		}
		if got := counts[tt.reason] - before2[tt.reason]; got != 1 {
			t.Errorf("ping %s counted %d under %v, want 1", tt.dst, got, tt.reason)
		}
	}
	checkBalance(t, s.dp.Stats())
}

// TestForwardingDisabled: with forwarding off, transit packets are
// dropped silently as Linux drops them (ip_error sends nothing then),
// routed or not, while the router still answers for itself.
func TestForwardingDisabled(t *testing.T) {
	s := newSeed(t, Config{}, "sysctl -w net.ipv4.ip_forward=0", "sysctl -w net.ipv6.conf.all.forwarding=0")
	ping(t, s.a1, "192.168.2.10", sim.Opts{Timeout: time.Second}, "")
	ping(t, s.a1, "2001:db8:2::10", sim.Opts{Timeout: time.Second}, "")
	ping(t, s.a1, "10.9.9.9", sim.Opts{Timeout: time.Second}, "")
	ping(t, s.a1, "192.168.1.1", sim.Opts{}, "echo reply from 192.168.1.1")
	ping(t, s.a1, "192.168.2.1", sim.Opts{}, "echo reply from 192.168.2.1")
	c := s.port("ra1")
	if c.Drops[ReasonForwardingDisabled] != 3 || c.Drops[ReasonNoRoute] != 0 {
		t.Errorf("ra1 Drops[forwarding_disabled] = %d, Drops[no_route] = %d, want 3 and 0",
			c.Drops[ReasonForwardingDisabled], c.Drops[ReasonNoRoute])
	}
}

// TestFragNeeded: a DF packet longer than the next hop's MTU is answered
// with frag needed carrying that MTU, from the ingress VRF; never rate
// limited.
func TestFragNeeded(t *testing.T) {
	s := newSeed(t, Config{}, "link set dev ra2 mtu 1400")
	ping(t, s.a1, "192.168.2.10", sim.Opts{Size: 1372, DF: true}, "echo reply from 192.168.2.10")
	for range 10 {
		r := ping(t, s.a1, "192.168.2.10", sim.Opts{Size: 1373, DF: true}, "frag needed mtu 1400 from 192.168.1.1")
		if r.MTU != 1400 {
			t.Fatalf("frag needed MTU = %d, want 1400", r.MTU)
		}
	}
	if got := s.port("ra1").Answered[ReasonFragNeeded]; got != 10 {
		t.Errorf("ra1 Answered[frag_needed] = %d, want 10", got)
	}
}

// TestFragmentation: without DF the packet is cut to the MTU (RFC 791):
// 8-octet units, one ID, offsets adding up, MF on all but the last, and
// the TTL decremented in each.
func TestFragmentation(t *testing.T) {
	s := newSeed(t, Config{}, "link set dev ra2 mtu 576")
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	s.a2.ResetCapture()
	ping(t, s.a1, "192.168.2.10", sim.Opts{Size: 1400, Timeout: time.Second}, "") // a2 does not reassemble
	frags := frames(s.a2, header.EtherTypeIPv4)
	if len(frags) != 3 {
		t.Fatalf("a2 received %d packets, want 3 fragments of a 1428-octet datagram at MTU 576", len(frags))
	}
	next := 0
	for i, p := range frags {
		f := header.IPv4(p)
		if r := f.Validate(); r != header.ReasonNone {
			t.Fatalf("fragment %d: Validate() = %v", i, r)
		}
		last := i == len(frags)-1
		if f.FragmentOffset() != next || f.MF() == last || f.TTL() != 63 || f.ID() != header.IPv4(frags[0]).ID() {
			t.Errorf("fragment %d: offset %d MF %v TTL %d ID %d, want offset %d MF %v TTL 63 ID %d",
				i, f.FragmentOffset(), f.MF(), f.TTL(), f.ID(), next, !last, header.IPv4(frags[0]).ID())
		}
		if len(f) > 576 || !last && len(f.Payload())%8 != 0 {
			t.Errorf("fragment %d: %d octets, payload %d, want at most 576 and a multiple of 8", i, len(f), len(f.Payload()))
		}
		next += len(f.Payload())
	}
	if next != 1408 {
		t.Errorf("fragments carry %d octets, want 1408", next)
	}
}

// TestFragmentOptions: options RFC 791 does not copy become NOPs after
// the first fragment; copied ones stay, and every fragment keeps the
// header length.
func TestFragmentOptions(t *testing.T) {
	s := newSeed(t, Config{}, "link set dev ra2 mtu 576")
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	s.a2.ResetCapture()
	src, dst := ip("192.168.1.10"), ip("192.168.2.10")
	opts := []byte{
		header.IPv4OptRouterAlert, 4, 0, 0, // copied
		header.IPv4OptRR, 7, 4, 0, 0, 0, 0, // not copied
		header.IPv4OptEOL,
	}
	l4 := udp(src, dst, 1000, 9, make([]byte, 1000))
	hl := header.IPv4MinLen + len(opts)
	pkt := make([]byte, hl+len(l4))
	header.IPv4(pkt).Encode(&header.IPv4Fields{TotalLength: uint16(len(pkt)), TTL: 64, Protocol: header.ProtoUDP, Src: src, Dst: dst, ID: 77})
	pkt[0] = 4<<4 | byte(hl/4)
	copy(pkt[header.IPv4MinLen:], opts)
	copy(pkt[hl:], l4)
	header.IPv4(pkt).SetHeaderChecksum(header.IPv4(pkt).CalculateChecksum())
	f := make([]byte, header.EthernetLen, header.EthernetLen+len(pkt))
	header.Ethernet(f).Encode(s.mac("ra1"), s.a1.MAC(), header.EtherTypeIPv4)
	s.send(s.a1, append(f, pkt...))
	frags := frames(s.a2, header.EtherTypeIPv4)
	if len(frags) != 2 {
		t.Fatalf("a2 received %d packets, want 2 fragments", len(frags))
	}
	for i, p := range frags {
		v := header.IPv4(p)
		if v.HeaderLen() != hl {
			t.Errorf("fragment %d header length %d, want %d", i, v.HeaderLen(), hl)
		}
		_, _, ra := v.FindOption(header.IPv4OptRouterAlert)
		_, _, rr := v.FindOption(header.IPv4OptRR)
		if !ra || rr != (i == 0) {
			t.Errorf("fragment %d: router alert %v, record route %v, want true, %v", i, ra, rr, i == 0)
		}
	}
}

// TestPacketTooBig: IPv6 is never fragmented on the way; Packet Too Big
// carries the link's MTU, and is never rate limited.
func TestPacketTooBig(t *testing.T) {
	s := newSeed(t, Config{}, "link set dev ra2 mtu 1400")
	ping(t, s.a1, "2001:db8:2::10", sim.Opts{Size: 1352}, "echo reply from 2001:db8:2::10")
	for range 10 {
		r := ping(t, s.a1, "2001:db8:2::10", sim.Opts{Size: 1353}, "packet too big mtu 1400 from 2001:db8:1::1")
		if len(r.Quoted) != header.IPv6MinMTU-header.IPv6Len-header.ICMPv6MinLen {
			t.Errorf("Packet Too Big quotes %d octets, want %d", len(r.Quoted), header.IPv6MinMTU-48)
		}
	}
	if got := s.port("ra1").Answered[ReasonPacketTooBig]; got != 10 {
		t.Errorf("ra1 Answered[packet_too_big] = %d, want 10", got)
	}
}

// TestLinkLocalSource: a packet from a link-local source never leaves its
// link (ICMPv6 beyond scope); one to a link-local address that is not the
// port's is dropped.
func TestLinkLocalSource(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "2001:db8:2::10", sim.Opts{}, "echo reply from 2001:db8:2::10")
	ping(t, s.a1, "2001:db8:2::10", sim.Opts{Src: s.a1.LinkLocal()}, "beyond scope from "+linkLocalOf(s, "ra1"))
	s.send(s.a1, request(s.mac("ra1"), s.a1.MAC(), s.a1.LinkLocal(), ip("fe80::99"), 1, 1))
	if got := s.port("ra1").Drops[ReasonLinkLocal]; got != 1 {
		t.Errorf("ra1 Drops[link_local] = %d, want 1", got)
	}
	ping(t, s.a1, linkLocalOf(s, "ra1"), sim.Opts{}, "echo reply from "+linkLocalOf(s, "ra1"))
}

func linkLocalOf(s *seedLab, port string) string {
	return linkLocal(s.ctl.Snapshot().LinkByName(port)).String()
}

// TestErrorSource: an error leaves from the address its route back
// selects; with icmp_errors_use_inbound_ifaddr, from the port the packet
// came in by.
func TestErrorSource(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	// a2 sends from a1's address; the error goes back to a1, by ra1.
	frame := datagram(s.mac("ra2"), s.a2.MAC(), ip("192.168.1.10"), ip("10.9.9.9"), 1)
	for _, c := range []struct{ sysctl, want string }{
		{"sysctl -w net.ipv4.icmp_errors_use_inbound_ifaddr=0", "192.168.1.1"},
		{"sysctl -w net.ipv4.icmp_errors_use_inbound_ifaddr=1", "192.168.2.1"},
	} {
		s.run(c.sysctl)
		s.a1.ResetCapture()
		s.send(s.a2, frame)
		msgs, srcs := icmpFrom(s.a1)
		if len(msgs) != 1 || msgs[0].Type() != header.ICMPv4DstUnreachable || srcs[0] != ip(c.want) {
			t.Errorf("%s: a1 got %d ICMP messages from %v, want net unreachable from %s", c.sysctl, len(msgs), srcs, c.want)
		}
	}
}
