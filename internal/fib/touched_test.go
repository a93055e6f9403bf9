package fib

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

// tracked returns a frozen table of routes whose forks track.
func tracked(t *testing.T, routes ...string) *Table {
	tb := tableOf(t, routes...)
	tb.Freeze()
	tb.TrackForks(true)
	return tb
}

func TestTouched(t *testing.T) {
	base := []string{
		"10.0.0.0/8 dev 2",
		"10.1.0.0/16 nexthop via 192.0.2.1 dev 2 nexthop via 192.0.2.2 dev 3",
		"192.0.2.0/24 dev 3",
		"2001:db8::/32 metric 1024 dev 2",
	}
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, tb *Table)
		want  []string
	}{
		{"nothing", func(*testing.T, *Table) {}, nil},
		{"add", func(t *testing.T, tb *Table) {
			tb.Add(rt(t, "2001:db8:1::/48 metric 1024 dev 2"), OpAdd)
			tb.Add(rt(t, "172.16.0.0/12 dev 2"), OpAdd)
			tb.Add(rt(t, "172.16.0.0/12 dev 3"), OpAppend)
		}, []string{"172.16.0.0/12", "2001:db8:1::/48"}},
		{"refused add", func(t *testing.T, tb *Table) {
			if err := tb.Add(rt(t, "10.0.0.0/8 dev 2"), OpAdd); err == nil {
				t.Fatalf("Add of an existing route = nil error")
			}
		}, nil},
		{"delete", func(t *testing.T, tb *Table) {
			tb.Delete(sel(t, "192.0.2.0/24"))
		}, []string{"192.0.2.0/24"}},
		{"delete func", func(t *testing.T, tb *Table) {
			tb.DeleteFunc(func(r *Route) bool { return r.Nexthops[0].Dev == 2 })
		}, []string{"10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32"}},
		{"dev dead", func(t *testing.T, tb *Table) {
			tb.SetDevDead(3, true)
		}, []string{"10.1.0.0/16", "192.0.2.0/24"}},
	} {
		parent := tracked(t, base...)
		fork := parent.Mutable()
		tc.write(t, fork)
		got, all := fork.Touched(parent)
		if all || fmt.Sprint(got) != fmt.Sprint(prefixes(tc.want)) {
			t.Errorf("%s: Touched(parent) = %v, %v; want %v, false", tc.name, got, all, tc.want)
		}
		fork.Freeze()
		if got2, _ := fork.Touched(parent); !slices.Equal(got, got2) {
			t.Errorf("%s: Touched(parent) after Freeze = %v, want %v", tc.name, got2, got)
		}
		if ps, all := fork.Touched(fork); all || len(ps) > 0 {
			t.Errorf("%s: Touched(itself) = %v, %v; want none", tc.name, ps, all)
		}
	}
}

func prefixes(ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestTouchedUnknown(t *testing.T) {
	untracked := tableOf(t, "10.0.0.0/8 dev 2")
	untracked.Freeze()
	parent := tracked(t)
	over := parent.Mutable()
	// Churn: each prefix comes and goes, so the record outgrows the
	// table.
	for i := range minTouched + 1 {
		r := Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24),
			Type: TypeUnicast, Nexthops: []Nexthop{{Dev: 2}}}
		over.Add(r, OpAdd)
		over.Delete(r)
	}
	sibling := parent.Mutable()
	sibling.Freeze()
	for _, tc := range []struct {
		name     string
		tb, from *Table
	}{
		{"new table", NewTable(10), nil},
		{"fork of an untracked table", untracked.Mutable(), untracked},
		{"fork that touched more than it holds", over, parent},
		{"sibling", parent.Mutable(), sibling},
		{"grandchild", sibling.Mutable(), parent},
	} {
		tc.tb.Add(rt(t, "192.0.2.0/24 dev 3"), OpAdd)
		if ps, all := tc.tb.Touched(tc.from); !all {
			t.Errorf("%s: Touched() = %v, false; want all", tc.name, ps)
		}
	}
}

// TestTrackForksOff checks that a table no longer tracking makes untracked
// forks, and that the setting does not carry over to a fork.
func TestTrackForksOff(t *testing.T) {
	tb := tracked(t, "10.0.0.0/8 dev 2")
	tb.TrackForks(false)
	if _, all := tb.Mutable().Touched(tb); !all {
		t.Errorf("fork of a table with TrackForks(false): Touched() not all")
	}
	tb.TrackForks(true)
	f := tb.Mutable()
	f.Freeze()
	if _, all := f.Mutable().Touched(f); !all {
		t.Errorf("fork of a fork never set to track: Touched() not all")
	}
}
