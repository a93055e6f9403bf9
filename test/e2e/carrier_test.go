package e2e

import (
	"strings"
	"testing"
	"time"
)

// linkShows waits up to two seconds for `govrf link show dev dev` to
// show flags and state as want (e.g. "<BROADCAST,MULTICAST,UP,LOWER_UP>"
// and "state UP") and fails the test if it does not.
func (tp *topo) linkShows(when, dev string, want ...string) {
	tp.t.Helper()
	out := ""
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out = tp.govrf("link show dev " + dev)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(out, w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			break
		}
	}
	tp.t.Errorf("%s: govrf link show dev %s:\n%s\nwant %s", when, dev, out, strings.Join(want, " ... "))
}

// kernelUp waits up to two seconds for R's interface dev to be up (or
// down) and fails the test if it does not get there.
func (tp *topo) kernelUp(when, dev string, up bool) {
	tp.t.Helper()
	out := ""
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out = tp.must("ip", "-n", tp.ns("R"), "-o", "link", "show", dev)
		flags := out[strings.Index(out, "<"):strings.Index(out, ">")]
		if strings.Contains(flags+",", ",UP,") == up || time.Now().After(deadline) {
			break
		}
	}
	if flags := out[strings.Index(out, "<"):strings.Index(out, ">")]; strings.Contains(flags+",", ",UP,") != up {
		tp.t.Errorf("%s: ip -n R link show %s = %s, want it %s", when, dev, out, map[bool]string{true: "up", false: "down"}[up])
	}
}

// TestIntegrationCarrierMirrored checks that a packet link shows its
// kernel interface's carrier and operational state as ip shows the
// interface: UP with carrier, NO-CARRIER and the state ip shows when
// the veth's peer is down, DOWN and NO-CARRIER when the interface
// itself is down; and that `govrf link set dev X up|down` and a restart bring the
// interface up and down with the link.
func TestIntegrationCarrierMirrored(t *testing.T) {
	tp := newTopo(t)
	r, a2 := tp.ns("R"), tp.ns("A2")
	up, upState := "<BROADCAST,MULTICAST,UP,LOWER_UP>", "state UP "
	noCarrier := "<NO-CARRIER,BROADCAST,MULTICAST,UP>"
	tp.linkShows("at start", "ra2", up, upState)

	tp.must("ip", "-n", a2, "link", "set", "eth0", "down")
	// A veth without carrier is LOWERLAYERDOWN, or DOWN where the
	// kernel does not find its peer in its own namespace
	// (default_operstate), as here.
	var kernel string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		kernel = tp.must("ip", "-n", r, "-o", "link", "show", "ra2")
		if strings.Contains(kernel, "NO-CARRIER") || time.Now().After(deadline) {
			break
		}
	}
	f := strings.Fields(kernel[strings.Index(kernel, " state "):])
	if !strings.Contains(kernel, "<NO-CARRIER,BROADCAST,MULTICAST,UP") || f[1] != "LOWERLAYERDOWN" && f[1] != "DOWN" {
		t.Fatalf("ip -n R link show ra2 with its peer down = %s, want NO-CARRIER ... state LOWERLAYERDOWN or DOWN", kernel)
	}
	tp.linkShows("peer down", "ra2", noCarrier, "state "+f[1]+" ")
	tp.must("ip", "-n", a2, "link", "set", "eth0", "up")
	tp.linkShows("peer up", "ra2", up, upState)
	// The peer's down deleted its routes through eth0.
	tp.must("ip", "-n", a2, "route", "replace", "default", "via", "192.168.2.1")

	// govrf monitor link hears of it, as ip monitor link would.
	mon := tp.monitor("link")

	tp.must("ip", "-n", r, "link", "set", "ra2", "down")
	tp.linkShows("interface down", "ra2", noCarrier, "state DOWN ")
	want := ": ra2: " + noCarrier + " mtu 1500 qdisc noqueue master a state DOWN "
	if got := mon.until(want, 2*time.Second); !strings.Contains(got, want) {
		t.Errorf("govrf monitor link with ra2 taken down printed:\n%s\nwant a line with %q", got, want)
	}
	if out := tp.govrf("-j link show dev ra2"); !strings.Contains(out, `"operstate":"DOWN"`) || !strings.Contains(out, `"NO-CARRIER"`) {
		t.Errorf("govrf -j link show dev ra2 with ra2 down: %s, want NO-CARRIER and operstate DOWN", out)
	}
	tp.govrf("link set dev ra2 up")
	tp.kernelUp("govrf link set dev ra2 up", "ra2", true)
	tp.linkShows("govrf link set dev ra2 up", "ra2", up, upState)
	if !tp.reachesWithin("A1", "192.168.2.10", 3*time.Second) {
		t.Errorf("ping 192.168.2.10 from A1 failed for 3 s after govrf link set dev ra2 up")
	}

	tp.govrf("link set dev ra2 down")
	tp.kernelUp("govrf link set dev ra2 down", "ra2", false)
	tp.linkShows("govrf link set dev ra2 down", "ra2", "<BROADCAST,MULTICAST>", "state DOWN ")
	tp.govrf("link set dev ra2 up")
	tp.kernelUp("govrf link set dev ra2 up again", "ra2", true)

	// A restart attaches the port and brings the interface of a link
	// that is up, up.
	if !tp.stop() {
		t.Fatal("govrfd did not exit within 3 s of SIGTERM")
	}
	tp.must("ip", "-n", r, "link", "set", "ra2", "down")
	tp.start()
	tp.kernelUp("restart", "ra2", true)
	tp.linkShows("restart", "ra2", up, upState)
	if !tp.reachesWithin("A1", "192.168.2.10", 3*time.Second) {
		t.Errorf("ping 192.168.2.10 from A1 failed for 3 s after the restart")
	}
}
