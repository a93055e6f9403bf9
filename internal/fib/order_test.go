package fib

import (
	"slices"
	"testing"
)

// step is one write in an ordering test: an Add with op, or a Delete.
type step struct {
	op    string // add, replace, change, append, prepend, del
	route string
	err   string // the error text; "" for success
}

var ops = map[string]Op{"add": OpAdd, "replace": OpReplace, "change": OpChange,
	"append": OpAppend, "prepend": OpPrepend}

const (
	exists   = "RTNETLINK answers: File exists"
	noEntry  = "RTNETLINK answers: No such file or directory"
	noSuchRT = "RTNETLINK answers: No such process"
)

// runSteps applies steps to a new table and compares the listing.
func runSteps(t *testing.T, steps []step, want []string) {
	t.Helper()
	tb := NewTable(TableMain)
	for _, s := range steps {
		var err error
		if s.op == "del" {
			_, err = tb.Delete(sel(t, s.route))
		} else {
			err = tb.Add(rt(t, s.route), ops[s.op])
		}
		if got := errOrEmpty(err); got != s.err {
			t.Fatalf("%s(%s) = %q, want %q; table:\n%s", s.op, s.route, got, s.err, fmtAll(slices.Collect(tb.All())))
		}
	}
	got := fmtAll(slices.Collect(tb.All()))
	if w := fmtAll(mustRoutes(t, want)); got != w {
		t.Fatalf("All() =\n%s\nwant\n%s", got, w)
	}
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return ipText(err)
}

func mustRoutes(t *testing.T, ss []string) []Route {
	t.Helper()
	var rs []Route
	for _, s := range ss {
		r := rt(t, s)
		r.Table = TableMain
		rs = append(rs, r)
	}
	return rs
}

