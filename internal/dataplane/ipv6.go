package dataplane

import (
	"math"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/rule"
)

// maxExtHeaders lets header.IPv6.Walk cross every extension header:
// Linux bounds none in transit, and a frame holds at most a few hundred.
// The destination's own bound is maxLocalExtHeaders.
const maxExtHeaders = math.MaxInt

// maxLocalExtHeaders is IP6_MAX_EXT_HDRS_CNT: the extension headers,
// Hop-by-Hop included, that ip6_protocol_deliver_rcu crosses for a packet
// to the router; one more taken and the packet is dropped silently.
const maxLocalExtHeaders = 12

// ipv6Rcv is ipv6_rcv and ip6_rcv_finish up to the route: the fixed
// header (RFC 8200 §3), martian addresses (RFC 4291; ip6_rcv_core), the
// extension chain and Hop-by-Hop options (tlvOptions), groups the port
// joined, link-local destinations and NDP to the port's own addresses
// (local without a lookup), then the input route in the port's VRF.
// Whatever is local goes through ip6LocalDeliver, where NDP is handed to
// ndiscRcv wherever it was addressed, as icmpv6_rcv hands it to
// ndisc_rcv.
func (w *worker) ipv6Rcv(pk *packet, ip header.IPv6) {
	if r := ip.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	ip = ip.Packet()
	pk.ip = ip
	src, dst := ip.Src(), ip.Dst()
	switch {
	case src.IsMulticast() || src.IsLoopback() || src.Is4In6():
		w.drop(pk, ReasonMartianSource)
		return
	case dst.IsLoopback() || dst.IsMulticast() && dst.As16()[1]&0x0f <= 1:
		w.drop(pk, ReasonMartianDestination) // loopback, reserved or interface-local scope
		return
	}
	// In transit Linux reads no extension header but Hop-by-Hop: the
	// rest of the chain is the destination's (ip6Exthdrs).
	c, _ := ip.Walk(maxExtHeaders)
	pk.chain = c
	if ip.NextHeader() == header.ProtoHopByHop && !c.HopByHop {
		w.drop(pk, ReasonOf(header.ReasonTruncated)) // ipv6_parse_hopopts
		return
	}
	if c.HopByHop {
		sc := w.snap.Sysctl()
		if f := tlvOptions(ip, header.IPv6Len, true, dst.IsMulticast(), sc.MaxHBHOptsNumber, sc.MaxHBHLength); f.r != none {
			w.refuseExt(pk, f)
			return
		}
	}
	ndp := c.Proto == header.ProtoICMPv6 && c.Offset < len(ip) && header.IsNDP(ip[c.Offset])
	switch {
	case dst.IsMulticast():
		if !joinedGroup(pk.link, dst) {
			w.drop(pk, ReasonMulticast)
			return
		}
		pk.group = true
	case dst.IsLinkLocalUnicast():
		if !hasAddr(pk.link, dst) {
			w.drop(pk, ReasonLinkLocal) // never routed off its link
			return
		}
		pk.local = true
	case ndp && hasAddr(pk.link, dst):
		pk.local = true
	default:
		w.ip6RouteInput(pk, ip)
		return
	}
	w.ip6LocalDeliver(pk, pk.dom)
}

// ip6RouteInput takes the input route of a unicast packet
// (control.Router.Input, the decision `route get ... iif` reports) and
// sends it on. Reject routes answer whether or not forwarding is on
// (ip6_pkt_discard is their input), blackholes drop silently.
func (w *worker) ip6RouteInput(pk *packet, ip header.IPv6) {
	c := pk.chain
	f := rule.Flow{Src: ip.Src(), Dst: ip.Dst(), Iif: pk.iif, Tos: ip.TrafficClass() & 0xfc, IPProto: c.Proto}
	if c.Offset < len(ip) {
		f.Sport, f.Dport = ports(c.Proto, ip[c.Offset:])
	}
	in := w.routeInput(pk, &f, ip)
	if in.Refused != control.Accepted {
		w.refused(pk, in)
		return
	}
	switch in.Type {
	case fib.TypeLocal, fib.TypeAnycast:
		// An anycast address answers from a unicast one: not local.
		pk.local = in.Type == fib.TypeLocal
		w.ip6LocalDeliver(pk, pk.dom)
	case fib.TypeUnicast:
		// ip6_forward's own check, after the route.
		if !w.snap.Sysctl().IPv6Forwarding {
			w.drop(pk, ReasonForwardingDisabled)
			return
		}
		// ip6_forward forwards only what was sent to our MAC (RFC 1812
		// §5.3.4); ip6_rcv_core delivers the rest, to us, with
		// drop_unicast_in_l2_multicast off.
		if pk.l2 != pktHost {
			w.drop(pk, ReasonL2BroadcastUnicast)
			return
		}
		w.ip6Forward(pk, &in.Res)
	default:
		w.drop(pk, ReasonMartianDestination)
	}
}
