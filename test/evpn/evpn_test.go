package evpn

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIntegrationEVPNReach: over eBGP, R1 and R2 learn each other's
// sites per VRF as type-5 routes with the right attributes and program
// them as FRR would (route onlink through the VXLAN port, the remote
// router MAC as neighbour and fdb entry); A1 reaches A2 and B1 reaches
// B2 in both families; learned routes and neighbours stay out of the
// configuration file.
func TestIntegrationEVPNReach(t *testing.T) {
	l := newLab(t)
	r1, r2 := evpnPair(l, "connected")
	for _, c := range companies {
		rmac := r2.rmac(c)
		for _, p := range sitePrefixes(2) {
			var got *bgpRoute
			for _, b := range r1.bgpRoutes(c.vrf) {
				if b.Prefix == p && !b.Local {
					got = &b
				}
			}
			if got == nil {
				t.Fatalf("R1 has no type-5 route %s in VRF %s", p, c.vrf)
			}
			if got.RD != r2.rd(c) || got.VNI != c.vni || got.NextHop != r2.addr() || got.RouterMAC != rmac ||
				!slices.Contains(got.RouteTargets, fmt.Sprintf("65000:%d", c.vni)) {
				t.Errorf("R1's route %s in VRF %s: %+v, want rd %s vni %d via %s rmac %s rt 65000:%d",
					p, c.vrf, *got, r2.rd(c), c.vni, r2.addr(), rmac, c.vni)
			}
		}
		neigh := r1.govrf("neigh show vrf " + c.vrf + " nud all")
		if !strings.Contains(neigh, r2.addr()) || !strings.Contains(neigh, rmac) {
			t.Errorf("R1's VRF %s has no neighbour %s at %s:\n%s", c.vrf, r2.addr(), rmac, neigh)
		}
		fdb := r1.govrf(fmt.Sprintf("bridge fdb show dev vx%d", c.vni))
		if !strings.Contains(fdb, rmac+" dst "+r2.addr()) {
			t.Errorf("R1's vx%d has no fdb entry %s dst %s:\n%s", c.vni, rmac, r2.addr(), fdb)
		}
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			l.mustPing(c.host+"1", dst)
		}
		l.mustPing(c.host+"2", "192.168.1.10")
	}
	if n := r1.neighbor(r2.addr()); n.State != "Established" || n.Received != 4 || n.Accepted != 4 {
		t.Errorf("R1's session with R2: %+v, want Established with 4 routes received and accepted", n)
	}
	for _, r := range [][2]*router{{r1, r2}, {r2, r1}} {
		conf := r[0].savedConfig()
		for _, p := range append(sitePrefixes(r[1].n), "neigh add "+r[1].addr()) {
			if strings.Contains(conf, p) {
				t.Errorf("%s saved what it learned (%s):\n%s", r[0].name, p, conf)
			}
		}
	}
}

// TestIntegrationEVPNIsolation: on the underlay, company A's traffic is
// VXLAN with VNI 100 and B's with VNI 200, and none of A's echoes reach
// B's host, though both companies number their sites alike.
func TestIntegrationEVPNIsolation(t *testing.T) {
	l := newLab(t)
	evpnPair(l, "connected")
	for i, c := range companies {
		other := companies[1-i]
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			l.mustPing(c.host+"1", dst) // the neighbours resolved first
		}
		before, otherBefore := l.echoes(c.host+"2"), l.echoes(other.host+"2")
		wire := l.capture("udp port 4789")
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			if out, ok := l.ping(c.host+"1", "-c", "3", "-i", "0.2", "-W", "1", dst); !ok {
				t.Fatalf("%s1 → %s:\n%s", c.host, dst, out)
			}
		}
		seen := wire.vxlanPackets()
		if len(seen[c.vni]) < 12 || len(seen[other.vni]) != 0 {
			t.Errorf("company %s's pings: VXLAN packets per VNI %v, want at least 12 with VNI %d and none with %d",
				c.host, counts(seen), c.vni, other.vni)
		}
		if got := l.echoes(c.host+"2") - before; got != 6 {
			t.Errorf("%s2 received %d echo requests, want 6", c.host, got)
		}
		if got := l.echoes(other.host+"2") - otherBefore; got != 0 {
			t.Errorf("%s2 received %d of company %s's echo requests", other.host, got, c.host)
		}
	}
}

