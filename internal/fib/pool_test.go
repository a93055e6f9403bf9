package fib

import (
	"net/netip"
	"testing"
)

// TestPoolScanToMap interns sets and addresses one by one past poolScan,
// where the pool starts mapping them: every entry keeps its index and is
// found again, before and after, and none is interned twice.
func TestPoolScanToMap(t *testing.T) {
	p := newPool()
	const n = 3 * poolScan
	hops := func(i int) []Nexthop {
		return []Nexthop{{Gateway: netip.AddrFrom4([4]byte{10, 0, byte(i), 2}), Dev: 2 + i%3, Weight: 1}}
	}
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 1, byte(i), 1}) }
	paths := make([]uint32, n)
	addrs := make([]uint32, n)
	for i := range n {
		paths[i], _ = p.internPaths(uint32(i%2), hops(i))
		addrs[i], _ = p.internAddr(addr(i))
		if mapped := p.pathIx != nil; mapped != (len(p.paths) > poolScan) {
			t.Fatalf("after %d sets (%d entries) the pool maps them: %v", i+1, len(p.paths), mapped)
		}
		for j := range i + 1 {
			if got, _ := p.internPaths(uint32(j%2), hops(j)); got != paths[j] {
				t.Fatalf("after %d sets, set %d is at %d, was at %d", i+1, j, got, paths[j])
			}
			if got, _ := p.internAddr(addr(j)); got != addrs[j] {
				t.Fatalf("after %d addresses, address %d is at %d, was at %d", i+1, j, got, addrs[j])
			}
		}
	}
	if len(p.paths) != n+1 || len(p.addrs) != n+1 {
		t.Errorf("the pool holds %d sets and %d addresses, want %d of each", len(p.paths), len(p.addrs), n+1)
	}
	if i, _ := p.internPaths(0, nil); i != 0 {
		t.Errorf("the empty set is at %d, want 0", i)
	}
	if i, _ := p.internAddr(netip.Addr{}); i != 0 {
		t.Errorf("the invalid address is at %d, want 0", i)
	}
}
