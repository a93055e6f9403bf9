package dataplane

import "github.com/govrf/govrf/internal/header"

// ndpCases are the rules of ndisc_rcv (RFC 4861 §6.1, §7.1, §8.1; RFC
// 6980; Linux's ndisc_recv_ns, ndisc_recv_na, ndisc_recv_rs,
// ndisc_router_discovery, ndisc_redirect_rcv, ndisc_parse_options),
// wherever the message was addressed.
func ndpCases() []validateCase {
	sn := header.SolicitedNode(ip(vRA1)).String()
	sll, tll := lla(1, peerMAC), lla(2, peerMAC)
	cat := func(o ...[]byte) []byte {
		var b []byte
		for _, x := range o {
			b = append(b, x...)
		}
		return b
	}
	// ns is a Neighbor Solicitation from vPeer for target.
	ns := func(dst, target string, hl uint8, code uint8, o ...[]byte) *frameSpec {
		return &frameSpec{src: vPeer, dst: dst, hl: hl, proto: header.ProtoICMPv6, upper: nsMsg(vPeer, dst, target, code, cat(o...)...)}
	}
	nsExt := func(exts ...ext6) *frameSpec {
		f := ns(sn, vRA1, 255, 0, sll)
		f.exts = exts
		return f
	}
	const peer2 = "2001:db8:1::20" // a neighbour ra1 holds STALE at another MAC
	nadv := func(dst, target string, hl, flags uint8, o ...[]byte) *frameSpec {
		return &frameSpec{src: peer2, dst: dst, hl: hl, proto: header.ProtoICMPv6, upper: naMsg(peer2, dst, target, flags, cat(o...)...)}
	}
	const so = header.NAFlagSolicited | header.NAFlagOverride
	rs := func(src string, hl uint8, o ...[]byte) *frameSpec {
		return &frameSpec{src: src, dst: "ff02::2", hl: hl, proto: header.ProtoICMPv6, upper: rsMsg(src, "ff02::2", cat(o...)...)}
	}
	ra := func(src string, hl uint8) *frameSpec {
		return &frameSpec{src: src, dst: "ff02::1", hl: hl, proto: header.ProtoICMPv6, upper: raMsg(src, "ff02::1", sll...)}
	}
	redirect := func(src string, hl uint8) *frameSpec {
		return &frameSpec{src: src, dst: vRA1, hl: hl, proto: header.ProtoICMPv6, upper: redirectMsg(src, vRA1, "fe80::5", "2001:db8:5::5")}
	}
	badSum := ns(sn, vRA1, 255, 0, sll)
	badSum.upper[2] ^= 1
	short := ns(sn, vRA1, 255, 0)
	short.upper = icmp6Msg(vPeer, sn, header.ICMPv6NeighborSolicit, 0, make([]byte, 16)...)
	bcast := ns(vRA1, vRA1, 255, 0, sll)
	bcast.l2 = header.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	vrfAddr := []string{"addr add " + vVRF + "/128 dev a"}
	noFwd := []string{"sysctl -w net.ipv6.conf.all.forwarding=0"}
	learn := func(c validateCase) validateCase {
		if c.v6.src != "::" { // duplicate address detection teaches nothing
			c.neigh, c.learnt = vPeer, c.reason == none && len(c.answer) != 0 && c.stale == ""
		}
		return c
	}
	cases := []validateCase{
		{name: "RFC4861 7.2.3 control: NS for the port's address answered", v6: ns(sn, vRA1, 255, 0, sll), answer: na},
		{name: "RFC4861 7.1.1 NS hop limit != 255", v6: ns(sn, vRA1, 64, 0, sll), reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 7.1.1 NS ICMP code != 0", v6: ns(sn, vRA1, 255, 1, sll), reason: ReasonOf(header.ReasonNDPBadCode)},
		{name: "RFC4861 7.1.1 NS checksum", v6: badSum, reason: ReasonOf(header.ReasonBadChecksum)},
		{name: "RFC4861 7.1.1 NS shorter than 24 octets", v6: short, reason: ReasonOf(header.ReasonTruncated)},
		{name: "RFC4861 7.1.1 NS multicast target", v6: ns(sn, "ff02::1", 255, 0, sll), reason: ReasonOf(header.ReasonNDPBadTarget)},
		{name: "RFC4861 7.1.1 NS option of length 0", v6: ns(sn, vRA1, 255, 0, sll, []byte{9, 0, 0, 0, 0, 0, 0, 0}), reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "RFC4861 7.1.1 NS option past the message", v6: ns(sn, vRA1, 255, 0, sll, []byte{200, 2, 0, 0, 0, 0, 0, 0}), reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "RFC4861 7.1.1 DAD NS not to a solicited-node address", v6: ns("ff02::1", vRA1, 255, 0).withSrc("::"), reason: ReasonOf(header.ReasonNDPBadDestination)},
		{name: "RFC4861 7.1.1 DAD NS with a source link-layer option", v6: ns(sn, vRA1, 255, 0, sll).withSrc("::"), reason: ReasonOf(header.ReasonNDPBadSource)},
		{name: "RFC4861 7.2.4 control: DAD NS answered to all nodes", v6: ns(sn, vRA1, 255, 0).withSrc("::"), answer: naDAD},
		{name: "ndisc_opt_addr_data NS source link-layer option not 8 octets", v6: ns(sn, vRA1, 255, 0, lla16(1, peerMAC)), reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "ndisc_parse_options control: a second source link-layer option ignored", v6: ns(sn, vRA1, 255, 0, sll, lla16(1, peerMAC)), answer: na},
		{name: "ndisc_parse_options control: an unknown option skipped", v6: ns(sn, vRA1, 255, 0, sll, []byte{200, 1, 0, 0, 0, 0, 0, 0}), answer: na},
		{name: "ndisc_recv_ns control: a target link-layer option not looked at", v6: ns(sn, vRA1, 255, 0, sll, lla16(2, peerMAC)), answer: na},
		{name: "ndisc_recv_ns multicast NS without a source link-layer option from an unknown source", v6: ns(sn, vRA1, 255, 0)},
		{name: "ndisc_recv_ns control: multicast NS without a source link-layer option from a known source", v6: ns(sn, vRA1, 255, 0), stale: vPeer, answer: na},
		{name: "ndisc_recv_ns unicast NS without a source link-layer option resolves its source first", v6: ns(vRA1, vRA1, 255, 0)},
		{name: "ndisc_recv_ns control: unicast NS without a source link-layer option from a known source", v6: ns(vRA1, vRA1, 255, 0), stale: vPeer, answer: naU},
		{name: "RFC6980 NS in an atomic fragment", v6: nsExt(atomicFrag), reason: ReasonOf(header.ReasonNDPFragmented)},
		{name: "RFC8200 4.2 NS after a Destination option that discards", v6: nsExt(destOpts(0x40, 4, 0, 0, 0, 0)), reason: ReasonDestOption},
		{name: "vrf_ip6_rcv NS after Destination Options goes to the VRF device", v6: nsExt(destOpts(1, 4, 0, 0, 0, 0)), reason: ReasonNDPVRFDevice},
		{name: "vrf_ip6_rcv NS after Hop-by-Hop Options goes to the VRF device", v6: nsExt(hopOpts(1, 4, 0, 0, 0, 0)), reason: ReasonNDPVRFDevice},
		{name: "ndisc_rcv control: NS after Destination Options answered on a port of no VRF", setup: []string{"link set dev ra1 nomaster", "addr add 2001:db8:1::1/64 dev ra1"},
			v6: nsExt(destOpts(1, 4, 0, 0, 0, 0)), answer: na},
		{name: "vrf_ip6_rcv NS after Hop-by-Hop Options with hop limit != 255", v6: func() *frameSpec { f := nsExt(hopOpts(1, 4, 0, 0, 0, 0)); f.hl = 64; return f }(),
			reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 7.1.1 NS to another port's address, hop limit != 255", v6: ns(vRA2, vRA1, 64, 0, sll), reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 7.1.1 NS to another port's address, option of length 0", v6: ns(vRA2, vRA1, 255, 0, []byte{1, 0, 0, 0, 0, 0, 0, 0}), reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "RFC4861 7.2.3 control: NS to another port's address for this port's answered", v6: ns(vRA2, vRA1, 255, 0, sll), answer: naU},
		{name: "RFC4861 7.2.3 NS for another port's address not answered", v6: ns(vRA2, vRA2, 255, 0, sll)},
		{name: "RFC4861 7.1.1 NS to the VRF device's address, hop limit != 255", setup: vrfAddr, v6: ns(vVRF, vVRF, 64, 0, sll), reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "ndisc_recv_ns control: NS for the VRF device's address answered", setup: vrfAddr, v6: ns(vVRF, vVRF, 255, 0, sll), answer: naU},
		{name: "ipv6_chk_acast_addr control: NS for the subnet-router anycast address answered without O",
			v6: ns("2001:db8:1::", "2001:db8:1::", 255, 0, sll), answer: []string{"na RS"}},
		{name: "ipv6_chk_acast_addr NS for the subnet-router anycast address while forwarding is off", setup: noFwd,
			v6: ns("2001:db8:1::", "2001:db8:1::", 255, 0, sll), reason: ReasonForwardingDisabled},
		{name: "ip6_rcv_core control: NS unicast in a link-layer broadcast frame answered", v6: bcast, answer: naU},
		{name: "RFC4861 7.2.4 control: unicast NS answered without O and target link-layer option", v6: ns(vRA1, vRA1, 255, 0, sll), answer: naU},
	}
	for i := range cases {
		cases[i] = learn(cases[i])
	}
	other := []validateCase{
		{name: "RFC4861 7.2.5 control: NA with override updates the entry", v6: nadv(vRA1, peer2, 255, so, tll), learnt: true},
		{name: "RFC4861 7.1.2 NA hop limit != 255", v6: nadv(vRA1, peer2, 64, so, tll), reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 7.1.2 NA solicited to a multicast address", v6: nadv("ff02::1", peer2, 255, so, tll), reason: ReasonOf(header.ReasonNDPBadDestination)},
		{name: "RFC4861 7.1.2 NA multicast target", v6: nadv(vRA1, "ff02::1", 255, so, tll), reason: ReasonOf(header.ReasonNDPBadTarget)},
		{name: "RFC4861 7.1.2 NA option of length 0", v6: nadv(vRA1, peer2, 255, so, tll, []byte{9, 0, 0, 0, 0, 0, 0, 0}), reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "ndisc_recv_na NA for the port's own address", v6: nadv(vRA1, vRA1, 255, header.NAFlagOverride, tll), reason: ReasonOf(header.ReasonNDPBadTarget)},
		{name: "ndisc_opt_addr_data NA target link-layer option not 8 octets", v6: nadv(vRA1, peer2, 255, so, lla16(2, peerMAC)), reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "ndisc_recv_na control: a source link-layer option not looked at", v6: nadv(vRA1, peer2, 255, so, lla16(1, peerMAC), tll), learnt: true},
		{name: "RFC6980 NA in an atomic fragment", v6: func() *frameSpec { f := nadv(vRA1, peer2, 255, so, tll); f.exts = []ext6{atomicFrag}; return f }(),
			reason: ReasonOf(header.ReasonNDPFragmented)},
		{name: "RFC4861 7.1.2 NA to another port's address, hop limit != 255", v6: nadv(vRA2, peer2, 64, so, tll), reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 7.2.5 control: NA to another port's address updates the entry", v6: nadv(vRA2, peer2, 255, so, tll), learnt: true},
		{name: "vrf_ip6_rcv NA after Destination Options goes to the VRF device", v6: func() *frameSpec {
			f := nadv(vRA1, peer2, 255, so, tll)
			f.exts = []ext6{destOpts(1, 4, 0, 0, 0, 0)}
			return f
		}(), reason: ReasonNDPVRFDevice},
		{name: "RFC4861 7.1.2 NA to the VRF device's address, hop limit != 255", setup: vrfAddr, v6: nadv(vVRF, peer2, 64, so, tll), reason: ReasonOf(header.ReasonNDPHopLimit)},
	}
	for i := range other {
		other[i].stale, other[i].neigh = peer2, peer2
	}
	cases = append(cases, other...)
	rsra := []validateCase{
		{name: "RFC4861 6.2.6 control: RS teaches its source's address", v6: rs("fe80::b", 255, sll), neigh: "fe80::b", learnt: true},
		{name: "RFC4861 6.1.1 RS hop limit != 255", v6: rs("fe80::b", 64, sll), neigh: "fe80::b", reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 6.1.1 RS from the unspecified address with a source link-layer option", v6: rs("::", 255, sll), reason: ReasonOf(header.ReasonNDPBadSource)},
		{name: "ndisc_opt_addr_data RS source link-layer option not 8 octets", v6: rs("fe80::b", 255, lla16(1, peerMAC)), neigh: "fe80::b", reason: ReasonOf(header.ReasonNDPBadOption)},
		{name: "ndisc_recv_rs RS not taken while forwarding is off", setup: noFwd, v6: rs("fe80::b", 255, sll), neigh: "fe80::b"},
		{name: "RFC4861 6.2.6 control: RA teaches its source's address", v6: ra("fe80::c", 255), neigh: "fe80::c", learnt: true},
		{name: "RFC4861 6.1.2 RA from a global address", v6: ra("2001:db8:1::32", 255), neigh: "2001:db8:1::32", reason: ReasonOf(header.ReasonNDPBadSource)},
		{name: "RFC4861 6.1.2 RA hop limit != 255", v6: ra("fe80::c", 64), neigh: "fe80::c", reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 8.1 Redirect ignored by a router", v6: redirect("fe80::d", 255), reason: ReasonRedirect},
		{name: "RFC4861 8.1 Redirect hop limit != 255", v6: redirect("fe80::d", 64), reason: ReasonOf(header.ReasonNDPHopLimit)},
		{name: "RFC4861 8.1 Redirect from a global address", v6: redirect("2001:db8:1::33", 255), reason: ReasonOf(header.ReasonNDPBadSource)},
	}
	return append(cases, rsra...)
}

// withSrc returns f with source src, its ICMPv6 checksum made again.
func (f *frameSpec) withSrc(src string) *frameSpec {
	g := *f
	g.src = src
	g.upper = append([]byte(nil), f.upper...)
	header.ICMPv6(g.upper).SetChecksum(0)
	header.ICMPv6(g.upper).SetChecksum(header.ICMPv6(g.upper).CalculateChecksum(ip(src), ip(f.dst)))
	return &g
}
