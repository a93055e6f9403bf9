package dataplane

import (
	"slices"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/rule"
)

// maxExtHeaders bounds the extension headers a packet may carry; beyond
// it the packet is refused with Parameter Problem code 8 (RFC 8883).
const maxExtHeaders = 16

// ipv6Rcv is ipv6_rcv and ip6_rcv_finish up to the route: the fixed
// header (RFC 8200 §3), martian addresses (RFC 4291; ip6_rcv_core), the
// extension chain and Hop-by-Hop options, groups the port joined, NDP,
// link-local destinations, then the input route in the port's VRF.
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
	c, prob := ip.Walk(maxExtHeaders)
	pk.chain = c
	if !prob.OK() {
		w.paramProblem(pk, prob)
		return
	}
	if c.HopByHop {
		if r, ptr := hopByHop(ip, dst.IsMulticast(), w.snap.Sysctl()); r != none {
			if ptr == 0 {
				w.drop(pk, r)
			} else {
				w.refuse(pk, r, header.ICMPv6ParamProblem, header.ICMPv6ParamOption, ptr)
			}
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
	case pk.l2 != pktHost:
		w.drop(pk, ReasonL2BroadcastUnicast)
		return
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
	if ndp {
		w.ndiscRcv(pk, ip)
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
	in := &w.in
	w.router.Input(w.snap, &f, ip, in)
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
		w.ip6Forward(pk, in.Res)
	default:
		w.drop(pk, ReasonMartianDestination)
	}
}

// hopByHop checks the Hop-by-Hop header (RFC 8200 §4.2; Linux's
// ipv6_parse_hopopts and ip6_parse_tlv) within the bounds sc sets. A
// header longer than max_hbh_length, more options than
// max_hbh_opts_number (padding aside), more than 7 octets of padding in
// a row (RFC 4942 §2.1.9.5) or a PadN whose octets are not all zero is
// dropped, as is a Router Alert of the wrong length; the other known
// options pass, and a jumbogram is refused (govrf takes none). An unknown
// option acts by its type's two high bits: skip, drop, or drop and
// answer Parameter Problem code 2 at the option (the last only to a
// unicast destination); with max_hbh_opts_number negative, any unknown
// option is dropped. It returns the reason to refuse the packet and,
// when an error is owed, the option's offset.
func hopByHop(ip header.IPv6, multicast bool, sc *control.Sysctl) (Reason, uint32) {
	const start = header.IPv6Len + 2
	end := header.IPv6Len + (int(ip[header.IPv6Len+1])+1)*8
	if end-header.IPv6Len > sc.MaxHBHLength {
		return ReasonHopByHopOption, 0
	}
	maxOpts, strict := sc.MaxHBHOptsNumber, sc.MaxHBHOptsNumber < 0
	if strict {
		maxOpts = -maxOpts
	}
	pad, opts := 0, 0
	for i := start; i < end; {
		t := ip[i]
		if t == 0 { // Pad1
			if pad++; pad > 7 {
				return ReasonHopByHopOption, 0
			}
			i++
			continue
		}
		if i+2 > end || i+2+int(ip[i+1]) > end {
			return ReasonOf(header.ReasonTruncated), 0
		}
		n := 2 + int(ip[i+1])
		if t == 0x01 { // PadN: padding, zeros only
			if pad += n; pad > 7 || slices.ContainsFunc(ip[i+2:i+n], func(b byte) bool { return b != 0 }) {
				return ReasonHopByHopOption, 0
			}
			i += n
			continue
		}
		if opts++; opts > maxOpts {
			return ReasonHopByHopOption, 0
		}
		pad = 0
		switch t {
		case 0x05: // Router Alert: a 16-bit value
			if n != 4 {
				return ReasonHopByHopOption, 0
			}
		case 0x07, 0x31: // CALIPSO, IOAM
		case 0xc2: // Jumbo Payload (RFC 2675)
			return ReasonHopByHopOption, 0
		default:
			switch {
			case strict:
				return ReasonHopByHopOption, 0
			case t>>6 == 1:
				return ReasonHopByHopOption, 0
			case t>>6 == 2:
				return ReasonHopByHopOption, uint32(i)
			case t>>6 == 3:
				if multicast {
					return ReasonHopByHopOption, 0
				}
				return ReasonHopByHopOption, uint32(i)
			}
		}
		i += n
	}
	return none, 0
}
