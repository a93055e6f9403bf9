package e2e

import (
	"os"
	"testing"
)

// TestIntegrationRestart stops govrfd with SIGTERM and starts it again
// on the same configuration file and journal: forwarding resumes as
// configured, the running configuration is as it was, and the file
// compacted at start is that configuration.
func TestIntegrationRestart(t *testing.T) {
	tp := newTopo(t)
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", "192.168.2.10"); !ok {
		t.Fatalf("ping 192.168.2.10 from A1 before the restart failed:\n%s", out)
	}
	before := tp.govrf("show running-config")
	if !tp.stop() {
		t.Fatal("govrfd did not exit within 3 s of SIGINT")
	}
	tp.start()
	for _, p := range []struct{ from, dst string }{
		{"A1", "192.168.2.10"}, {"B1", "192.168.2.10"}, {"A1", "2001:db8:2::10"},
	} {
		if out, ok := tp.ping(p.from, "-c", "3", "-i", "0.2", "-W", "1", p.dst); !ok {
			t.Errorf("ping %s from %s after the restart failed:\n%s", p.dst, p.from, out)
		}
	}
	after, err := os.ReadFile(tp.conf)
	if err != nil {
		t.Fatalf("reading the configuration file: %v", err)
	}
	if string(after) != before {
		t.Errorf("the configuration file after the restart is not the running configuration before it:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got := tp.govrf("show running-config"); got != before {
		t.Errorf("the restart changed the running configuration:\nbefore:\n%s\nafter:\n%s", before, got)
	}
}