// TestIntegrationEVPNTraceroute: traceroute from A1 to A2 shows R1 and
// R2 once each, by their addresses in VRF a; R2's Time Exceeded, for a
// packet whose TTL ran out after the tunnel, goes back from VRF a,
// inside VNI 100.
func TestIntegrationEVPNTraceroute(t *testing.T) {
	l := newLab(t)
	evpnPair(l, "connected")
	needTools(t, "traceroute")
	for _, tc := range []struct {
		dst  string
		args []string
		hops []string
	}{
		{"192.168.2.10", []string{"-4"}, []string{"192.168.1.1", "192.168.2.1", "192.168.2.10"}},
		{"2001:db8:2::10", []string{"-6"}, []string{"2001:db8:1::1", "2001:db8:2::1", "2001:db8:2::10"}},
	} {
		l.mustPing("A1", tc.dst)
		wire := l.capture("udp port 4789")
		args := append(append([]string{"traceroute", "-n", "-q", "1", "-w", "2", "-m", "5"}, tc.args...), tc.dst)
		out, err := l.in("A1", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("traceroute %s: %v\n%s", tc.dst, err, out)
		}
		if got := traceHops(string(out)); !slices.Equal(got, tc.hops) {
			t.Errorf("traceroute %s from A1: hops %v, want %v\n%s", tc.dst, got, tc.hops, out)
		}
		seen := wire.vxlanPackets()
		exceeded := func(vni int) int {
			n := 0
			for _, p := range seen[vni] {
				if strings.Contains(p, "time exceeded") {
					n++
				}
			}
			return n
		}
		if exceeded(100) == 0 || exceeded(200) != 0 || len(seen[200]) != 0 {
			t.Errorf("traceroute %s: Time Exceeded in VNI 100: %d, in VNI 200: %d; packets per VNI %v",
				tc.dst, exceeded(100), exceeded(200), counts(seen))
		}
	}
}

// traceHops returns the address of each hop traceroute -n printed.
func traceHops(out string) []string {
	var hops []string
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 2 {
			hops = append(hops, f[1])
		}
	}
	return hops
}

// TestIntegrationEVPNWithdraw: a static route deleted on R2, and the
// connected prefixes of a port set down on R2, leave R1 within seconds,
// in that VRF only; the port set up brings them back.
func TestIntegrationEVPNWithdraw(t *testing.T) {
	l := newLab(t)
	r1, r2 := evpnPair(l, "all")
	a, b := companies[0], companies[1]
	const within = 3 * time.Second
	r2.govrf("route add 10.2.0.0/24 via 192.168.2.10 vrf a")
	l.eventually(10*time.Second, "R1 learning 10.2.0.0/24", func() string {
		_, msg := r1.learned(a, "10.2.0.0/24", r2.addr())
		return msg
	})
	r2.govrf("route del 10.2.0.0/24 via 192.168.2.10 vrf a")
	t.Logf("route del: withdrawn from R1 in %v", r1.waitGone(a, "10.2.0.0/24", within))

	r2.govrf("link set dev " + r2.port(a) + " down")
	for _, p := range sitePrefixes(2) {
		t.Logf("link down: %s withdrawn from R1 in %v", p, r1.waitGone(a, p, within))
		if _, msg := r1.learned(b, p, r2.addr()); msg != "" {
			t.Errorf("company A's port down took B's route: %s", msg)
		}
	}
	l.mustNotPing("A1", "192.168.2.10")
	l.mustPing("B1", "192.168.2.10")
	r2.govrf("link set dev " + r2.port(a) + " up")
	// As Linux (keep_addr_on_down 0), the port lost its IPv6 address
	// when it went down.
	r2.govrf("addr add 2001:db8:2::1/64 dev " + r2.port(a))
	r1.waitSite(r2, 10*time.Second)
	l.mustPing("A1", "192.168.2.10")
}

