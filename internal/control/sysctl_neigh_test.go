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

// TestSysctlNeighDefaults: the net.ipv{4,6}.neigh.default.* sysctls read
// as this kernel's initial namespace has them, take 0 to 2^31-1, and
// turn back into the neighbour parameters they stand for.
func TestSysctlNeighDefaults(t *testing.T) {
	sc := New().Snapshot().Sysctl()
	want := map[string]string{
		"base_reachable_time_ms": "30000", "retrans_time_ms": "1000", "delay_first_probe_time": "5",
		"gc_stale_time": "60", "ucast_solicit": "3", "mcast_solicit": "3", "mcast_resolicit": "0",
		"unres_qlen_bytes": "212992", "gc_thresh1": "128", "gc_thresh2": "512", "gc_thresh3": "1024",
	}
	for _, family := range []string{"ipv4", "ipv6"} {
		want["locktime"] = map[string]string{"ipv4": "100", "ipv6": "0"}[family]
		for name, v := range want {
			full := "net." + family + ".neigh.default." + name
			if got, err := sc.Get(full); err != nil || got != v {
				t.Errorf("%s = %q, %v; want %s", full, got, err, v)
			}
		}
		t.Run(family, func(t *testing.T) { checkUintSysctl(t, "net."+family+".neigh.default.base_reachable_time_ms") })
	}
	for _, f := range []neigh.Family{neigh.IPv4, neigh.IPv6} {
		if p := sc.Neigh[f].Params(f, neigh.DefaultParams(f)); p != neigh.DefaultParams(f) {
			t.Errorf("family %v: the default sysctls give %+v, want %+v", f, p, neigh.DefaultParams(f))
		}
	}
}
