package dataplane

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/sim"
)

// TestAddressProbes: an ARP probe (sender 0.0.0.0, RFC 5227) and a
// duplicate address detection NS (source ::, RFC 4862) for the router's
// address are answered, so the prober backs off, and teach nothing.
func TestAddressProbes(t *testing.T) {
	s := newSeed(t, Config{})
	mac := s.a1.MAC()
	probe := make([]byte, header.EthernetLen+header.ARPLen)
	header.Ethernet(probe).Encode(header.BroadcastMAC, mac, header.EtherTypeARP)
	header.ARP(probe[header.EthernetLen:]).Encode(header.ARPRequest, mac, netip.IPv4Unspecified(), header.MAC{}, ip("192.168.1.1"))
	target := ip("2001:db8:1::1")
	dad := make([]byte, header.EthernetLen+header.NeighborSolicitBufLen)
	n := header.PutNeighborSolicit(dad[header.EthernetLen:], netip.IPv6Unspecified(), header.SolicitedNode(target), target, mac)
	header.Ethernet(dad).Encode(multicastMAC(header.SolicitedNode(target)), mac, header.EtherTypeIPv6)
	s.send(s.a1, probe, dad[:header.EthernetLen+n])

	var arpReply header.ARP
	for _, p := range frames(s.a1, header.EtherTypeARP) {
		arpReply = header.ARP(p)
	}
	if arpReply == nil || arpReply.Op() != header.ARPReply || arpReply.SenderIP() != ip("192.168.1.1") ||
		arpReply.SenderMAC() != s.mac("ra1") || !arpReply.TargetIP().IsUnspecified() {
		t.Errorf("ARP probe answered with %x, want a reply for 192.168.1.1 to 0.0.0.0", []byte(arpReply))
	}
	var na header.IPv6
	for _, p := range frames(s.a1, header.EtherTypeIPv6) {
		na = header.IPv6(p)
	}
	if na == nil || na.Dst() != allNodes || header.NeighborAdvert(na.Payload()).Target() != target ||
		header.NeighborAdvert(na.Payload()).Flags() != header.NAFlagOverride|header.NAFlagRouter {
		t.Errorf("DAD NS answered with %x, want an unsolicited NA for %v to all nodes", []byte(na), target)
	}
	if es := s.dp.Neighbors(s.index("ra1")).Entries(); len(es) != 0 {
		t.Errorf("ra1 learned %v from address probes, want nothing", es)
	}
}

// TestNDPLearning: a Router Solicitation teaches its source's MAC, an
// unsolicited override advertisement moves an entry to a new MAC, and a
// Redirect is ignored.
func TestNDPLearning(t *testing.T) {
	s := newSeed(t, Config{})
	ll := s.a1.LinkLocal()
	cache := s.dp.Neighbors(s.index("ra1"))
	rs := ndpMessage(header.ICMPv6RouterSolicit, 8, header.NDPOptSourceLinkAddr, s.a1.MAC())
	s.send(s.a1, ndpFrame(multicastMAC(allRouters), s.a1.MAC(), ll, allRouters, rs))
	if e, ok := cache.Get(ll); !ok || e.MAC != s.a1.MAC() || e.State != neigh.StateStale {
		t.Fatalf("after RS, ra1's entry for %v = %+v, %v, want STALE at %v", ll, e, ok, s.a1.MAC())
	}
	moved := header.MAC{0x02, 0xaa, 0, 0, 0, 1}
	na := ndpMessage(header.ICMPv6NeighborAdvert, 24, header.NDPOptTargetLinkAddr, moved)
	na[4] = header.NAFlagOverride
	copy(na[8:24], ll.AsSlice())
	s.send(s.a1, ndpFrame(multicastMAC(allNodes), s.a1.MAC(), ll, allNodes, na))
	if e, _ := cache.Get(ll); e.MAC != moved {
		t.Errorf("after an override NA, ra1's entry for %v is at %v, want %v", ll, e.MAC, moved)
	}
	redirect := make([]byte, header.RedirectLen)
	redirect[0] = header.ICMPv6Redirect
	copy(redirect[8:], ll.AsSlice())
	copy(redirect[24:], ll.AsSlice())
	s.send(s.a1, ndpFrame(s.mac("ra1"), s.a1.MAC(), ll, linkLocal(s.ctl.Snapshot().LinkByName("ra1")), redirect))
	if got := s.port("ra1").Drops[ReasonRedirect]; got != 1 {
		t.Errorf("ra1 Drops[redirect] = %d, want 1", got)
	}
	checkBalance(t, s.dp.Stats())
}

// ndpMessage returns an NDP message of type typ and fixed length n with
// one link-layer address option.
func ndpMessage(typ uint8, n int, opt uint8, mac header.MAC) []byte {
	m := make([]byte, n+8)
	m[0] = typ
	m[n], m[n+1] = opt, 1
	copy(m[n+2:], mac[:])
	return m
}

// ndpFrame wraps an NDP message from src to dst, hop limit 255, with its
// checksum, in a frame from MAC from to MAC to.
func ndpFrame(to, from header.MAC, src, dst netip.Addr, m []byte) []byte {
	binary.BigEndian.PutUint16(m[2:], 0)
	header.ICMPv6(m).SetChecksum(header.ICMPv6(m).CalculateChecksum(src, dst))
	return ipv6Frame(to, from, header.IPv6Fields{NextHeader: header.ProtoICMPv6, HopLimit: header.NDPHopLimit, Src: src, Dst: dst}, m)
}

// TestUnnumbered: an error about a packet from behind a port without an
// IPv4 address is sourced from the VRF device's address (the VRF's
// loopback), else from another address of the VRF, else from 192.0.0.8.
func TestUnnumbered(t *testing.T) {
	s := newSeed(t, Config{}, append(vrfPort("ru1", "a"), "route add 10.60.0.0/24 dev ru1 vrf a",
		"link add name z type vrf table 90", "link set dev z up")...)
	s.run(vrfPort("rz1", "z")...)
	s.run("route add 10.70.0.0/24 dev rz1 vrf z")
	u1 := s.host("ru1", sim.HostConfig{Name: "u1", Addrs: []netip.Prefix{pfx("10.60.0.10/24")}})
	z1 := s.host("rz1", sim.HostConfig{Name: "z1", Addrs: []netip.Prefix{pfx("10.70.0.10/24")}})
	for _, c := range []struct {
		h           *sim.Host
		port, src   string
		setup, want string
	}{
		{u1, "ru1", "10.60.0.10", "", "192.168.1.1"},
		{u1, "ru1", "10.60.0.10", "addr add 10.255.0.1/32 dev a", "10.255.0.1"},
		{z1, "rz1", "10.70.0.10", "", "192.0.0.8"},
	} {
		if c.setup != "" {
			s.run(c.setup)
		}
		c.h.ResetCapture()
		src := ip(c.src)
		s.send(c.h, ipv4Frame(s.mac(c.port), c.h.MAC(), header.IPv4Fields{TTL: 1, Protocol: header.ProtoUDP, Src: src, Dst: ip("192.168.2.10")},
			udp(src, ip("192.168.2.10"), 1, 9, nil)))
		msgs, srcs := icmpFrom(c.h)
		if len(msgs) != 1 || srcs[0] != ip(c.want) {
			t.Errorf("%s: error from %v, want one from %s", c.h.Name(), srcs, c.want)
		}
	}
}
