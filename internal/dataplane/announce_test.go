package dataplane

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// announced returns the addresses a host heard the router announce:
// gratuitous ARPs (sender = target) and unsolicited NAs to all nodes.
func announced(frames [][]byte) []netip.Addr {
	var out []netip.Addr
	for _, f := range frames {
		e := header.Ethernet(f)
		switch e.Type() {
		case header.EtherTypeARP:
			a := header.ARP(e.Payload())
			if a.Op() == header.ARPRequest && a.SenderIP() == a.TargetIP() && e.Dst().IsBroadcast() {
				out = append(out, a.SenderIP())
			}
		case header.EtherTypeIPv6:
			ip := header.IPv6(e.Payload())
			p := ip.Payload()
			if ip.NextHeader() == header.ProtoICMPv6 && ip.Dst() == allNodes && len(p) >= 24 && p[0] == header.ICMPv6NeighborAdvert {
				out = append(out, netip.AddrFrom16([16]byte(p[8:24])))
			}
		}
	}
	return out
}

func TestAnnounceNewAddresses(t *testing.T) {
	s := newSeed(t, Config{})
	s.run("addr add 192.168.1.2/24 dev ra1", "addr add 2001:db8:1::2/64 dev ra1")
	s.net.Settle()
	got := announced(captured(s.a1))
	slices.SortFunc(got, netip.Addr.Compare)
	want := []netip.Addr{ip("192.168.1.2"), ip("2001:db8:1::2")}
	if !slices.Equal(got, want) {
		t.Fatalf("a1 heard announcements of %v, want %v (only the new addresses)", got, want)
	}
	if n := len(announced(captured(s.b1))); n != 0 {
		t.Fatalf("b1 heard %d announcements of a port in VRF a", n)
	}
}

// captured returns the frames a host received.
func captured(h *sim.Host) [][]byte {
	var out [][]byte
	for _, f := range h.Captured() {
		out = append(out, f.Data)
	}
	return out
}

// TestFirstPacketAfterEnslave: a port that changed VRF after it was
// attached has its neighbours flushed before the next batch resolves
// through it, not when a frame next arrives on it, which would flush the
// packet queued for the resolution that frame answers.
func TestFirstPacketAfterEnslave(t *testing.T) {
	l := newLab(t, Config{})
	l.run("link add name a type vrf table 10", "link set dev a up", "sysctl -w net.ipv4.ip_forward=1")
	l.run(vrfPort("ra1", "a", "192.168.1.1/24")...)
	l.run("link add name ra2 type dummy", "link set dev ra2 up", "addr add 192.168.2.1/24 dev ra2")
	a1 := l.host("ra1", hostCfg("a1", "1"))
	l.host("ra2", hostCfg("a2", "2"))
	l.run("link set dev ra2 master a")
	ping(t, a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
}
