package dataplane

import (
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// icmp6Send is icmp6_send: it builds the error in place of pk and sends
// it, and reports whether it did. In its order: about a multicast
// destination or a frame that was not unicast to us, only Packet Too Big
// and Parameter Problem for an unrecognised option (RFC 4443 §2.4(e));
// never to an unspecified or multicast source, nor about an ICMPv6 error;
// the global rate limit; the route back in the INGRESS VRF (through the
// ingress port for a link-local source); the source: the packet's
// destination if it was ours, else the one selected for the route
// (RFC 4443 §2.2); the per-destination limit, shortened for wide routes
// as icmpv6_xrlim_allow does. Packet Too Big is never limited.
func (w *worker) icmp6Send(pk *packet, typ, code uint8, rest uint32) bool {
	ip := header.IPv6(pk.ip)
	src, dst := ip.Src(), ip.Dst()
	local := pk.local
	if dst.IsMulticast() || pk.l2 != pktHost {
		if typ != header.ICMPv6PacketTooBig && !(typ == header.ICMPv6ParamProblem && code == header.ICMPv6ParamOption) {
			return false
		}
		local = false
	}
	if src.IsUnspecified() || src.IsMulticast() || ineligible6(ip, pk.chain) {
		return false
	}
	sc := w.snap.Sysctl()
	limited := typ != header.ICMPv6PacketTooBig
	now := w.p.clock.Now()
	if limited && !w.p.limits.global(now, sc.ICMPMsgsPerSec, sc.ICMPMsgsBurst) {
		w.ratelimited(pk)
		return false
	}
	var saddr netip.Addr
	if local {
		saddr = dst
	}
	oif := 0
	if src.IsLinkLocalUnicast() {
		oif = pk.iif
	}
	var rt route
	if w.outputRoute(&rt, pk.dom, oif, saddr, src, 0) != none {
		return false
	}
	if !saddr.IsValid() {
		if saddr = w.source(&rt, src); !saddr.IsValid() {
			return false
		}
	}
	tmo := time.Duration(sc.ICMPv6RatelimitMs) * time.Millisecond
	if plen := rt.res.Prefix.Bits(); plen < 128 {
		tmo >>= (128 - plen) >> 5
	}
	if limited && !w.p.limits.peer(peerKey{pk.dom.vrf, src}, tmo, now) {
		w.ratelimited(pk)
		return false
	}
	e := header.ICMPv6Error{Type: typ, Code: code, Rest: rest, Src: saddr, Dst: src, HopLimit: defaultTTL}
	n := e.Encode(pk.buf[header.EthernetLen:], pk.ip)
	if n == 0 {
		return false
	}
	w.send(&rt, pk.buf[:header.EthernetLen+n])
	return true
}

// ineligible6 is is_ineligible: an ICMPv6 error, or a packet whose
// upper-layer header cannot be read, is not answered with an error; a
// non-first fragment is, since its type is in another fragment.
func ineligible6(ip header.IPv6, c header.Chain) bool {
	if c.Proto != header.ProtoICMPv6 {
		return false
	}
	if c.Fragment != 0 && header.IPv6Fragment(ip[c.Fragment:]).Offset() != 0 {
		return false
	}
	end := header.IPv6Len + int(ip.PayloadLength())
	return c.Offset >= end || header.IsICMPv6Error(ip[c.Offset])
}
