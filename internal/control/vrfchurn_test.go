package control

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// TestVRFChurnMemory deletes and recreates a VRF with ports and routes a
// thousand times and checks that the heap stays bounded: each new VRF's
// links have new indexes, so its routes new nexthop sets, and those of
// the links gone must not accumulate in its table.
func TestVRFChurnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand VRF lives")
	}
	c := New()
	const cycles = 1000
	var heap10, heap100 uint64
	for i := range cycles {
		vrf(t, c, "a", 10)
		port(t, c, "a1")
		port(t, c, "a2")
		enslave(t, c, "a1", "a")
		enslave(t, c, "a2", "a")
		// Enslaving cycles a port down, which takes its IPv6 addresses:
		// the addresses come after.
		must(t, c.AddAddr("a1", Addr{Prefix: pfx("10.1.0.1/24")}, false))
		must(t, c.AddAddr("a1", Addr{Prefix: pfx("2001:db8:1::1/64")}, false))
		must(t, c.AddAddr("a2", Addr{Prefix: pfx("10.2.0.1/24")}, false))
		must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("0.0.0.0/0"), Type: fib.TypeUnreachable,
			Metric: 4278198272}, fib.OpReplace))
		must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.9.0.0/16"),
			Nexthops: []fib.Nexthop{{Gateway: addr("10.1.0.2"), Dev: idx(c, "a1")}}}, fib.OpAdd))
		must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.8.0.0/16"), Nexthops: []fib.Nexthop{
			{Gateway: addr("10.1.0.2"), Dev: idx(c, "a1"), Weight: 1}, {Gateway: addr("10.2.0.2"), Dev: idx(c, "a2"), Weight: 2}}}, fib.OpAdd))
		must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("2001:db8:9::/48"),
			Nexthops: []fib.Nexthop{{Gateway: addr("2001:db8:1::2"), Dev: idx(c, "a1")}}}, fib.OpAdd))
		for _, name := range []string{"a1", "a2", "a"} {
			must(t, c.DelLink(name))
		}
		switch i {
		case 9:
			heap10 = heapInuse()
		case 99:
			heap100 = heapInuse()
		}
	}
	heap := heapInuse()
	t.Logf("heap in use after 10, 100 and %d VRF lives: %d, %d, %d KiB", cycles, heap10>>10, heap100>>10, heap>>10)
	if heap > heap10+2<<20 {
		t.Errorf("heap in use grew from %d KiB to %d KiB over %d VRF lives", heap10>>10, heap>>10, cycles)
	}
	gone := 0
	for dev := range c.Snapshot().devTabs.m {
		if c.Snapshot().Link(dev) == nil {
			gone++
		}
	}
	if gone > 0 {
		t.Errorf("the index of tables by link keeps %d deleted links", gone)
	}
	if got := fmt.Sprint(c.Snapshot().Table(10).Len()); got != "1" {
		t.Errorf("table 10 holds %s routes after the churn, want the unreachable default", got)
	}
}

// heapInuse returns the heap in use after a collection.
func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
