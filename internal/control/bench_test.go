package control

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// randomPrefixes returns n distinct IPv4 prefixes, mostly /24 with some
// /16../23, outside 10.0.0.0/8, from a fixed seed.
func randomPrefixes(n int) []netip.Prefix {
	r := rand.New(rand.NewPCG(1, 2))
	seen := make(map[netip.Prefix]bool, n)
	out := make([]netip.Prefix, 0, n)
	for len(out) < n {
		x := r.Uint32()
		bits := 24
		if x%10 == 0 {
			bits = 16 + int(x>>8%8)
		}
		b := [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), 0}
		if b[0] == 10 || b[0] == 0 || b[0] >= 224 {
			continue
		}
		p := netip.PrefixFrom(netip.AddrFrom4(b), bits).Masked()
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// vrfRouter builds 64 VRFs (tables 100..163), each with one port, and
// loads n routes into the first VRF's table.
func vrfRouter(tb testing.TB, n int) (*Control, []netip.Prefix) {
	c := New()
	release := c.Hold()
	for i := range 64 {
		v, p := fmt.Sprintf("vrf%d", i), fmt.Sprintf("port%d", i)
		c.AddLink(LinkSpec{Name: v, Kind: KindVRF, Table: fib.TableID(100 + i)})
		c.SetLink(v, LinkChange{Up: ptr(true)})
		c.AddLink(LinkSpec{Name: p, Kind: KindDummy})
		c.SetLink(p, LinkChange{Master: ptr(v), Up: ptr(true)})
		c.AddAddr(p, Addr{Prefix: pfx("10.0.0.1/24")}, false)
	}
	ps := randomPrefixes(n)
	gw := []fib.Nexthop{{Gateway: addr("10.0.0.2"), Dev: 0}}
	for _, p := range ps {
		if err := c.AddRoute(fib.Route{Table: 100, Prefix: p, Proto: fib.ProtoStatic, Nexthops: gw}, fib.OpAdd); err != nil {
			tb.Fatal(err)
		}
	}
	release()
	return c, ps
}

// BenchmarkRouterLookup measures the data path's route lookup: l3mdev
// flow update, rule walk (local, l3mdev, main, default) and LPM in a VRF
// table of 1M IPv4 routes, with 64 VRFs configured. "warm" cycles 64
// flows (a batch's worth, caches warm); "spread" cycles 4096 flows across
// the whole table, so most lookups miss the CPU caches.
func BenchmarkRouterLookup(b *testing.B) {
	c, ps := vrfRouter(b, 1_000_000)
	s := c.Snapshot()
	iif := s.LinkByName("port0").Index
	for _, tc := range []struct {
		name  string
		flows int
	}{{"warm", 64}, {"spread", 4096}} {
		flows := make([]rule.Flow, tc.flows)
		for i := range flows {
			p := ps[i*97%len(ps)].Addr().As4()
			p[3] = byte(i)
			flows[i] = rule.Flow{Src: addr("10.0.0.2"), Dst: netip.AddrFrom4(p), Iif: iif}
		}
		b.Run(tc.name, func(b *testing.B) {
			var r Router
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f := flows[i%len(flows)]
				if _, _, err := r.Lookup(s, &f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
