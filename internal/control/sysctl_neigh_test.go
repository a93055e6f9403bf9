package control

import (
	"errors"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/neigh"
)

// TestSysctlNeighMaxEntries: net.govrf.neigh.max_entries defaults to
// neigh.DefaultMaxEntries, takes 0 (no cap) to 2^31-1, and refuses the
// rest with EINVAL.
func TestSysctlNeighMaxEntries(t *testing.T) {
	const name = "net.govrf.neigh.max_entries"
	c := New()
	if got := c.Snapshot().Sysctl().NeighMaxEntries; got != neigh.DefaultMaxEntries {
		t.Fatalf("default %s = %d, want %d", name, got, neigh.DefaultMaxEntries)
	}
	for _, v := range []string{"0", "4096", "0x10000", "2147483647"} {
		if err := c.SetSysctl(name, v); err != nil {
			t.Errorf("SetSysctl(%s, %s) = %v", name, v, err)
		}
	}
	for _, v := range []string{"-1", "2147483648", "many", ""} {
		if err := c.SetSysctl(name, v); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("SetSysctl(%s, %q) = %v, want EINVAL", name, v, err)
		}
	}
	must(t, c.SetSysctl(name, "4096"))
	if got, err := c.Snapshot().Sysctl().Get(name); err != nil || got != "4096" {
		t.Errorf("Get(%s) = %q, %v, want 4096", name, got, err)
	}
}
