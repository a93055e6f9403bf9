package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestFallThrough: a miss in a VRF's table falls through to main, as the
// kernel's rule walk does (the pitfall kept visible); the documented
// `unreachable default metric 4278198272` stops it.
func TestFallThrough(t *testing.T) {
	s := newSeed(t, Config{}, "link add name rd1 type dummy", "link set dev rd1 up",
		"addr add 10.50.0.1/24 dev rd1", "addr add 2001:db8:50::1/64 dev rd1")
	d1 := s.host("rd1", sim.HostConfig{Name: "d1",
		Addrs: []netip.Prefix{pfx("10.50.0.10/24"), pfx("2001:db8:50::10/64")}})
	for _, dst := range []string{"10.50.0.10", "2001:db8:50::10"} {
		d1.ResetCapture()
		ping(t, s.a1, dst, sim.Opts{Timeout: time.Second}, "") // d1 has no route back
		if n := len(echoRequests(d1)); n != 1 {
			t.Fatalf("d1 received %d echo requests from VRF a, want 1: the miss falls through to main", n)
		}
	}
	s.run("route add unreachable default metric 4278198272 vrf a",
		"-6 route add unreachable default metric 4278198272 vrf a")
	d1.ResetCapture()
	ping(t, s.a1, "10.50.0.10", sim.Opts{}, "host unreachable from 192.168.1.1")
	ping(t, s.a1, "2001:db8:50::10", sim.Opts{}, "no route from 2001:db8:1::1")
	if n := len(echoRequests(d1)); n != 0 {
		t.Errorf("d1 received %d echo requests, want none behind the unreachable default", n)
	}
}

// echoRequests returns the echo requests h received.
func echoRequests(h *sim.Host) []header.ICMPv4 {
	var out []header.ICMPv4
	msgs, _ := icmpFrom(h)
	for _, m := range msgs {
		if m.Type() == header.ICMPv4Echo || m.Type() == header.ICMPv6EchoRequest {
			out = append(out, m)
		}
	}
	return out
}

// TestRouterAddresses: the router's addresses answer the hosts of their
// own VRF only. An address of VRF b is unknown to a: no echo, no ARP.
// ARP answers any address of the port's VRF (arp_ignore 0); NDP only the
// port's own.
func TestRouterAddresses(t *testing.T) {
	s := newSeed(t, Config{}, "addr add 10.20.0.1/32 dev b", "addr add 2001:db8:20::1/128 dev b")
	for _, h := range []*sim.Host{s.a1, s.b1} {
		h.ResetCapture()
		ping(t, h, "192.168.1.1", sim.Opts{}, "echo reply from 192.168.1.1")
		ping(t, h, "192.168.2.1", sim.Opts{}, "echo reply from 192.168.2.1")
		ping(t, h, "2001:db8:1::1", sim.Opts{}, "echo reply from 2001:db8:1::1")
		ping(t, h, "2001:db8:2::1", sim.Opts{}, "echo reply from 2001:db8:2::1")
	}
	ping(t, s.b1, "10.20.0.1", sim.Opts{}, "echo reply from 10.20.0.1")
	ping(t, s.b1, "2001:db8:20::1", sim.Opts{}, "echo reply from 2001:db8:20::1")
	ping(t, s.a1, "10.20.0.1", sim.Opts{}, "net unreachable from 192.168.1.1")
	ping(t, s.a1, "2001:db8:20::1", sim.Opts{}, "no route from 2001:db8:1::1")

	resolve := []struct {
		h    *sim.Host
		addr string
		ok   bool
	}{
		{s.a1, "192.168.2.1", true},     // another port of a: ARP answers for the domain
		{s.a1, "10.20.0.1", false},      // b's address
		{s.b1, "10.20.0.1", true},       // b's address, from b
		{s.a1, "2001:db8:2::1", false},  // NDP answers for the port's own addresses only
		{s.a1, "2001:db8:20::1", false}, // b's
	}
	for _, r := range resolve {
		mac, err := r.h.Resolve(ip(r.addr))
		if (err == nil) != r.ok {
			t.Errorf("%s.Resolve(%s) = %v, %v, want found %v", r.h.Name(), r.addr, mac, err, r.ok)
		}
	}
}

// TestNeighbourFailure: a next hop that never answers its solicitations
// gets the packets waiting for it answered with host unreachable (ICMPv6
// address unreachable), from the ingress VRF, after three tries a second
// apart.
func TestNeighbourFailure(t *testing.T) {
	s := newSeed(t, Config{})
	r := ping(t, s.a1, "192.168.2.99", sim.Opts{}, "host unreachable from 192.168.1.1")
	if r.RTT != 3*time.Second {
		t.Errorf("host unreachable after %v, want 3s", r.RTT)
	}
	r = ping(t, s.b1, "2001:db8:2::99", sim.Opts{}, "address unreachable from 2001:db8:1::1")
	if r.RTT != 3*time.Second {
		t.Errorf("address unreachable after %v, want 3s", r.RTT)
	}
	if got := s.port("ra2").TxDrops[ReasonNeighFailed]; got != 1 {
		t.Errorf("ra2 TxDrops[neigh_failed] = %d, want 1", got)
	}
	if got := s.port("rb2").TxDrops[ReasonNeighFailed]; got != 1 {
		t.Errorf("rb2 TxDrops[neigh_failed] = %d, want 1", got)
	}
	checkBalance(t, s.dp.Stats())
}

// TestSourceCheckDissects: once a rule matches on the protocol, the
// source check's reverse flow carries it (fib4_rules_early_flow_dissect):
// here A1's address routes back as local for UDP only, so A1's UDP is a
// martian source while its echo requests pass.
func TestSourceCheckDissects(t *testing.T) {
	s := newSeed(t, Config{}, "route add local 0.0.0.0/0 dev ra1 table 99",
		"rule add pref 50 to 192.168.1.0/24 ipproto udp table 99")
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	before := s.vrf("a").Drops[ReasonMartianSource]
	s.a1.UDP(netip.MustParseAddrPort("192.168.2.10:9"), nil, sim.Opts{})
	if got := s.vrf("a").Drops[ReasonMartianSource] - before; got != 1 {
		t.Errorf("A1's UDP to A2: %d martian source drops, want 1", got)
	}
}
