package fib

import (
	"fmt"
	"net/netip"
	"testing"
)

// fmtResult prints a lookup result in rt's syntax, "miss" on a miss.
func fmtResult(res Result, ok bool) string {
	if !ok {
		return "miss"
	}
	r := Route{Prefix: res.Prefix, Type: res.Type, Proto: res.Proto, Scope: res.Scope,
		Metric: res.Metric, Tos: res.Tos, Src: res.Src, NHID: res.NHID}
	if res.Nexthop != (Nexthop{}) {
		r.Nexthops = []Nexthop{res.Nexthop}
	}
	return fmtRoute(r)
}

// wantResult normalises an expected result written in rt's syntax.
func wantResult(t *testing.T, s string) string {
	t.Helper()
	if s == "miss" {
		return s
	}
	return fmtRoute(rt(t, s))
}

func TestLookup(t *testing.T) {
	base4 := []string{"0.0.0.0/0 via 192.0.2.1 dev 5", "10.0.0.0/8 dev 2"}
	tests := []struct {
		name   string
		routes []string // added after base4 for IPv4, unless nil
		q      Query    // Dst from dst
		dst    string
		want   string
	}{
		{"longest prefix", []string{"10.1.0.0/16 dev 3"}, Query{}, "10.1.2.3", "10.1.0.0/16 dev 3"},
		{"default", []string{}, Query{}, "192.168.1.1", "0.0.0.0/0 via 192.0.2.1 dev 5"},
		{"tos mismatch", []string{"10.1.0.0/16 tos 0x10 dev 3"}, Query{}, "10.1.2.3", "10.0.0.0/8 dev 2"},
		{"tos match", []string{"10.1.0.0/16 tos 0x10 dev 3"}, Query{Tos: 0x10}, "10.1.2.3", "10.1.0.0/16 tos 0x10 dev 3"},
		{"tos order", []string{"10.1.0.0/16 dev 4", "10.1.0.0/16 tos 0x10 dev 3"}, Query{Tos: 0x10}, "10.1.2.3", "10.1.0.0/16 tos 0x10 dev 3"},
		{"scope too narrow", []string{"10.1.0.0/16 dev 3", "10.0.0.0/9 scope link dev 4"}, Query{Scope: ScopeLink}, "10.1.2.3", "10.0.0.0/9 scope link dev 4"},
		{"scope wide enough", []string{"10.1.0.0/16 scope link dev 3"}, Query{Scope: ScopeLink}, "10.1.2.3", "10.1.0.0/16 scope link dev 3"},
		{"dead", []string{"10.1.0.0/16 via 10.0.0.1 dev 3 dead"}, Query{}, "10.1.2.3", "10.0.0.0/8 dev 2"},
		{"dead, next metric", []string{"10.1.0.0/16 metric 5 dev 3 dead", "10.1.0.0/16 metric 9 dev 4"}, Query{}, "10.1.2.3", "10.1.0.0/16 metric 9 dev 4"},
		{"multipath with a dead path", []string{"10.1.0.0/16 nexthop dev 3 dead nexthop dev 4"}, Query{Hash: 0}, "10.1.2.3", "10.1.0.0/16 dev 4"},
		{"oif", []string{"10.1.0.0/16 dev 3"}, Query{Oif: 3}, "10.1.2.3", "10.1.0.0/16 dev 3"},
		{"oif falls back to a shorter prefix", []string{"10.1.0.0/16 dev 3"}, Query{Oif: 2}, "10.1.2.3", "10.0.0.0/8 dev 2"},
		{"oif matches nothing", []string{"10.1.0.0/16 dev 3"}, Query{Oif: 9}, "10.1.2.3", "miss"},
		{"oif picks its path", []string{"10.1.0.0/16 nexthop dev 3 nexthop dev 4"}, Query{Oif: 4, Hash: 0}, "10.1.2.3", "10.1.0.0/16 dev 4"},
		{"unreachable", []string{"unreachable 10.1.0.0/16"}, Query{}, "10.1.2.3", "unreachable 10.1.0.0/16"},
		{"unreachable whatever the oif", []string{"unreachable 10.1.0.0/16"}, Query{Oif: 9}, "10.1.2.3", "unreachable 10.1.0.0/16"},
		{"throw", []string{"throw 10.1.0.0/16"}, Query{}, "10.1.2.3", "throw 10.1.0.0/16"},
		{"prohibit passed by tos", []string{"prohibit 10.1.0.0/16 tos 0x10"}, Query{}, "10.1.2.3", "10.0.0.0/8 dev 2"},
		{"blackhole after a dead route", []string{"10.1.0.0/16 dev 3 dead", "blackhole 10.1.0.0/16"}, Query{}, "10.1.2.3", "blackhole 10.1.0.0/16"},
		{"nexthop object", []string{"10.1.0.0/16 nhid 1"}, Query{Oif: 2}, "10.1.2.3", "10.1.0.0/16 nhid 1 via 10.9.9.2 dev 2"},
		{"blackhole nexthop object", []string{"10.1.0.0/16 nhid 3"}, Query{}, "10.1.2.3", "blackhole 10.1.0.0/16 nhid 3"},
		// fib_table_lookup leaves the leaf on a nexthop object without a
		// usable path: 10.0.0.0/8 shares the leaf of 10.0.0.0/16.
		{"nexthop object without a path skips the key", []string{"10.0.0.0/16 nhid 2"}, Query{}, "10.0.2.3", "0.0.0.0/0 via 192.0.2.1 dev 5"},
		{"nexthop object without a path, other key", []string{"10.1.0.0/16 nhid 2"}, Query{}, "10.1.2.3", "10.0.0.0/8 dev 2"},
		{"miss", nil, Query{}, "10.1.2.3", "miss"},

		{"v6 longest prefix", []string{"2001:db8::/32 dev 2", "2001:db8:1::/48 dev 3"}, Query{}, "2001:db8:1::1", "2001:db8:1::/48 dev 3"},
		{"v6 backtracks", []string{"2001:db8::/32 dev 2", "2001:db8:1::/48 dev 3 dead"}, Query{}, "2001:db8:1::1", "2001:db8::/32 dev 2"},
		{"v6 first metric, then the rest", []string{"2001:db8::/32 metric 256 dev 2 dead", "2001:db8::/32 metric 1024 dev 3"},
			Query{}, "2001:db8::1", "2001:db8::/32 metric 1024 dev 3"},
		{"v6 no tos or scope", []string{"2001:db8::/32 scope link tos 0 dev 2"}, Query{Scope: ScopeHost, Tos: 0x10}, "2001:db8::1", "2001:db8::/32 scope link dev 2"},
		{"v6 strict oif", []string{"2001:db8::/32 dev 2", "2001:db8::/48 dev 3"}, Query{Oif: 2}, "2001:db8::1", "2001:db8::/32 dev 2"},
		{"v6 reject", []string{"2001:db8::/32 dev 2", "unreachable 2001:db8::/48"}, Query{}, "2001:db8::1", "unreachable 2001:db8::/48"},
		{"v6 reject is on loopback", []string{"2001:db8::/32 dev 2", "unreachable 2001:db8::/48"}, Query{Oif: 2}, "2001:db8::1", "2001:db8::/32 dev 2"},
		{"v6 reject through loopback", []string{"2001:db8::/32 dev 2", "prohibit 2001:db8::/48"}, Query{Oif: 1}, "2001:db8::1", "prohibit 2001:db8::/48"},
		{"v6 blackhole object wins", []string{"2001:db8::/32 metric 1024 dev 2", "2001:db8::/32 metric 1024 nhid 3"}, Query{},
			"2001:db8::1", "blackhole 2001:db8::/32 metric 1024 nhid 3"},
		{"v6 siblings under oif", []string{"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::2 dev 3"},
			Query{Oif: 3, Hash: 0}, "2001:db8::1", "2001:db8::/32 metric 1024 via fe80::2 dev 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			routes := tc.routes
			if tc.routes != nil && !netip.MustParseAddr(tc.dst).Is6() {
				routes = append(base4, tc.routes...)
			}
			tb := tableOf(t, routes...)
			q := tc.q
			q.Dst = netip.MustParseAddr(tc.dst)
			q.Objects = testObjects
			got, ok := tb.Lookup(&q)
			if g, w := fmtResult(got, ok), wantResult(t, tc.want); g != w {
				t.Fatalf("Lookup(%s oif %d tos %#x scope %v) = %s, want %s", tc.dst, q.Oif, q.Tos, q.Scope, g, w)
			}
		})
	}
}

