package control

import (
	"fmt"
	"testing"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// TestRouteChanges: a publication of routes alone reports the prefixes
// it touched by table; one that changes anything else, or a pair that
// is not consecutive, reports not ok.
func TestRouteChanges(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	seen := record(t, c)
	gw := []fib.Nexthop{{Gateway: addr("10.0.0.2")}}
	for _, tc := range []struct {
		name   string
		change func() error
		want   string // the changes, or "not ok"
	}{
		{"route add", func() error {
			return c.AddRoute(fib.Route{Prefix: pfx("10.1.0.0/16"), Nexthops: gw}, fib.OpAdd)
		}, "map[main:[10.1.0.0/16]]"},
		{"route add, table 10", func() error {
			return c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.2.0.0/16"), Nexthops: gw}, fib.OpAdd)
		}, "not ok"}, // a new table
		{"route add, table 10 again", func() error {
			return c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.3.0.0/16"), Nexthops: gw}, fib.OpAdd)
		}, "map[10:[10.3.0.0/16]]"},
		{"address", func() error { return c.AddAddr("d0", Addr{Prefix: pfx("10.0.1.1/24")}, false) }, "not ok"},
		{"link", func() error { return c.AddLink(LinkSpec{Name: "d1", Kind: KindDummy}) }, "not ok"},
		{"rule", func() error { return c.AddRule(fib.IPv4, rule.Rule{Pref: 100, Table: 10}, true) }, "not ok"},
		{"sysctl", func() error { return c.SetSysctl("net.ipv4.ip_forward", "1") }, "not ok"},
		{"nexthop", func() error {
			_, err := c.AddNexthop(Nexthop{ID: 7, Dev: c.Snapshot().LinkByName("d0").Index}, false)
			return err
		}, "not ok"},
	} {
		n := len(seen())
		must(t, tc.change())
		ps := seen()
		if len(ps) != n+1 {
			t.Fatalf("%s: %d publications, want one", tc.name, len(ps)-n)
		}
		changed, ok := RouteChanges(ps[n].old, ps[n].new, 10)
		got := fmt.Sprint(changed)
		if !ok {
			got = "not ok"
		}
		if got != tc.want {
			t.Errorf("%s: RouteChanges = %s, want %s", tc.name, got, tc.want)
		}
	}
	ps := seen()
	if _, ok := RouteChanges(ps[0].old, ps[len(ps)-1].new, 10); ok {
		t.Errorf("RouteChanges of snapshots apart = ok, want not ok")
	}
	if _, ok := RouteChanges(ps[0].old, ps[0].new, 0); ok {
		t.Errorf("RouteChanges of one prefix, limit 0 = ok, want not ok")
	}
	if changed, ok := RouteChanges(ps[0].old, ps[0].old, 10); !ok || len(changed) != 0 {
		t.Errorf("RouteChanges of a snapshot and itself = %v, %v; want nothing, ok", changed, ok)
	}
}
