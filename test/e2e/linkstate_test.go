package e2e

import (
	"strings"
	"testing"
	"time"
)

// reaches reports whether one echo request from host to dst is answered
// within half a second.
func (tp *topo) reaches(host, dst string) bool {
	_, ok := tp.ping(host, "-c", "1", "-W", "0.5", dst)
	return ok
}

// reachesWithin pings dst from host until an answer comes back or the
// time is up, and reports whether one did.
func (tp *topo) reachesWithin(host, dst string, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; {
		if tp.reaches(host, dst) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// TestIntegrationLinkDownUp takes the path A1→A2 down and up again in
// three places while govrfd runs: R's end of A2's veth (the interface
// under the packet port), A2's own end (the carrier of R's end), and
// govrf's administrative state of the port. Forwarding stops while the
// link is down and comes back within a few seconds of `up`, without a
// restart.
func TestIntegrationLinkDownUp(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	r, a2 := tp.ns("R"), tp.ns("A2")
	// Down takes the IPv6 addresses away, in A2's kernel and in govrf
	// alike (addrconf_ifdown), unless they are kept.
	tp.must("ip", "netns", "exec", a2, "sysctl", "-qw", "net.ipv6.conf.eth0.keep_addr_on_down=1")
	tp.govrf("sysctl -w net.ipv6.conf.all.keep_addr_on_down=1")
	for _, c := range []struct {
		name     string
		down, up func()
	}{
		{"ip -n R link set ra2",
			func() { tp.must("ip", "-n", r, "link", "set", "ra2", "down") },
			func() { tp.must("ip", "-n", r, "link", "set", "ra2", "up") }},
		{"ip -n A2 link set eth0",
			func() { tp.must("ip", "-n", a2, "link", "set", "eth0", "down") },
			func() {
				tp.must("ip", "-n", a2, "link", "set", "eth0", "up")
				// The host's down deleted its routes through eth0.
				tp.must("ip", "-n", a2, "route", "replace", "default", "via", "192.168.2.1")
				tp.must("ip", "-n", a2, "-6", "route", "replace", "default", "via", "2001:db8:2::1")
			}},
		{"govrf link set dev ra2",
			func() { tp.govrf("link set dev ra2 down") },
			func() { tp.govrf("link set dev ra2 up") }},
	} {
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			if !tp.reaches("A1", dst) {
				t.Fatalf("%s: ping %s from A1 failed before down", c.name, dst)
			}
		}
		c.down()
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			if tp.reaches("A1", dst) {
				t.Errorf("%s down: ping %s from A1 answered", c.name, dst)
			}
		}
		c.up()
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			if !tp.reachesWithin("A1", dst, 3*time.Second) {
				t.Errorf("%s up: ping %s from A1 failed for 3 s", c.name, dst)
			}
		}
		if out := tp.govrf("link show dev ra2"); !strings.Contains(out, ",UP,") {
			t.Errorf("%s up: govrf link show dev ra2 = %q, want UP", c.name, out)
		}
	}
}
