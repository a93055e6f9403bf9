package control

import (
	"errors"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/neigh"
)

// TestSysctlNeighBudget: net.govrf.neigh.max_entries and max_queue_bytes
// default to neigh's defaults, take 0 (no cap) to 2^31-1, and refuse the
// rest with EINVAL.
func TestSysctlNeighBudget(t *testing.T) {
	sc := New().Snapshot().Sysctl()
	if sc.NeighMaxEntries != neigh.DefaultMaxEntries || sc.NeighMaxQueueBytes != neigh.DefaultMaxQueueBytes {
		t.Fatalf("defaults %d, %d, want %d, %d", sc.NeighMaxEntries, sc.NeighMaxQueueBytes,
			neigh.DefaultMaxEntries, neigh.DefaultMaxQueueBytes)
	}
	for _, name := range []string{"net.govrf.neigh.max_entries", "net.govrf.neigh.max_queue_bytes"} {
		t.Run(name, func(t *testing.T) { checkUintSysctl(t, name) })
	}
}

// checkUintSysctl checks that name takes 0 to 2^31-1 and nothing else.
func checkUintSysctl(t *testing.T, name string) {
	c := New()
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
