package dataplane

import (
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/sim"
)

// TestSeedIsolation runs the seed scenario's case: A1→A2 and B1→B2 at the
// same time, over identical addresses in VRFs a and b, for both families.
// Each answer comes back to its own sender, nothing crosses between the
// VRFs, and each port has its own neighbours.
func TestSeedIsolation(t *testing.T) {
	s := newSeed(t, Config{})
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		ping(t, s.a1, dst, sim.Opts{}, "echo reply from "+dst)
		ping(t, s.b1, dst, sim.Opts{}, "echo reply from "+dst)
	}
	for _, h := range []*sim.Host{s.a1, s.a2, s.b1, s.b2} {
		h.ResetCapture()
	}

	// At once: both requests are in the router's ports before it polls.
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		src := ip("192.168.1.10")
		if ip(dst).Is6() {
			src = ip("2001:db8:1::10")
		}
		reqA := request(s.mac("ra1"), s.a1.MAC(), src, ip(dst), 0xa, 1)
		reqB := request(s.mac("rb1"), s.b1.MAC(), src, ip(dst), 0xb, 1)
		if err := s.a1.SendFrame(reqA); err != nil {
			t.Fatal(err)
		}
		if err := s.b1.SendFrame(reqB); err != nil {
			t.Fatal(err)
		}
		s.net.Settle()
	}

	// Every frame reaching a host came from its own router port, and the
	// echo traffic kept to its VRF: identifiers 0xa on a's side, 0xb on b's.
	for _, c := range []struct {
		h      *sim.Host
		port   string
		ident  uint16
		echoes int
	}{{s.a1, "ra1", 0xa, 2}, {s.a2, "ra2", 0xa, 2}, {s.b1, "rb1", 0xb, 2}, {s.b2, "rb2", 0xb, 2}} {
		n := 0
		for _, f := range c.h.Captured() {
			if src := header.Ethernet(f.Data).Src(); src != s.mac(c.port) {
				t.Errorf("%s received a frame from %v, want only from %s (%v)", c.h.Name(), src, c.port, s.mac(c.port))
			}
		}
		msgs, _ := icmpFrom(c.h)
		for _, m := range msgs {
			if m.Ident() != c.ident {
				t.Errorf("%s received an echo with identifier %#x, want %#x", c.h.Name(), m.Ident(), c.ident)
			}
			n++
		}
		if n != c.echoes {
			t.Errorf("%s received %d echo messages, want %d (a request or a reply per family)", c.h.Name(), n, c.echoes)
		}
	}

	// The same neighbour addresses, learned per port.
	for _, c := range []struct {
		port string
		host *sim.Host
	}{{"ra2", s.a2}, {"rb2", s.b2}, {"ra1", s.a1}, {"rb1", s.b1}} {
		for _, a := range c.host.Addrs() {
			if a.Addr().IsLinkLocalUnicast() {
				continue
			}
			e, ok := s.dp.Neighbors(s.index(c.port)).Get(a.Addr())
			if !ok || e.MAC != c.host.MAC() {
				t.Errorf("neighbour %v on %s = %v, %v, want %v", a.Addr(), c.port, e.MAC, ok, c.host.MAC())
			}
		}
	}
	st := s.dp.Stats()
	checkBalance(t, st)
	for _, v := range []string{"a", "b"} {
		if c := st.VRFs[v]; c.Forwarded != 8 || c.Dropped() != 0 {
			t.Errorf("VRF %s forwarded %d, dropped %d, want 8 and 0", v, c.Forwarded, c.Dropped())
		}
	}
}

// request returns an echo request frame from srcMAC to the router's
// dstMAC.
func request(dstMAC, srcMAC header.MAC, src, dst netip.Addr, id, seq uint16) []byte {
	m := echo(src, dst, id, seq, 32)
	if dst.Is4() {
		return ipv4Frame(dstMAC, srcMAC, header.IPv4Fields{Protocol: header.ProtoICMP, Src: src, Dst: dst}, m)
	}
	return ipv6Frame(dstMAC, srcMAC, header.IPv6Fields{NextHeader: header.ProtoICMPv6, Src: src, Dst: dst}, m)
}

// TestNeighbourPerPort checks that a port's neighbours are its own: the
// same address learned on ra2 is unknown on rb2 until rb2 learns it.
func TestNeighbourPerPort(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	if _, ok := s.dp.Neighbors(s.index("rb2")).Get(ip("192.168.2.10")); ok {
		t.Fatalf("rb2 knows 192.168.2.10 after traffic in VRF a only")
	}
	e, ok := s.dp.Neighbors(s.index("ra2")).Get(ip("192.168.2.10"))
	if !ok || e.MAC != s.a2.MAC() || !e.State.Valid() {
		t.Fatalf("ra2's neighbour 192.168.2.10 = %+v, %v, want %v usable", e, ok, s.a2.MAC())
	}
	if e.State != neigh.StateReachable {
		t.Errorf("ra2's neighbour 192.168.2.10 in %v, want REACHABLE after its ARP reply", e.State)
	}
}
