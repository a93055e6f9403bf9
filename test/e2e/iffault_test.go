package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestIntegrationInterfaceFaults takes the kernel interface under VRF
// a's port ra2 away and back in three ways while A1 floods A2 through
// it: deleted and made again, renamed (taken down to be) and named
// back, its MTU changed and changed back. Each time govrfd keeps ra2's
// configuration, shows the interface's loss in `govrf link show` and
// `govrf monitor link`, forwards A1 → A2 again once the interface is
// back (the renamed one too), and company B's traffic never stops.
func TestIntegrationInterfaceFaults(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	conf := tp.govrf("show running-config")
	mon := tp.monitor("link")
	stopFlood := tp.flood("A1", "192.168.2.10")
	r := tp.ns("R")
	noCarrier := []string{"<NO-CARRIER,BROADCAST,MULTICAST,UP>", "state LOWERLAYERDOWN"}
	up := []string{"<BROADCAST,MULTICAST,UP,LOWER_UP>", "state UP "}
	back := func(when string) {
		t.Helper()
		tp.linkShows(when, "ra2", up...)
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			if !tp.reachesWithin("A1", dst, 3*time.Second) {
				t.Errorf("%s: ping %s from A1 failed for 3 s", when, dst)
			}
		}
		if !tp.reaches("B1", "192.168.2.10") {
			t.Errorf("%s: ping B1 → B2 failed", when)
		}
		if got := tp.govrf("show running-config"); got != conf {
			t.Errorf("%s: the running configuration changed:\n%s\nwant:\n%s", when, got, conf)
		}
	}

	// Deleted and made again.
	tp.must("ip", "-n", r, "link", "del", "ra2")
	tp.linkShows("ra2 deleted", "ra2", noCarrier...)
	if !tp.reaches("B1", "192.168.2.10") {
		t.Error("ra2 deleted: ping B1 → B2 failed")
	}
	tp.addPort("A2", "ra2")
	tp.addHostAddrs("A2", "2")
	back("ra2 made again")

	// Renamed, and named back: the port stays on the interface, as
	// the kernel's devices on an interface do through a rename.
	ipSet := func(args ...string) { tp.must(append([]string{"ip", "-n", r, "link", "set"}, args...)...) }
	ipSet("ra2", "down")
	tp.linkShows("ra2 down", "ra2", "<NO-CARRIER,BROADCAST,MULTICAST,UP>", "state DOWN")
	ipSet("ra2", "name", "ra2x")
	ipSet("ra2x", "up")
	back("ra2 renamed ra2x")
	ipSet("ra2x", "down")
	ipSet("ra2x", "name", "ra2")
	ipSet("ra2", "up")
	back("ra2 named back")

	// The MTU changed under the port, and changed back.
	for _, mtu := range []string{"1400", "1500"} {
		tp.must("ip", "-n", r, "link", "set", "ra2", "mtu", mtu)
		time.Sleep(200 * time.Millisecond)
		back("ra2's MTU set to " + mtu)
	}

	// Jumbo frames: the ports opened again for the interfaces' new MTU
	// carry what the old one could not.
	for _, c := range [][]string{{"R", "ra1"}, {"R", "ra2"}, {"A1", "eth0"}, {"A2", "eth0"}} {
		tp.must("ip", "-n", tp.ns(c[0]), "link", "set", c[1], "mtu", "9000")
	}
	tp.configure("link set dev ra1 mtu 9000", "link set dev ra2 mtu 9000")
	time.Sleep(200 * time.Millisecond)
	if out, ok := tp.ping("A1", "-c", "1", "-W", "2", "-M", "do", "-s", "8000", "192.168.2.10"); !ok {
		t.Errorf("ping -M do -s 8000 A1 → A2 with every MTU 9000 failed:\n%s", out)
	}

	t.Logf("ping -f A1 → A2 through the faults: %s", stopFlood())
	got := mon.until("ra2: <BROADCAST", 0)
	var ra2 []string
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, " ra2: <") {
			ra2 = append(ra2, strings.Fields(l)[2])
		}
	}
	t.Logf("govrf monitor link, ra2: %s", strings.Join(ra2, " "))
	if n := strings.Count(got, "ra2: <NO-CARRIER"); n < 3 {
		t.Errorf("govrf monitor link showed ra2 without carrier %d times, want at least 3 (deleted, down before each rename):\n%s", n, got)
	}
	select {
	case <-tp.exited:
		t.Fatal("govrfd exited")
	default:
	}
}
