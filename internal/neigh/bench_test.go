package neigh

import (
	"net/netip"
	"testing"
)

// BenchmarkLookup measures the per-packet path in a table of 1000
// REACHABLE entries: hits of each family, a miss, and hits from every
// core at once.
func BenchmarkLookup(b *testing.B) {
	c, _ := newCache(b)
	for i := 1; i <= 500; i++ {
		for _, f := range []Family{IPv4, IPv6} {
			c.Resolve(addr(f, i), nil)
			answer(c, addr(f, i), mac1)
		}
	}
	settle(c)
	for _, bc := range []struct {
		name string
		ip   netip.Addr
	}{
		{"hit4", addr(IPv4, 250)},
		{"hit6", addr(IPv6, 250)},
		{"miss4", addr(IPv4, 999)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, _, ok := c.Lookup(bc.ip); ok != (bc.name != "miss4") {
				b.Fatalf("Lookup(%v) ok = %v", bc.ip, ok)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Lookup(bc.ip)
			}
		})
	}
	b.Run("hit4-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				c.Lookup(addr(IPv4, 1+i%500))
				i++
			}
		})
	})
}
