package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateFile: records survive in the file, a new reader finds them,
// the file goes with the last record, a corrupt file is refused, and a
// record of an interface that no longer exists is dropped.
func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "govrf.state")
	sf, err := openState(path)
	if err != nil {
		t.Fatalf("openState(missing) = %v", err)
	}
	orig := map[string]string{"ipv6/conf/disable_ipv6": "0", "ipv4/conf/arp_ignore": "1"}
	if err := sf.Record("eth1", 7, orig); err != nil {
		t.Fatalf("Record = %v", err)
	}
	again, err := openState(path)
	if err != nil {
		t.Fatalf("openState = %v", err)
	}
	if got, ok := again.Originals("eth1", 7); !ok || got["ipv4/conf/arp_ignore"] != "1" || got["ipv6/conf/disable_ipv6"] != "0" {
		t.Errorf("Originals(eth1, 7) after a reopen = %v, %v; want %v", got, ok, orig)
	}
	if _, ok := again.Originals("eth1", 8); ok {
		t.Errorf("Originals(eth1, 8): found, want none for another interface of that name")
	}
	if err := again.Forget("eth1", 7); err != nil {
		t.Fatalf("Forget = %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("state file after the last Forget: %v, want it removed", err)
	}

	if err := sf.Record("nosuch-govrf0", 4242, orig); err != nil {
		t.Fatal(err)
	}
	if restored := sf.restoreLeftovers(func(string, int) bool { return false }); len(restored) != 0 {
		t.Errorf("restoreLeftovers restored %v, want nothing for a missing interface", restored)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("state file after a missing interface's record was dropped: %v, want it removed", err)
	}

	os.WriteFile(path, []byte("{not json"), 0o644)
	if _, err := openState(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("openState(corrupt) = %v, want an error naming %s", err, path)
	}
}
