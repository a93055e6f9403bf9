package evpn

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestIntegrationFRRPair checks the FRR site harness on its own: two
// FRR sites, 3 and 4, over eBGP, exchange type-5 routes for both
// companies and both families, program them into each VRF's kernel as
// FRR does (route onlink via the remote VTEP, neighbour and fdb entry
// for its router MAC), and carry the hosts' traffic in VXLAN with each
// company's VNI, A never reaching B.
func TestIntegrationFRRPair(t *testing.T) {
	l := newLab(t)
	start := time.Now()
	f3 := l.addFRR(3, 65003, frrPeer{"10.99.0.4", 65004})
	f4 := l.addFRR(4, 65004, frrPeer{"10.99.0.3", 65003})
	f3.waitKernelRoutes(f4, 20*time.Second)
	t.Logf("two FRR sites up and converged in %v", time.Since(start).Round(10*time.Millisecond))

	for _, c := range companies {
		for _, p := range []string{"192.168.4.0/24", "2001:db8:4::/64"} {
			r, ok := f3.findRoute(f4.rd(c), p)
			if !ok {
				t.Fatalf("site 3 has no type-5 route %s %s:\n%s", f4.rd(c), p, f3.vtysh("show bgp l2vpn evpn route type prefix"))
			}
			if msg := wantType5(r, c, f4.addr(), f4.rmac(c)); msg != "" {
				t.Error(msg)
			}
		}
		// FRR programs a route, a neighbour and an fdb entry.
		v := l.ns(f3.vrfNS(c))
		neigh := l.must("ip", "-n", v, "neigh", "show", "10.99.0.4")
		fdb := l.must("bridge", "-n", v, "fdb", "show", "dev", fmt.Sprintf("vx%d", c.vni))
		if !strings.Contains(neigh, f4.rmac(c)) || !strings.Contains(fdb, f4.rmac(c)+" dst 10.99.0.4") {
			t.Errorf("site 3's VRF %s: neighbour\n%sfdb\n%s", c.vrf, neigh, fdb)
		}
	}

	wire := l.capture("udp port 4789")
	for _, c := range companies {
		l.mustPing(c.host+"3", "192.168.4.10")
		l.mustPing(c.host+"3", "2001:db8:4::10")
	}
	vnis := wire.vxlan()
	for _, c := range companies {
		if !vnis[c.vni] {
			t.Errorf("no VXLAN with VNI %d on the underlay (saw %v)", c.vni, vnis)
		}
	}
	// Company A's VRF has no route to anything of B: B's host ports are
	// numbered alike, so isolation shows as A's echoes reaching A's host.
	before := l.echoes("A4")
	l.mustPing("B3", "192.168.4.10")
	if after := l.echoes("A4"); after != before {
		t.Errorf("B3's echoes reached A4 (%d → %d)", before, after)
	}
}

// waitKernelRoutes waits until the site's kernel has, in every VRF,
// routes through the VXLAN to both of other's prefixes.
func (s *frrSite) waitKernelRoutes(other *frrSite, d time.Duration) {
	s.lab.t.Helper()
	net := fmt.Sprint(other.n)
	for _, c := range companies {
		for _, p := range []string{"192.168." + net + ".0/24", "2001:db8:" + net + "::/64"} {
			s.lab.eventually(d, fmt.Sprintf("site %d's route to %s in VRF %s", s.n, p, c.vrf), func() string {
				r := s.kernelRoute(c, p)
				if !strings.Contains(r, "proto bgp") || !strings.Contains(r, other.addr()) {
					return fmt.Sprintf("ip route shows %q", r)
				}
				return ""
			})
		}
	}
}

// TestIntegrationRawPeerFRR checks the test's own BGP speaker against
// FRR: a well-formed type-5 route of its reaches FRR's kernel as FRR
// programs any, and a route whose extended communities are cut short is
// treated as withdrawn (RFC 7606) with the session kept.
func TestIntegrationRawPeerFRR(t *testing.T) {
	l := newLab(t)
	f3 := l.addFRR(3, 65003, frrPeer{"10.99.0.20", 65020})
	l.addNS("X")
	l.plug("X", "ul0")
	l.must("ip", "-n", l.ns("X"), "addr", "add", "10.99.0.20/24", "dev", "ul0")
	p := l.dialBGP("X", "10.99.0.20", 65020, f3.addr())
	a := companies[0]
	good := type5{rdAS: 65020, rdNum: 100, prefix: netip.MustParsePrefix("10.20.0.0/24"), vni: 100,
		nextHop: netip.MustParseAddr("10.99.0.20"), rtAS: 65000, rtNum: 100, rmac: "02:00:00:00:14:01"}
	p.announce(good)
	l.eventually(10*time.Second, "FRR's route from the raw peer", func() string {
		r := f3.kernelRoute(a, "10.20.0.0/24")
		if !strings.Contains(r, "via 10.99.0.20") || !strings.Contains(r, "proto bgp") {
			return fmt.Sprintf("ip route shows %q", r)
		}
		return ""
	})
	bad := good
	bad.prefix, bad.extCommsLen = netip.MustParsePrefix("10.21.0.0/24"), 13
	p.announce(bad)
	time.Sleep(2 * time.Second)
	if msg := p.alive(); msg != "" {
		t.Fatalf("FRR ended the session over a malformed extended communities attribute: %s", msg)
	}
	if r := f3.kernelRoute(a, "10.21.0.0/24"); r != "" {
		t.Errorf("FRR installed the malformed route: %s", r)
	}
	if r := f3.kernelRoute(a, "10.20.0.0/24"); r == "" {
		t.Error("FRR lost the well-formed route")
	}
}

// TestIntegrationFRRReflector checks the route reflector harness: two
// FRR sites in AS 65000 peer only with gobgpd, which reflects their
// type-5 routes with the next hop and router MAC untouched, so that the
// hosts reach each other through VXLAN straight between the sites.
func TestIntegrationFRRReflector(t *testing.T) {
	l := newLab(t)
	start := time.Now()
	rr := l.addReflector(65000, "10.99.0.3", "10.99.0.4")
	f3 := l.addFRR(3, 65000, frrPeer{reflectorAddr, 65000})
	f4 := l.addFRR(4, 65000, frrPeer{reflectorAddr, 65000})
	f3.waitKernelRoutes(f4, 20*time.Second)
	f4.waitKernelRoutes(f3, 20*time.Second)
	t.Logf("route reflector and two FRR sites converged in %v", time.Since(start).Round(10*time.Millisecond))

	for _, c := range companies {
		r, ok := f3.findRoute(f4.rd(c), "192.168.4.0/24")
		if !ok {
			t.Fatalf("site 3 has no reflected route %s 192.168.4.0/24:\n%s", f4.rd(c), rr.gobgp("global", "rib", "-a", "evpn"))
		}
		if msg := wantType5(r, c, f4.addr(), f4.rmac(c)); msg != "" {
			t.Error(msg)
		}
	}
	if rib := rr.gobgp("global", "rib", "-a", "evpn"); strings.Count(rib, "[type:Prefix]") != 8 {
		t.Errorf("the reflector holds, of 8 type-5 routes:\n%s", rib)
	}
	wire := l.capture("udp port 4789")
	for _, c := range companies {
		l.mustPing(c.host+"3", "192.168.4.10")
		l.mustPing(c.host+"4", "2001:db8:3::10")
	}
	if seen := wire.vxlan(); !seen[100] || !seen[200] {
		t.Errorf("VXLAN between the sites: VNIs %v, want 100 and 200", seen)
	}
}
