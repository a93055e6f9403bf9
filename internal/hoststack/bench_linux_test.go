package hoststack

import (
	"fmt"
	"net/netip"
	"testing"
)

// BenchmarkIntegrationSync measures a Sync that finds nothing to change,
// the cost of every Sync after the first: two netlink dumps and the
// comparison.
func BenchmarkIntegrationSync(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			s := create(b, Config{})
			addrs := []netip.Prefix{pfx("192.168.1.1/24"), pfx("2001:db8:1::1/64")}
			routes := make([]Route, n)
			for i := range routes {
				a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0})
				routes[i] = Route{Prefix: netip.PrefixFrom(a, 24), Src: addr("192.168.1.1")}
			}
			mustSync(b, s, addrs, routes)
			for b.Loop() {
				if err := s.Sync(addrs, routes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
