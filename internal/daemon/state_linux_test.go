package daemon

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port/mem"
)

// TestIntegrationLeftoverRestored: a state file left by a killed daemon
// records va's originals while va is still quiesced; the next daemon,
// whose configuration no longer has a port on va, gives va its
// originals back at start, drops the record of an interface that has
// gone, and removes the file.
func TestIntegrationLeftoverRestored(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	ifi, err := net.InterfaceByName("va")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][2]string{ // original, quiesced
		"/proc/sys/net/ipv6/conf/va/disable_ipv6": {"0", "1"},
		"/proc/sys/net/ipv4/conf/va/arp_ignore":   {"1", "8"},
		"/proc/sys/net/ipv4/conf/va/arp_announce": {"0", "2"},
	}
	for path, v := range files {
		if err := os.WriteFile(path, []byte(v[1]), 0); err != nil {
			t.Fatal(err)
		}
	}
	cfg := paths(t)
	cfg.StateFile = filepath.Join(t.TempDir(), "govrf.state")
	st := savedState{Ports: map[string]savedPort{
		"va":    {Ifindex: ifi.Index, Sysctls: map[string]string{"ipv6/conf/disable_ipv6": "0", "ipv4/conf/arp_ignore": "1", "ipv4/conf/arp_announce": "0"}},
		"gone0": {Ifindex: 9999, Sysctls: map[string]string{"ipv4/conf/arp_ignore": "0"}},
	}}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(cfg.StateFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, err := newDaemon(cfg, f.open)
	if err != nil {
		t.Fatalf("newDaemon = %v", err)
	}
	d.ln.Close()
	releaseLocks(d.locks)
	for path, v := range files {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(got)) != v[0] {
			t.Errorf("%s after the start = %s, want the original %s", path, got, v[0])
		}
	}
	if _, err := os.Stat(cfg.StateFile); !os.IsNotExist(err) {
		t.Errorf("state file after its records were given back: %v, want it removed", err)
	}
}