// TestOrder4 covers fib_table_insert and fib_table_delete.
func TestOrder4(t *testing.T) {
	const (
		x = "10.0.0.0/8 metric 5 via 192.0.2.1 dev 2"
		y = "10.0.0.0/8 metric 5 via 192.0.2.2 dev 2"
		z = "10.0.0.0/8 metric 5 via 192.0.2.3 dev 3"
	)
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"add twice", []step{{"add", x, ""}, {"add", y, exists}}, []string{x}},
		{"tos descending then metric ascending", []step{
			{"add", "10.0.0.0/8 metric 10 dev 2", ""},
			{"add", "10.0.0.0/8 metric 5 dev 2", ""},
			{"add", "10.0.0.0/8 tos 0x10 metric 20 dev 2", ""},
		}, []string{"10.0.0.0/8 tos 0x10 metric 20 dev 2", "10.0.0.0/8 metric 5 dev 2", "10.0.0.0/8 metric 10 dev 2"}},
		{"append after the key", []step{{"add", x, ""}, {"add", "10.0.0.0/8 metric 9 dev 4", ""}, {"append", y, ""}, {"append", z, ""}},
			[]string{x, y, z, "10.0.0.0/8 metric 9 dev 4"}},
		{"prepend before the key", []step{{"add", x, ""}, {"prepend", y, ""}, {"prepend", z, ""}}, []string{z, y, x}},
		{"append duplicate", []step{{"add", x, ""}, {"append", y, ""}, {"append", y, exists}, {"prepend", x, exists}}, []string{x, y}},
		{"duplicate whatever dead says", []step{{"add", x + " dead", ""}, {"append", x, exists}}, []string{x + " dead"}},
		{"weight 0 is weight 1", []step{{"add", x + " weight 1", ""}, {"append", x, exists}}, []string{x + " weight 1"}},
		{"other type is no duplicate", []step{{"add", "10.0.0.0/8", ""}, {"append", "blackhole 10.0.0.0/8", ""}},
			[]string{"10.0.0.0/8", "blackhole 10.0.0.0/8"}},
		{"replace the first of the key", []step{{"add", x, ""}, {"append", y, ""}, {"replace", z, ""}}, []string{z, y}},
		{"replace the first with itself", []step{{"add", x, ""}, {"append", y, ""}, {"replace", x, ""}}, []string{x, y}},
		{"replace with a later one", []step{{"add", x, ""}, {"append", y, ""}, {"replace", y, exists}}, []string{x, y}},
		{"replace creates", []step{{"replace", x, ""}}, []string{x}},
		{"change needs the key", []step{{"add", x, ""}, {"change", "10.0.0.0/8 metric 6 dev 2", noEntry}}, []string{x}},
		{"change replaces", []step{{"add", x, ""}, {"change", z, ""}}, []string{z}},
		{"host bits", []step{{"add", "10.0.0.1/8 dev 2", "Error: Invalid prefix for given prefix length."}}, nil},

		{"delete first match", []step{{"add", x + " proto static", ""}, {"append", y + " proto boot", ""},
			{"append", z + " proto boot", ""}, {"del", "10.0.0.0/8 proto boot", ""}}, []string{x + " proto static", z + " proto boot"}},
		{"delete needs the tos", []step{{"add", "10.0.0.0/8 tos 0x10 dev 2", ""}, {"del", "10.0.0.0/8", noSuchRT},
			{"del", "10.0.0.0/8 tos 0x10", ""}}, nil},
		{"delete any metric", []step{{"add", "10.0.0.0/8 metric 10 dev 2", ""}, {"add", "10.0.0.0/8 metric 5 dev 2", ""},
			{"del", "10.0.0.0/8", ""}}, []string{"10.0.0.0/8 metric 10 dev 2"}},
		{"delete by metric", []step{{"add", "10.0.0.0/8 metric 10 dev 2", ""}, {"add", "10.0.0.0/8 metric 5 dev 2", ""},
			{"del", "10.0.0.0/8 metric 10", ""}, {"del", "10.0.0.0/8 metric 10", noSuchRT}}, []string{"10.0.0.0/8 metric 5 dev 2"}},
		{"delete by scope", []step{{"add", "10.0.0.0/8 scope link dev 2", ""}, {"append", "10.0.0.0/8 dev 3", ""},
			{"del", "10.0.0.0/8 scope global", ""}}, []string{"10.0.0.0/8 scope link dev 2"}},
		{"delete by type", []step{{"add", "10.0.0.0/8 dev 2", ""}, {"append", "unreachable 10.0.0.0/8", ""},
			{"del", "unreachable 10.0.0.0/8", ""}}, []string{"10.0.0.0/8 dev 2"}},
		{"delete by prefsrc", []step{{"add", "10.0.0.0/8 src 10.0.0.9 dev 2", ""}, {"append", "10.0.0.0/8 src 10.0.0.8 dev 2", ""},
			{"del", "10.0.0.0/8 src 10.0.0.8", ""}}, []string{"10.0.0.0/8 src 10.0.0.9 dev 2"}},
		{"delete compares the first nexthop", []step{
			{"add", "10.0.0.0/8 nexthop via 192.0.2.1 dev 2 nexthop via 192.0.2.2 dev 3", ""},
			{"del", "10.0.0.0/8 via 192.0.2.2", noSuchRT}, {"del", "10.0.0.0/8 dev 3", noSuchRT},
			{"del", "10.0.0.0/8 via 192.0.2.1 dev 2", ""}}, nil},
		{"delete by multipath", []step{
			{"add", "10.0.0.0/8 nexthop via 192.0.2.1 dev 2 nexthop via 192.0.2.2 dev 3 nexthop via 192.0.2.3 dev 3", ""},
			{"del", "10.0.0.0/8 nexthop via 192.0.2.1 nexthop via 192.0.2.2", noSuchRT},
			{"del", "10.0.0.0/8 nexthop via 192.0.2.1 nexthop dev 3 nexthop via 192.0.2.9", noSuchRT},
			{"del", "10.0.0.0/8 nexthop via 192.0.2.1 nexthop dev 3 nexthop via 192.0.2.3", ""}}, nil},
		{"delete by nhid", []step{{"add", "10.0.0.0/8 nhid 7", ""}, {"del", "10.0.0.0/8 dev 2", noSuchRT},
			{"del", "10.0.0.0/8 nhid 8", noSuchRT}, {"del", "10.0.0.0/8 nhid 7", ""}}, nil},
		{"delete a missing prefix", []step{{"del", "10.0.0.0/8", noSuchRT}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, tc.steps, tc.want) })
	}
}

