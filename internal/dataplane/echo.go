package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
)

// icmpEcho is icmp_echo: it answers an echo request to the router in the
// request's own buffer, from the address pinged (for a broadcast, the
// address the ingress port selects, fib_compute_spec_dst), and routes the
// reply in the delivering VRF. Broadcast requests are ignored by default
// (icmp_echo_ignore_broadcasts).
func (w *worker) icmpEcho(pk *packet, m header.ICMPv4) {
	if r := m.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	if pk.group && w.snap.Sysctl().ICMPEchoIgnoreBcast {
		w.drop(pk, ReasonEchoIgnored)
		return
	}
	ip := header.IPv4(pk.ip)
	src, from, tos := ip.Src(), ip.Dst(), ip.TOS()
	if !pk.local {
		from = w.snap.SelectSrc4(pk.iif, src, fib.ScopeUniverse)
	}
	n := len(m)
	b := pk.buf[header.EthernetLen:]
	r := header.ICMPv4(b[header.IPv4MinLen : header.IPv4MinLen+n])
	copy(r, m) // the request's options, if any, are not echoed
	word := uint16(r[0])<<8 | uint16(r[1])
	r.SetType(header.ICMPv4EchoReply)
	r.SetChecksum(header.UpdateChecksum(r.Checksum(), word, word&0xff))
	header.IPv4(b).Encode(&header.IPv4Fields{TOS: tos, TotalLength: uint16(header.IPv4MinLen + n),
		ID: w.nextID(), TTL: defaultTTL, Protocol: header.ProtoICMP, Src: from, Dst: src})
	w.reply(pk, pk.buf[:header.EthernetLen+header.IPv4MinLen+n])
	w.echoReplied(pk)
	w.delivered()
}

// icmp6Echo is icmpv6_echo_reply: the reply leaves from the address
// pinged, or, for a group or anycast address, from the address selected
// toward the requester (RFC 4443 §2.2), without the request's extension
// headers.
func (w *worker) icmp6Echo(pk *packet, m header.ICMPv6) {
	ip := header.IPv6(pk.ip)
	if r := m.Validate(ip); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	src, from, tc := ip.Src(), ip.Dst(), ip.TrafficClass()
	if !pk.local {
		from = w.snap.SelectSrc6(pk.iif, src)
	}
	if !from.IsValid() || src.IsUnspecified() {
		w.drop(pk, ReasonMartianSource)
		return
	}
	n := len(m)
	b := pk.buf[header.EthernetLen:]
	r := header.ICMPv6(b[header.IPv6Len : header.IPv6Len+n])
	copy(r, m)
	header.IPv6(b).Encode(&header.IPv6Fields{TrafficClass: tc, PayloadLength: uint16(n),
		NextHeader: header.ProtoICMPv6, HopLimit: defaultTTL, Src: from, Dst: src})
	r.SetType(header.ICMPv6EchoReply)
	r.SetChecksum(r.CalculateChecksum(from, src))
	w.reply(pk, pk.buf[:header.EthernetLen+header.IPv6Len+n])
	w.echoReplied(pk)
	w.delivered()
}

// reply routes a packet the router built in answer to pk in pk's
// delivering VRF (through the ingress port for a link-local destination)
// and sends it; one with no way out is counted against that VRF.
func (w *worker) reply(pk *packet, frame []byte) {
	ip := frame[header.EthernetLen:]
	var src, dst netip.Addr
	var tos uint8
	oif := 0
	if ethernet(ip) == header.EtherTypeIPv4 {
		v := header.IPv4(ip)
		src, dst, tos = v.Src(), v.Dst(), v.TOS()&0xfc
	} else {
		v := header.IPv6(ip)
		src, dst = v.Src(), v.Dst()
		if dst.IsLinkLocalUnicast() {
			oif = pk.iif
		}
	}
	var rt route
	if r := w.outputRoute(&rt, pk.dom, oif, src, dst, tos); r != none {
		w.txDrop(nil, pk.dom.vrf, r)
		return
	}
	w.send(&rt, frame)
}

// echoReplied counts an echo reply sent in answer to pk.
func (w *worker) echoReplied(pk *packet) {
	if pk.tr != nil {
		pk.tr.step("icmp_echo", "echo reply sent from the router")
	}
	pk.stats.echoReplies.Add(1)
	pk.vrf.echoReplies.Add(1)
}
