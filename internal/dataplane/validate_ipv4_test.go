package dataplane

import (
	"github.com/govrf/govrf/internal/header"
)

// arpCases are the rules of arp_rcv and arp_process (RFC 826, RFC 5227).
func arpCases() []validateCase {
	const sender, peerIP = "192.168.1.1", "192.168.1.77"
	req := func(sip, tip string) *arpSpec { return &arpSpec{sip: sip, tip: tip} }
	reply := []string{"arp reply"}
	cases := []validateCase{
		{name: "RFC826 control: request for the port's address answered", arp: req(peerIP, sender), answer: reply, learnt: true},
		{name: "arp_process control: request for another port's address of the VRF answered", arp: req(peerIP, "192.168.2.1"), answer: reply, learnt: true},
		{name: "arp_process control: hardware type IEEE 802 taken", arp: &arpSpec{hrd: 6, sip: peerIP, tip: sender}, answer: reply, learnt: true},
		{name: "RFC826 hardware type neither Ethernet nor IEEE 802", arp: &arpSpec{hrd: 2, sip: peerIP, tip: sender}, reason: ReasonOf(header.ReasonBadARP)},
		{name: "RFC826 protocol type not IPv4", arp: &arpSpec{pro: header.EtherTypeIPv6, sip: peerIP, tip: sender}, reason: ReasonOf(header.ReasonBadARP)},
		{name: "arp_rcv hardware address length != 6", arp: &arpSpec{hln: 8, sip: peerIP, tip: sender}, reason: ReasonOf(header.ReasonBadARP)},
		{name: "arp_rcv protocol address length != 4", arp: &arpSpec{pln: 16, sip: peerIP, tip: sender}, reason: ReasonOf(header.ReasonBadARP)},
		{name: "arp_process opcode neither request nor reply", arp: &arpSpec{op: 3, sip: peerIP, tip: sender}, reason: ReasonOf(header.ReasonBadARP)},
		{name: "arp_rcv shorter than 28 octets", arp: &arpSpec{cut: 1, sip: peerIP, tip: sender}, reason: ReasonOf(header.ReasonTruncated)},
		{name: "arp_process multicast target", arp: req(peerIP, "224.0.0.1"), reason: ReasonARPMartian},
		{name: "arp_process loopback target", arp: req(peerIP, "127.0.0.1"), reason: ReasonARPMartian},
		{name: "arp_process broadcast target not answered", arp: req(peerIP, "192.168.1.255")},
		{name: "ip_route_input loopback sender not answered", arp: req("127.0.0.1", sender)},
		{name: "ip_route_input multicast sender not answered", arp: req("224.0.0.5", sender)},
		{name: "ip_route_input limited broadcast sender not answered", arp: req("255.255.255.255", sender)},
		{name: "fib_validate_source sender is the router's own address", arp: req(sender, sender)},
		{name: "fib_validate_source sender is another port's address", arp: req("192.168.2.1", sender)},
		{name: "fib_validate_source sender is the subnet's broadcast address", arp: req("192.168.1.255", sender)},
		{name: "fib_validate_source control: sender off the subnet answered", arp: req("10.9.9.9", sender), answer: reply, learnt: true},
		{name: "RFC5227 2.1.1 control: probe answered", arp: req("0.0.0.0", sender), answer: reply},
	}
	for i := range cases {
		if cases[i].arp.sip == peerIP {
			cases[i].neigh = peerIP
		} else if cases[i].arp.sip != "0.0.0.0" {
			cases[i].neigh = cases[i].arp.sip
		}
	}
	return cases
}

