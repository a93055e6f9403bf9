package evpn

import (
	"fmt"
	"regexp"
	"testing"
)

// linkMAC returns the MAC address of the router's link dev.
func (r *router) linkMAC(dev string) string {
	r.lab.t.Helper()
	out := r.govrf("link show dev " + dev)
	m := regexp.MustCompile(`link/ether (\S+)`).FindStringSubmatch(out)
	if m == nil {
		r.lab.t.Fatalf("%s: no MAC address in link show dev %s:\n%s", r.name, dev, out)
	}
	return m[1]
}

// TestIntegrationVXLANFRRDataPlane checks govrf's half of symmetric IRB
// without BGP: R1 and FRR's site 3 are programmed by hand with what
// their EVPN imports would program, the remote site's route onlink via
// the remote VTEP, its router MAC as neighbour and as fdb entry towards
// the VTEP (govrf's router MAC being its VXLAN link's address), and the
// hosts behind each reach each other through VXLAN with the company's
// VNI, in both families; the outer UDP source port stays the same
// within one inner flow.
func TestIntegrationVXLANFRRDataPlane(t *testing.T) {
	l := newLab(t)
	r1 := l.addRouter(1)
	f3 := l.addFRR(3, 65003) // no BGP peer: the kernel is programmed by hand
	r1.configure(r1.vxlanConfig()...)
	for _, c := range companies {
		vx, br := fmt.Sprintf("vx%d", c.vni), fmt.Sprintf("br%d", c.vni)
		rmac := r1.linkMAC(vx)
		r1.configure(
			"neigh add 10.99.0.3 lladdr "+f3.rmac(c)+" dev "+vx+" nud noarp",
			"neigh add ::ffff:10.99.0.3 lladdr "+f3.rmac(c)+" dev "+vx+" nud noarp",
			"bridge fdb add "+f3.rmac(c)+" dev "+vx+" dst 10.99.0.3",
			"route add 192.168.3.0/24 via 10.99.0.3 dev "+vx+" onlink vrf "+c.vrf+" proto bgp",
			"-6 route add 2001:db8:3::/64 via ::ffff:10.99.0.3 dev "+vx+" onlink vrf "+c.vrf+" proto bgp")
		v := l.ns(f3.vrfNS(c))
		l.must("ip", "-n", v, "neigh", "add", "10.99.0.1", "lladdr", rmac, "dev", br, "nud", "noarp")
		l.must("ip", "-n", v, "neigh", "add", "::ffff:10.99.0.1", "lladdr", rmac, "dev", br, "nud", "noarp")
		l.must("bridge", "-n", v, "fdb", "add", rmac, "dev", vx, "dst", "10.99.0.1", "self")
		l.must("bridge", "-n", v, "fdb", "add", rmac, "dev", vx, "master", "static")
		l.must("ip", "-n", v, "route", "add", "192.168.1.0/24", "via", "10.99.0.1", "dev", br, "onlink")
		l.must("ip", "-n", v, "-6", "route", "add", "2001:db8:1::/64", "via", "::ffff:10.99.0.1", "dev", br, "onlink")
	}
	for _, c := range companies {
		l.mustPing(c.host+"1", "192.168.3.10")
		l.mustPing(c.host+"1", "2001:db8:3::10")
		l.mustPing(c.host+"3", "192.168.1.10")
		l.mustPing(c.host+"3", "2001:db8:1::10")
	}
	for i, c := range companies {
		wire := l.capture("udp port 4789 and src host 10.99.0.1")
		for _, dst := range []string{"192.168.3.10", "2001:db8:3::10"} {
			if out, ok := l.ping(c.host+"1", "-c", "4", "-i", "0.2", "-W", "1", dst); !ok {
				t.Fatalf("%s1 → %s:\n%s", c.host, dst, out)
			}
		}
		text := wire.stop()
		seen := vxlanByVNI(text)
		if len(seen[c.vni]) < 8 || len(seen[companies[1-i].vni]) != 0 {
			t.Errorf("company %s's pings left R1 with VNIs %v", c.host, counts(seen))
		}
		if ports := srcPorts(text); ports["IP"] != 1 || ports["IP6"] != 1 {
			t.Errorf("one ping's echo requests left R1 from outer source ports %v per family, want one each\n%s", ports, text)
		}
	}
}

var srcPortRE = regexp.MustCompile(`IP 10\.99\.0\.1\.(\d+) > [^\n]*\n(IP6?) [^\n]*echo request`)

// srcPorts counts the outer UDP source ports of the VXLAN packets
// tcpdump printed with an echo request inside, per inner family (IP,
// IP6).
func srcPorts(text string) map[string]int {
	seen := map[string]map[string]bool{}
	for _, m := range srcPortRE.FindAllStringSubmatch(text, -1) {
		if seen[m[2]] == nil {
			seen[m[2]] = map[string]bool{}
		}
		seen[m[2]][m[1]] = true
	}
	n := map[string]int{}
	for family, ports := range seen {
		n[family] = len(ports)
	}
	return n
}
