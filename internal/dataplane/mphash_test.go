package dataplane

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestECMPHashPolicies sends flows that differ only in what one hash
// policy reads — UDP source ports, IPv6 flow labels, the inner addresses
// of IPIP — over a two-path route of VRF a: under that policy they spread
// over both paths, each flow on the path `route get` names for it when
// route get can say (ports, flow label); under policy 0 (IPv4) they keep
// to one path.
func TestECMPHashPolicies(t *testing.T) {
	src4, dst4 := ip("192.168.1.10"), ip("10.9.0.1")
	src6, dst6 := ip("2001:db8:1::10"), ip("2001:db8:99::1")
	inner := func(n int) netip.Addr { return netip.AddrFrom4([4]byte{172, 16, byte(n / 256), byte(n)}) }
	for _, tc := range []struct {
		name    string
		sysctls []string
		frame   func(l *lab, a1 *sim.Host, n int) []byte
		key     func(pkt []byte) (int, bool) // the flow of a received packet
		query   func(l *lab, n int) control.RouteQuery
		spread  bool
	}{
		{"policy 1 ports", []string{"sysctl -w net.ipv4.fib_multipath_hash_policy=1"},
			func(l *lab, a1 *sim.Host, n int) []byte {
				return datagram(l.mac("ra1"), a1.MAC(), src4, dst4, uint16(n))
			},
			udpSport4,
			func(l *lab, n int) control.RouteQuery {
				return control.RouteQuery{Dst: dst4, Src: src4, Iif: l.index("ra1"), IPProto: header.ProtoUDP, Sport: 40000 + uint16(n), Dport: 9}
			}, true},
		{"policy 0 ports", nil,
			func(l *lab, a1 *sim.Host, n int) []byte {
				return datagram(l.mac("ra1"), a1.MAC(), src4, dst4, uint16(n))
			},
			udpSport4, nil, false},
		{"policy 0 flow label", nil,
			func(l *lab, a1 *sim.Host, n int) []byte {
				return ipv6Frame(l.mac("ra1"), a1.MAC(), header.IPv6Fields{NextHeader: header.ProtoUDP, Src: src6, Dst: dst6, FlowLabel: uint32(n) * 4099},
					udp(src6, dst6, 5000, 9, []byte("label")))
			},
			func(pkt []byte) (int, bool) {
				v := header.IPv6(pkt)
				return int(binary.BigEndian.Uint32(v)&0xfffff) / 4099, v.NextHeader() == header.ProtoUDP
			},
			func(l *lab, n int) control.RouteQuery {
				return control.RouteQuery{Dst: dst6, Src: src6, Iif: l.index("ra1"), IPProto: header.ProtoUDP, Sport: 5000, Dport: 9, FlowLabel: uint32(n) * 4099}
			}, true},
		{"policy 2 inner addresses", []string{"sysctl -w net.ipv4.fib_multipath_hash_policy=2"},
			func(l *lab, a1 *sim.Host, n int) []byte {
				in := header.IPv4(make([]byte, header.IPv4MinLen+header.UDPLen))
				in.Encode(&header.IPv4Fields{TotalLength: uint16(len(in)), TTL: 64, Protocol: header.ProtoUDP, Src: inner(n), Dst: ip("172.17.0.1")})
				return ipv4Frame(l.mac("ra1"), a1.MAC(), header.IPv4Fields{Protocol: 4, Src: src4, Dst: dst4}, in)
			},
			func(pkt []byte) (int, bool) {
				v := header.IPv4(pkt)
				if v.Protocol() != 4 {
					return 0, false
				}
				a := header.IPv4(v.Payload()).Src().As4()
				return int(a[2])*256 + int(a[3]), true
			}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, Config{})
			l.run("link add name a type vrf table 10", "link set dev a up",
				"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
			for i := 1; i <= 3; i++ {
				l.run(vrfPort(fmt.Sprintf("ra%d", i), "a", fmt.Sprintf("192.168.%d.1/24", i), fmt.Sprintf("2001:db8:%d::1/64", i))...)
			}
			l.run("route add 10.9.0.0/16 vrf a nexthop via 192.168.2.10 nexthop via 192.168.3.10",
				"route add 2001:db8:99::/64 vrf a nexthop via 2001:db8:2::10 nexthop via 2001:db8:3::10")
			l.run(tc.sysctls...)
			a1 := l.host("ra1", hostCfg("a1", "1"))
			paths := []*sim.Host{l.host("ra2", hostCfg("a2", "2")), l.host("ra3", hostCfg("a3", "3"))}
			const flows = 64
			for range 2 {
				for n := range flows {
					l.send(a1, tc.frame(l, a1, n))
				}
			}
			took := map[int][]int{}
			for p, h := range paths {
				for _, et := range []uint16{header.EtherTypeIPv4, header.EtherTypeIPv6} {
					for _, pkt := range frames(h, et) {
						if n, ok := tc.key(pkt); ok {
							took[n] = append(took[n], p)
						}
					}
				}
			}
			var used [2]int
			for n := range flows {
				got := took[n]
				if len(got) != 2 || got[0] != got[1] {
					t.Fatalf("flow %d took paths %v, want one path twice", n, got)
				}
				used[got[0]]++
				if tc.query == nil {
					continue
				}
				ans, err := l.ctl.RouteGet(tc.query(l, n))
				if err != nil {
					t.Fatalf("route get for flow %d: %v", n, err)
				}
				if want := l.index(fmt.Sprintf("ra%d", got[0]+2)); ans.Dev != want {
					t.Errorf("flow %d took ra%d, route get names link %d", n, got[0]+2, ans.Dev)
				}
			}
			if tc.spread && (used[0] < flows/8 || used[1] < flows/8) || !tc.spread && used[0] != 0 && used[1] != 0 {
				t.Errorf("flows per path = %v", used)
			}
		})
	}
}

