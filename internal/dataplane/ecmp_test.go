package dataplane

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestECMP sends flows to many destinations over a two-path route: the
// flows spread over both paths, and each flow keeps to one.
func TestECMP(t *testing.T) {
	for _, tt := range []struct {
		name   string
		routes []string
		prefix string
	}{
		{"multipath", []string{"route add 10.9.0.0/16 vrf a nexthop via 192.168.2.10 nexthop via 192.168.3.10"}, "10.9.0."},
		{"group", []string{"nexthop add id 1 via 192.168.2.10 dev ra2", "nexthop add id 2 via 192.168.3.10 dev ra3",
			"nexthop add id 3 group 1/2", "route add 10.8.0.0/16 nhid 3 vrf a"}, "10.8.0."},
		{"ipv6", []string{"route add 2001:db8:99::/64 vrf a nexthop via 2001:db8:2::10 nexthop via 2001:db8:3::10"}, "2001:db8:99::"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLab(t, Config{})
			l.run("link add name a type vrf table 10", "link set dev a up",
				"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
			for i := 1; i <= 3; i++ {
				l.run(vrfPort(fmt.Sprintf("ra%d", i), "a", fmt.Sprintf("192.168.%d.1/24", i), fmt.Sprintf("2001:db8:%d::1/64", i))...)
			}
			l.run(tt.routes...)
			a1 := l.host("ra1", hostCfg("a1", "1"))
			paths := []*sim.Host{l.host("ra2", hostCfg("a2", "2")), l.host("ra3", hostCfg("a3", "3"))}
			src := ip("192.168.1.10")
			if ip(tt.prefix + "1").Is6() {
				src = ip("2001:db8:1::10")
			}
			for round := range 2 {
				for i := 1; i <= 64; i++ {
					dst := ip(fmt.Sprintf("%s%d", tt.prefix, i))
					l.send(a1, datagram(l.mac("ra1"), a1.MAC(), src, dst, uint16(round)))
				}
			}
			seen := map[netip.Addr][]int{}
			for p, h := range paths {
				for _, d := range dests(h) {
					seen[d] = append(seen[d], p)
				}
			}
			used := [2]int{}
			for i := 1; i <= 64; i++ {
				dst := ip(fmt.Sprintf("%s%d", tt.prefix, i))
				got := seen[dst]
				if len(got) != 2 || got[0] != got[1] {
					t.Fatalf("flow to %v took paths %v, want one path twice", dst, got)
				}
				used[got[0]]++
			}
			if used[0] < 10 || used[1] < 10 {
				t.Errorf("flows per path = %v, want both paths well used", used)
			}
		})
	}
}

// datagram returns a UDP frame from src to dst.
func datagram(dstMAC, srcMAC header.MAC, src, dst netip.Addr, sport uint16) []byte {
	u := udp(src, dst, 40000+sport, 9, []byte("flow"))
	if dst.Is4() {
		return ipv4Frame(dstMAC, srcMAC, header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst}, u)
	}
	return ipv6Frame(dstMAC, srcMAC, header.IPv6Fields{NextHeader: header.ProtoUDP, Src: src, Dst: dst}, u)
}

// dests returns the destinations of the UDP packets h received.
func dests(h *sim.Host) []netip.Addr {
	var out []netip.Addr
	for _, p := range frames(h, header.EtherTypeIPv4) {
		if v := header.IPv4(p); v.Protocol() == header.ProtoUDP {
			out = append(out, v.Dst())
		}
	}
	for _, p := range frames(h, header.EtherTypeIPv6) {
		if v := header.IPv6(p); v.NextHeader() == header.ProtoUDP {
			out = append(out, v.Dst())
		}
	}
	return out
}
