package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// vpnClient moves TAP device vpn0 from R into namespace C1 and makes it
// the client's interface: 10.8.0.2/24 and 2001:db8:8::2/64, default
// routes via govrf's addresses on the port.
func (tp *topo) vpnClient() {
	tp.t.Helper()
	c1 := tp.ns("C1")
	tp.must("ip", "-n", tp.ns("R"), "link", "set", "vpn0", "netns", c1)
	tp.must("ip", "-n", c1, "link", "set", "vpn0", "up")
	tp.must("ip", "-n", c1, "addr", "add", "10.8.0.2/24", "dev", "vpn0")
	tp.must("ip", "-n", c1, "-6", "addr", "add", "2001:db8:8::2/64", "dev", "vpn0", "nodad")
	tp.must("ip", "-n", c1, "route", "add", "default", "via", "10.8.0.1")
	tp.must("ip", "-n", c1, "-6", "route", "add", "default", "via", "2001:db8:8::1")
}

// TestIntegrationTapClient plays the VPN concentrator with a TAP per
// tenant: govrfd creates TAP port vpn0 in VRF a, and the device's kernel
// side, moved into namespace C1, is the tenant's client (govrf keeps the
// TAP's file, so the port follows the device into another namespace).
// The client reaches A2 across VRF a in both families, and B2, which
// has A2's addresses in VRF b, hears nothing of it. A device deleted
// from under govrf (`ip link del`) is created again, since the link is
// still configured; deleting the link removes the device, wherever it
// is.
func TestIntegrationTapClient(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	tp.addNS("C1")
	tp.configure(
		"link add vpn0 type tap",
		"link set dev vpn0 master a",
		"link set dev vpn0 up",
		"addr add 10.8.0.1/24 dev vpn0",
		"addr add 2001:db8:8::1/64 dev vpn0",
	)
	tp.vpnClient()

	const count = 3
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		tp.ping("C1", "-c", "1", "-W", "1", dst) // resolves the neighbours
		var before [2][2]int
		for i, h := range []string{"A2", "B2"} {
			before[i][0], before[i][1] = tp.echoCounts(h)
		}
		if out, ok := tp.ping("C1", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "1", dst); !ok {
			t.Errorf("ping %s from C1 over vpn0 failed:\n%s", dst, out)
		}
		want := map[string][2]int{"A2": {count, 0}, "B2": {0, 0}}
		if strings.Contains(dst, ":") {
			want["A2"] = [2]int{0, count}
		}
		for i, h := range []string{"A2", "B2"} {
			v4, v6 := tp.echoCounts(h)
			if got := [2]int{v4 - before[i][0], v6 - before[i][1]}; got != want[h] {
				t.Errorf("ping %s from C1 over vpn0: %s received (v4, v6) echo requests %v, want %v", dst, h, got, want[h])
			}
		}
	}

	tp.must("ip", "-n", tp.ns("C1"), "link", "del", "vpn0")
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if tp.in("R", "ip", "link", "show", "vpn0").Run() == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("vpn0 not created again in R within 2 s of ip link del")
		}
	}
	tp.vpnClient()
	if !tp.reachesWithin("C1", "192.168.2.10", 3*time.Second) {
		t.Error("ping 192.168.2.10 from C1 failed for 3 s over the vpn0 created again")
	}

	tp.govrf("link del dev vpn0")
	if out, err := tp.in("C1", "ip", "link", "show", "vpn0").CombinedOutput(); err == nil {
		t.Errorf("vpn0 is still in C1 after govrf link del dev vpn0:\n%s", out)
	}
}