// udpSport4 is the flow of an IPv4 UDP packet of datagram: its source
// port less 40000.
func udpSport4(pkt []byte) (int, bool) {
	v := header.IPv4(pkt)
	if v.Protocol() != header.ProtoUDP {
		return 0, false
	}
	return int(header.UDP(v.Payload()).SrcPort()) - 40000, true
}

// TestECMPHostStackFlows sends UDP flows from VRF a's host stack, from one
// address on many ports: under policy 1 they spread over both paths of
// the route, each flow on one, as a VRF socket's flows do in Linux.
func TestECMPHostStackFlows(t *testing.T) {
	l := newLab(t, Config{})
	l.run("link add name a type vrf table 10", "link set dev a up", "sysctl -w net.ipv4.fib_multipath_hash_policy=1",
		"sysctl -w net.ipv6.fib_multipath_hash_policy=1")
	for i := 1; i <= 3; i++ {
		l.run(vrfPort(fmt.Sprintf("ra%d", i), "a", fmt.Sprintf("192.168.%d.1/24", i), fmt.Sprintf("2001:db8:%d::1/64", i))...)
	}
	l.run("route add 10.9.0.0/16 vrf a nexthop via 192.168.2.10 nexthop via 192.168.3.10",
		"route add 2001:db8:99::/64 vrf a nexthop via 2001:db8:2::10 nexthop via 2001:db8:3::10")
	stack := l.attachStacks("a")["a"]
	paths := []*sim.Host{l.host("ra2", hostCfg("a2", "2")), l.host("ra3", hostCfg("a3", "3"))}
	for _, fam := range []struct{ src, dst netip.Addr }{
		{ip("192.168.1.1"), ip("10.9.0.1")}, {ip("2001:db8:1::1"), ip("2001:db8:99::1")},
	} {
		const flows = 64
		for range 2 {
			for n := range flows {
				u := udp(fam.src, fam.dst, 30000+uint16(n), 9, []byte("stack"))
				if fam.src.Is4() {
					stack.send(packet4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: fam.src, Dst: fam.dst}, u))
				} else {
					stack.send(packet6(header.IPv6Fields{NextHeader: header.ProtoUDP, Src: fam.src, Dst: fam.dst}, u))
				}
			}
			l.dp.Poll()
			l.net.Settle()
		}
		took := map[int][]int{}
		for p, h := range paths {
			for _, et := range []uint16{header.EtherTypeIPv4, header.EtherTypeIPv6} {
				for _, pkt := range frames(h, et) {
					var u header.UDP
					if et == header.EtherTypeIPv4 && header.IPv4(pkt).Protocol() == header.ProtoUDP && header.IPv4(pkt).Dst() == fam.dst {
						u = header.UDP(header.IPv4(pkt).Payload())
					} else if et == header.EtherTypeIPv6 && header.IPv6(pkt).NextHeader() == header.ProtoUDP && header.IPv6(pkt).Dst() == fam.dst {
						u = header.UDP(header.IPv6(pkt).Payload())
					} else {
						continue
					}
					took[int(u.SrcPort())-30000] = append(took[int(u.SrcPort())-30000], p)
				}
			}
		}
		var used [2]int
		for n := range flows {
			got := took[n]
			if len(got) != 2 || got[0] != got[1] {
				t.Fatalf("%v: flow %d took paths %v, want one path twice", fam.dst, n, got)
			}
			used[got[0]]++
		}
		if used[0] < flows/8 || used[1] < flows/8 {
			t.Errorf("%v: flows per path = %v", fam.dst, used)
		}
	}
}
