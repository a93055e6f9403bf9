package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// leakLab is VRF a (ra1: A1 on 192.168.1.0/24) and VRF c (rc1: C1 on
// 10.3.0.0/24), with leaked routes configured by the test.
type leakLab struct {
	*lab
	a1, c1 *sim.Host
}

func newLeak(t *testing.T, routes ...string) *leakLab {
	l := newLab(t, Config{})
	l.run("link add name a type vrf table 10", "link add name c type vrf table 30",
		"link set dev a up", "link set dev c up",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
	l.run(vrfPort("ra1", "a", "192.168.1.1/24", "2001:db8:1::1/64")...)
	l.run(vrfPort("rc1", "c", "10.3.0.1/24", "2001:db8:3::1/64")...)
	l.run(routes...)
	ll := &leakLab{lab: l}
	ll.a1 = l.host("ra1", hostCfg("a1", "1"))
	ll.c1 = l.host("rc1", sim.HostConfig{Name: "c1",
		Addrs:    []netip.Prefix{pfx("10.3.0.10/24"), pfx("2001:db8:3::10/64")},
		Gateway4: ip("10.3.0.1"), Gateway6: ip("2001:db8:3::1")})
	return ll
}

// vrfLeaks leak each VRF's subnets into the other through the VRF
// devices (leak (a) of docs/architecture.md, "VRF semantics";
// vrf_route_leaking.sh).
var vrfLeaks = []string{
	"route add 10.3.0.0/24 dev c vrf a", "route add 192.168.1.0/24 dev a vrf c",
	"route add 2001:db8:3::/64 dev c vrf a", "route add 2001:db8:1::/64 dev a vrf c",
}

// TestLeakThroughVRF: a route whose device is another VRF takes a second
// lookup in that VRF, both ways, and reaches that VRF's own addresses.
// Errors about leaked packets are routed and sourced in the ingress VRF.
func TestLeakThroughVRF(t *testing.T) {
	l := newLeak(t, append(vrfLeaks, "link set dev rc1 mtu 1400")...)
	ping(t, l.a1, "10.3.0.10", sim.Opts{}, "echo reply from 10.3.0.10")
	ping(t, l.c1, "192.168.1.10", sim.Opts{}, "echo reply from 192.168.1.10")
	ping(t, l.a1, "10.3.0.1", sim.Opts{}, "echo reply from 10.3.0.1")
	ping(t, l.a1, "2001:db8:3::10", sim.Opts{}, "echo reply from 2001:db8:3::10")
	ping(t, l.a1, "2001:db8:3::1", sim.Opts{}, "echo reply from 2001:db8:3::1")
	ping(t, l.c1, "2001:db8:1::10", sim.Opts{}, "echo reply from 2001:db8:1::10")

	if r, err := l.a1.Probe(ip("10.3.0.10"), 1, header.ProtoUDP); err != nil || r.String() != "time exceeded from 192.168.1.1" {
		t.Errorf("a1.Probe(10.3.0.10, ttl 1) = %q, %v, want time exceeded from 192.168.1.1", r, err)
	}
	if r, err := l.c1.Probe(ip("192.168.1.10"), 1, header.ProtoICMP); err != nil || r.String() != "time exceeded from 10.3.0.1" {
		t.Errorf("c1.Probe(192.168.1.10, ttl 1) = %q, %v, want time exceeded from 10.3.0.1", r, err)
	}
	if r, err := l.a1.Probe(ip("10.3.0.10"), 2, header.ProtoUDP); err != nil || r.String() != "port unreachable from 10.3.0.10" {
		t.Errorf("a1.Probe(10.3.0.10, ttl 2) = %q, %v, want the leak to cost one hop", r, err)
	}
	ping(t, l.a1, "10.3.0.10", sim.Opts{Size: 1373, DF: true}, "frag needed mtu 1400 from 192.168.1.1")
	ping(t, l.a1, "2001:db8:3::10", sim.Opts{Size: 1353}, "packet too big mtu 1400 from 2001:db8:1::1")

	st := l.dp.Stats()
	checkBalance(t, st)
	// Leaked packets are received in a and sent in c.
	if a, c := st.VRFs["a"], st.VRFs["c"]; a.Forwarded == 0 || c.TxPackets == 0 {
		t.Errorf("VRF a forwarded %d, VRF c sent %d, want both non-zero", a.Forwarded, c.TxPackets)
	}
}

// TestLeakOneWay: without the route back, the leak delivers but the
// answer has nowhere to go in c.
func TestLeakOneWay(t *testing.T) {
	l := newLeak(t, "route add 10.3.0.0/24 dev c vrf a", "route add unreachable default metric 4278198272 vrf c")
	l.c1.ResetCapture()
	ping(t, l.a1, "10.3.0.10", sim.Opts{Timeout: time.Second}, "")
	msgs, srcs := icmpFrom(l.c1)
	if len(msgs) != 2 || msgs[0].Type() != header.ICMPv4Echo ||
		msgs[1].Type() != header.ICMPv4DstUnreachable || srcs[1] != ip("10.3.0.1") {
		t.Errorf("c1 received %d ICMP messages, want the request and host unreachable from 10.3.0.1 for its reply", len(msgs))
	}
	if got := l.port("rc1").Answered[ReasonUnreachableRoute]; got != 1 {
		t.Errorf("rc1 Answered[unreachable_route] = %d, want c1's reply refused in c", got)
	}
}

// TestLeakNexthopPort: a route whose nexthop is a port of another VRF
// takes the single lookup and leaves by that port (leak (b)): the far host
// is reached, but c's own address is not, since the packet goes to the
// gateway instead.
func TestLeakNexthopPort(t *testing.T) {
	l := newLeak(t, "route add 10.3.0.0/24 via 10.3.0.10 dev rc1 vrf a", "route add 192.168.1.0/24 dev a vrf c")
	ping(t, l.a1, "10.3.0.10", sim.Opts{}, "echo reply from 10.3.0.10")
	ping(t, l.a1, "10.3.0.1", sim.Opts{Timeout: time.Second}, "")
	if got := l.c1.Drops()["ipv4 not ours"]; got != 1 {
		t.Errorf(`c1.Drops()["ipv4 not ours"] = %d, want the packet for 10.3.0.1 sent to c1`, got)
	}
}

// TestLeakNexthopObject: a nexthop object in another VRF, used by a route
// in a, as FRR installs leaks.
func TestLeakNexthopObject(t *testing.T) {
	l := newLeak(t, "nexthop add id 10 via 10.3.0.10 dev rc1", "route add 10.3.0.0/24 nhid 10 vrf a",
		"route add 192.168.1.0/24 dev a vrf c")
	ping(t, l.a1, "10.3.0.10", sim.Opts{}, "echo reply from 10.3.0.10")
}