// TestIntegrationEVPNRestart: R2 stopped, R1 drops its routes within
// the hold time (9 s) at most; R2 started again, both resync and
// traffic resumes. R2 killed, its B port's interface deleted while it
// is down and R2 started again, R1 keeps no stale route to B's site:
// as in FRR, a connected prefix of a port without carrier is not
// exported.
func TestIntegrationEVPNRestart(t *testing.T) {
	l := newLab(t)
	r1, r2 := evpnPair(l, "connected")
	a, b := companies[0], companies[1]
	if !r2.stop() {
		t.Fatal("R2's govrfd did not exit within 3 s of SIGTERM")
	}
	for _, c := range companies {
		for _, p := range sitePrefixes(2) {
			t.Logf("R2 stopped: %s withdrawn from R1's VRF %s in %v", p, c.vrf, r1.waitGone(c, p, 15*time.Second))
		}
	}
	r2.start()
	r1.waitSite(r2, 30*time.Second)
	r2.waitSite(r1, 30*time.Second)
	l.mustPing("A1", "192.168.2.10")
	l.mustPing("B1", "2001:db8:2::10")

	r2.kill()
	l.must("ip", "-n", l.ns(r2.name), "link", "del", r2.port(b))
	r2.start()
	// R1 learns of the crash when R2 opens a new session or when its
	// hold timer expires, whichever comes first.
	for _, p := range sitePrefixes(2) {
		r1.waitGone(b, p, 30*time.Second)
	}
	r1.waitVRF(r2, a, 30*time.Second)
	l.mustPing("A1", "192.168.2.10")
	for _, route := range r1.bgpRoutes("") {
		if !route.Local && route.VRF == b.vrf {
			t.Errorf("R1 keeps a stale route of R2's: %+v", route)
		}
	}
}

// TestIntegrationEVPNFRRInterop: govrf's R1 (AS 65001) and FRR's site 3
// (AS 65003, netns VRFs) exchange type-5 routes; each programs the
// other's with the right VNI, next hop and router MAC, and the hosts
// behind each reach each other through VXLAN, per company.
func TestIntegrationEVPNFRRInterop(t *testing.T) {
	l := newLab(t)
	r1 := l.addRouter(1)
	f3 := l.addFRR(3, 65003, frrPeer{r1.addr(), 65001})
	r1.configure(r1.vxlanConfig()...)
	r1.configure(r1.bgpConfig(65001, "connected", bgpPeer{f3.addr(), 65003})...)
	for _, c := range companies {
		for _, p := range sitePrefixes(3) {
			l.eventually(30*time.Second, "R1 learning "+p+" from FRR", func() string {
				_, msg := r1.learned(c, p, f3.addr())
				return msg
			})
		}
		for _, p := range sitePrefixes(1) {
			l.eventually(10*time.Second, "FRR learning "+p+" from R1", func() string {
				if k := f3.kernelRoute(c, p); !strings.Contains(k, "proto bgp") || !strings.Contains(k, r1.addr()) {
					return fmt.Sprintf("ip route shows %q", k)
				}
				return ""
			})
			r, ok := f3.findRoute(r1.rd(c), p)
			if !ok {
				t.Fatalf("FRR has no type-5 route %s %s:\n%s", r1.rd(c), p, f3.vtysh("show bgp l2vpn evpn route type prefix"))
			}
			if msg := wantType5(r, c, r1.addr(), r1.rmac(c)); msg != "" {
				t.Errorf("govrf's route as FRR has it: %s", msg)
			}
		}
		if neigh := r1.govrf("neigh show vrf " + c.vrf + " nud all"); !strings.Contains(neigh, f3.rmac(c)) {
			t.Errorf("R1's VRF %s has no neighbour entry for FRR's router MAC %s:\n%s", c.vrf, f3.rmac(c), neigh)
		}
	}
	wire := l.capture("udp port 4789")
	for _, c := range companies {
		l.mustPing(c.host+"1", "192.168.3.10")
		l.mustPing(c.host+"1", "2001:db8:3::10")
		l.mustPing(c.host+"3", "192.168.1.10")
	}
	if seen := wire.vxlan(); !seen[100] || !seen[200] {
		t.Errorf("VXLAN between govrf and FRR: VNIs %v, want 100 and 200", seen)
	}
}

// TestIntegrationEVPNReflector: R1 and R2 in AS 65000 peer only with
// gobgpd, a route reflector, which passes their type-5 routes on with
// next hop and router MAC unchanged: traffic goes straight between the
// VTEPs.
func TestIntegrationEVPNReflector(t *testing.T) {
	l := newLab(t)
	rr := l.addReflector(65000, "10.99.0.1", "10.99.0.2")
	r1, r2 := l.addRouter(1), l.addRouter(2)
	for _, r := range []*router{r1, r2} {
		r.configure(r.vxlanConfig()...)
		r.configure(r.bgpConfig(65000, "connected", bgpPeer{reflectorAddr, 65000})...)
	}
	r1.waitSite(r2, 30*time.Second)
	r2.waitSite(r1, 30*time.Second)
	if rib := rr.gobgp("global", "rib", "-a", "evpn"); strings.Count(rib, "[type:Prefix]") != 8 {
		t.Errorf("the reflector holds, of 8 type-5 routes:\n%s", rib)
	}
	for _, c := range companies {
		l.mustPing(c.host+"1", "192.168.2.10")
		l.mustPing(c.host+"2", "2001:db8:1::10")
	}
}