// TestOrder6 covers fib6_add_rt2node, ip6_route_multipath_add and
// ip6_route_del.
func TestOrder6(t *testing.T) {
	const (
		a = "2001:db8::/32 metric 1024 via fe80::1 dev 2"
		b = "2001:db8::/32 metric 1024 via fe80::2 dev 3"
		c = "2001:db8::/32 metric 1024 via fe80::3 dev 3"
		d = "2001:db8::/32 metric 1024 dev 4"
	)
	const ab = "2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::2 dev 3"
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"add same metric", []step{{"add", a, ""}, {"add", b, exists}}, []string{a}},
		{"metric ascending", []step{{"add", a, ""}, {"add", "2001:db8::/32 metric 256 dev 2", ""}},
			[]string{"2001:db8::/32 metric 256 dev 2", a}},
		{"append makes siblings", []step{{"add", a, ""}, {"append", b, ""}}, []string{ab}},
		{"prepend appends too", []step{{"add", a, ""}, {"prepend", b, ""}}, []string{ab}},
		{"append duplicate", []step{{"add", a, ""}, {"append", a + " weight 3", exists}}, []string{a}},
		{"device route is no sibling", []step{{"add", a, ""}, {"append", d, ""}, {"append", b, ""}}, []string{ab, d}},
		{"multipath add", []step{{"add", ab, ""}, {"append", c, ""}},
			[]string{ab + " nexthop via fe80::3 dev 3"}},
		{"multipath needs gateways", []step{{"add", "2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop dev 3",
			"Error: Device only routes can not be added for IPv6 using the multipath API."}}, nil},
		{"multipath duplicate hop", []step{{"add", "2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::1 dev 2", exists}}, nil},
		{"multipath append of an existing hop", []step{{"add", a, ""},
			{"append", "2001:db8::/32 metric 1024 nexthop via fe80::2 dev 3 nexthop via fe80::1 dev 2", exists}}, []string{a}},
		{"replace siblings", []step{{"add", ab, ""}, {"replace", c, ""}}, []string{c}},
		{"replace as capable", []step{{"add", d, ""}, {"append", a, ""}, {"replace", "2001:db8::/32 metric 1024 dev 5", ""}},
			[]string{"2001:db8::/32 metric 1024 dev 5", a}},
		{"replace falls back to the first", []step{{"add", d, ""}, {"replace", a, ""}}, []string{a}},
		{"replace a multipath route", []step{{"add", ab, ""}, {"append", d, ""},
			{"replace", "2001:db8::/32 metric 1024 nexthop via fe80::3 dev 3 nexthop via fe80::4 dev 4", ""}},
			[]string{"2001:db8::/32 metric 1024 nexthop via fe80::3 dev 3 nexthop via fe80::4 dev 4", d}},
		{"change needs the metric", []step{{"add", a, ""}, {"change", "2001:db8::/32 metric 1 dev 2", noEntry}}, []string{a}},

		{"delete one sibling by gateway", []step{{"add", ab, ""}, {"append", c, ""}, {"del", "2001:db8::/32 via fe80::2", ""}},
			[]string{"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::3 dev 3"}},
		{"delete all siblings", []step{{"add", ab, ""}, {"append", d, ""}, {"del", "2001:db8::/32 dev 3", ""}}, []string{d}},
		{"delete hops", []step{{"add", ab, ""}, {"append", c, ""},
			{"del", "2001:db8::/32 nexthop via fe80::1 nexthop via fe80::3", ""}}, []string{b}},
		{"delete hops, one missing", []step{{"add", ab, ""},
			{"del", "2001:db8::/32 nexthop via fe80::1 nexthop via fe80::9", noSuchRT}}, []string{b}},
		{"delete ignores the type", []step{{"add", a, ""}, {"del", "unreachable 2001:db8::/32", ""}}, nil},
		{"reject routes are on loopback", []step{{"add", "unreachable 2001:db8::/32 metric 1024", ""},
			{"del", "2001:db8::/32 dev 2", noSuchRT}, {"del", "2001:db8::/32 dev 1", ""}}, nil},
		{"delete by metric and protocol", []step{{"add", a + " proto static", ""}, {"add", "2001:db8::/32 metric 5 dev 2 proto boot", ""},
			{"del", "2001:db8::/32 proto static metric 5", noSuchRT}, {"del", "2001:db8::/32 proto boot", ""}},
			[]string{a + " proto static"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, tc.steps, tc.want) })
	}
}

// TestListOrder checks the dump order of `ip route show`.
func TestListOrder(t *testing.T) {
	tb := tableOf(t, "2001:db8::/32 dev 2", "::/0 dev 2", "2001:db8:1::/48 dev 2", "2001:db8::/48 dev 2",
		"10.0.0.0/8 dev 2", "0.0.0.0/0 dev 2", "10.0.0.0/24 dev 2", "10.0.1.0/24 dev 2", "2001:db9::/32 dev 2")
	want := []string{"0.0.0.0/0 dev 2", "10.0.0.0/24 dev 2", "10.0.0.0/8 dev 2", "10.0.1.0/24 dev 2",
		"2001:db8::/48 dev 2", "2001:db8:1::/48 dev 2", "2001:db8::/32 dev 2", "2001:db9::/32 dev 2", "::/0 dev 2"}
	if got, w := fmtAll(slices.Collect(tb.All())), fmtAll(mustRoutes(t, want)); got != w {
		t.Fatalf("All() =\n%s\nwant\n%s", got, w)
	}
	if tb.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", tb.Len(), len(want))
	}
}
