package dataplane

import (
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
)

// ipForward is ip_forward and ip_forward_finish for a unicast route res:
// TTL first (RFC 1812 §5.3.1: at most 1 is answered with time exceeded,
// never forwarded with 0), then where the packet leaves (a leak through
// a VRF device takes vrf_xmit's second lookup), the MTU (DF set: frag
// needed with the next hop's MTU, RFC 1191 §4; else fragments), and the
// TTL decrement with the checksum patched (RFC 1624). Errors are about
// the packet as it arrived.
func (w *worker) ipForward(pk *packet, res *fib.Result) {
	ip := header.IPv4(pk.ip)
	if ip.TTL() <= 1 {
		w.icmpError(pk, ReasonTTLExceeded, 0)
		return
	}
	var rt route
	if r := w.egress(&rt, res, pk.dom, ip.Src(), ip.Dst(), ip.TOS()&0xfc); r != none {
		w.drop(pk, r)
		return
	}
	if rt.local {
		ip.DecTTL()
		pk.local = true
		w.ipLocalDeliver(pk, rt.dom)
		return
	}
	if pk.tr != nil {
		pk.tr.egress(&rt, "TTL", ip.TTL(), len(ip))
	}
	var r Reason
	switch {
	case len(ip) <= rt.mtu:
		ip.DecTTL()
		r = w.neighOutput(rt.out, rt.nh, pk.frame[:header.EthernetLen+len(ip)], pk.iif)
	case ip.DF():
		w.icmpError(pk, ReasonFragNeeded, uint32(rt.mtu))
		return
	default:
		ip.DecTTL()
		r = w.fragment(&rt, ip, pk.iif)
	}
	if r != none {
		w.drop(pk, r)
		return
	}
	w.forwarded()
}

// ip6Forward is ip6_forward for a unicast route res: the hop limit (RFC
// 8200 §3, RFC 4443 §3.3), the source's scope (a link-local source never
// leaves its link: ICMPv6 beyond scope), where the packet leaves, the MTU
// (Packet Too Big with the link's MTU, at least 1280; routers never
// fragment, RFC 8200 §5), then the hop limit decrement.
func (w *worker) ip6Forward(pk *packet, res *fib.Result) {
	ip := header.IPv6(pk.ip)
	src := ip.Src()
	switch {
	case ip.HopLimit() <= 1:
		w.icmpError(pk, ReasonTTLExceeded, 0)
		return
	case src.IsUnspecified():
		w.drop(pk, ReasonMartianSource) // "This check is security critical."
		return
	case src.IsLinkLocalUnicast():
		w.icmpError(pk, ReasonBeyondScope, 0)
		return
	}
	var rt route
	if r := w.egress(&rt, res, pk.dom, src, ip.Dst(), 0); r != none {
		w.drop(pk, r)
		return
	}
	if rt.local {
		ip.SetHopLimit(ip.HopLimit() - 1)
		pk.local = true
		w.ip6LocalDeliver(pk, rt.dom)
		return
	}
	if pk.tr != nil {
		pk.tr.egress(&rt, "hop limit", ip.HopLimit(), len(ip))
	}
	if mtu := max(rt.mtu, header.IPv6MinMTU); len(ip) > mtu {
		w.icmpError(pk, ReasonPacketTooBig, uint32(mtu))
		return
	}
	ip.SetHopLimit(ip.HopLimit() - 1)
	if r := w.neighOutput(rt.out, rt.nh, pk.frame[:header.EthernetLen+len(ip)], pk.iif); r != none {
		w.drop(pk, r)
		return
	}
	w.forwarded()
}