// TestMultipathWeights checks hash-threshold selection: the exact
// boundary between two paths, the share of each weight, and that a flow
// keeps its path when other routes change.
func TestMultipathWeights(t *testing.T) {
	for _, route := range []string{
		"10.1.0.0/16 nexthop dev 2 nexthop dev 3 weight 3",
		"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::2 dev 3 weight 3",
	} {
		tb := tableOf(t, route)
		dst := rt(t, route).Prefix.Addr()
		dev := func(tb *Table, hash uint32) int {
			res, ok := tb.Lookup(&Query{Dst: dst, Hash: hash})
			if !ok {
				t.Fatalf("Lookup(%v hash %#x) missed", dst, hash)
			}
			return res.Nexthop.Dev
		}
		// Weight 1 of 4: the first path owns 31-bit hashes up to 2^29-1.
		for _, c := range []struct {
			hash uint32
			want int
		}{{0, 2}, {(1<<29 - 1) << 1, 2}, {(1<<29-1)<<1 | 1, 2}, {1 << 30, 3}, {0xffffffff, 3}} {
			if got := dev(tb, c.hash); got != c.want {
				t.Fatalf("Lookup(%v hash %#x) dev = %d, want %d", dst, c.hash, got, c.want)
			}
		}
		tb.Freeze()
		fork := tb.Mutable()
		for _, other := range []string{"10.0.0.0/8 dev 4", "10.1.0.0/16 metric 9 dev 4", "2001:db8::/32 metric 2000 dev 4"} {
			if err := fork.Add(rt(t, other), OpAdd); err != nil {
				t.Fatalf("Add(%s) = %v", other, err)
			}
		}
		const n = 4096
		count := 0
		for i := range n {
			h := uint32(i) * (1 << 32 / n)
			d := dev(tb, h)
			if d == 3 {
				count++
			}
			if got := dev(fork, h); got != d {
				t.Fatalf("Lookup(%v hash %#x) dev = %d after unrelated changes, want %d", dst, h, got, d)
			}
		}
		if count != 3*n/4 {
			t.Fatalf("%s: %d of %d flows on weight 3, want %d", route, count, n, 3*n/4)
		}
	}
}