// TestIntegrationEVPNMalformed: a peer's malformed route (extended
// communities cut short: treat-as-withdraw, RFC 7606 section 7.14) and
// unexpected ones (no router MAC; a route target no VRF imports) are
// logged and ignored; the session stays up and a good route afterwards
// is imported.
func TestIntegrationEVPNMalformed(t *testing.T) {
	l := newLab(t)
	r1 := l.addRouter(1)
	l.addNS("X")
	l.plug("X", "ul0")
	l.must("ip", "-n", l.ns("X"), "addr", "add", "10.99.0.20/24", "dev", "ul0")
	r1.configure(r1.vxlanConfig()...)
	r1.configure(r1.bgpConfig(65001, "connected", bgpPeer{"10.99.0.20", 65020})...)
	p := l.dialBGP("X", "10.99.0.20", 65020, r1.addr())
	a := companies[0]
	route := func(prefix string) type5 {
		return type5{rdAS: 65020, rdNum: 100, prefix: netip.MustParsePrefix(prefix), vni: 100,
			nextHop: netip.MustParseAddr("10.99.0.20"), rtAS: 65000, rtNum: 100, rmac: "02:00:00:00:14:01"}
	}
	malformed := route("10.21.0.0/24")
	malformed.extCommsLen = 13
	noRMAC := route("10.22.0.0/24")
	noRMAC.rmac = ""
	foreign := route("10.23.0.0/24")
	foreign.rtNum = 999
	for _, r := range []type5{malformed, noRMAC, foreign} {
		p.announce(r)
	}
	p.announce(route("10.20.0.0/24"))
	l.eventually(10*time.Second, "R1 importing the good route", func() string {
		_, msg := r1.learned(a, "10.20.0.0/24", "10.99.0.20")
		return msg
	})
	if msg := p.alive(); msg != "" {
		t.Fatalf("R1 ended the session: %s", msg)
	}
	for _, prefix := range []string{"10.21.0.0/24", "10.22.0.0/24", "10.23.0.0/24"} {
		for _, c := range companies {
			if _, msg := r1.learned(c, prefix, "10.99.0.20"); !strings.Contains(msg, "no route") {
				t.Errorf("R1 took a bad route: %s", msg)
			}
		}
	}
	if n := r1.neighbor("10.99.0.20"); n.State != "Established" {
		t.Errorf("R1's session with the raw peer: %+v", n)
	}
	if log := r1.log.String(); !strings.Contains(log, "10.22.0.0/24") {
		t.Errorf("R1 did not log the route without a router MAC it ignored:\n%s", log)
	}
}

// TestIntegrationEVPNClash: a second VRF with the first's VNI, or its
// route distinguisher, is refused with a message naming it, and the
// configuration is left as it was.
func TestIntegrationEVPNClash(t *testing.T) {
	l := newLab(t)
	r1 := l.addRouter(1)
	r1.configure(r1.vxlanConfig()...)
	r1.configure("bgp set as 65001 router-id 10.99.0.1", "bgp vrf add a vni 100 rd 65001:100 rt 65000:100")
	before := r1.govrf("show running-config")
	for _, tc := range []struct{ line, want string }{
		{"bgp vrf add b vni 100 rd 65001:200 rt 65000:200", "VNI 100"},
		{"bgp vrf add b vni 200 rd 65001:100 rt 65000:200", "65001:100"},
	} {
		res, err := r1.try(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		if res.Code == 0 || !strings.Contains(res.Stderr, tc.want) {
			t.Errorf("govrf %s: exit %d, %q; want a refusal naming %s", tc.line, res.Code, res.Stderr, tc.want)
		}
	}
	if after := r1.govrf("show running-config"); after != before {
		t.Errorf("a refused command changed the configuration:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	r1.govrf("bgp vrf add b vni 200 rd 65001:200 rt 65000:200")
}
