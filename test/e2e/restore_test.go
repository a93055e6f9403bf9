package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// settings reads R's sysctls of interface dev that a packet port
// quiesces, and whether dev has an IPv6 link-local address.
func (tp *topo) settings(dev string) map[string]string {
	tp.t.Helper()
	m := map[string]string{}
	for _, k := range []string{"net.ipv6.conf." + dev + ".disable_ipv6", "net.ipv4.conf." + dev + ".arp_ignore", "net.ipv4.conf." + dev + ".arp_announce"} {
		m[k] = strings.TrimSpace(tp.must("ip", "netns", "exec", tp.ns("R"), "sysctl", "-n", k))
	}
	m["link-local"] = "no"
	if strings.Contains(tp.must("ip", "-n", tp.ns("R"), "-6", "addr", "show", "dev", dev, "scope", "link"), "inet6 fe80::") {
		m["link-local"] = "yes"
	}
	return m
}

// TestIntegrationKillRestoresInterfaces kills govrfd with SIGKILL,
// which leaves its interfaces quiesced, starts it again and stops it
// with SIGTERM: the interfaces get their original settings back and
// their link-local addresses with them, because the restarted daemon
// took the originals from its state file rather than from the
// interfaces' quiesced values.
func TestIntegrationKillRestoresInterfaces(t *testing.T) {
	tp := newTopo(t)
	state := filepath.Join(tp.dir, "govrf.state")
	if !tp.stop() {
		t.Fatal("govrfd did not exit within 3 s of SIGTERM")
	}
	// Originals of ra1 that are not the kernel's defaults.
	tp.must("ip", "netns", "exec", tp.ns("R"), "sysctl", "-qw", "net.ipv4.conf.ra1.arp_ignore=1")
	want := map[string]map[string]string{}
	for _, s := range sites {
		want[s.port] = tp.settings(s.port)
		if want[s.port]["link-local"] != "yes" || want[s.port]["net.ipv6.conf."+s.port+".disable_ipv6"] != "0" {
			t.Fatalf("%s before govrfd: %v, want IPv6 on with a link-local address", s.port, want[s.port])
		}
	}
	if _, err := os.Stat(state); err == nil {
		t.Errorf("state file %s after SIGTERM: it exists, want it removed", state)
	}

	tp.start()
	if b, err := os.ReadFile(state); err != nil || !strings.Contains(string(b), `"ra1"`) {
		t.Errorf("state file while govrfd runs: %q, %v; want it to record ra1", b, err)
	}
	tp.kill()
	if got := tp.settings("ra1"); got["net.ipv4.conf.ra1.arp_ignore"] != "8" || got["link-local"] != "no" {
		t.Fatalf("ra1 after SIGKILL: %v, want it quiesced still", got)
	}
	tp.start()
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", "192.168.2.10"); !ok {
		t.Errorf("ping 192.168.2.10 from A1 after the restart failed:\n%s", out)
	}
	if !tp.stop() {
		t.Fatal("govrfd did not exit within 3 s of SIGTERM")
	}
	for _, s := range sites {
		var got map[string]string
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if got = tp.settings(s.port); mapsEqual(got, want[s.port]) || time.Now().After(deadline) {
				break
			}
		}
		if !mapsEqual(got, want[s.port]) {
			t.Errorf("%s after SIGKILL, restart and SIGTERM: %v, want the originals %v", s.port, got, want[s.port])
		}
	}
	if _, err := os.Stat(state); err == nil {
		t.Errorf("state file %s after the last SIGTERM: it exists, want it removed", state)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
