package control

import (
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// TestFlushFindsRoutesInAnyTable: a link going down takes its routes out
// of every table that holds one — its own VRF's, another VRF's (a leak
// through the port) and a table no VRF uses — found through the index
// of the tables that have held a route through it.
func TestFlushFindsRoutesInAnyTable(t *testing.T) {
	c := New()
	vrf(t, c, "blue", 10)
	vrf(t, c, "red", 20)
	port(t, c, "d0", "10.0.0.1/24")
	enslave(t, c, "d0", "blue")
	via := []fib.Nexthop{{Gateway: addr("10.0.0.2"), Dev: idx(c, "d0")}}
	for _, table := range []fib.TableID{10, 20, 300} {
		must(t, c.AddRoute(fib.Route{Table: table, Prefix: pfx("10.9.0.0/16"), Nexthops: via}, fib.OpAdd))
	}
	got := c.Snapshot().devTableIDs(idx(c, "d0"))
	for _, table := range []fib.TableID{10, 20, 300} {
		if !slices.Contains(got, table) {
			t.Errorf("tables indexed for d0: %v, want %v among them", got, table)
		}
	}
	must(t, c.SetLink("d0", LinkChange{Up: ptr(false)}))
	for _, table := range []fib.TableID{10, 20, 300} {
		if has(c, table, fib.TypeUnicast, "10.9.0.0/16") {
			t.Errorf("table %v still routes 10.9.0.0/16 through d0, which is down", table)
		}
	}
	if !has(c, 10, fib.TypeLocal, "10.0.0.1/32") {
		t.Errorf("d0's local route went down with it; IPv4 local routes stay")
	}
}
