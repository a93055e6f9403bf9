package fib

import (
	"slices"
	"testing"
)

func TestSetDevDead(t *testing.T) {
	tb := tableOf(t,
		"10.1.0.0/16 via 10.0.0.1 dev 3",
		"10.2.0.0/16 nexthop via 10.0.0.1 dev 3 nexthop via 10.0.0.2 dev 4",
		"local 10.0.0.5/32 scope host dev 3",
		"10.3.0.0/16 nhid 1",
		"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 3 nexthop via fe80::2 dev 3",
		"2001:db8:1::/48 metric 1024 nexthop via fe80::1 dev 3 nexthop via fe80::2 dev 4",
	)
	steps := []struct {
		dev  int
		dead bool
		want int
		list []string
	}{
		{3, true, 2, []string{
			"local 10.0.0.5/32 scope host dev 3",
			"10.1.0.0/16 via 10.0.0.1 dev 3 dead",
			"10.2.0.0/16 nexthop via 10.0.0.1 dev 3 dead nexthop via 10.0.0.2 dev 4",
			"10.3.0.0/16 nhid 1",
			"2001:db8:1::/48 metric 1024 nexthop via fe80::1 dev 3 dead nexthop via fe80::2 dev 4",
			"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 3 dead nexthop via fe80::2 dev 3 dead",
		}},
		{3, true, 0, nil},
		{4, true, 2, nil},
		{3, false, 4, []string{
			"local 10.0.0.5/32 scope host dev 3",
			"10.1.0.0/16 via 10.0.0.1 dev 3",
			"10.2.0.0/16 nexthop via 10.0.0.1 dev 3 nexthop via 10.0.0.2 dev 4 dead",
			"10.3.0.0/16 nhid 1",
			"2001:db8:1::/48 metric 1024 nexthop via fe80::1 dev 3 nexthop via fe80::2 dev 4 dead",
			"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 3 nexthop via fe80::2 dev 3",
		}},
	}
	for _, s := range steps {
		if got := tb.SetDevDead(s.dev, s.dead); got != s.want {
			t.Fatalf("SetDevDead(%d, %v) = %d, want %d", s.dev, s.dead, got, s.want)
		}
		if s.list == nil {
			continue
		}
		if got, want := fmtAll(slices.Collect(tb.All())), fmtAll(mustRoutes(t, s.list)); got != want {
			t.Fatalf("after SetDevDead(%d, %v) All() =\n%s\nwant\n%s", s.dev, s.dead, got, want)
		}
	}
}

// TestDeleteFunc removes what a link takes with it: IPv4 routes whole,
// IPv6 routes one sibling at a time.
func TestDeleteFunc(t *testing.T) {
	tb := tableOf(t,
		"10.1.0.0/16 via 10.0.0.1 dev 3",
		"10.2.0.0/16 nexthop via 10.0.0.1 dev 3 nexthop via 10.0.0.2 dev 4",
		"10.3.0.0/16 via 10.0.0.2 dev 4",
		"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 3 nexthop via fe80::2 dev 4",
	)
	viaDev3 := func(r *Route) bool {
		return slices.ContainsFunc(r.Nexthops, func(h Nexthop) bool { return h.Dev == 3 })
	}
	gone := tb.DeleteFunc(viaDev3)
	want := []string{
		"10.1.0.0/16 via 10.0.0.1 dev 3",
		"10.2.0.0/16 nexthop via 10.0.0.1 dev 3 nexthop via 10.0.0.2 dev 4",
		"2001:db8::/32 metric 1024 via fe80::1 dev 3",
	}
	if got, w := fmtAll(gone), fmtAll(mustRoutes(t, want)); got != w {
		t.Fatalf("DeleteFunc(via dev 3) =\n%s\nwant\n%s", got, w)
	}
	left := []string{"10.3.0.0/16 via 10.0.0.2 dev 4", "2001:db8::/32 metric 1024 via fe80::2 dev 4"}
	if got, w := fmtAll(slices.Collect(tb.All())), fmtAll(mustRoutes(t, left)); got != w {
		t.Fatalf("after DeleteFunc All() =\n%s\nwant\n%s", got, w)
	}
	if tb.Len() != len(left) {
		t.Fatalf("Len() = %d, want %d", tb.Len(), len(left))
	}
}
