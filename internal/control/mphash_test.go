package control

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// multipathRouter is a VRF (table 100) with port p0 and a route to
// 198.51.100.0/24 over four gateways, under hash policy policy.
func multipathRouter(tb testing.TB, policy int) (*Snapshot, int) {
	c := New()
	c.AddLink(LinkSpec{Name: "v", Kind: KindVRF, Table: 100})
	c.SetLink("v", LinkChange{Up: ptr(true)})
	c.AddLink(LinkSpec{Name: "p0", Kind: KindDummy})
	c.SetLink("p0", LinkChange{Master: ptr("v"), Up: ptr(true)})
	c.AddAddr("p0", Addr{Prefix: pfx("10.0.0.1/24")}, false)
	var hops []fib.Nexthop
	for i := range 4 {
		hops = append(hops, fib.Nexthop{Gateway: addr(fmt.Sprintf("10.0.0.%d", i+2))})
	}
	if err := c.AddRoute(fib.Route{Table: 100, Prefix: pfx("198.51.100.0/24"), Proto: fib.ProtoStatic, Nexthops: hops}, fib.OpAdd); err != nil {
		tb.Fatal(err)
	}
	if err := c.SetSysctl("net.ipv4.fib_multipath_hash_policy", fmt.Sprint(policy)); err != nil {
		tb.Fatal(err)
	}
	s := c.Snapshot()
	return s, s.LinkByName("p0").Index
}

// udp4 returns an IPv4 UDP packet header from src to dst with ports.
func udp4(src, dst netip.Addr, sport, dport uint16) []byte {
	b := make([]byte, 28)
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:], 28)
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[20:], sport)
	binary.BigEndian.PutUint16(b[22:], dport)
	return b
}

// TestLookupPacketHashes checks that a received packet's ports choose
// its path under policy 1 and not under policy 0, and that the lookup
// allocates nothing.
func TestLookupPacketHashes(t *testing.T) {
	for _, policy := range []int{0, 1} {
		s, iif := multipathRouter(t, policy)
		var r Router
		used := map[netip.Addr]bool{}
		src, dst := addr("192.0.2.1"), addr("198.51.100.7")
		for sport := range uint16(64) {
			f := rule.Flow{Src: src, Dst: dst, Iif: iif, IPProto: 17, Sport: 1000 + sport, Dport: 53}
			res, _, err := r.LookupPacket(s, &f, udp4(src, dst, 1000+sport, 53))
			if err != nil {
				t.Fatal(err)
			}
			used[res.Nexthop.Gateway] = true
		}
		if policy == 0 && len(used) != 1 || policy == 1 && len(used) != 4 {
			t.Errorf("policy %d: paths used %v", policy, used)
		}
		pkt := udp4(src, dst, 1, 2)
		f := rule.Flow{Src: src, Dst: dst, Iif: iif, IPProto: 17, Sport: 1, Dport: 2}
		if n := testing.AllocsPerRun(100, func() { g := f; r.LookupPacket(s, &g, pkt) }); n != 0 {
			t.Errorf("policy %d: LookupPacket allocates %v times", policy, n)
		}
	}
}

// BenchmarkLookupPacketMultipath measures a data-path lookup that hits a
// four-path route and hashes the packet under each policy.
func BenchmarkLookupPacketMultipath(b *testing.B) {
	for policy := range 4 {
		s, iif := multipathRouter(b, policy)
		src, dst := addr("192.0.2.1"), addr("198.51.100.7")
		pkt := udp4(src, dst, 1000, 53)
		b.Run(fmt.Sprintf("policy%d", policy), func(b *testing.B) {
			var r Router
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint16(pkt[20:], uint16(i))
				f := rule.Flow{Src: src, Dst: dst, Iif: iif, IPProto: 17, Sport: uint16(i), Dport: 53}
				if _, _, err := r.LookupPacket(s, &f, pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
