package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// TestIntegrationVanishedInterface deletes the kernel interface under
// VRF a's port ra1 while govrfd runs. govrfd goes on serving and
// forwarding for B, keeps ra1 in its configuration, and when an
// interface named ra1 appears again (a veth made again, as a VPN daemon
// makes its TAP again) opens a port on it without being told: A1
// reaches A2 again. A port on an interface that does not exist is
// refused and leaves the configuration as it was.
func TestIntegrationVanishedInterface(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	conf := tp.govrf("show running-config")
	tp.must("ip", "-n", tp.ns("R"), "link", "del", "ra1")

	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		if out, ok := tp.ping("B1", "-c", "2", "-i", "0.2", "-W", "1", dst); !ok {
			t.Errorf("ping %s from B1 after ra1 vanished failed:\n%s", dst, out)
		}
	}
	if out := tp.govrf("link show"); !strings.Contains(out, " ra1: ") {
		t.Errorf("govrf link show after ra1 vanished lacks ra1:\n%s", out)
	}
	// The port closes when the link's watch sees the interface go.
	out := ""
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if out = tp.govrf("link show dev ra1"); strings.Contains(out, "<NO-CARRIER,BROADCAST,MULTICAST,UP>") {
			break
		}
	}
	if !strings.Contains(out, "<NO-CARRIER,BROADCAST,MULTICAST,UP>") || !strings.Contains(out, "state LOWERLAYERDOWN") {
		t.Errorf("govrf link show dev ra1 after ra1 vanished:\n%s\nwant <NO-CARRIER,BROADCAST,MULTICAST,UP> ... state LOWERLAYERDOWN", out)
	}

	line := "link add link nosuch name x type packet"
	r, err := api.Call(tp.sock, strings.Fields(line))
	if want := "Error: cannot attach \"nosuch\": no such network interface\n"; err != nil || r.Code != 2 || r.Stderr != want {
		t.Errorf("govrf %s = exit %d, %q, %v; want exit 2, %q", line, r.Code, r.Stderr, err, want)
	}
	if got := tp.govrf("show running-config"); got != conf {
		t.Errorf("show running-config after ra1 vanished and %q:\n%s\nwant as before:\n%s", line, got, conf)
	}
	tp.govrf("save")
	if got, err := os.ReadFile(tp.conf); err != nil || string(got) != conf {
		t.Errorf("the configuration file after ra1 vanished and %q:\n%s\nwant as before:\n%s", line, got, conf)
	}

	tp.addPort("A1", "ra1") // A1's eth0 went with the pair
	tp.addHostAddrs("A1", "1")
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		if !tp.reachesWithin("A1", dst, 3*time.Second) {
			t.Errorf("ping %s from A1 failed for 3 s after ra1 came back", dst)
		}
	}
	if out := tp.govrf("link show dev ra1"); !strings.Contains(out, "<BROADCAST,MULTICAST,UP,LOWER_UP>") {
		t.Errorf("govrf link show dev ra1 after ra1 came back:\n%s\nwant <BROADCAST,MULTICAST,UP,LOWER_UP>", out)
	}
	select {
	case <-tp.exited:
		t.Fatalf("govrfd exited: %v", tp.daemon.ProcessState)
	default:
	}
}
