package dataplane

import (
	"strconv"

	"github.com/govrf/govrf/internal/header"
)

// ipv6Cases are the rules of ipv6_rcv and of the extension headers
// (RFC 8200 §4; Linux's ip6_rcv_core, ip6_parse_tlv, ipv6_rthdr_rcv,
// ipv6_destopt_rcv, ip6_protocol_deliver_rcu).
func ipv6Cases() []validateCase {
	fwd := func(exts ...ext6) *frameSpec {
		return &frameSpec{src: vA1, dst: vA2, exts: exts, proto: header.ProtoUDP, upper: udpTo(vA2)}
	}
	local := func(exts ...ext6) *frameSpec {
		return &frameSpec{src: vA1, dst: vRA1, exts: exts, proto: header.ProtoUDP, upper: udpTo(vRA1)}
	}
	echoTo := func(dst string, exts ...ext6) *frameSpec {
		return &frameSpec{src: vA1, dst: dst, exts: exts, proto: header.ProtoICMPv6, upper: echo(ip(vA1), ip(dst), 1, 1, 8)}
	}
	headers := func(n int, last ...ext6) []ext6 {
		e := make([]ext6, n)
		for i := range e {
			e[i] = destOpts(1, 4, 0, 0, 0, 0)
		}
		return append(e, last...)
	}
	unknownExt := func(typ uint8) *frameSpec { return local(ext6{typ, opts(1, 4, 0, 0, 0, 0)}) }
	pp := func(code, ptr int) []string {
		return []string{"icmp6 4/" + strconv.Itoa(code) + "@" + strconv.Itoa(ptr)}
	}
	return []validateCase{
		// ip6_rcv_core and the input route.
		{name: "RFC8200 3 control: forwarded", v6: fwd(), fwd: true},
		{name: "RFC4291 2.7 multicast source", v6: &frameSpec{src: "ff02::1", dst: vA2, proto: header.ProtoUDP, upper: udpTo(vA2)}, reason: ReasonMartianSource},
		{name: "RFC4291 2.5.3 loopback source", v6: &frameSpec{src: "::1", dst: vA2, proto: header.ProtoUDP, upper: udpTo(vA2)}, reason: ReasonMartianSource},
		{name: "RFC4291 2.5.5.2 v4-mapped source", v6: &frameSpec{src: "::ffff:192.168.1.10", dst: vA2, proto: header.ProtoUDP, upper: udpTo(vA2)}, reason: ReasonMartianSource},
		{name: "ip6_forward control: the router's own address as source forwarded", v6: &frameSpec{src: vRA1, dst: vA2, proto: header.ProtoUDP, upper: udp(ip(vRA1), ip(vA2), 1, 9, nil)}, fwd: true},
		{name: "ip6_forward unspecified source", v6: &frameSpec{src: "::", dst: vA2, proto: header.ProtoUDP, upper: udp(ip("::"), ip(vA2), 1, 9, nil)}, reason: ReasonMartianSource},
		{name: "RFC4443 3.1 unspecified destination has no route", v6: &frameSpec{src: vA1, dst: "::", proto: header.ProtoUDP, upper: udpTo("::")}, reason: ReasonNoRoute, answer: []string{"icmp6 1/0"}},
		{name: "RFC4443 3.1 v4-mapped destination has no route", v6: &frameSpec{src: vA1, dst: "::ffff:1.2.3.4", proto: header.ProtoUDP, upper: udpTo("::ffff:1.2.3.4")}, reason: ReasonNoRoute, answer: []string{"icmp6 1/0"}},
		{name: "RFC4443 2.4e unspecified source for the router not answered", v6: &frameSpec{src: "::", dst: vRA1, proto: header.ProtoUDP, upper: udp(ip("::"), ip(vRA1), 1, 9, nil)}},
		{name: "RFC4291 2.5.3 loopback destination", v6: &frameSpec{src: vA1, dst: "::1", proto: header.ProtoUDP, upper: udpTo("::1")}, reason: ReasonMartianDestination},
		{name: "RFC4291 2.7 interface-local multicast destination", v6: echoTo("ff01::1"), reason: ReasonMartianDestination},
		{name: "RFC4291 2.7 link-local multicast destination answered", v6: echoTo("ff02::1"), answer: []string{"icmp6 129"}},
		{name: "RFC4291 2.5.6 link-local destination of another host", v6: echoTo("fe80::99"), reason: ReasonLinkLocal},
		{name: "RFC8200 3 hop limit 1 to forward", v6: &frameSpec{src: vA1, dst: vA2, hl: 1, proto: header.ProtoUDP, upper: udpTo(vA2)},
			reason: ReasonTTLExceeded, answer: []string{"icmp6 3/0"}},
		{name: "RFC1812 5.3.4 unicast in a link-layer broadcast frame not forwarded",
			v6: &frameSpec{src: vA1, dst: vA2, l2: header.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, proto: header.ProtoUDP, upper: udpTo(vA2)}, reason: ReasonL2BroadcastUnicast},
		{name: "RFC7045 40 extension headers forwarded", v6: fwd(headers(40)...), fwd: true},
		{name: "RFC7045 Hop-by-Hop not first forwarded", v6: fwd(destOpts(1, 4, 0, 0, 0, 0), hopOpts(1, 4, 0, 0, 0, 0)), fwd: true},
		{name: "RFC7045 first fragment without the upper-layer header forwarded",
			v6: &frameSpec{src: vA1, dst: vA2, exts: []ext6{{header.ProtoFragment, []byte{0, 0, 1, 0, 0, 0, 1}}}, proto: header.ProtoUDP, upper: []byte{0, 1}}, fwd: true},
		{name: "RFC8200 4.1 Hop-by-Hop not first at the destination", v6: local(destOpts(1, 4, 0, 0, 0, 0), hopOpts(1, 4, 0, 0, 0, 0)), reason: ReasonOf(header.ReasonExtOutOfOrder), answer: pp(1, 40)},
		{name: "RFC7112 first fragment without the upper-layer header at the destination",
			v6:     &frameSpec{src: vA1, dst: vRA1, exts: []ext6{{header.ProtoFragment, []byte{0, 0, 1, 0, 0, 0, 1}}}, proto: header.ProtoUDP, upper: []byte{0, 1}},
			reason: ReasonOf(header.ReasonExtIncomplete), answer: pp(3, 0)},
		{name: "ipv6_destopt_rcv Destination Options past the payload at the destination",
			v6:     &frameSpec{src: vA1, dst: vRA1, exts: []ext6{{header.ProtoDestOpts, []byte{3, 1, 4, 0, 0, 0, 0}}}, proto: header.ProtoUDP, upper: udpTo(vRA1)},
			reason: ReasonOf(header.ReasonTruncated)},
		{name: "IP6_MAX_EXT_HDRS_CNT control: 12 extension headers at the destination", v6: local(headers(12)...), answer: unreach},
		{name: "IP6_MAX_EXT_HDRS_CNT 13 extension headers at the destination", v6: local(headers(13)...), reason: ReasonOf(header.ReasonExtChainTooLong)},
		{name: "IP6_MAX_EXT_HDRS_CNT Hop-by-Hop counted", v6: local(append([]ext6{hopOpts(1, 4, 0, 0, 0, 0)}, headers(12)...)...), reason: ReasonOf(header.ReasonExtChainTooLong)},
		{name: "IP6_MAX_EXT_HDRS_CNT the 13th header checked before the count", v6: local(headers(12, destOpts(0x80, 4, 0, 0, 0, 0))...),
			reason: ReasonDestOption, answer: pp(2, 138)},
		{name: "IP6_MAX_EXT_HDRS_CNT a 13th header without a handler", v6: local(headers(12, ext6{135, opts(1, 4, 0, 0, 0, 0)})...), answer: pp(1, 128)},

		// Hop-by-Hop options (ipv6_parse_hopopts); the bounds are in TestHopByHopBounds.
		{name: "RFC9486 IOAM on a 4-octet boundary skipped", v6: fwd(hopOpts(0, 0, optIOAM, 2, 0, 0)), fwd: true},
		{name: "ipv6_hop_ioam IOAM off a 4-octet boundary", v6: fwd(hopOpts(optIOAM, 4, 0, 0, 0, 0)), reason: ReasonHopByHopOption},
		{name: "RFC5570 CALIPSO without a domain of interpretation", v6: fwd(hopOpts(optCALIPSO, 8, 0, 0, 0, 1, 0, 5, 0, 0, 1, 2, 0, 0)), reason: ReasonHopByHopOption},
		{name: "RFC2675 Jumbo Payload of 65535 octets or less", v6: fwd(hopOpts(optJumbo, 4, 0, 0, 3, 0xe8)), reason: ReasonHopByHopOption, answer: pp(0, 44)},
		{name: "RFC2675 Jumbo Payload with a Payload Length", v6: fwd(hopOpts(optJumbo, 4, 0, 1, 0x11, 0x70)), reason: ReasonHopByHopOption, answer: pp(0, 42)},
		{name: "RFC2675 Jumbo Payload misaligned", v6: fwd(hopOpts(0, optJumbo, 4, 0, 1, 0x11, 0x70, 0, 0, 0, 0, 0, 0, 0)), reason: ReasonHopByHopOption},
		{name: "RFC8200 4.2 Hop-by-Hop unknown option 10 answered", v6: fwd(hopOpts(0x80, 4, 0, 0, 0, 0)), reason: ReasonHopByHopOption, answer: pp(2, 42)},

		// Destination Options at the destination (ipv6_destopt_rcv).
		{name: "RFC8200 4.6 control: Destination Options of 8 options", v6: local(destOpts(append(skipOpts(8), 1, 4, 0, 0, 0, 0)...)), answer: unreach},
		{name: "max_dst_opts_number 9 options", v6: local(destOpts(append(skipOpts(9), 1, 0)...)), reason: ReasonDestOption},
		{name: "max_dst_opts_number raised to 9", setup: []string{"sysctl -w net.ipv6.max_dst_opts_number=9"},
			v6: local(destOpts(append(skipOpts(9), 1, 0)...)), answer: unreach},
		{name: "max_dst_opts_number negative refuses an unknown option", setup: []string{"sysctl -w net.ipv6.max_dst_opts_number=-8"},
			v6: local(destOpts(append(skipOpts(1), 1, 0)...)), reason: ReasonDestOption},
		{name: "max_dst_opts_length 8 refuses a 16-octet header", setup: []string{"sysctl -w net.ipv6.max_dst_opts_length=8"},
			v6: local(destOpts(append(skipOpts(2), 0, 0, 0, 0, 0, 0)...)), reason: ReasonDestOption},
		{name: "RFC8200 4.2 Destination option 01 discards", v6: local(destOpts(0x40, 4, 0, 0, 0, 0)), reason: ReasonDestOption},
		{name: "RFC8200 4.2 Destination option 10 answered", v6: local(destOpts(0x80, 4, 0, 0, 0, 0)), reason: ReasonDestOption, answer: pp(2, 42)},
		{name: "RFC8200 4.2 Destination option 11 answered to unicast", v6: local(destOpts(0xc0, 4, 0, 0, 0, 0)), reason: ReasonDestOption, answer: pp(2, 42)},
		{name: "RFC8200 4.2 Destination option 11 to multicast silent", v6: echoTo("ff02::1", destOpts(0xc0, 4, 0, 0, 0, 0)), reason: ReasonDestOption},
		{name: "RFC4443 2.4e Destination option 10 to multicast answered", v6: echoTo("ff02::1", destOpts(0x80, 4, 0, 0, 0, 0)), reason: ReasonDestOption, answer: pp(2, 42)},
		{name: "RFC4942 2.1.9.5 Destination Options with 8 octets of padding", v6: local(destOpts(0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), reason: ReasonDestOption},
		{name: "RFC4942 2.1.9.5 Destination PadN not zero", v6: local(destOpts(1, 4, 0, 0, 9, 0)), reason: ReasonDestOption},
		{name: "ip6_parse_tlv Destination option past the header", v6: local(destOpts(0x1e, 9, 0, 0, 0, 0)), reason: ReasonDestOption},
		{name: "RFC6275 Home Address unknown without Mobile IPv6", v6: local(destOpts(append([]byte{0xc9, 16}, make([]byte, 20)...)...)), reason: ReasonDestOption, answer: pp(2, 42)},
		{name: "RFC2711 Router Alert is unknown in Destination Options", v6: local(destOpts(optRouterAlert, 3, 0, 0, 0, 0)), answer: unreach},
		{name: "RFC8200 4.6 Destination Options in two headers counted apart",
			v6: local(destOpts(append(skipOpts(8), 1, 4, 0, 0, 0, 0)...), destOpts(append(skipOpts(8), 1, 4, 0, 0, 0, 0)...)), answer: unreach},
		{name: "RFC8200 4 Destination Options not examined in transit", v6: fwd(destOpts(0x80, 4, 0, 0, 0, 0)), fwd: true},

		// Routing headers (ipv6_rthdr_rcv).
		{name: "RFC8200 4.4 Routing header with no segments left skipped", v6: echoTo(vRA1, routing(0, 0)), answer: []string{"icmp6 129"}},
		{name: "RFC5095 RH0 with segments left", v6: local(routing(0, 1)), reason: ReasonOf(header.ReasonUnknownExt), answer: pp(0, 42)},
		{name: "seg6_enabled off SRH with no segments left", v6: local(routing(4, 0)), reason: ReasonOf(header.ReasonUnknownExt)},
		{name: "rpl_seg_enabled off RPL header with no segments left", v6: local(routing(3, 0)), reason: ReasonOf(header.ReasonUnknownExt)},
		{name: "ipv6_rthdr_rcv Routing header to a multicast address", v6: echoTo("ff02::1", routing(0, 0)), reason: ReasonRoutingGroup},
		{name: "RFC8200 4.1 Destination Options checked before a later Routing header",
			v6: local(destOpts(0x80, 4, 0, 0, 0, 0), routing(0, 1)), reason: ReasonDestOption, answer: pp(2, 42)},
		{name: "RFC8200 4.1 Routing header checked before later Destination Options",
			v6: local(routing(0, 1), destOpts(0x80, 4, 0, 0, 0, 0)), reason: ReasonOf(header.ReasonUnknownExt), answer: pp(0, 42)},
		{name: "RFC8200 4.5 non-final fragment not a multiple of 8",
			v6:     &frameSpec{src: vA1, dst: vRA1, exts: []ext6{{header.ProtoFragment, []byte{0, 0, 1, 0, 0, 0, 1}}}, proto: header.ProtoUDP, upper: udp(ip(vA1), ip(vRA1), 1, 9, []byte{0})},
			reason: ReasonOf(header.ReasonBadFragment), answer: pp(0, 4)},

		{name: "RFC6946 atomic fragment taken as a whole packet", v6: local(atomicFrag), answer: unreach},
		{name: "RFC6946 echo in an atomic fragment answered", v6: echoTo(vRA1, atomicFrag), answer: []string{"icmp6 129"}},
		{name: "RFC6946 atomic fragment then Destination option 10", v6: local(atomicFrag, destOpts(0x80, 4, 0, 0, 0, 0)), reason: ReasonDestOption, answer: pp(2, 50)},
		{name: "ipv6_frag_rcv a second Fragment header after an atomic fragment", v6: local(atomicFrag, atomicFrag), reason: ReasonOf(header.ReasonBadFragment), answer: pp(0, 48)},
		{name: "RFC6946 atomic fragment with a reserved octet set", v6: local(ext6{header.ProtoFragment, []byte{0xff, 0, 0, 0, 0, 0, 1}}), answer: unreach},

		// Protocols the destination has no handler for (ip6_protocol_deliver_rcu).
		{name: "RFC8200 4 Mobility header at the destination", v6: unknownExt(135), answer: pp(1, 6)},
		{name: "RFC4302 AH at the destination without IPsec", v6: local(ext6{header.ProtoAH, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}), answer: pp(1, 6)},
		{name: "RFC7401 HIP header at the destination", v6: unknownExt(139), answer: pp(1, 6)},
		{name: "RFC3692 experimental header at the destination", v6: unknownExt(253), answer: pp(1, 6)},
		{name: "RFC7045 unknown extension header forwarded", v6: fwd(ext6{135, opts(1, 4, 0, 0, 0, 0)}), fwd: true},
	}
}
