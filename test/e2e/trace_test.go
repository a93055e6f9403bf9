package e2e

import (
	"strings"
	"testing"
)

// TestIntegrationTrace traces real pings through govrfd, as the seed
// explains VRF by walking a packet through the kernel: A1's ping to A2
// goes through the stages in the kernel's order, taking VRF a and table
// 10 and the connected route of 192.168.2.0/24; a ping from B1 takes VRF
// b; a packet that expires is answered with Time Exceeded, and one
// blackholed is dropped with its reason.
func TestIntegrationTrace(t *testing.T) {
	tp := newTopo(t)
	tp.warm()

	tp.govrf("trace add dev ra1 count 1 proto icmp")
	tp.ping("A1", "-c", "1", "-W", "2", "192.168.2.10")
	out := tp.govrf("trace show")
	inOrder(t, out, "Trace 1", "ra1 (VRF a)", "192.168.1.10 > 192.168.2.10 proto 1",
		"netif_receive", "l3mdev_ip_rcv", "VRF a: lookups go to table 10",
		"fib_rules_lookup", "rule 0: lookup local", "192.168.2.10 in table local: no route",
		"rule 1000: lookup [l3mdev-table], the VRF's table 10",
		"fib_table_lookup", "192.168.2.10 in table 10: unicast 192.168.2.0/24 dev ra2",
		"ip_forward", "TTL 64 > 63", "out ra2 via 192.168.2.10",
		"neigh_output", "192.168.2.10 on ra2: REACHABLE", "verdict", "forwarded")

	tp.govrf("trace clear")
	tp.govrf("trace add vrf b count 1 proto icmp")
	tp.ping("B1", "-c", "1", "-W", "2", "192.168.2.10")
	out = tp.govrf("trace show")
	inOrder(t, out, "Trace 1", "rb1 (VRF b)", "VRF b: lookups go to table 20", "192.168.2.10 in table 20: unicast 192.168.2.0/24 dev rb2", "forwarded")
	if strings.Contains(out, "VRF a") {
		t.Errorf("B1's trace mentions VRF a:\n%s", out)
	}

	tp.govrf("trace clear")
	tp.govrf("route add blackhole 10.66.0.0/16 vrf a")
	tp.govrf("trace add dev ra1 count 2 proto icmp")
	tp.ping("A1", "-c", "1", "-t", "1", "-W", "1", "192.168.2.10")
	tp.ping("A1", "-c", "1", "-W", "1", "10.66.0.1")
	out = tp.govrf("trace show")
	inOrder(t, out, "Trace 1", "icmp_send", "time_exceeded error (type 11, code 0) for 192.168.1.10, routed in VRF a",
		"answered: ttl_exceeded", "Trace 2", "10.66.0.1 in table 10: blackhole 10.66.0.0/16", "dropped: blackhole")
	if js := tp.govrf("-j trace show"); !strings.Contains(js, `"verdict":"dropped: blackhole"`) || !strings.Contains(js, `"stage":"fib_table_lookup"`) {
		t.Errorf("govrf -j trace show:\n%s", js)
	}
}

// inOrder checks that out holds each of want, in that order.
func inOrder(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("missing %q (in order) in:\n%s", w, out)
			return
		}
		rest = rest[i+len(w):]
	}
}
