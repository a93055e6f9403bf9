package fib

import (
	"net/netip"
	"testing"
)

// TestLookupAllocs proves that lookups allocate nothing, on the fast path
// and on every fallback.
func TestLookupAllocs(t *testing.T) {
	tb := tableOf(t,
		"0.0.0.0/0 via 192.0.2.1 dev 5",
		"10.0.0.0/8 dev 2",
		"10.1.0.0/16 dev 3",
		"10.2.0.0/16 nexthop via 192.0.2.1 dev 2 nexthop via 192.0.2.2 dev 3 weight 2",
		"10.3.0.0/16 nhid 1",
		"10.0.0.0/16 nhid 2",
		"2001:db8::/32 metric 1024 dev 2",
		"2001:db8:1::/48 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::2 dev 3",
		"unreachable 2001:db8:2::/48 metric 1024",
	)
	loadInternet(tb, 10000, 9)
	tb.Freeze()
	for _, c := range []struct {
		name string
		q    Query
	}{
		{"ipv4", Query{Dst: netip.MustParseAddr("10.1.2.3")}},
		{"ipv4 multipath", Query{Dst: netip.MustParseAddr("10.2.2.3"), Hash: 0xdeadbeef}},
		{"ipv4 oif fallback", Query{Dst: netip.MustParseAddr("10.1.2.3"), Oif: 5}},
		{"ipv4 nexthop object", Query{Dst: netip.MustParseAddr("10.3.2.3"), Hash: 7}},
		{"ipv4 skipped key", Query{Dst: netip.MustParseAddr("10.0.2.3")}},
		{"ipv4 miss", Query{Dst: netip.MustParseAddr("10.1.2.3"), Oif: 9}},
		{"ipv6", Query{Dst: netip.MustParseAddr("2001:db8::1")}},
		{"ipv6 siblings", Query{Dst: netip.MustParseAddr("2001:db8:1::1"), Hash: 0xfeedface}},
		{"ipv6 oif fallback", Query{Dst: netip.MustParseAddr("2001:db8:1::1"), Oif: 2, Hash: 0xfeedface}},
		{"ipv6 reject", Query{Dst: netip.MustParseAddr("2001:db8:2::1")}},
	} {
		q := c.q
		q.Objects = testObjects
		if n := testing.AllocsPerRun(1000, func() { tb.Lookup(&q) }); n != 0 {
			t.Errorf("Lookup(%s) allocates %v times, want 0", c.name, n)
		}
	}
}