// TestMultipathDead checks that a dead path's share goes to the live ones
// (fib_rebalance, rt6_multipath_rebalance).
func TestMultipathDead(t *testing.T) {
	for _, fam := range []struct{ route, dst string }{
		{"10.1.0.0/16 nexthop via 10.0.0.1 dev 2 nexthop via 10.0.0.2 dev 3 nexthop via 10.0.0.3 dev 4", "10.1.0.1"},
		{"2001:db8::/32 metric 1024 nexthop via fe80::1 dev 2 nexthop via fe80::2 dev 3 nexthop via fe80::3 dev 4", "2001:db8::1"},
	} {
		tb := tableOf(t, fam.route)
		q := Query{Dst: netip.MustParseAddr(fam.dst)}
		if n := tb.SetDevDead(3, true); n != 0 {
			t.Fatalf("SetDevDead(3, true) = %d, want 0", n)
		}
		seen := map[int]int{}
		for i := range 4096 {
			q.Hash = uint32(i) << 20
			res, _ := tb.Lookup(&q)
			seen[res.Nexthop.Dev]++
			if res.Paths != 3 {
				t.Fatalf("Lookup(%v).Paths = %d, want 3", q.Dst, res.Paths)
			}
		}
		if seen[3] != 0 || seen[2] != 2048 || seen[4] != 2048 {
			t.Fatalf("%s: flows per dev = %v, want 2048 on 2 and 4", fam.dst, seen)
		}
	}
}

// TestLookupKinds checks Result fields other than the path.
func TestLookupKinds(t *testing.T) {
	tb := tableOf(t, "10.1.0.0/16 proto static scope link src 10.1.0.1 metric 7 nexthop via 10.0.0.1 dev 2 nexthop via 10.0.0.2 dev 3",
		"unreachable 10.2.0.0/16")
	res, ok := tb.Lookup(&Query{Dst: netip.MustParseAddr("10.1.2.3")})
	want := Result{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Type: TypeUnicast, Proto: ProtoStatic,
		Scope: ScopeLink, Metric: 7, Src: netip.MustParseAddr("10.1.0.1"),
		Nexthop: Nexthop{Gateway: netip.MustParseAddr("10.0.0.1"), Dev: 2}, Paths: 2}
	if !ok || res != want {
		t.Fatalf("Lookup(10.1.2.3) = %+v, want %+v", res, want)
	}
	res, _ = tb.Lookup(&Query{Dst: netip.MustParseAddr("10.2.0.1")})
	if want := (Result{Prefix: netip.MustParsePrefix("10.2.0.0/16"), Type: TypeUnreachable}); res != want {
		t.Fatalf("Lookup(10.2.0.1) = %+v, want %+v", res, want)
	}
	if res, ok := tb.Lookup(&Query{}); ok {
		t.Fatalf("Lookup(invalid) = %+v, true, want a miss", res)
	}
}

func Example() {
	tb := NewTable(TableMain)
	_ = tb.Add(Route{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Type: TypeUnicast,
		Nexthops: []Nexthop{{Gateway: netip.MustParseAddr("192.0.2.1"), Dev: 2}}}, OpAdd)
	tb.Freeze()
	res, ok := tb.Lookup(&Query{Dst: netip.MustParseAddr("10.1.2.3")})
	fmt.Println(res.Prefix, res.Nexthop.Gateway, ok)
	// Output: 10.0.0.0/8 192.0.2.1 true
}

// TestMasked checks the lookup's prefix masking against netip's.
func TestMasked(t *testing.T) {
	for _, a := range []string{"192.0.2.255", "255.255.255.255", "0.0.0.0", "10.1.2.3", "2001:db8::ffff", "::ffff:10.1.2.3"} {
		for bits := range netip.MustParseAddr(a).BitLen() + 1 {
			addr := netip.MustParseAddr(a)
			if got, want := masked(addr, bits), netip.PrefixFrom(addr, bits).Masked(); got != want {
				t.Errorf("masked(%v, %d) = %v, want %v", addr, bits, got, want)
			}
		}
	}
}