// ipv4Cases are the rules of ip_rcv_core and ip_rcv_finish (RFC 1812
// §5.2.2, §5.3).
func ipv4Cases() []validateCase {
	const a1, a2 = "192.168.1.10", "192.168.2.10"
	frame := func(src, dst string, ttl uint8, mod func(header.IPv4)) func(s *seedLab) []byte {
		return func(s *seedLab) []byte {
			f := ipv4Frame(s.mac("ra1"), s.a1.MAC(), header.IPv4Fields{TTL: ttl, Protocol: header.ProtoUDP, Src: ip(src), Dst: ip(dst)},
				udp(ip(src), ip(dst), 1, 9, nil))
			if mod != nil {
				v := header.IPv4(f[header.EthernetLen:])
				sum := [2]byte(v[10:12])
				mod(v)
				if [2]byte(v[10:12]) == sum { // the checksum is not the rule
					v.SetHeaderChecksum(0)
					v.SetHeaderChecksum(v.CalculateChecksum())
				}
			}
			return f
		}
	}
	fwd := func(mod func(header.IPv4)) func(s *seedLab) []byte { return frame(a1, a2, 64, mod) }
	withOptions := func(o ...byte) func(s *seedLab) []byte {
		return func(s *seedLab) []byte {
			l4 := udp(ip(a1), ip(a2), 1, 9, nil)
			f := ipv4Frame(s.mac("ra1"), s.a1.MAC(), header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip(a1), Dst: ip(a2)}, append(o, l4...))
			v := header.IPv4(f[header.EthernetLen:])
			v[0] = 0x45 + byte(len(o)/4)
			v.SetHeaderChecksum(0)
			v.SetHeaderChecksum(v.CalculateChecksum())
			return f
		}
	}
	bcast := func(s *seedLab) []byte {
		f := frame(a1, a2, 64, nil)(s)
		copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		return f
	}
	return []validateCase{
		{name: "RFC1812 5.2.2 control: forwarded", v4: fwd(nil), fwd: true},
		{name: "RFC1812 5.2.2 version != 4", v4: fwd(func(v header.IPv4) { v[0] = 0x55 }), reason: ReasonOf(header.ReasonBadVersion)},
		{name: "RFC1812 5.2.2 header length below 5 words", v4: fwd(func(v header.IPv4) { v[0] = 0x44 }), reason: ReasonOf(header.ReasonBadIHL)},
		{name: "RFC1812 5.2.2 total length below the header", v4: fwd(func(v header.IPv4) { v.SetTotalLength(19) }), reason: ReasonOf(header.ReasonBadTotalLength)},
		{name: "RFC1812 5.2.2 total length past the frame", v4: fwd(func(v header.IPv4) { v.SetTotalLength(200) }), reason: ReasonOf(header.ReasonTruncated)},
		{name: "RFC1812 5.2.2 header checksum", v4: fwd(func(v header.IPv4) { v[10] ^= 1 }), reason: ReasonOf(header.ReasonBadChecksum)},
		{name: "RFC1812 4.2.2.1 option past the header", v4: withOptions(7, 8, 4, 0), reason: ReasonOf(header.ReasonBadOptions), answer: []string{"icmp 12/0"}},
		{name: "RFC1812 4.2.2.1 record route pointer below 4", v4: withOptions(7, 7, 3, 0, 0, 0, 0, 0), reason: ReasonOf(header.ReasonBadOptions), answer: []string{"icmp 12/0"}},
		{name: "RFC1812 4.2.2.1 option length 1", v4: withOptions(0x99, 1, 0, 0), reason: ReasonOf(header.ReasonBadOptions), answer: []string{"icmp 12/0"}},
		{name: "ip_options_compile record route twice", v4: withOptions(7, 7, 4, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0, 0), reason: ReasonOf(header.ReasonBadOptions), answer: []string{"icmp 12/0"}},
		{name: "RFC1812 4.2.2.1 control: an unknown option forwarded", v4: withOptions(0x99, 4, 0, 0), fwd: true},
		{name: "RFC1812 4.2.2.1 control: Router Alert forwarded", v4: withOptions(148, 4, 0, 0), fwd: true},
		{name: "RFC7126 4.3 loose source route refused", v4: withOptions(131, 7, 4, 0, 0, 0, 0, 0), reason: ReasonSourceRoute},
		{name: "RFC1812 5.3.7 loopback source", v4: frame("127.0.0.1", a2, 64, nil), reason: ReasonMartianSource},
		{name: "RFC1812 5.3.7 multicast source", v4: frame("224.0.0.5", a2, 64, nil), reason: ReasonMartianSource},
		{name: "RFC1812 5.3.7 the router's own address as source", v4: frame("192.168.1.1", a2, 64, nil), reason: ReasonMartianSource},
		{name: "RFC1812 5.3.7 source 0.0.0.0", v4: frame("0.0.0.0", a2, 64, nil), reason: ReasonMartianSource},
		{name: "RFC1812 5.3.7 destination 0.0.0.0", v4: frame(a1, "0.0.0.0", 64, nil), reason: ReasonMartianDestination},
		{name: "fib_validate_source subnet broadcast source in a VRF", v4: frame("192.168.1.255", a2, 64, nil), reason: ReasonMartianSource},
		{name: "RFC1812 5.3.1 control: TTL 0 for the router answered", v4: frame(a1, "192.168.1.1", 0, nil), answer: []string{"icmp 3/3"}},
		{name: "RFC1812 5.3.7 loopback destination", v4: frame(a1, "127.0.0.1", 64, nil), reason: ReasonMartianDestination},
		{name: "RFC1812 5.3.1 TTL 1 to forward", v4: frame(a1, a2, 1, nil), reason: ReasonTTLExceeded, answer: []string{"icmp 11/0"}},
		{name: "RFC1812 5.3.4 unicast in a link-layer broadcast frame not forwarded", v4: bcast, reason: ReasonL2BroadcastUnicast},
	}
}
