package neigh

import (
	"net/netip"
	"testing"
)

// TestLookupNoAllocs: the per-packet path allocates nothing, hit or miss.
func TestLookupNoAllocs(t *testing.T) {
	c, _ := newCache(t)
	reachable(t, c, ip4)
	reachable(t, c, ip6)
	perm := addr(IPv4, 7)
	c.Add(Static{Addr: perm, MAC: mac1, State: StatePermanent})
	settle(c)
	for _, ip := range []netip.Addr{ip4, ip6, perm, addr(IPv4, 99)} {
		if _, _, ok := c.Lookup(ip); ok != (ip != addr(IPv4, 99)) {
			t.Fatalf("Lookup(%v) ok = %v", ip, ok)
		}
		if n := testing.AllocsPerRun(1000, func() { c.Lookup(ip) }); n != 0 {
			t.Errorf("Lookup(%v): %v allocs, want 0", ip, n)
		}
	}
}

// TestTickNoAllocs: ticks with reused action slices allocate nothing.
func TestTickNoAllocs(t *testing.T) {
	c, clk := newCache(t)
	for i := 1; i <= 100; i++ {
		reachable(t, c, addr(IPv4, i))
	}
	acts := make([]Action, 0, 16)
	if n := testing.AllocsPerRun(1000, func() {
		acts = c.Tick(acts[:0], clk.Now())
	}); n != 0 {
		t.Fatalf("Tick: %v allocs, want 0", n)
	}
}
