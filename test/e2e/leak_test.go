package e2e

import (
	"strings"
	"testing"
)

// addLeakedC adds VRF c (table 30) with port rc1 to host C1 on
// 10.3.0.0/24 and 2001:db8:3::/64, and leaks VRF a's and VRF c's
// subnets into each other through the VRF devices (linux-vrf.md §1.7a).
// rc1's link, both ends, and govrf's rc1 have an MTU of mtu.
func (tp *topo) addLeakedC(mtu string) {
	tp.t.Helper()
	tp.addNS("C1")
	tp.addPort("C1", "rc1")
	tp.must("ip", "-n", tp.ns("R"), "link", "set", "rc1", "mtu", mtu)
	c1 := tp.ns("C1")
	tp.must("ip", "-n", c1, "link", "set", "eth0", "mtu", mtu)
	tp.must("ip", "-n", c1, "addr", "add", "10.3.0.10/24", "dev", "eth0")
	tp.must("ip", "-n", c1, "-6", "addr", "add", "2001:db8:3::10/64", "dev", "eth0", "nodad")
	tp.must("ip", "-n", c1, "route", "add", "default", "via", "10.3.0.1")
	tp.must("ip", "-n", c1, "-6", "route", "add", "default", "via", "2001:db8:3::1")
	tp.configure(
		"link add name c type vrf table 30",
		"link set dev c up",
		"link add link rc1 name rc1 type packet",
		"link set dev rc1 master c",
		"link set dev rc1 mtu "+mtu,
		"link set dev rc1 up",
		"addr add 10.3.0.1/24 dev rc1",
		"addr add 2001:db8:3::1/64 dev rc1",
		"route add unreachable default metric 4278198272 vrf c",
		"-6 route add unreachable default metric 4278198272 vrf c",
		"route add 10.3.0.0/24 dev c vrf a",
		"route add 192.168.1.0/24 dev a vrf c",
		"-6 route add 2001:db8:3::/64 dev c vrf a",
		"-6 route add 2001:db8:1::/64 dev a vrf c",
	)
}

// TestIntegrationRouteLeak crosses from VRF a to VRF c and back through
// leaked routes whose device is the other VRF: the leak costs one hop,
// answered from VRF a's side (ICMP errors are sourced in the ingress
// VRF), and the smaller MTU of c's port is reported to A1 from R's
// address facing it (RFC 1191 Fragmentation Needed, RFC 4443 Packet Too
// Big).
func TestIntegrationRouteLeak(t *testing.T) {
	tp := newTopo(t)
	tp.addLeakedC("1400")
	for _, c := range []struct {
		c1, a1, gw  string // C1's and A1's addresses, R's address facing A1
		tooBig, ttl string
	}{
		{"10.3.0.10", "192.168.1.10", "192.168.1.1", "Frag needed and DF set (mtu = 1400)", "Time to live exceeded"},
		{"2001:db8:3::10", "2001:db8:1::10", "2001:db8:1::1", "Packet too big: mtu=1400", "Time exceeded: Hop limit"},
	} {
		tp.ping("A1", "-c", "1", "-W", "1", c.c1) // resolves the neighbours
		if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "2", c.c1); !ok {
			t.Errorf("ping %s from A1 failed:\n%s", c.c1, out)
		}
		if out, ok := tp.ping("C1", "-c", "2", "-i", "0.2", "-W", "2", c.a1); !ok {
			t.Errorf("ping %s from C1 failed:\n%s", c.a1, out)
		}

		args := []string{"traceroute", "-n", "-I", "-q", "1", "-w", "2", "-m", "3", c.c1}
		out, err := tp.in("A1", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s from A1: %v\n%s", strings.Join(args, " "), err, out)
		}
		var hops []string
		for _, l := range strings.Split(string(out), "\n")[1:] {
			if f := strings.Fields(l); len(f) >= 2 {
				hops = append(hops, f[1])
			}
		}
		if want := []string{c.gw, c.c1}; strings.Join(hops, " ") != strings.Join(want, " ") {
			t.Errorf("%s from A1: hops %v, want %v\n%s", strings.Join(args, " "), hops, want, out)
		}

		got, _ := tp.ping("A1", "-c", "1", "-t", "1", "-W", "2", c.c1)
		if want := "From " + c.gw + " icmp_seq=1 " + c.ttl; !strings.Contains(got, want) {
			t.Errorf("ping -c1 -t1 %s from A1 = %q, want %q", c.c1, got, want)
		}

		got, _ = tp.ping("A1", "-M", "do", "-s", "1450", "-c", "1", "-W", "2", c.c1)
		if want := "From " + c.gw + " icmp_seq=1 " + c.tooBig; !strings.Contains(got, want) {
			t.Errorf("ping -M do -s 1450 -c1 %s from A1 = %q, want %q", c.c1, got, want)
		}
	}
}
